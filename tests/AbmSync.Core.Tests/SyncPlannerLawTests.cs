using AbmSync.Core.Mapping;
using AbmSync.Core.Sync;

namespace AbmSync.Core.Tests;

/// <summary>
/// The planner's law: once a plan's writes are applied and its baselines stored, planning again finds nothing to do.
/// Checked over seeded random mappings, values and baselines (a failure names its case, and the seed replays it).
/// </summary>
public class SyncPlannerLawTests
{
    const int Cases = 4000;

    /// <summary>A kind of field the generator can make: its transform, value map, kinds and the values each side may hold.</summary>
    sealed record Profile(
        FieldTransform Transform, IReadOnlyDictionary<string, string>? Values, FieldKind SalesforceKind, FieldKind HubSpotKind,
        string?[] SalesforceValues, string?[] HubSpotValues);

    static readonly string?[] Numbers = ["5000000.00", "5000000", "5e6", "12.5", "12.50", "0", "-0.00", "abc", "", null];
    static readonly string?[] Booleans = ["true", "True", "FALSE", "false", "1", "0", "", null];
    static readonly string?[] DateTimes =
        ["2026-11-25T10:00:00.000+0000", "2026-11-25T10:00:00Z", "2026-11-25T11:00:00+01:00", "1795600800000", "2026-11-30T09:00:00.000-0500", "", null];
    static readonly string?[] Texts = ["Acme", "acme", " Acme ", "ACME", "Globex", "", null];

    static readonly Dictionary<string, string> Stages = new()
    {
        ["Prospecting"] = "appointmentscheduled",
        ["Qualification"] = "qualifiedtobuy",
        ["Needs Analysis"] = "qualifiedtobuy",
        ["Closed Won"] = "closedwon",
        ["Other"] = "",
    };

    static readonly Dictionary<string, string> StagesWithFallback = new(Stages) { ["*"] = "other" };

    static readonly string?[] SalesforceStages = ["Prospecting", "Qualification", "Needs Analysis", "Closed Won", "Other", "Unknown", "", null];
    static readonly string?[] HubSpotStages = ["appointmentscheduled", "qualifiedtobuy", "closedwon", "presentationscheduled", "other", "", null];

    static readonly Profile[] Profiles =
    [
        new(FieldTransform.None, null, FieldKind.Text, FieldKind.Text, Texts, Texts),
        new(FieldTransform.Trim, null, FieldKind.Text, FieldKind.Text, Texts, Texts),
        new(FieldTransform.Lower, null, FieldKind.Text, FieldKind.Text, Texts, Texts),
        new(FieldTransform.Upper, null, FieldKind.Text, FieldKind.Text, Texts, Texts),
        new(FieldTransform.Domain, null, FieldKind.Text, FieldKind.Text,
            ["https://www.acme.com/", "acme.com", "ACME.com", "shop.globex.co.uk", "not a domain", "", null],
            ["acme.com", "www.acme.com", "globex.co.uk", "not a domain", "", null]),
        new(FieldTransform.None, null, FieldKind.Number, FieldKind.Number, Numbers, Numbers),
        new(FieldTransform.None, null, FieldKind.Number, FieldKind.Text, Numbers, Numbers),
        new(FieldTransform.None, null, FieldKind.Boolean, FieldKind.Boolean, Booleans, Booleans),
        new(FieldTransform.None, null, FieldKind.DateTime, FieldKind.DateTime, DateTimes, DateTimes),
        new(FieldTransform.Date, null, FieldKind.Date, FieldKind.DateTime, ["2026-11-25", "2026-11-30", "", null], DateTimes),
        new(FieldTransform.Date, null, FieldKind.DateTime, FieldKind.Date, DateTimes, ["2026-11-25", "2026-11-30", "1795600800000", "", null]),
        new(FieldTransform.None, Stages, FieldKind.Picklist, FieldKind.Picklist, SalesforceStages, HubSpotStages),
        new(FieldTransform.None, StagesWithFallback, FieldKind.Picklist, FieldKind.Picklist, SalesforceStages, HubSpotStages),
        new(FieldTransform.Trim, Stages, FieldKind.Picklist, FieldKind.Picklist, [.. SalesforceStages, " Closed Won "], HubSpotStages),
        new(FieldTransform.None, new Dictionary<string, string> { ["true"] = "Yes", ["false"] = "No" }, FieldKind.Boolean, FieldKind.Text,
            Booleans, ["Yes", "No", "Maybe", "", null]),
        new(FieldTransform.Owner, null, FieldKind.Reference, FieldKind.Reference,
            ["005A", "005B", "005C", "005X", "", null], ["77", "88", "99", "", null]),
    ];

    // 005C shares HubSpot owner 77 with 005A (one person, two Salesforce users); 005X and 99 have no counterpart.
    static readonly OwnerMap Owners = new(
        sf => sf switch { "005A" or "005C" => "77", "005B" => "88", _ => null },
        hs => hs switch { "77" => "005A", "88" => "005B", _ => null });

    static readonly DateTimeOffset Base = new(2026, 11, 30, 9, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Plan_AppliedThenPlannedAgain_IsEmpty()
    {
        var random = new Random(20261201);
        var failures = new List<string>();
        var seen = new Dictionary<string, int>();
        for (var i = 0; i < Cases && failures.Count < 5; i++)
        {
            var (context, input) = Generate(random);
            var first = SyncPlanner.Plan(context, input);
            Count(seen, first);
            var applied = Apply(input, first);
            var second = SyncPlanner.Plan(context, applied);
            if (!second.IsEmpty || second.Conflicts.Count > 0)
            {
                failures.Add(Describe(i, context, input, first, applied, second));
            }
        }
        Assert.True(failures.Count == 0, string.Join("\n\n", failures));
        // The law holds vacuously for plans that do nothing: the generator must reach every kind of outcome.
        foreach (var outcome in new[] { "writes", "conflict", "uncertain", "correction", "create", PlanNote.OwnerUnmapped, PlanNote.ValueUnmapped })
        {
            Assert.True(seen.GetValueOrDefault(outcome) >= 20, $"only {seen.GetValueOrDefault(outcome)} first plans with {outcome}");
        }
    }

    static void Count(Dictionary<string, int> seen, RecordPlan plan)
    {
        var outcomes = new (string Name, bool Seen)[]
        {
            ("writes", !plan.IsEmpty),
            ("conflict", plan.Conflicts.Count > 0),
            ("uncertain", plan.Conflicts.Any(c => c.Uncertain)),
            ("correction", plan.Corrections.Count > 0),
            ("create", plan.Link.Kind is LinkActionKind.CreateInHubSpot or LinkActionKind.CreateInSalesforce),
        }.Where(o => o.Seen).Select(o => o.Name).Concat(plan.Notes.Select(n => n.Code).Distinct());
        foreach (var outcome in outcomes)
        {
            seen[outcome] = seen.GetValueOrDefault(outcome) + 1;
        }
    }

    [Fact]
    public void Plan_SameInputTwice_GivesTheSamePlan()
    {
        var random = new Random(7);
        for (var i = 0; i < 500; i++)
        {
            var (context, input) = Generate(random);
            var a = SyncPlanner.Plan(context, input);
            var b = SyncPlanner.Plan(context, input);
            Assert.Equal(a.HubSpotWrites, b.HubSpotWrites);
            Assert.Equal(a.SalesforceWrites, b.SalesforceWrites);
            Assert.Equal(a.Conflicts, b.Conflicts);
        }
    }

    static (PlanContext, PlanInput) Generate(Random random)
    {
        var count = random.Next(1, 6);
        var fields = new List<FieldMapping>();
        var sfKinds = new Dictionary<string, FieldKind>();
        var hsKinds = new Dictionary<string, FieldKind>();
        var sfValues = new Dictionary<string, string?>();
        var hsValues = new Dictionary<string, string?>();
        var sfBase = new Dictionary<string, string?>();
        var hsBase = new Dictionary<string, string?>();
        var sfTimes = new Dictionary<string, DateTimeOffset>();
        var hsTimes = new Dictionary<string, DateTimeOffset>();
        for (var f = 0; f < count; f++)
        {
            var profile = Profiles[random.Next(Profiles.Length)];
            var direction = (SyncDirection)random.Next(4);
            var policy = (ConflictPolicy)random.Next(5);
            var (sf, hs) = ($"F{f}__c", $"p{f}");
            fields.Add(Plans.Field(sf, hs, direction, direction == SyncDirection.TwoWay ? policy : null, profile.Transform, profile.Values));
            sfKinds[sf] = profile.SalesforceKind;
            hsKinds[hs] = profile.HubSpotKind;
            sfValues[sf] = Pick(random, profile.SalesforceValues);
            hsValues[hs] = Pick(random, profile.HubSpotValues);
            // A baseline is absent, the current value (unchanged), or any value of the pool.
            switch (random.Next(3))
            {
                case 0: break;
                case 1: sfBase[sf] = sfValues[sf]; break;
                default: sfBase[sf] = Pick(random, profile.SalesforceValues); break;
            }
            switch (random.Next(3))
            {
                case 0: break;
                case 1: hsBase[hs] = hsValues[hs]; break;
                default: hsBase[hs] = Pick(random, profile.HubSpotValues); break;
            }
            if (random.Next(2) == 0)
            {
                sfTimes[sf] = Base.AddMinutes(random.Next(3) * 30);
            }
            if (random.Next(3) > 0)
            {
                hsTimes[hs] = Base.AddMinutes(random.Next(3) * 30);
            }
        }
        RuleValues? rules = null;
        if (random.Next(2) == 0)
        {
            string?[] tiers = ["Tier 1", "Tier 2", "", null];
            rules = new RuleValues(Plans.Values(("Tier__c", Pick(random, tiers))), Plans.Values(("abm_tier", Pick(random, tiers))));
            sfValues["Tier__c"] = Pick(random, tiers);
            hsValues["abm_tier"] = Pick(random, tiers);
        }
        var mapping = Plans.Mapping((DeletePolicy)random.Next(3), [.. fields]);
        var context = new PlanContext(mapping, Plans.Now, Owners, sfKinds, hsKinds, random.Next(4) > 0, random.Next(4) > 0,
            (ConflictPolicy)random.Next(5));
        var sfRecord = new SideRecord("001", sfValues, false, Base.AddMinutes(random.Next(3) * 30), random.Next(2) == 0,
            random.Next(4) == 0 ? null : sfTimes);
        var hsRecord = new SideRecord("9", hsValues, false, Base.AddMinutes(random.Next(3) * 30), random.Next(2) == 0,
            random.Next(5) == 0 ? null : hsTimes);
        var input = random.Next(10) switch
        {
            0 => new PlanInput(sfRecord, null, LinkState.Unlinked, Plans.Baselines(sfBase), rules),
            1 => new PlanInput(null, hsRecord, LinkState.Unlinked, Plans.Baselines(null, hsBase), rules),
            2 => new PlanInput(sfRecord, hsRecord, LinkState.Unlinked, FieldBaselines.Empty, rules),
            _ => new PlanInput(sfRecord, hsRecord, LinkState.Linked, new FieldBaselines(sfBase, hsBase), rules),
        };
        return (context, input);
    }

    static string? Pick(Random random, string?[] pool) => pool[random.Next(pool.Length)];

    /// <summary>What the runner does with a plan: writes land (a create makes the record) and the baselines are stored.</summary>
    static PlanInput Apply(PlanInput input, RecordPlan plan)
    {
        static SideRecord? Written(SideRecord? record, IReadOnlyDictionary<string, string?> writes, bool create, string id)
        {
            if (record is null)
            {
                return create ? new SideRecord(id, new Dictionary<string, string?>(writes), LastModifiedByUs: true) : null;
            }
            var values = new Dictionary<string, string?>(record.Values);
            foreach (var (name, value) in writes)
            {
                values[name] = value;
            }
            return record with { Values = values };
        }
        var created = plan.Link.Kind is LinkActionKind.CreateInHubSpot or LinkActionKind.CreateInSalesforce;
        return input with
        {
            Salesforce = Written(input.Salesforce, plan.SalesforceWrites, plan.Link.Kind == LinkActionKind.CreateInSalesforce, "001-new"),
            HubSpot = Written(input.HubSpot, plan.HubSpotWrites, plan.Link.Kind == LinkActionKind.CreateInHubSpot, "9-new"),
            Link = created || input.Salesforce is not null && input.HubSpot is not null ? LinkState.Linked : input.Link,
            Baselines = plan.NewBaselines,
        };
    }

    static string Describe(int i, PlanContext context, PlanInput input, RecordPlan first, PlanInput applied, RecordPlan second)
    {
        static string Dict<T>(IReadOnlyDictionary<string, T>? d) =>
            d is null ? "null" : "{" + string.Join(", ", d.Select(kv => $"{kv.Key}={kv.Value?.ToString() ?? "∅"}")) + "}";
        var fields = string.Join("; ", context.Mapping.Fields.Select(f =>
            $"{f.Salesforce}<->{f.HubSpot} {f.Direction} {f.Conflict} {f.Transform} map={(f.Values is null ? "-" : f.Values.Count.ToString(System.Globalization.CultureInfo.InvariantCulture))}"));
        return $"""
            case {i}: {fields}
              link {input.Link} fallback {context.LatestWinsFallback}
              sf {Dict(input.Salesforce?.Values)} base {Dict(input.Baselines.Salesforce)}
              hs {Dict(input.HubSpot?.Values)} base {Dict(input.Baselines.HubSpot)}
              plan1 {first.Link} sfW {Dict(first.SalesforceWrites)} hsW {Dict(first.HubSpotWrites)} conflicts {first.Conflicts.Count}
              applied sf {Dict(applied.Salesforce?.Values)} base {Dict(applied.Baselines.Salesforce)}
              applied hs {Dict(applied.HubSpot?.Values)} base {Dict(applied.Baselines.HubSpot)}
              plan2 sfW {Dict(second.SalesforceWrites)} hsW {Dict(second.HubSpotWrites)} conflicts {string.Join(" | ", second.Conflicts.Select(c => c.Reason))}
            """;
    }
}

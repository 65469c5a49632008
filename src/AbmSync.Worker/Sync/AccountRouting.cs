using System.Globalization;
using System.Text.Json;
using AbmSync.Connectors.Salesforce;
using AbmSync.Core.Accounts;
using AbmSync.Core.Routing;
using AbmSync.Core.Sync;
using AbmSync.Worker.State;

namespace AbmSync.Worker.Sync;

/// <summary>
/// The accounts' routing: territory, pod, owner, SDR and marketer of every account on the list, decided over the
/// whole book once the tiers are (capacity only means something over all of it), the tiers' per-owner caps then
/// checked once more with the routed owners. The book is this run's reads over the rules' snapshot. An owner
/// assignment goes to the ledger before the page writes it (<see cref="LedgerBeforeWrite"/>), so a run that stops
/// after the write, or a job delivered twice, replays it instead of assigning again; a person's change made after
/// it is held by <see cref="OwnerRouter"/>.
/// </summary>
public sealed class AccountRouting(OwnerRouter router, TierRules tiers) : PairRules
{
    public const string Kind = "routing";

    readonly Dictionary<string, AccountProfile> profiles = new(StringComparer.Ordinal);
    readonly Dictionary<string, (string? Sdr, string? Marketer, string? Reason)> current = new(StringComparer.Ordinal);
    readonly Dictionary<string, LedgerEntry> written = new(StringComparer.Ordinal);
    IReadOnlyDictionary<string, SalesUser> users = new Dictionary<string, SalesUser>();
    IReadOnlyList<Pod> pods = [];
    OwnerMap? owners;
    Dictionary<string, RoutingDecision>? routes;

    public OwnerRouter Router => router;
    public IReadOnlyList<Pod> Pods => pods;

    /// <summary>The Salesforce fields a territory can test, by the canonical names rules use.</summary>
    static readonly IReadOnlyDictionary<string, string> TerritoryFields = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["name"] = "Name", ["domain"] = "Website", ["industry"] = "Industry", ["employees"] = "NumberOfEmployees",
        ["revenue"] = "AnnualRevenue", ["country"] = "BillingCountry", ["city"] = "BillingCity", ["type"] = "Type",
    };

    public override IReadOnlyList<string> SalesforceInputs =>
    [
        .. new[] { AbmFields.SalesforceOwner, AbmFields.SalesforceSdr, AbmFields.SalesforceMarketer, AbmFields.SalesforceRoutingReason }
            .Concat(router.Rules.Territories.SelectMany(t => t.When).Select(c => TerritoryFields.GetValueOrDefault(c.Field) ?? AccountProfile.SalesforceField(c.Field)).OfType<string>())
            .Distinct(StringComparer.OrdinalIgnoreCase),
    ];

    public override IReadOnlyList<string> SalesforceOutputs { get; } =
        [AbmFields.SalesforceOwner, AbmFields.SalesforceSdr, AbmFields.SalesforceMarketer, AbmFields.SalesforceRoutingReason];

    public override IReadOnlyList<string> HubSpotProperties { get; } = [AbmFields.HubSpotOwner, AbmFields.HubSpotSdr, AbmFields.HubSpotMarketer];

    IReadOnlyList<Core.Rules.TierCriterion> Criteria =>
        [.. tiers.Criteria, .. router.Rules.Territories.SelectMany(t => t.When)];

    public override async Task LoadAsync(RulesSnapshot snapshot)
    {
        foreach (var entry in await snapshot.Store.CurrentDecisionsAsync(ObjectPairs.Accounts, Kind))
        {
            written[entry.RecordId] = entry;
        }
        await foreach (var row in snapshot.Store.RuleSubjectsAsync(ObjectPairs.Accounts))
        {
            Remember(row.RecordId, f => row.Fields.GetValueOrDefault(f));
        }
        owners = snapshot.Owners;
        if (owners?.Users is { Count: > 0 } roster)
        {
            users = roster;
        }
        else
        {
            var stored = new Dictionary<string, SalesUser>(StringComparer.Ordinal);
            await foreach (var row in snapshot.Store.RuleSubjectsAsync(StateStore.UsersSubject))
            {
                stored[row.RecordId] = OwnerDirectory.FromSnapshot(row);
            }
            users = stored;
        }
        pods = PodRoster.Resolve(router.Rules, [.. users.Values]);
        routes = null;
    }

    void Remember(string id, Func<string, string?> field)
    {
        profiles[id] = TierRules.Profile(id, field, Criteria);
        current[id] = (field(AbmFields.SalesforceSdr), field(AbmFields.SalesforceMarketer), field(AbmFields.SalesforceRoutingReason));
    }

    public override void Observe(SObjectRecord record)
    {
        Remember(record.Id!, record.GetString);
        Invalidate();
    }

    public override bool Exclude(string salesforceId, string reason)
    {
        // Off the list, it takes no capacity; what routing wrote stays (a person may still work the account).
        profiles.Remove(salesforceId);
        current.Remove(salesforceId);
        Invalidate();
        return false;
    }

    void Invalidate()
    {
        routes = null;
        tiers.UseRoutedOwners(null);
    }

    /// <summary>Every account's routing, the tiers decided first and checked again over the routed owners.</summary>
    public IReadOnlyDictionary<string, RoutingDecision> Decide()
    {
        if (routes is not null)
        {
            return routes;
        }
        tiers.UseRoutedOwners(null);
        var inputs = new List<RoutingInput>();
        foreach (var (id, d) in tiers.Decide())
        {
            // An account the snapshot does not hold yet (an upgrade's first incremental run) is routed once it is read.
            if (!profiles.TryGetValue(id, out var profile))
            {
                continue;
            }
            var (sdr, marketer, _) = current[id];
            inputs.Add(new RoutingInput(profile, d.Tier, d.Score, d.Locked, sdr, marketer, written.TryGetValue(id, out var prior) ? PriorOf(prior) : null));
        }
        routes = new Dictionary<string, RoutingDecision>(StringComparer.Ordinal);
        foreach (var decision in router.Route(inputs, pods, users))
        {
            routes[decision.AccountId] = Stable(decision);
        }
        tiers.UseRoutedOwners(routes.ToDictionary(r => r.Key, r => r.Value.Owner, StringComparer.Ordinal));
        return routes;
    }

    /// <summary>
    /// A decision that names the same people, territory, pod and conflicts as the ledger's keeps the ledger's rule and
    /// reason: the run after an assignment sees the owner as kept, and its reason must not be rewritten for that.
    /// </summary>
    RoutingDecision Stable(RoutingDecision d)
    {
        if (written.TryGetValue(d.AccountId, out var prior) && prior.Value == d.Owner && Facts(prior) is { } before
            && before.Sdr == d.Sdr && before.Marketer == d.Marketer && before.Territory == d.Territory && before.Pod == d.Pod
            && before.Conflicts.SequenceEqual(d.Conflicts.Select(c => c.Kind)) && before.Rule is { } rule)
        {
            return d with { Rule = rule, Reason = prior.Reason };
        }
        return d;
    }

    /// <summary>What the ledger keeps of a routing decision: the people, and whose values they replaced (a replay's line).</summary>
    public sealed record RoutingFacts(string? Territory, string? Pod, string? Owner, string? Sdr, string? Marketer, string? Rule,
        IReadOnlyList<string> Conflicts, string? ReplacedOwner, string? ReplacedSdr, string? ReplacedMarketer);

    public static RoutingFacts? Facts(LedgerEntry entry) =>
        entry.Inputs is { } json ? JsonSerializer.Deserialize<RoutingFacts>(json) : null;

    static PriorRouting? PriorOf(LedgerEntry entry) => Facts(entry) is { } f
        ? new PriorRouting(f.Owner, f.Sdr, f.Marketer) { ReplacedOwner = f.ReplacedOwner, ReplacedSdr = f.ReplacedSdr, ReplacedMarketer = f.ReplacedMarketer }
        : null;

    static RoutingFacts FactsOf(RoutingDecision d, RoutingFacts? before)
    {
        var prior = d.ToPrior();
        // A decision that replays or keeps ours still replaces what was there before it: the line stays drawn.
        return new RoutingFacts(d.Territory, d.Pod, d.Owner, d.Sdr, d.Marketer, d.Rule, [.. d.Conflicts.Select(c => c.Kind)],
            prior.ReplacedOwner ?? (before?.Owner == d.Owner ? before?.ReplacedOwner : null),
            prior.ReplacedSdr ?? (before?.Sdr == d.Sdr ? before?.ReplacedSdr : null),
            prior.ReplacedMarketer ?? (before?.Marketer == d.Marketer ? before?.ReplacedMarketer : null));
    }

    /// <summary>Accounts not read whose owner, SDR, marketer or reason on the record is not routing's.</summary>
    public override IEnumerable<string> Moved()
    {
        foreach (var (id, d) in Decide())
        {
            var (sdr, marketer, reason) = current[id];
            if (d.OwnerChanged || sdr != d.Sdr || marketer != d.Marketer || reason != Reason(d))
            {
                yield return id;
            }
        }
    }

    static string Reason(RoutingDecision d) => d.Reason.Length <= RoutingDecision.ReasonMaxLength ? d.Reason : d.Reason[..RoutingDecision.ReasonMaxLength];

    public override RuleValues? ValuesFor(string salesforceId)
    {
        if (!Decide().TryGetValue(salesforceId, out var d))
        {
            return null;
        }
        var salesforce = new Dictionary<string, string?>(StringComparer.Ordinal)
        {
            [AbmFields.SalesforceSdr] = d.Sdr,
            [AbmFields.SalesforceMarketer] = d.Marketer,
            [AbmFields.SalesforceRoutingReason] = Reason(d),
        };
        var hubSpot = new Dictionary<string, string?>(StringComparer.Ordinal)
        {
            [AbmFields.HubSpotSdr] = d.Sdr is { } s ? owners?.HubSpotOwnerOf(s) : null,
            [AbmFields.HubSpotMarketer] = d.Marketer is { } m ? owners?.HubSpotOwnerOf(m) : null,
        };
        // The owner only where routing changes it: otherwise the mapping carries it, as it carries a person's choice.
        if (d.OwnerChanged && d.Owner is { } owner)
        {
            salesforce[AbmFields.SalesforceOwner] = owner;
            if (owners?.HubSpotOwnerOf(owner) is { } hubSpotOwner)
            {
                hubSpot[AbmFields.HubSpotOwner] = hubSpotOwner;
            }
        }
        return new RuleValues(salesforce, hubSpot);
    }

    public override IReadOnlyList<LedgerEntry> LedgerBeforeWrite(RuleSubject subject, long runId, DateTimeOffset now, string rulesHash) =>
        subject.SalesforceId is { } id ? Entries(id, runId, now, rulesHash) : [];

    public override IReadOnlyList<LedgerEntry> LedgerBeforeFirstWrite(long runId, DateTimeOffset now, string rulesHash) =>
        [.. Decide().Keys.Order(StringComparer.Ordinal).SelectMany(id => Entries(id, runId, now, rulesHash))];

    // Normally appended before the write; a page whose pre-write append was skipped still records it with the commit.
    public override IReadOnlyList<LedgerEntry> LedgerFor(string salesforceId, long runId, DateTimeOffset now, string rulesHash) =>
        Entries(salesforceId, runId, now, rulesHash);

    IReadOnlyList<LedgerEntry> Entries(string id, long runId, DateTimeOffset now, string rulesHash)
    {
        if (!Decide().TryGetValue(id, out var d))
        {
            return [];
        }
        written.TryGetValue(id, out var prior);
        var before = prior is null ? null : Facts(prior);
        var facts = FactsOf(d, before);
        var inputs = JsonSerializer.Serialize(facts);
        if (prior is not null && prior.Value == d.Owner && prior.Inputs == inputs && prior.Reason == Reason(d))
        {
            return [];
        }
        return [new LedgerEntry(0, ObjectPairs.Accounts, id, Kind, d.Owner, prior?.Value, Reason(d), inputs, rulesHash, d.Rule, runId, now)];
    }

    public override void Committed(LedgerEntry entry)
    {
        if (entry.Kind == Kind)
        {
            written[entry.RecordId] = entry;
        }
    }

    /// <summary>The owner routing decided for an account (pending or written), or the owner read; null when unknown.</summary>
    public string? OwnerOf(string accountId) =>
        Decide().TryGetValue(accountId, out var d) ? d.Owner : profiles.GetValueOrDefault(accountId)?.OwnerId;

    public override IReadOnlyList<string> Report()
    {
        var decisions = Decide().Values.ToList();
        if (decisions.Count == 0)
        {
            return [];
        }
        var byRule = decisions.GroupBy(d => d.Rule).OrderByDescending(g => g.Count()).ThenBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => string.Create(CultureInfo.InvariantCulture, $"{g.Key} {g.Count()}"));
        var inPods = decisions.Where(d => d.Pod is not null).GroupBy(d => d.Pod!).Count();
        var lines = new List<string>
        {
            string.Create(CultureInfo.InvariantCulture,
                $"routing: {decisions.Count} accounts in {inPods} pods ({string.Join(", ", byRule)}); {decisions.Count(d => d.OwnerChanged)} owners, {decisions.Count(d => d.SdrChanged)} SDRs, {decisions.Count(d => d.MarketerChanged)} marketers to write"),
        };
        var conflicts = decisions.SelectMany(d => d.Conflicts).GroupBy(c => c.Kind).OrderBy(g => g.Key, StringComparer.Ordinal).ToList();
        if (conflicts.Count > 0)
        {
            lines.Add("routing conflicts: " + string.Join("; ", conflicts.Select(g => string.Create(CultureInfo.InvariantCulture,
                $"{g.Key} {g.Count(c => c.Realigned)} realigned, {g.Count(c => !c.Realigned)} flagged"))));
        }
        var gaps = pods.Where(p => decisions.Any(d => d.Pod == p.Name))
            .SelectMany(p => new[]
            {
                p.Members.Any(m => m.Role == PodRole.AccountExecutive && m.Active) ? null : $"{p.Name}: no active AE",
                p.Members.Any(m => m.Role == PodRole.Sdr && m.Active) ? null : $"{p.Name}: no active SDR",
                p.Members.Any(m => m.Role == PodRole.Marketer && m.Active) ? null : $"{p.Name}: no active marketer",
            }).OfType<string>().ToList();
        if (gaps.Count > 0)
        {
            lines.Add("pods to staff: " + string.Join("; ", gaps));
        }
        return lines;
    }
}

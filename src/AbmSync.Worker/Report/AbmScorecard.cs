using System.Globalization;
using System.Text.Json;
using AbmSync.Core.Engagement;
using AbmSync.Core.Rules;
using AbmSync.Worker.State;
using AbmSync.Worker.Sync;

namespace AbmSync.Worker.Report;

/// <summary>One chart of the scorecard: its <c>data-chart</c> name, its title, its bars, what it says with none, and a note on how it was measured.</summary>
public sealed record ScorecardChart(string Name, string Title, IReadOnlyList<ChartBar> Bars, string NoneMessage, string? Note = null);

/// <summary>
/// A Tier 1 or Tier 2 account the weekly review looks at: why (<see cref="Flags"/>: advanced, stalled,
/// intervention) and in words (<see cref="Reason"/>), with whoever owns, prospects and markets to it.
/// </summary>
public sealed record ReviewAccount(string AccountId, string Name, string Tier, string Owner, string Sdr, string Marketer,
    IReadOnlyList<string> Flags, string Reason);

/// <summary>A Tier 1 account as the scorecard lists it.</summary>
public sealed record TierOneAccount(string AccountId, string Name, string Owner, string? Stage, decimal? Engagement);

/// <summary>
/// Everything the weekly scorecard page shows, gathered from the state store at <see cref="GeneratedAt"/> over the
/// <see cref="Days"/> days since <see cref="Since"/>. <see cref="Influence"/> is null when no opportunity carries a
/// marketing-influence decision: the page says none is recorded rather than drawing a share of nothing.
/// </summary>
public sealed record ScorecardData(
    DateTimeOffset GeneratedAt, DateTimeOffset Since, int Days, int TieredAccounts, int UntieredAccounts,
    ScorecardChart Tiers, ScorecardChart Stages, ScorecardChart TierMoves, ScorecardChart Engagement, ScorecardChart Coverage,
    ScorecardChart Pipeline, ScorecardChart WinRate, ScorecardChart Cycle, ScorecardChart? Influence,
    int Opportunities, string AmountNote, IReadOnlyList<ReviewAccount> Review, IReadOnlyList<TierOneAccount> TierOne);

/// <summary>
/// The weekly ABM scorecard (<c>abmsync report --out</c>; the web worker's <c>/report</c>): figures from the state
/// store alone, no API call. Current tiers come from the decision table; stages, engagement, coverage, routing and
/// the opportunities' facts from each record's latest ledger entry; tier moves and stage advances from the ledger
/// over the period; names from the rules' snapshot. A figure the store holds nothing for says so.
/// </summary>
public sealed class AbmScorecard(StateStore store, TimeProvider time)
{
    public const int DefaultDays = 7;

    /// <summary>The review flags, as <c>data-flags</c> carries them.</summary>
    public const string Advanced = "advanced";
    public const string Stalled = "stalled";
    public const string Intervention = "intervention";

    const string NoTier = "No tier";

    public async Task<string> RenderPageAsync(int days = DefaultDays) => ScorecardPage.Render(await GatherAsync(days));

    public async Task<ScorecardData> GatherAsync(int days = DefaultDays)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(days, 1);
        var inv = CultureInfo.InvariantCulture;
        var now = time.GetUtcNow();
        var since = now.AddDays(-days);

        var names = new Dictionary<string, IReadOnlyDictionary<string, string?>>(StringComparer.Ordinal);
        await foreach (var row in store.RuleSubjectsAsync(ObjectPairs.Accounts))
        {
            names[row.RecordId] = row.Fields;
        }
        var users = new Dictionary<string, string>(StringComparer.Ordinal);
        await foreach (var row in store.RuleSubjectsAsync(StateStore.UsersSubject))
        {
            var user = OwnerDirectory.FromSnapshot(row);
            users[user.UserId] = user.Name is { Length: > 0 } name ? name : user.Email is { Length: > 0 } email ? email : user.UserId;
        }
        string Person(string? id) => id is null ? "none" : users.GetValueOrDefault(id) ?? id;
        string NameOf(string id) => names.GetValueOrDefault(id)?.GetValueOrDefault("Name") is { Length: > 0 } n ? n : id;

        // The decision table is what tier caps count over: the list as it stands.
        var onList = (await store.GetDecisionsAsync(ObjectPairs.Accounts, TierRules.Kind)).Where(d => d.Detail != TierRules.OffListDetail).ToList();
        var tierOf = onList.Where(d => d.Value is not null).ToDictionary(d => d.RecordId, d => d.Value!, StringComparer.Ordinal);
        var tierNames = TierNames(tierOf.Values);
        var routing = (await store.CurrentDecisionsAsync(ObjectPairs.Accounts, AccountRouting.Kind))
            .Select(e => (e.RecordId, Facts: AccountRouting.Facts(e))).Where(r => r.Facts is not null)
            .ToDictionary(r => r.RecordId, r => r.Facts!, StringComparer.Ordinal);

        var tiers = new ScorecardChart("tiers", "Accounts per tier",
            onList.Count == 0 ? [] : [.. tierNames.Select(t => Count(t, tierOf.Values.Count(v => v == t)))],
            "No tier decisions recorded: no accounts run has tiered the list yet.",
            onList.Count(d => d.Value is null) is > 0 and var untiered ? string.Create(inv, $"{untiered} account(s) on the list score below every tier and are not counted here.") : null);

        var stageEntries = (await store.CurrentDecisionsAsync(ObjectPairs.Accounts, TierRules.StageKind)).Where(e => tierOf.ContainsKey(e.RecordId)).ToList();
        var stageOf = stageEntries.ToDictionary(e => e.RecordId, StringComparer.Ordinal);
        var stalledByRule = stageEntries.Count(e => e.RuleId == "stages.stalled");
        var stages = new ScorecardChart("stages", "Tiered accounts per ABM stage",
            stageEntries.Count == 0 ? [] : [.. AbmStages.All.Concat(stageEntries.Select(e => e.Value ?? "none").Distinct().Where(s => !AbmStages.All.Contains(s)).Order(StringComparer.Ordinal))
                .Select(s => Count(s, stageEntries.Count(e => (e.Value ?? "none") == s)))],
            "No stage decisions recorded.",
            stageEntries.Count == 0 ? null : string.Create(inv, $"{stalledByRule} of them marked stalled by the stage rule."));

        var moves = (await store.LedgerSinceAsync(ObjectPairs.Accounts, TierRules.Kind, since))
            .Where(e => e.Previous != e.Value)
            .GroupBy(e => $"{e.Previous ?? "no tier"} → {e.Value ?? (TierRules.FromLedger(e).Detail == TierRules.OffListDetail ? "off the list" : "no tier")}")
            .OrderByDescending(g => g.Count()).ThenBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => Count(g.Key, g.Count())).ToList();
        var tierMoves = new ScorecardChart("tier-moves", string.Create(inv, $"Tier moves in the last {days} days"), moves,
            string.Create(inv, $"No tier moves recorded in the last {days} days."),
            "From the decision ledger: every change of an account's tier, \"no tier\" being an account first tiered or scoring below every tier.");

        var engagementEntries = (await store.CurrentDecisionsAsync(ObjectPairs.Accounts, TierRules.EngagementKind))
            .Where(e => tierOf.ContainsKey(e.RecordId)).ToDictionary(e => e.RecordId, StringComparer.Ordinal);
        var engagementFacts = engagementEntries.ToDictionary(e => e.Key, e => EngagementOf(e.Value), StringComparer.Ordinal);
        var scoredNote = string.Create(inv, $"Over the {engagementFacts.Count} of {tierOf.Count} tiered account(s) with an engagement decision; the others are left out rather than counted as zero.");
        var engagement = new ScorecardChart("engagement", "Average engagement score by tier",
            [.. ByTier(tierNames, engagementFacts, tierOf, f => f.Score).Select(t => new ChartBar(t.Tier, t.Average, t.Average.ToString("0.0", inv)))],
            "No engagement decisions recorded.", engagementFacts.Count == 0 ? null : scoredNote);
        var coverageFacts = engagementFacts.Where(f => f.Value.Coverage is not null).ToDictionary(f => f.Key, f => f.Value, StringComparer.Ordinal);
        var coverage = new ScorecardChart("coverage", "Buying-committee coverage by tier (share of required roles covered)",
            [.. ByTier(tierNames, coverageFacts, tierOf, f => f.Coverage ?? 0).Select(t => new ChartBar(t.Tier, t.Average, t.Average.ToString("0", inv) + "%"))],
            "No buying-committee coverage recorded.", coverageFacts.Count == 0 ? null : "Average over the tier's accounts with a coverage decision.");

        var influenceEntries = await store.CurrentDecisionsAsync(ObjectPairs.Opportunities, OpportunityRules.InfluenceKind);
        var opportunities = influenceEntries.Select(OpportunityRules.Facts).OfType<OpportunityFacts>().ToList();
        string TierOfOpportunity(OpportunityFacts o) => o.AccountId is { } a && tierOf.TryGetValue(a, out var t) ? t : NoTier;
        var opportunityTiers = tierNames.Append(NoTier).ToList();
        var none = "No opportunities recorded.";

        var open = opportunities.Where(o => !o.IsClosed && o.Amount is not null).ToList();
        // Each opportunity chart has a bar for a tier only where the tier has opportunities to measure.
        IEnumerable<(string Tier, List<OpportunityFacts> Of)> PerTier(IEnumerable<OpportunityFacts> measured) =>
            opportunityTiers.Select(t => (Tier: t, Of: measured.Where(o => TierOfOpportunity(o) == t).ToList())).Where(t => t.Of.Count > 0);

        var pipeline = new ScorecardChart("pipeline", "Open pipeline by tier (amount of open opportunities)",
            [.. PerTier(open).Select(t => (t.Tier, Amount: t.Of.Sum(o => o.Amount!.Value)))
                .Select(t => new ChartBar(t.Tier, t.Amount, t.Amount.ToString("#,0", inv)))],
            opportunities.Count == 0 ? none : "No open opportunity with an amount recorded.",
            opportunities.Count(o => !o.IsClosed && o.Amount is null) is > 0 and var noAmount ? string.Create(inv, $"{noAmount} open opportunity(ies) have no amount and are not summed.") : null);

        var closed = opportunities.Where(o => o.IsClosed).ToList();
        var winRate = new ScorecardChart("win-rate", "Win rate by tier (won of closed opportunities)",
            [.. PerTier(closed).Select(t => (t.Tier, Rate: Math.Round(100m * t.Of.Count(o => o.IsWon) / t.Of.Count, 1), t.Of.Count))
                .Select(t => new ChartBar(t.Tier, t.Rate, string.Create(inv, $"{t.Rate:0}% of {t.Count}")))],
            opportunities.Count == 0 ? none : "No closed opportunities recorded.");

        var timed = closed.Where(o => o.Created is not null && o.LastProgress is not null && o.LastProgress >= o.Created);
        var cycle = new ScorecardChart("cycle", "Sales cycle by tier (average days from opportunity creation to close)",
            [.. PerTier(timed).Select(t => (t.Tier, Days: Math.Round((decimal)t.Of.Average(o => (o.LastProgress!.Value - o.Created!.Value).TotalDays), 1)))
                .Select(t => new ChartBar(t.Tier, t.Days, t.Days.ToString("0.0", inv) + " d"))],
            opportunities.Count == 0 ? none : "No closed opportunities with dates recorded.",
            "The close is the last change of stage the sync saw (Salesforce's close date is not kept in the store).");

        ScorecardChart? influence = null;
        if (influenceEntries.Count > 0)
        {
            var total = open.Sum(o => o.Amount!.Value);
            var influenced = open.Where(o => o.Influenced).Sum(o => o.Amount!.Value);
            influence = new ScorecardChart("influence", "Marketing-influenced share of open pipeline by tier",
                [.. PerTier(open).Select(t => (t.Tier, Amount: t.Of.Sum(o => o.Amount!.Value), Influenced: t.Of.Where(o => o.Influenced).Sum(o => o.Amount!.Value)))
                    .Where(t => t.Amount > 0)
                    .Select(t => (t.Tier, Share: Math.Round(100m * t.Influenced / t.Amount, 1)))
                    .Select(t => new ChartBar(t.Tier, t.Share, t.Share.ToString("0", inv) + "%"))],
                "No open pipeline with an amount recorded.",
                total == 0 ? null : string.Create(inv, $"In all, {influenced:#,0} of {total:#,0} ({100m * influenced / total:0}%) of the open pipeline is marketing-influenced (the account engaged within the attribution window before the opportunity was created)."));
        }

        var review = await ReviewAsync(days, since, tierOf, engagementFacts, routing, names, NameOf, Person);
        var tierOne = tierOf.Where(t => t.Value == Tiers.Tier1)
            .Select(t => new TierOneAccount(t.Key, NameOf(t.Key), Person(RoutedOwner(t.Key)), stageOf.GetValueOrDefault(t.Key)?.Value,
                engagementFacts.TryGetValue(t.Key, out var f) ? f.Score : null))
            .OrderBy(a => a.Name, StringComparer.OrdinalIgnoreCase).ThenBy(a => a.AccountId, StringComparer.Ordinal).ToList();
        string? RoutedOwner(string id) => routing.TryGetValue(id, out var r) ? r.Owner : names.GetValueOrDefault(id)?.GetValueOrDefault(AbmFields.SalesforceOwner);

        return new ScorecardData(now, since, days, tierOf.Count, onList.Count - tierOf.Count, tiers, stages, tierMoves, engagement, coverage,
            pipeline, winRate, cycle, influence, opportunities.Count,
            "Amounts are summed as Salesforce reports them: the store keeps no currency per opportunity, so in a multi-currency org they are in each opportunity's own currency and not converted.",
            review, tierOne);
    }

    /// <summary>What the scorecard reads of an account's engagement decision: its score and committee coverage (percent).</summary>
    sealed record EngagementFacts(decimal Score, decimal? Coverage);

    static EngagementFacts EngagementOf(LedgerEntry entry)
    {
        using var inputs = JsonDocument.Parse(entry.Inputs ?? "{}");
        var root = inputs.RootElement;
        var score = root.TryGetProperty("score", out var s) && s.ValueKind == JsonValueKind.Number ? s.GetDecimal()
            : decimal.TryParse(entry.Value, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) ? v : 0;
        return new EngagementFacts(score, root.TryGetProperty("coverage", out var c) && c.ValueKind == JsonValueKind.Number ? c.GetDecimal() : null);
    }

    /// <summary>Tier 1, 2, 3 in order, then any other tier a rules file names, so that every tiered account has its bar.</summary>
    static List<string> TierNames(IEnumerable<string> values) =>
        [.. Tiers.All.Concat(values.Distinct().Where(v => !Tiers.All.Contains(v)).Order(StringComparer.Ordinal))];

    static ChartBar Count(string label, int count) => new(label, count, count.ToString(CultureInfo.InvariantCulture));

    /// <summary>The average of <paramref name="measure"/> per tier, over the tier's accounts that have a figure; a tier with none has no bar.</summary>
    static IEnumerable<(string Tier, decimal Average)> ByTier(IReadOnlyList<string> tierNames, IReadOnlyDictionary<string, EngagementFacts> facts,
        IReadOnlyDictionary<string, string> tierOf, Func<EngagementFacts, decimal> measure) =>
        tierNames.Select(t => (Tier: t, Values: facts.Where(f => tierOf[f.Key] == t).Select(f => measure(f.Value)).ToList()))
            .Where(t => t.Values.Count > 0)
            .Select(t => (t.Tier, Math.Round(t.Values.Average(), 1)));

    /// <summary>
    /// The weekly review: Tier 1 and Tier 2 accounts that advanced (a stage change forward in the period), stalled
    /// (the stage rule says so, or neither a stage change nor an engagement signal in the period) or need someone to
    /// step in (no owner, SDR or ABM marketer; a routing conflict; people under it owned by someone else; engagement
    /// lower than when the period began). Tier 1 first, those needing intervention first within a tier.
    /// </summary>
    async Task<IReadOnlyList<ReviewAccount>> ReviewAsync(int days, DateTimeOffset since, IReadOnlyDictionary<string, string> tierOf,
        IReadOnlyDictionary<string, EngagementFacts> engagement, IReadOnlyDictionary<string, AccountRouting.RoutingFacts> routing,
        IReadOnlyDictionary<string, IReadOnlyDictionary<string, string?>> accounts, Func<string, string> nameOf, Func<string?, string> person)
    {
        var inv = CultureInfo.InvariantCulture;
        var reviewed = tierOf.Where(t => t.Value is Tiers.Tier1 or Tiers.Tier2).ToDictionary(t => t.Key, t => t.Value, StringComparer.Ordinal);
        if (reviewed.Count == 0)
        {
            return [];
        }
        var stageChanges = (await store.LedgerSinceAsync(ObjectPairs.Accounts, TierRules.StageKind, since))
            .Where(e => reviewed.ContainsKey(e.RecordId)).ToLookup(e => e.RecordId, StringComparer.Ordinal);
        var currentStage = (await store.CurrentDecisionsAsync(ObjectPairs.Accounts, TierRules.StageKind)).ToDictionary(e => e.RecordId, StringComparer.Ordinal);
        var engagedInPeriod = await store.AccountsEngagedSinceAsync(since);
        var engagementBefore = await store.DecisionsBeforeAsync(ObjectPairs.Accounts, TierRules.EngagementKind, since);
        var misowned = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var (pair, label) in new[] { (ObjectPairs.Contacts, "contact"), (ObjectPairs.Opportunities, "opportunity") })
        {
            foreach (var group in (await store.CurrentDecisionsAsync(pair, OwnerAlignmentRules.Kind))
                .Where(e => e.RuleId != "aligned").Select(e => AccountIn(e.Inputs)).OfType<string>().Where(reviewed.ContainsKey).GroupBy(a => a, StringComparer.Ordinal))
            {
                if (!misowned.TryGetValue(group.Key, out var list))
                {
                    misowned[group.Key] = list = [];
                }
                list.Add(string.Create(inv, $"{group.Count()} {label}(s) owned by someone other than the account's owner"));
            }
        }

        var rows = new List<ReviewAccount>();
        foreach (var (id, tier) in reviewed)
        {
            var flags = new List<string>();
            var reasons = new List<string>();
            var forward = stageChanges[id].Where(e => e.Previous is { } p && Rank(e.Value) > Rank(p)).ToList();
            if (forward.Count > 0)
            {
                flags.Add(Advanced);
                reasons.Add(string.Join("; ", forward.Select(e => $"stage {e.Previous} → {e.Value}")));
            }
            if (currentStage.TryGetValue(id, out var stage) && stage.RuleId == "stages.stalled")
            {
                flags.Add(Stalled);
                reasons.Add(stage.Reason);
            }
            else if (!stageChanges[id].Any() && !engagedInPeriod.Contains(id))
            {
                flags.Add(Stalled);
                reasons.Add(string.Create(inv, $"no stage change and no engagement in {days} days"));
            }

            var fields = accounts.GetValueOrDefault(id);
            var routed = routing.GetValueOrDefault(id);
            var owner = routed?.Owner ?? fields?.GetValueOrDefault(AbmFields.SalesforceOwner);
            var sdr = routed is null ? fields?.GetValueOrDefault(AbmFields.SalesforceSdr) : routed.Sdr;
            var marketer = routed is null ? fields?.GetValueOrDefault(AbmFields.SalesforceMarketer) : routed.Marketer;
            var gaps = new[] { (owner, "no owner"), (sdr, "no SDR"), (marketer, "no ABM marketer") }.Where(g => string.IsNullOrEmpty(g.Item1)).Select(g => g.Item2).ToList();
            var intervention = new List<string>(gaps);
            if (routed is { Conflicts.Count: > 0 })
            {
                intervention.Add("ownership conflict: " + string.Join(", ", routed.Conflicts));
            }
            intervention.AddRange(misowned.GetValueOrDefault(id) ?? []);
            if (engagement.TryGetValue(id, out var current) && engagementBefore.TryGetValue(id, out var before) && EngagementOf(before).Score > current.Score)
            {
                intervention.Add(string.Create(inv, $"engagement fell from {EngagementOf(before).Score:0.#} to {current.Score:0.#} in {days} days"));
            }
            if (intervention.Count > 0)
            {
                flags.Add(Intervention);
                reasons.AddRange(intervention);
            }
            if (flags.Count > 0)
            {
                rows.Add(new ReviewAccount(id, nameOf(id), tier, person(owner), person(sdr), person(marketer), flags, string.Join("; ", reasons)));
            }
        }
        return [.. rows.OrderBy(r => Tiers.Rank(r.Tier)).ThenBy(r => !r.Flags.Contains(Intervention))
            .ThenBy(r => r.Name, StringComparer.OrdinalIgnoreCase).ThenBy(r => r.AccountId, StringComparer.Ordinal)];
    }

    /// <summary>A stage's place in the funnel (Target first); an unknown stage sorts before them all, so it never counts as an advance.</summary>
    static int Rank(string? stage) => stage is null ? -1 : AbmStages.All.ToList().IndexOf(stage);

    /// <summary>The account an ownership decision was made against (its inputs' <c>Account</c>).</summary>
    static string? AccountIn(string? inputs)
    {
        if (inputs is null)
        {
            return null;
        }
        using var document = JsonDocument.Parse(inputs);
        return document.RootElement.TryGetProperty("Account", out var account) && account.ValueKind == JsonValueKind.String ? account.GetString() : null;
    }
}

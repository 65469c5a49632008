using System.Globalization;
using System.Text.Json;
using AbmSync.Connectors.Salesforce;
using AbmSync.Core.Accounts;
using AbmSync.Core.Engagement;
using AbmSync.Core.Rules;
using AbmSync.Core.Sync;
using AbmSync.Worker.State;

namespace AbmSync.Worker.Sync;

/// <summary>
/// The accounts' population-wide rule: tiers with caps depend on every account on the list, so the runner feeds it
/// every changed account first and asks for decisions once, after all reads and before any rule-owned write. The
/// population is what was decided before (from the state store) with this run's reads laid over it; an account that
/// left the inclusion filter leaves the population and no longer takes a place under a cap.
/// </summary>
public sealed class TierRules(TierAssigner assigner, AccountStageAssigner? stages = null) : PairRules
{
    public const string Kind = "tier";

    /// <summary>The ledger's kind for an account's engagement (score, last engaged, surge).</summary>
    public const string EngagementKind = "engagement";

    /// <summary>The ledger's kind for an account's ABM stage and whether it stalled.</summary>
    public const string StageKind = "stage";

    IReadOnlyDictionary<string, List<OpportunityFacts>> opportunities = new Dictionary<string, List<OpportunityFacts>>();
    readonly Dictionary<string, LedgerEntry> stageWritten = new(StringComparer.Ordinal);
    readonly Dictionary<string, string?> observedTypes = new(StringComparer.Ordinal);
    DateTimeOffset now;

    /// <summary>The detail of a decision that takes an account off the list: it no longer takes part (deleted, or left the filter).</summary>
    public const string OffListDetail = "off-list";

    public static readonly IReadOnlyList<string> Inputs =
    [
        "Name", "Website", "Industry", "NumberOfEmployees", "AnnualRevenue", "BillingCountry", "BillingCity", "Type", "OwnerId",
        AbmFields.SalesforceTier, AbmFields.SalesforceScore, AbmFields.SalesforceTierReason, AbmFields.SalesforceTierLocked,
        AbmFields.SalesforceEngagementScore, AbmFields.SalesforceLastEngaged, AbmFields.SalesforceSurge, AbmFields.SalesforceCoverage,
        AbmFields.SalesforceStage, AbmFields.SalesforceStalled,
    ];

    /// <summary>What the rules write on the Salesforce record (the tier, its score and why; the engagement).</summary>
    public static readonly IReadOnlyList<string> Outputs =
    [
        AbmFields.SalesforceTier, AbmFields.SalesforceScore, AbmFields.SalesforceTierReason,
        AbmFields.SalesforceEngagementScore, AbmFields.SalesforceLastEngaged, AbmFields.SalesforceSurge, AbmFields.SalesforceCoverage,
        AbmFields.SalesforceStage, AbmFields.SalesforceStalled,
    ];

    /// <summary>The fixed inputs, and every Salesforce Account field a criterion names (Account.ABM_Strategic__c).</summary>
    public override IReadOnlyList<string> SalesforceInputs =>
        [.. Inputs.Concat(Criteria.Select(c => AccountProfile.SalesforceField(c.Field)).OfType<string>()).Distinct(StringComparer.OrdinalIgnoreCase)];

    public IReadOnlyList<TierCriterion> Criteria => assigner.Rules.Criteria;
    public override IReadOnlyList<string> SalesforceOutputs => Outputs;

    public override IReadOnlyList<string> HubSpotProperties { get; } =
        [AbmFields.HubSpotTier, AbmFields.HubSpotScore, AbmFields.HubSpotTierReason, AbmFields.HubSpotEngagementScore, AbmFields.HubSpotSurge, AbmFields.HubSpotCoverage,
            AbmFields.HubSpotStage, AbmFields.HubSpotStalled];

    IReadOnlyDictionary<string, AccountEngagementBook.AccountSignals> engagement = new Dictionary<string, AccountEngagementBook.AccountSignals>(StringComparer.Ordinal);
    AccountEngagementBook.AccountSignals? nothing;
    readonly Dictionary<string, LedgerEntry> engagementWritten = new(StringComparer.Ordinal);

    readonly Dictionary<string, ScoredAccount> population = new(StringComparer.Ordinal);
    readonly Dictionary<string, Decision> stored = new(StringComparer.Ordinal);
    readonly Dictionary<string, string> leaving = new(StringComparer.Ordinal);
    Dictionary<string, TierDecision>? decisions;

    public IReadOnlyDictionary<string, ScoredAccount> Population => population;

    public override async Task LoadAsync(RulesSnapshot snapshot)
    {
        // The current tiers are the ledger's latest entries; a store from before the ledger gets its decisions into it once.
        if (!snapshot.ReadOnly)
        {
            await snapshot.Store.BackfillLedgerAsync(snapshot.Pair, Kind, d => ToLedger(d, null, snapshot.RulesHash, "before-ledger"));
        }
        Load([.. (await snapshot.Store.CurrentDecisionsAsync(snapshot.Pair, Kind)).Select(FromLedger)]);
        nothing = snapshot.Engagement.Nothing(snapshot.Now);
        now = snapshot.Now;
        // Before the engagement: the rescore of accounts not read tests the open pipeline afresh too.
        opportunities = await OpportunityRules.ByAccountAsync(snapshot.Store);
        foreach (var entry in await snapshot.Store.CurrentDecisionsAsync(snapshot.Pair, StageKind))
        {
            stageWritten[entry.RecordId] = entry;
        }
        UseEngagement(await snapshot.Engagement.EvaluateAsync(snapshot.Now), await snapshot.Store.CurrentDecisionsAsync(snapshot.Pair, EngagementKind));
    }

    public void Load(IEnumerable<Decision> decided)
    {
        foreach (var d in decided)
        {
            if (d.Detail == OffListDetail)
            {
                // Off the list: it takes no place under a cap until it is read again as included.
                continue;
            }
            var hits = d.Detail is null ? [] : JsonSerializer.Deserialize<List<CriterionHit>>(d.Detail) ?? [];
            var profile = new AccountProfile { Id = d.RecordId, OwnerId = d.OwnerId, TierLocked = d.Locked, CurrentTier = d.Value };
            population[d.RecordId] = new ScoredAccount(profile, new TierScore(d.Score ?? 0, hits));
            stored[d.RecordId] = d;
        }
    }

    /// <summary>
    /// The engagement of every account as of the run's day, and the engagement last written (the ledger's current
    /// entries). Accounts not read in this run are scored again with it, so a fading or surging account moves tier
    /// without a change of its own. Called after <see cref="Load"/>.
    /// </summary>
    public void UseEngagement(IReadOnlyDictionary<string, AccountEngagementBook.AccountSignals> current, IEnumerable<LedgerEntry> written)
    {
        engagement = current;
        foreach (var entry in written)
        {
            engagementWritten[entry.RecordId] = entry;
        }
        foreach (var (id, scored) in population.ToList())
        {
            var score = EngagementOf(id).Score;
            var account = scored.Account with { EngagementScore = score, OpenPipeline = OpenPipelineOf(id) };
            population[id] = scored with { Account = account, Score = assigner.Rescore(scored.Score, score, account) };
        }
        decisions = null;
    }

    /// <summary>The amounts of the account's open opportunities as the opportunities' ledger has them; null when it has none.</summary>
    decimal? OpenPipelineOf(string salesforceId) =>
        opportunities.GetValueOrDefault(salesforceId) is { } opps && opps.Any(o => !o.IsClosed)
            ? opps.Where(o => !o.IsClosed).Sum(o => o.Amount ?? 0)
            : null;

    public AccountEngagement EngagementOf(string salesforceId) => SignalsOf(salesforceId).Engagement;

    public AccountEngagementBook.AccountSignals SignalsOf(string salesforceId) =>
        engagement.GetValueOrDefault(salesforceId) ?? nothing ?? new(AccountEngagementBook.NotEngaged, new CommitteeCoverageResult(0, [], [], "coverage 0: no buying roles"));

    public override void Observe(SObjectRecord record)
    {
        routedOwners = null;
        leaving.Remove(record.Id!);
        observedTypes[record.Id!] = record.GetString("Type");
        var profile = ToProfile(record, Criteria) with { EngagementScore = EngagementOf(record.Id!).Score, OpenPipeline = OpenPipelineOf(record.Id!) };
        population[profile.Id] = new ScoredAccount(profile, assigner.Score(profile));
        decisions = null;
    }

    /// <summary>
    /// The account no longer takes part (deleted, or it left the inclusion filter): it stops counting towards caps, and
    /// its decision says why it is off the list. True when it was on the list before (its tier must be taken back).
    /// </summary>
    public override bool Exclude(string salesforceId, string reason)
    {
        decisions = null;
        routedOwners = null;
        var wasKnown = population.Remove(salesforceId);
        if (wasKnown)
        {
            leaving[salesforceId] = reason;
        }
        return wasKnown;
    }

    IReadOnlyDictionary<string, string?>? routedOwners;

    /// <summary>
    /// The owners routing decided (null: none yet, or decided again): the tiers are then decided once more with the
    /// per-owner caps over them. The order is fixed: tier with caps, route, re-check the caps once.
    /// </summary>
    public void UseRoutedOwners(IReadOnlyDictionary<string, string?>? owners)
    {
        routedOwners = owners;
        decisions = null;
    }

    /// <summary>The account's owner as the tiers count it: routing's where it decided, else the one read.</summary>
    string? OwnerOf(string salesforceId, ScoredAccount account) =>
        routedOwners is not null && routedOwners.TryGetValue(salesforceId, out var o) ? o : account.Account.OwnerId;

    public IReadOnlyDictionary<string, TierDecision> Decide()
    {
        if (decisions is null)
        {
            decisions = new Dictionary<string, TierDecision>(StringComparer.Ordinal);
            // Once routing has decided, the per-owner caps count the owners it routed to (checked this once, not routed again).
            var accounts = routedOwners is null ? population.Values.ToList()
                : [.. population.Values.Select(s => routedOwners.TryGetValue(s.Account.Id, out var o) && o != s.Account.OwnerId
                    ? s with { Account = s.Account with { OwnerId = o } } : s)];
            foreach (var d in assigner.Assign(accounts))
            {
                decisions[d.AccountId] = d;
            }
        }
        return decisions;
    }

    /// <summary>Accounts whose decision differs from the one stored: caps moved them although they did not change.</summary>
    public override IEnumerable<string> Moved() => Decide().Values
        .Where(d => !stored.TryGetValue(d.AccountId, out var s) || s.Value != d.Tier || s.Score != d.Score || s.Reason != d.Reason
            || EngagementChanged(d.AccountId) || StageChanged(d.AccountId))
        .Select(d => d.AccountId);

    /// <summary>
    /// The account's stage from its opportunities (as the opportunities' ledger has them), its engagement and its
    /// type: read in this run, or as the last stage decision kept it.
    /// </summary>
    public StageDecision? StageOf(string salesforceId)
    {
        if (stages is null)
        {
            return null;
        }
        stageWritten.TryGetValue(salesforceId, out var before);
        var type = observedTypes.TryGetValue(salesforceId, out var read) ? read : before is null ? null : StageFacts(before).Type;
        var opps = opportunities.GetValueOrDefault(salesforceId) ?? [];
        var inputs = new StageInputs(type, opps.Any(o => o.IsWon), opps.Any(o => !o.IsClosed), EngagementOf(salesforceId).LastEngaged,
            opps.Select(o => o.LastProgress).Max(), before?.Value);
        return stages.Assign(inputs, now);
    }

    static (string? Type, bool Stalled) StageFacts(LedgerEntry entry)
    {
        using var json = JsonDocument.Parse(entry.Inputs ?? "{}");
        var root = json.RootElement;
        return (root.TryGetProperty("type", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString() : null,
            root.TryGetProperty("stalled", out var s) && s.ValueKind == JsonValueKind.True);
    }

    string StageInputsOf(string salesforceId, StageDecision stage) => JsonSerializer.Serialize(new
    {
        stage = stage.Stage,
        stalled = stage.Stalled,
        type = observedTypes.TryGetValue(salesforceId, out var read) ? read
            : stageWritten.TryGetValue(salesforceId, out var before) ? StageFacts(before).Type : null,
    });

    bool StageChanged(string salesforceId) =>
        StageOf(salesforceId) is { } stage && (!stageWritten.TryGetValue(salesforceId, out var written) || written.Inputs != StageInputsOf(salesforceId, stage));

    bool EngagementChanged(string salesforceId) =>
        !engagementWritten.TryGetValue(salesforceId, out var written) || written.Inputs != EngagementInputs(SignalsOf(salesforceId));

    /// <summary>What the ledger keeps of an engagement decision: what is written, and the week against the baseline behind the surge.</summary>
    static string EngagementInputs(AccountEngagementBook.AccountSignals signals) => JsonSerializer.Serialize(new
    {
        score = signals.Engagement.Score,
        lastEngaged = LastEngagedText(signals.Engagement),
        surge = signals.Engagement.Surge,
        thisWeek = signals.Engagement.ThisWeek,
        weeklyBaseline = signals.Engagement.WeeklyBaseline,
        coverage = signals.Coverage.Coverage,
        covered = signals.Coverage.CoveredRoles,
    });

    static string? LastEngagedText(AccountEngagement e) =>
        e.LastEngaged?.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    /// <summary>What the rule owns on each side of one account, or null when the account is not on the list.</summary>
    public override RuleValues? ValuesFor(string salesforceId)
    {
        if (leaving.TryGetValue(salesforceId, out var why))
        {
            return new RuleValues(
                new Dictionary<string, string?> { [AbmFields.SalesforceTier] = null, [AbmFields.SalesforceScore] = null, [AbmFields.SalesforceTierReason] = why },
                new Dictionary<string, string?> { [AbmFields.HubSpotTier] = null, [AbmFields.HubSpotScore] = null, [AbmFields.HubSpotTierReason] = why });
        }
        if (!Decide().TryGetValue(salesforceId, out var d))
        {
            return null;
        }
        var score = d.Score.ToString(CultureInfo.InvariantCulture);
        var signals = SignalsOf(salesforceId);
        var e = signals.Engagement;
        var engagementScore = e.Score.ToString(CultureInfo.InvariantCulture);
        var coverage = signals.Coverage.Coverage.ToString(CultureInfo.InvariantCulture);
        var surge = e.Surge ? "true" : "false";
        var salesforce = new Dictionary<string, string?>
            {
                [AbmFields.SalesforceTier] = d.Tier,
                [AbmFields.SalesforceScore] = score,
                [AbmFields.SalesforceTierReason] = d.Reason,
                [AbmFields.SalesforceEngagementScore] = engagementScore,
                [AbmFields.SalesforceLastEngaged] = LastEngagedText(e),
                [AbmFields.SalesforceSurge] = surge,
                [AbmFields.SalesforceCoverage] = coverage,
            };
        var hubSpot = new Dictionary<string, string?>
            {
                [AbmFields.HubSpotTier] = d.Tier,
                [AbmFields.HubSpotScore] = score,
                [AbmFields.HubSpotTierReason] = d.Reason,
                [AbmFields.HubSpotEngagementScore] = engagementScore,
                [AbmFields.HubSpotSurge] = surge,
                [AbmFields.HubSpotCoverage] = coverage,
            };
        if (StageOf(salesforceId) is { } stage)
        {
            salesforce[AbmFields.SalesforceStage] = stage.Stage;
            salesforce[AbmFields.SalesforceStalled] = stage.Stalled ? "true" : "false";
            hubSpot[AbmFields.HubSpotStage] = stage.Stage;
            hubSpot[AbmFields.HubSpotStalled] = stage.Stalled ? "true" : "false";
        }
        return new RuleValues(salesforce, hubSpot);
    }

    public override Decision? ToStored(string salesforceId, long runId, DateTimeOffset now)
    {
        if (leaving.TryGetValue(salesforceId, out var why))
        {
            return new Decision(ObjectPairs.Accounts, salesforceId, Kind, null, null, OffListDetail, why, null, false, runId, now);
        }
        if (!Decide().TryGetValue(salesforceId, out var d))
        {
            return null;
        }
        var account = population[salesforceId];
        return new Decision(ObjectPairs.Accounts, salesforceId, Kind, d.Tier, d.Score, JsonSerializer.Serialize(account.Score.Hits), d.Reason,
            OwnerOf(salesforceId, account), d.Locked, runId, now);
    }

    /// <summary>
    /// The ledger entries of one account's decisions that differ from the last ones: its tier (with the score's
    /// criteria as inputs) and its engagement. An unchanged decision adds nothing, so an idle day appends nothing.
    /// </summary>
    public override IReadOnlyList<LedgerEntry> LedgerFor(string salesforceId, long runId, DateTimeOffset now, string rulesHash)
    {
        var entries = new List<LedgerEntry>();
        var decision = ToStored(salesforceId, runId, now);
        stored.TryGetValue(salesforceId, out var before);
        if (decision is not null && (before is null || before.Value != decision.Value || before.Score != decision.Score || before.Reason != decision.Reason))
        {
            entries.Add(ToLedger(decision, before?.Value, rulesHash, null));
        }
        if (decision is not null && decision.Detail != OffListDetail && EngagementChanged(salesforceId))
        {
            var signals = SignalsOf(salesforceId);
            engagementWritten.TryGetValue(salesforceId, out var previous);
            entries.Add(new LedgerEntry(0, ObjectPairs.Accounts, salesforceId, EngagementKind, signals.Engagement.Score.ToString(CultureInfo.InvariantCulture),
                previous?.Value, $"{signals.Engagement.Reason}; {signals.Coverage.Reason}", EngagementInputs(signals), rulesHash, "engagement", runId, now));
        }
        if (decision is not null && decision.Detail != OffListDetail && StageChanged(salesforceId) && StageOf(salesforceId) is { } stage)
        {
            stageWritten.TryGetValue(salesforceId, out var previous);
            entries.Add(new LedgerEntry(0, ObjectPairs.Accounts, salesforceId, StageKind, stage.Stage, previous?.Value, stage.Reason,
                StageInputsOf(salesforceId, stage), rulesHash, stage.Stalled ? "stages.stalled" : "stages", runId, now));
        }
        return entries;
    }

    /// <summary>What the ledger keeps of a tier decision: all of it, so that the current tiers derive from the ledger alone.</summary>
    static LedgerEntry ToLedger(Decision decision, string? previous, string rulesHash, string? ruleId) =>
        new(0, decision.Object, decision.RecordId, Kind, decision.Value, previous, decision.Reason,
            JsonSerializer.Serialize(new TierInputs(decision.Score, decision.Detail, decision.OwnerId, decision.Locked)), rulesHash,
            ruleId ?? (decision.Detail == OffListDetail ? "inclusion" : decision.Locked ? "tier-lock" : "tiering"), decision.RunId, decision.DecidedAt);

    sealed record TierInputs(int? Score, string? Criteria, string? Owner, bool Locked);

    /// <summary>The tier decision a ledger entry records.</summary>
    public static Decision FromLedger(LedgerEntry entry)
    {
        var inputs = entry.Inputs is { } json ? JsonSerializer.Deserialize<TierInputs>(json, LedgerJson) : null;
        return new Decision(entry.Object, entry.RecordId, Kind, entry.Value, inputs?.Score, inputs?.Criteria, entry.Reason, inputs?.Owner,
            inputs?.Locked ?? false, entry.RunId, entry.DecidedAt);
    }

    static readonly JsonSerializerOptions LedgerJson = new(JsonSerializerDefaults.Web);

    /// <summary>Marks ledger entries as committed: the engagement they record is the one written.</summary>
    public override void Committed(LedgerEntry entry)
    {
        if (entry.Kind == EngagementKind)
        {
            engagementWritten[entry.RecordId] = entry;
        }
        else if (entry.Kind == StageKind)
        {
            stageWritten[entry.RecordId] = entry;
        }
    }

    /// <summary>
    /// Marks a decision as stored (committed), so that it no longer counts as moved. Called while the next page is
    /// planned: planning reads the decisions, never what is stored, and no decision is made again once the pages run.
    /// </summary>
    public override void Committed(Decision decision) => stored[decision.RecordId] = decision;

    public IReadOnlyDictionary<string, int> PerTier()
    {
        var perTier = Tiers.All.ToDictionary(t => t, _ => 0, StringComparer.Ordinal);
        var offList = 0;
        foreach (var d in Decide().Values)
        {
            if (d.Tier is { } tier && perTier.ContainsKey(tier))
            {
                perTier[tier]++;
            }
            else
            {
                offList++;
            }
        }
        perTier["No tier"] = offList;
        return perTier;
    }

    static AccountProfile ToProfile(SObjectRecord record, IReadOnlyList<TierCriterion> criteria) => Profile(record.Id!, record.GetString, criteria);

    /// <summary>
    /// The account as the rules see it, from its Salesforce fields as text: a record read, or its row in the rules'
    /// snapshot (<see cref="StateStore.RuleSubjectsAsync"/>), which keep the same names and the same text.
    /// </summary>
    public static AccountProfile Profile(string id, Func<string, string?> field, IReadOnlyList<TierCriterion> criteria) => new()
    {
        SalesforceValues = criteria.Select(c => AccountProfile.SalesforceField(c.Field)).OfType<string>().Distinct(StringComparer.OrdinalIgnoreCase)
            .ToDictionary(f => f, field, StringComparer.OrdinalIgnoreCase),
        Id = id,
        Name = field("Name"),
        Domain = DomainName.Normalize(field("Website")),
        Industry = field("Industry"),
        Employees = Number(field("NumberOfEmployees")) is { } employees ? decimal.ToInt32(decimal.Truncate(employees)) : null,
        AnnualRevenue = Number(field("AnnualRevenue")),
        Country = field("BillingCountry"),
        City = field("BillingCity"),
        Type = field("Type"),
        OwnerId = field("OwnerId"),
        TierLocked = bool.TryParse(field(AbmFields.SalesforceTierLocked), out var locked) && locked,
        CurrentTier = field(AbmFields.SalesforceTier),
    };

    static decimal? Number(string? text) =>
        decimal.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) ? d : null;
}

using System.Globalization;
using System.Text;
using AbmSync.Core.Accounts;

namespace AbmSync.Core.Rules;

/// <summary>A criterion that earned points for an account.</summary>
public sealed record CriterionHit(string Name, int Points);

/// <summary>An account's score, 0–100, and the criteria that earned it.</summary>
public sealed record TierScore(int Score, IReadOnlyList<CriterionHit> Hits);

/// <summary>An account with its score, as tier assignment ranks it.</summary>
public sealed record ScoredAccount(AccountProfile Account, TierScore Score);

/// <summary>The tier an account gets, with the reason written back to both systems.</summary>
public sealed record TierDecision(string AccountId, string? Tier, int Score, string Reason, bool Locked)
{
    /// <summary>Salesforce's <c>ABM_Tier_Reason__c</c> is Text(255).</summary>
    public const int ReasonMaxLength = 255;
}

/// <summary>
/// Scores accounts on the weighted ICP criteria and assigns tiers by threshold, capacity-aware: each tier has an
/// overall cap and a cap per owner, and accounts over a cap fall to the next tier by rank (score, then id), never
/// silently: the reason says so. A person's lock always wins. Hysteresis keeps an account in its tier until its
/// score drops that many points below the threshold, so scores hovering at a boundary don't flap.
/// </summary>
public sealed class TierAssigner(TieringRules rules)
{
    public TieringRules Rules { get; } = rules;

    public TierScore Score(AccountProfile account)
    {
        var hits = new List<CriterionHit>();
        foreach (var criterion in Rules.Criteria)
        {
            if (Passes(criterion, account.Value(criterion.Field)))
            {
                hits.Add(new CriterionHit(criterion.Name, criterion.Points));
            }
        }
        if (EngagementPoints(account.EngagementScore) is > 0 and var points)
        {
            hits.Add(new CriterionHit(EngagementCriterion, points));
        }
        return new TierScore(Math.Clamp(hits.Sum(h => h.Points), 0, 100), hits);
    }

    /// <summary>
    /// A score made earlier with the account's engagement now in place of the engagement it had: the ICP criteria
    /// do not change without a change of the account, which is then scored afresh.
    /// </summary>
    public TierScore Rescore(TierScore prior, decimal? engagementScore) => Rescore(prior, engagementScore, null);

    /// <summary>
    /// As <see cref="Rescore(TierScore, decimal?)"/>, and the criteria on derived fields (the open pipeline)
    /// tested afresh against <paramref name="derived"/>, whose other fields are not read.
    /// </summary>
    public TierScore Rescore(TierScore prior, decimal? engagementScore, AccountProfile? derived)
    {
        var derivedCriteria = derived is null ? [] : DerivedCriteria;
        var hits = prior.Hits.Where(h => h.Name != EngagementCriterion && !derivedCriteria.Any(c => c.Name == h.Name)).ToList();
        foreach (var criterion in derivedCriteria)
        {
            if (Passes(criterion, derived!.Value(criterion.Field)))
            {
                hits.Add(new CriterionHit(criterion.Name, criterion.Points));
            }
        }
        if (EngagementPoints(engagementScore) is > 0 and var points)
        {
            hits.Add(new CriterionHit(EngagementCriterion, points));
        }
        // In the order a fresh score lists them (the rules' order, engagement last): the reason reads the same.
        var order = CriterionOrder;
        hits = [.. hits.OrderBy(h => order.TryGetValue(h.Name, out var i) ? i : int.MaxValue)];
        return new TierScore(Math.Clamp(hits.Sum(h => h.Points), 0, 100), hits);
    }

    // Built once: a run rescores every account of the book (a million) with the same rules.
    List<TierCriterion> DerivedCriteria => derivedCriteria ??= [.. Rules.Criteria.Where(c => AccountProfile.DerivedFields.Contains(c.Field))];
    List<TierCriterion>? derivedCriteria;

    Dictionary<string, int> CriterionOrder => criterionOrder ??=
        Rules.Criteria.Select((c, i) => (c.Name, i)).GroupBy(x => x.Name, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First().i, StringComparer.Ordinal);
    Dictionary<string, int>? criterionOrder;

    /// <summary>The criterion name engagement's share scores under.</summary>
    public const string EngagementCriterion = "engagement";

    int EngagementPoints(decimal? engagementScore) =>
        Rules.Engagement is { Points: > 0 } engagement && engagementScore is > 0 and var e
            ? (int)Math.Round(Math.Clamp(e, 0, 100) * engagement.Points / 100m, MidpointRounding.AwayFromZero)
            : 0;

    /// <summary>
    /// Decides the tier of every account in <paramref name="population"/>. Caps only mean something over the whole
    /// target list, so pass every account that may hold a tier, not just the ones that changed.
    /// </summary>
    public IReadOnlyList<TierDecision> Assign(IReadOnlyCollection<AccountProfile> population) =>
        Assign([.. population.Select(a => new ScoredAccount(a, Score(a)))]);

    /// <summary>
    /// Decides tiers for accounts scored earlier (a run keeps every known account's score, so that caps count the
    /// whole list without re-reading it). Decisions come back in the order of <paramref name="population"/>.
    /// </summary>
    public IReadOnlyList<TierDecision> Assign(IReadOnlyCollection<ScoredAccount> population)
    {
        var scored = population;
        var overall = new int[Tiers.All.Count];
        var perOwner = new Dictionary<(int, string), int>();
        var decisions = new Dictionary<string, TierDecision>(StringComparer.Ordinal);

        // Locks first: a pinned account occupies its tier's capacity before any rule-assigned one.
        foreach (var (account, score) in scored.Where(s => s.Account.TierLocked))
        {
            var rank = Tiers.Rank(account.CurrentTier);
            if (rank < Tiers.All.Count)
            {
                Take(rank, account.OwnerId);
            }
            var tierText = account.CurrentTier is null ? "No tier" : account.CurrentTier;
            decisions[account.Id] = new TierDecision(account.Id, rank < Tiers.All.Count ? account.CurrentTier : null, score.Score,
                Reason($"{tierText} locked by a person", score, null), Locked: true);
        }

        var ranked = scored
            .Where(s => !s.Account.TierLocked)
            .OrderByDescending(s => s.Score.Score)
            .ThenBy(s => s.Account.Id, StringComparer.Ordinal);
        foreach (var (account, score) in ranked)
        {
            decisions[account.Id] = Decide(account, score);
        }
        return [.. population.Select(a => decisions[a.Account.Id])];

        TierDecision Decide(AccountProfile account, TierScore score)
        {
            var currentRank = Tiers.Rank(account.CurrentTier);
            string? note = null;
            var qualified = false;
            foreach (var level in Rules.Levels)
            {
                var rank = Tiers.Rank(level.Tier);
                // Holding a tier (or a better one) lowers the bar by the hysteresis; climbing into it does not.
                var threshold = currentRank <= rank ? level.MinScore - Rules.Hysteresis : level.MinScore;
                if (score.Score < threshold)
                {
                    continue;
                }
                qualified = true;
                if (level.Cap is { } cap && overall[rank] >= cap)
                {
                    note ??= $"{level.Tier} full at cap {cap}";
                    continue;
                }
                if (level.CapPerOwner is { } ownerCap && account.OwnerId is { } owner && perOwner.GetValueOrDefault((rank, owner)) >= ownerCap)
                {
                    note ??= $"{level.Tier} full for this owner at {ownerCap}";
                    continue;
                }
                Take(rank, account.OwnerId);
                if (score.Score < level.MinScore)
                {
                    note ??= $"kept: within hysteresis {Rules.Hysteresis} of {level.MinScore}";
                }
                return new TierDecision(account.Id, level.Tier, score.Score, Reason(level.Tier, score, note), Locked: false);
            }
            if (!qualified && Rules.Levels.Count > 0)
            {
                note = $"{Rules.Levels[^1].Tier} needs {Rules.Levels[^1].MinScore}";
            }
            return new TierDecision(account.Id, null, score.Score, Reason("No tier", score, note), Locked: false);
        }

        void Take(int rank, string? owner)
        {
            overall[rank]++;
            if (owner is not null)
            {
                perOwner[(rank, owner)] = perOwner.GetValueOrDefault((rank, owner)) + 1;
            }
        }
    }

    static string Reason(string head, TierScore score, string? note)
    {
        var text = new StringBuilder(head)
            .Append(CultureInfo.InvariantCulture, $", score {score.Score}");
        if (note is not null)
        {
            text.Append(" (").Append(note).Append(')');
        }
        text.Append(": ");
        text.Append(score.Hits.Count == 0
            ? "no criteria met"
            : string.Join(", ", score.Hits.Select(h => string.Create(CultureInfo.InvariantCulture, $"{h.Name} +{h.Points}"))));
        return text.Length <= TierDecision.ReasonMaxLength ? text.ToString() : text.ToString(0, TierDecision.ReasonMaxLength - 1) + "…";
    }

    /// <summary>The test of a criterion; territory conditions use it too, so an account reads the same to both.</summary>
    internal static bool Passes(TierCriterion criterion, object? value) => criterion.Test switch
    {
        CriterionTest.In => value is not null && criterion.Values.Contains(Text(value), StringComparer.OrdinalIgnoreCase),
        CriterionTest.NotIn => value is not null && !criterion.Values.Contains(Text(value), StringComparer.OrdinalIgnoreCase),
        CriterionTest.Between => Number(value) is { } n && n >= criterion.Low && n <= criterion.High,
        CriterionTest.Min => Number(value) is { } n && n >= criterion.Low,
        CriterionTest.Max => Number(value) is { } n && n <= criterion.High,
        _ => false,
    };

    static string Text(object value) => Convert.ToString(value, CultureInfo.InvariantCulture) ?? "";

    static decimal? Number(object? value) => value switch
    {
        int i => i,
        decimal d => d,
        // A Salesforce field named by its API name comes as text.
        string s when decimal.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var parsed) => parsed,
        _ => null,
    };
}

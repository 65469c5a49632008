using AbmSync.Core.Mapping;

namespace AbmSync.Core.Rules;

/// <summary>The three tiers of the target account list, best first.</summary>
public static class Tiers
{
    public const string Tier1 = "Tier 1";
    public const string Tier2 = "Tier 2";
    public const string Tier3 = "Tier 3";
    public static readonly IReadOnlyList<string> All = [Tier1, Tier2, Tier3];

    /// <summary>0 for Tier 1, 1 for Tier 2, 2 for Tier 3, 3 for an account off the list (or an unknown value).</summary>
    public static int Rank(string? tier)
    {
        for (var i = 0; i < All.Count; i++)
        {
            if (All[i] == tier)
            {
                return i;
            }
        }
        return All.Count;
    }
}

public enum CriterionTest { In, NotIn, Between, Min, Max }

/// <summary>One weighted ICP criterion: an account that passes the test earns the points.</summary>
public sealed record TierCriterion(
    string Name, string Field, CriterionTest Test, IReadOnlyList<string> Values, decimal? Low, decimal? High, int Points,
    SourceLocation Location);

/// <summary>Engagement's share of the score, and how fast old engagement fades.</summary>
public sealed record EngagementWeight(int Points, int HalfLifeDays);

/// <summary>A tier's threshold and capacity. Null caps mean unbounded.</summary>
public sealed record TierLevel(string Tier, int MinScore, int? Cap, int? CapPerOwner, SourceLocation Location);

/// <summary>The tiering section of <c>rules.yaml</c>.</summary>
public sealed record TieringRules(
    IReadOnlyList<TierCriterion> Criteria,
    EngagementWeight? Engagement,
    IReadOnlyList<TierLevel> Levels,
    int Hysteresis);

/// <summary>The ABM rules file. Later stages add sections (territories, pods, routing, ...).</summary>
public sealed record RulesFile(int Version, TieringRules Tiering, SourceLocation Location)
{
    /// <summary>How signals weigh and fade into an account's engagement score, and what a surge is.</summary>
    public Engagement.EngagementRules? Engagement { get; init; }
    /// <summary>The buying roles, from job titles, and when a contact counts as engaged.</summary>
    public Engagement.BuyingCommitteeRules? BuyingCommittee { get; init; }
    /// <summary>The account's ABM stage and when it is stalled.</summary>
    public Engagement.StageRules? Stages { get; init; }
    /// <summary>When an opportunity counts as marketing-influenced.</summary>
    public Engagement.InfluenceRules? Influence { get; init; }
    /// <summary>How leads and contacts find their account: domains, subsidiaries, company names, tie-breaks.</summary>
    public Accounts.MatchingRules? Matching { get; init; }
    /// <summary>Territories, pods and how owners, SDRs and marketers are assigned; the ownership-conflict policies.</summary>
    public Routing.RoutingRules? Routing { get; init; }
}

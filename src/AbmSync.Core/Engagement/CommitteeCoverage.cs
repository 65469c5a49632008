namespace AbmSync.Core.Engagement;

/// <summary>One contact of the account: its buying role (null when its title matched none) and its latest signal.</summary>
public sealed record CommitteeContact(string ContactId, string? Role, DateTimeOffset? LastSignal);

/// <summary>How much of the buying committee is engaged, 0–100, with the roles on each side, in rules order.</summary>
public sealed record CommitteeCoverageResult(
    int Coverage, IReadOnlyList<string> CoveredRoles, IReadOnlyList<string> MissingRoles, string Reason);

/// <summary>
/// Buying-committee coverage: the share of the roles in the rules that have at least one engaged contact. Several
/// engaged contacts in one role count once, since a deal needs each role, not a crowd in one of them.
/// </summary>
public sealed class CommitteeCoverage(BuyingCommitteeRules rules)
{
    public BuyingCommitteeRules Rules { get; } = rules;

    public CommitteeCoverageResult Measure(IEnumerable<CommitteeContact> contacts, DateTimeOffset now)
    {
        if (Rules.Roles.Count == 0)
        {
            return new CommitteeCoverageResult(0, [], [], "coverage 0: no buying roles are defined in the rules");
        }
        // A signal after now is bad data or clock skew, not engagement: it must not cover a role.
        var engaged = contacts
            .Where(c => c.Role is not null && RunDayWindow.Contains(c.LastSignal, Rules.EngagedDays, now))
            .Select(c => c.Role!)
            .ToHashSet(StringComparer.Ordinal);
        var covered = Rules.Roles.Select(r => r.Name).Where(engaged.Contains).ToList();
        var missing = Rules.Roles.Select(r => r.Name).Where(r => !engaged.Contains(r)).ToList();
        var coverage = (int)Math.Round(100m * covered.Count / Rules.Roles.Count, MidpointRounding.AwayFromZero);

        var parts = new List<string>(2);
        if (covered.Count > 0)
        {
            parts.Add($"{string.Join(", ", covered)} engaged");
        }
        if (missing.Count > 0)
        {
            parts.Add($"no engaged {string.Join(", ", missing)}");
        }
        return new CommitteeCoverageResult(coverage, covered, missing, $"coverage {coverage}: {string.Join("; ", parts)}");
    }
}

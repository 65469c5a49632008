using AbmSync.Core.Mapping;
using AbmSync.Core.Rules;

namespace AbmSync.Core.Routing;

public enum PodRole { AccountExecutive, Sdr, Marketer }

public enum ConflictPolicy { Flag, Realign }

/// <summary>
/// One territory rule: an account whose values pass every condition belongs to <see cref="Pod"/>. No conditions
/// make a catch-all. Conditions are tiering criteria without name or points.
/// </summary>
public sealed record Territory(string Name, string Pod, IReadOnlyList<TierCriterion> When, SourceLocation Location);

/// <summary>An AE's named SDR and marketer, by email; either may be left to the ratios.</summary>
public sealed record PodPairDefinition(string AccountExecutive, string? Sdr, string? Marketer);

/// <summary>
/// A pod as the rules file writes it: members from a HubSpot team (roles from a Salesforce user field), listed by
/// email, or both.
/// </summary>
public sealed record PodDefinition(
    string Name, string? Team, IReadOnlyList<string> AccountExecutives, IReadOnlyList<string> Sdrs, IReadOnlyList<string> Marketers,
    IReadOnlyList<PodPairDefinition> Pairs, SourceLocation Location)
{
    /// <summary>The pod's own ratios, when it staffs differently from the rest; null takes the routing's.</summary>
    public PodRatios? Ratios { get; init; }
}

/// <summary>Which Salesforce user field says a team member's role, and the values (any case) of each role.</summary>
public sealed record RoleSource(string UserField, IReadOnlyList<string> AccountExecutive, IReadOnlyList<string> Sdr, IReadOnlyList<string> Marketer)
{
    public static readonly RoleSource Default = new("Title", ["Account Executive"], ["Sales Development Representative"], ["ABM Marketer"]);
}

/// <summary>How many AEs share one SDR, and one marketer, when no pair names them.</summary>
public sealed record PodRatios(int AesPerSdr, int AesPerMarketer)
{
    public static readonly PodRatios Default = new(3, 4);
}

public sealed record ConflictPolicies(ConflictPolicy ContactOwner, ConflictPolicy OpportunityOwner, ConflictPolicy OutsideTerritory, ConflictPolicy OverCapacity)
{
    /// <summary>
    /// Contacts and leads follow their account's owner (nobody works them apart from it); an opportunity's owner,
    /// a territory or a capacity mismatch is for a person to settle, so those are only listed.
    /// </summary>
    public static readonly ConflictPolicies Default = new(ConflictPolicy.Realign, ConflictPolicy.Flag, ConflictPolicy.Flag, ConflictPolicy.Flag);
}

/// <summary>The routing section of <c>rules.yaml</c>.</summary>
/// <param name="CapacityPerTier">
/// Tier → accounts of that tier one AE may own: tiering's <c>capPerOwner</c>, overridden by <c>routing.capacity</c>;
/// null (or a tier left out) is unbounded.
/// </param>
public sealed record RoutingRules(
    IReadOnlyList<Territory> Territories, IReadOnlyList<PodDefinition> Pods, RoleSource Roles, PodRatios Ratios, ConflictPolicies Conflicts,
    IReadOnlyDictionary<string, int?> CapacityPerTier)
{
    public int? CapacityOf(string tier) => CapacityPerTier.GetValueOrDefault(tier);
}

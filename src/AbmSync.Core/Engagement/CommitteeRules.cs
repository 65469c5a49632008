namespace AbmSync.Core.Engagement;

/// <summary>Placeholder: the buyingCommittee section of rules.yaml (the committee helper replaces this file).</summary>
public sealed record BuyingCommitteeRules;

/// <summary>Placeholder: the stages section of rules.yaml.</summary>
public sealed record StageRules;

/// <summary>Placeholder: the influence section of rules.yaml.</summary>
public sealed record InfluenceRules;

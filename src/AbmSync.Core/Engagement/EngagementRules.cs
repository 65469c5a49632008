namespace AbmSync.Core.Engagement;

/// <summary>Placeholder: the engagement section of rules.yaml (the engagement helper replaces this file).</summary>
public sealed record EngagementRules;

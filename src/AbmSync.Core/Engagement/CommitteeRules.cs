using AbmSync.Core.Mapping;

namespace AbmSync.Core.Engagement;

/// <summary>One buying role and the job-title patterns that put a contact in it.</summary>
public sealed record BuyingRole(string Name, IReadOnlyList<string> Titles, SourceLocation Location);

/// <summary>
/// The buyingCommittee section of <c>rules.yaml</c>: the roles a deal needs, in order of precedence (a title that
/// matches two roles takes the one listed first), and how recent a contact's signal must be to count as engaged.
/// </summary>
public sealed record BuyingCommitteeRules(int EngagedDays, IReadOnlyList<BuyingRole> Roles)
{
    public const int DefaultEngagedDays = 30;
}

/// <summary>The stages section of <c>rules.yaml</c>: when an account is Engaged, stalled, or a Customer.</summary>
public sealed record StageRules(int EngagedDays, int StalledDays, IReadOnlyList<string> CustomerTypes)
{
    public const int DefaultEngagedDays = 30;
    public const int DefaultStalledDays = 45;
    public static readonly IReadOnlyList<string> DefaultCustomerTypes = ["Customer"];
}

/// <summary>The influence section of <c>rules.yaml</c>: how far before an opportunity marketing still gets credit.</summary>
public sealed record InfluenceRules(int AttributionDays)
{
    public const int DefaultAttributionDays = 90;
}

/// <summary>
/// "Within N days" as every committee and stage rule means it: on or after 00:00 UTC of the day N days before the
/// run's day, and not after the run itself. Counting from the day rather than the instant lets every run of a day
/// agree, so a stage or coverage doesn't flip between a morning and an evening run.
/// </summary>
internal static class RunDayWindow
{
    public static DateTimeOffset Start(DateTimeOffset now, int days) =>
        new DateTimeOffset(now.UtcDateTime.Date, TimeSpan.Zero).AddDays(-days);

    public static bool Contains(DateTimeOffset? at, int days, DateTimeOffset now) =>
        at is { } a && a >= Start(now, days) && a <= now;
}

using System.Globalization;

namespace AbmSync.Core.Engagement;

/// <summary>The ABM stages an account moves through, in order.</summary>
public static class AbmStages
{
    public const string Target = "Target";
    public const string Engaged = "Engaged";
    public const string Opportunity = "Opportunity";
    public const string Customer = "Customer";
    public static readonly IReadOnlyList<string> All = [Target, Engaged, Opportunity, Customer];
}

/// <summary>What the stage of one account is decided from.</summary>
/// <param name="AccountType">Salesforce <c>Account.Type</c>.</param>
/// <param name="LastEngaged">The account's latest engagement signal.</param>
/// <param name="LastOpportunityProgress">The latest stage change (or creation) of any of the account's opportunities.</param>
/// <param name="PreviousStage">The stage the last run wrote, if any.</param>
public sealed record StageInputs(
    string? AccountType,
    bool HasWonOpportunity,
    bool HasOpenOpportunity,
    DateTimeOffset? LastEngaged,
    DateTimeOffset? LastOpportunityProgress,
    string? PreviousStage);

/// <summary>An account's ABM stage, whether it has stalled there, and why, in plain words.</summary>
public sealed record StageDecision(string Stage, bool Stalled, string Reason);

/// <summary>
/// Assigns the ABM stage: Customer (a won opportunity or a customer account type, and kept once reached), else
/// Opportunity (an open opportunity), else Engaged (a recent signal), else Target. An Engaged or Opportunity account
/// with neither engagement nor opportunity progress within stalledDays is stalled; a Target has not moved yet and a
/// Customer is done, so neither stalls.
/// </summary>
public sealed class AccountStageAssigner(StageRules rules)
{
    public StageRules Rules { get; } = rules;

    public StageDecision Assign(StageInputs account, DateTimeOffset now)
    {
        if (account.HasWonOpportunity)
        {
            return new StageDecision(AbmStages.Customer, false, "Customer: the account has a won opportunity");
        }
        if (account.AccountType is { } type && Rules.CustomerTypes.Contains(type.Trim(), StringComparer.OrdinalIgnoreCase))
        {
            return new StageDecision(AbmStages.Customer, false, $"Customer: the account type is '{type.Trim()}'");
        }
        // A customer whose won opportunity was archived, or whose type was tidied, is still a customer: only a person
        // takes an account back out of Customer, by clearing the stage.
        if (string.Equals(account.PreviousStage, AbmStages.Customer, StringComparison.OrdinalIgnoreCase))
        {
            return new StageDecision(AbmStages.Customer, false,
                "Customer: kept from before (a won opportunity or a customer account type keeps Customer)");
        }
        if (account.HasOpenOpportunity)
        {
            return WithStall(AbmStages.Opportunity, "Opportunity: the account has an open opportunity", account, now);
        }
        if (RunDayWindow.Contains(account.LastEngaged, Rules.EngagedDays, now))
        {
            return WithStall(AbmStages.Engaged,
                $"Engaged: last engaged {Day(account.LastEngaged!.Value)}, within {Rules.EngagedDays} days", account, now);
        }
        return new StageDecision(AbmStages.Target, false, account.LastEngaged is { } last && last <= now
            ? $"Target: last engaged {Day(last)}, more than {Rules.EngagedDays} days ago"
            : $"Target: no engagement in the last {Rules.EngagedDays} days");
    }

    StageDecision WithStall(string stage, string reason, StageInputs account, DateTimeOffset now)
    {
        if (RunDayWindow.Contains(account.LastEngaged, Rules.StalledDays, now)
            || RunDayWindow.Contains(account.LastOpportunityProgress, Rules.StalledDays, now))
        {
            return new StageDecision(stage, false, reason);
        }
        var latest = new[] { account.LastEngaged, account.LastOpportunityProgress }.Where(d => d <= now).Max();
        var since = latest is { } l ? $" (last {Day(l)})" : "";
        return new StageDecision(stage, true,
            $"{reason}; stalled: no engagement or opportunity progress in {Rules.StalledDays} days{since}");
    }

    static string Day(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
}

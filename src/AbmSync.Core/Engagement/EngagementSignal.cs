namespace AbmSync.Core.Engagement;

/// <summary>
/// One dated piece of engagement with an account: an activity (<see cref="Amount"/> 1), a HubSpot counter's increase
/// (<see cref="Amount"/> is the increase), or a contact's backfill (<see cref="Amount"/> is already-weighted points).
/// </summary>
public sealed record EngagementSignal(string Type, DateTimeOffset At, decimal Amount, string? ContactId, string? AccountId);

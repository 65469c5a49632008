using AbmSync.Core.Accounts;

namespace AbmSync.Core.Routing;

/// <summary>
/// What routing last decided for an account and the ledger committed: replayed rather than decided again, and
/// the line between AbmSync's writes and a person's. The <c>Replaced…</c> values are the ones that decision
/// replaced (<see cref="RoutingDecision.ToPrior"/> fills them): a current value equal to one of them means our
/// write has not landed yet, not that a person chose it.
/// </summary>
public sealed record PriorRouting(string? Owner, string? Sdr, string? Marketer)
{
    public string? ReplacedOwner { get; init; }
    public string? ReplacedSdr { get; init; }
    public string? ReplacedMarketer { get; init; }
}

/// <summary>
/// One account to route: <see cref="AccountProfile.OwnerId"/> is its current owner and its fields place it in a
/// territory; <paramref name="Tier"/> and <paramref name="Score"/> are tiering's decision for it.
/// </summary>
public sealed record RoutingInput(
    AccountProfile Account, string? Tier, int Score, bool TierLocked, string? CurrentSdr, string? CurrentMarketer, PriorRouting? Prior);

/// <summary>The rule that decided an account's owner, as <see cref="RoutingDecision.Rule"/> names it.</summary>
public static class RoutingRulesIds
{
    public const string Kept = "owner-kept", Assigned = "round-robin", Replay = "replay", Hold = "ownership-hold", NoTerritory = "no-territory",
        NoCapacity = "no-capacity", Realigned = "realigned", Flagged = "flagged";
}

/// <summary>
/// A record whose owner does not fit the rules. <paramref name="Realigned"/>: routing (or the worker, for contacts,
/// leads and opportunities) sets <paramref name="SuggestedOwner"/>; otherwise the conflict is only listed.
/// </summary>
public sealed record OwnershipConflict(string Kind, string RecordId, string Detail, bool Realigned, string? SuggestedOwner = null)
{
    public const string OutsideTerritory = "outside-territory", OverCapacity = "over-capacity", NoCapacity = "no-capacity",
        ContactOwner = "contact-owner", LeadOwner = "lead-owner", OpportunityOwner = "opportunity-owner";
}

/// <summary>
/// An account's territory, pod, owner, SDR and marketer, the rule that decided the owner, and the reason written
/// to <c>ABM_Routing_Reason__c</c>. The <c>Previous…</c> values are the input's current ones.
/// </summary>
public sealed record RoutingDecision(
    string AccountId, string? Territory, string? Pod, string? Owner, string? Sdr, string? Marketer, string Rule, string Reason,
    IReadOnlyList<OwnershipConflict> Conflicts)
{
    /// <summary>Salesforce's <c>ABM_Routing_Reason__c</c> is Text(255).</summary>
    public const int ReasonMaxLength = 255;

    public string? PreviousOwner { get; init; }
    public string? PreviousSdr { get; init; }
    public string? PreviousMarketer { get; init; }

    public bool OwnerChanged => !string.Equals(Owner, PreviousOwner, StringComparison.Ordinal);
    public bool SdrChanged => !string.Equals(Sdr, PreviousSdr, StringComparison.Ordinal);
    public bool MarketerChanged => !string.Equals(Marketer, PreviousMarketer, StringComparison.Ordinal);

    /// <summary>The decision as the ledger keeps it for the next run's <see cref="RoutingInput.Prior"/>.</summary>
    public PriorRouting ToPrior() => new(Owner, Sdr, Marketer)
    {
        ReplacedOwner = OwnerChanged ? PreviousOwner : null,
        ReplacedSdr = SdrChanged ? PreviousSdr : null,
        ReplacedMarketer = MarketerChanged ? PreviousMarketer : null,
    };
}

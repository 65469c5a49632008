namespace AbmSync.Core.Routing;

public sealed partial class OwnerRouter
{
    /// <summary>
    /// A contact, lead or opportunity whose owner is not its account's owner, resolved by the conflict policy
    /// (leads and contacts by <see cref="ConflictPolicies.ContactOwner"/>). Null when aligned, or when there is no
    /// account owner to align with. <paramref name="kind"/> is "contact", "lead" or "opportunity".
    /// </summary>
    public OwnershipConflict? CheckRecordOwner(string kind, string recordId, string? recordOwner, string? accountId, string? accountOwner)
    {
        var (conflict, policy) = kind switch
        {
            "contact" => (OwnershipConflict.ContactOwner, Rules.Conflicts.ContactOwner),
            "lead" => (OwnershipConflict.LeadOwner, Rules.Conflicts.ContactOwner),
            "opportunity" => (OwnershipConflict.OpportunityOwner, Rules.Conflicts.OpportunityOwner),
            _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "expected contact, lead or opportunity"),
        };
        if (accountId is null || accountOwner is null || Same(recordOwner, accountOwner))
        {
            return null;
        }
        var realign = policy == ConflictPolicy.Realign;
        var detail = $"{kind} {recordId} is owned by {recordOwner ?? "no one"}, not by {accountOwner}, the owner of account {accountId}"
            + (realign ? "; realigned to the account owner" : "; flagged");
        return new OwnershipConflict(conflict, recordId, detail, realign, realign ? accountOwner : null);
    }
}

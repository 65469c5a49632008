using AbmSync.Core.Engagement;

namespace AbmSync.Worker.State;

/// <summary>
/// An engagement signal as stored. <see cref="SourceKey"/> is what it was read from (<c>meetings/12345</c>,
/// <c>counter/{contactId}/{type}/{at}</c>): storing it again adds nothing. <see cref="ContactId"/> and
/// <see cref="CompanyId"/> are HubSpot ids; <see cref="AccountId"/> is the Salesforce account, null until the
/// company is linked.
/// </summary>
public sealed record StoredSignal(string SourceKey, string Type, DateTimeOffset At, decimal Amount, string? ContactId, string? AccountId, string? CompanyId)
{
    public EngagementSignal ToSignal() => new(Type, At, Amount, ContactId, AccountId);
}

/// <summary>
/// One rule decision in the ledger: what <see cref="Kind"/> a record (<see cref="Object"/> is a pair, or
/// <c>engagement</c>) got, what it had before, why, from which inputs (JSON), under which rules file and rule.
/// </summary>
public sealed record LedgerEntry(
    long Id, string Object, string RecordId, string Kind, string? Value, string? Previous, string Reason, string? Inputs,
    string RulesHash, string? RuleId, long? RunId, DateTimeOffset DecidedAt);

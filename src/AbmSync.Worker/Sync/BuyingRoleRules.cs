using System.Globalization;
using System.Text.Json;
using AbmSync.Connectors.Salesforce;
using AbmSync.Core.Engagement;
using AbmSync.Core.Sync;
using AbmSync.Worker.State;

namespace AbmSync.Worker.Sync;

/// <summary>
/// The contacts' rule: each contact's buying role from its job title, written on both sides
/// (<c>ABM_Buying_Role__c</c>, <c>abm_buying_role</c>). The ledger's entry keeps the contact's account, which is what
/// the accounts' committee coverage reads.
/// </summary>
public sealed class BuyingRoleRules(BuyingRoleClassifier classifier) : RecordRules(RoleKind)
{
    public const string RoleKind = "buying-role";
    public const string SalesforceRole = "ABM_Buying_Role__c";
    public const string HubSpotRole = "abm_buying_role";

    public override IReadOnlyList<string> SalesforceInputs { get; } = ["Title", "AccountId", SalesforceRole];
    public override IReadOnlyList<string> SalesforceOutputs { get; } = [SalesforceRole];
    public override IReadOnlyList<string> HubSpotProperties { get; } = [HubSpotRole];

    /// <summary>The label both sides show for a role of the rules ("economic-buyer" → "Economic Buyer").</summary>
    public static string Label(string role) =>
        string.Join(' ', role.Split('-', StringSplitOptions.RemoveEmptyEntries).Select(w => char.ToUpperInvariant(w[0]) + w[1..]));

    /// <summary>
    /// The title the role follows: Salesforce's where the record was read there, else HubSpot's (a contact HubSpot
    /// creates in Salesforce carries its jobtitle there). A title HubSpot changed reaches the role on the run after it
    /// crosses, when Salesforce is read with it.
    /// </summary>
    (BuyingRoleMatch? Match, string? Title, string? AccountId) Decide(RuleSubject subject)
    {
        var title = subject.Salesforce is { } record ? record.GetString("Title")
            : subject.SalesforceWrites?.GetValueOrDefault("Title") ?? subject.HubSpot?["jobtitle"];
        var account = subject.Salesforce?.GetString("AccountId") ?? subject.SalesforceWrites?.GetValueOrDefault("AccountId");
        return (classifier.Classify(title), title, account);
    }

    public override RuleValues? ValuesFor(RuleSubject subject)
    {
        if (subject.Salesforce is null && subject.HubSpot is null)
        {
            return null;
        }
        var label = Decide(subject).Match is { } match ? Label(match.Role) : null;
        return new RuleValues(
            new Dictionary<string, string?> { [SalesforceRole] = label },
            new Dictionary<string, string?> { [HubSpotRole] = label });
    }

    public override IReadOnlyList<LedgerEntry> LedgerFor(RuleSubject subject, long runId, DateTimeOffset now, string rulesHash)
    {
        if (subject.SalesforceId is not { } salesforceId || (subject.Salesforce is null && subject.SalesforceWrites is null))
        {
            return [];
        }
        var d = Decide(subject);
        var inputs = JsonSerializer.Serialize(new { title = d.Title, accountId = d.AccountId, pattern = d.Match?.Pattern });
        Written.TryGetValue(salesforceId, out var before);
        if (before is not null && before.Value == d.Match?.Role && before.Inputs == inputs)
        {
            return [];
        }
        var reason = d.Match?.Reason ?? (string.IsNullOrWhiteSpace(d.Title) ? "no job title" : $"no buying role matches the title '{d.Title}'");
        return [new LedgerEntry(0, ObjectPairs.Contacts, salesforceId, RoleKind, d.Match?.Role, before?.Value, reason, inputs, rulesHash,
            d.Match is { } m ? string.Create(CultureInfo.InvariantCulture, $"buyingCommittee.{m.Role}") : "buyingCommittee", runId, now)];
    }

    /// <summary>The account a role entry's contact belonged to when it was decided.</summary>
    public static string? AccountOf(LedgerEntry entry)
    {
        if (entry.Inputs is not { } json)
        {
            return null;
        }
        // A reader over the one property, not a document per entry: the accounts' coverage reads ten million of them.
        var reader = new Utf8JsonReader(System.Text.Encoding.UTF8.GetBytes(json));
        reader.Read();
        string? account = null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var isAccount = reader.ValueTextEquals("accountId");
            reader.Read();
            if (isAccount)
            {
                account = reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
            }
            reader.Skip();
        }
        return account;
    }
}

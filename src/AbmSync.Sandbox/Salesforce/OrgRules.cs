using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace AbmSync.Sandbox.Salesforce;

/// <summary>
/// The rules an administrator of the org has set up, which refuse saves the schema alone would take: one validation
/// rule (Contact phone format) and one active duplicate rule per object on Contact and Lead (same email). Every write
/// path meets them, because every write path goes through <see cref="Dml.Save"/>.
/// </summary>
public static partial class OrgRules
{
    public const string DuplicateMessage = "Use one of these records?";
    public const string ContactPhoneRule = "Contact_Phone_Format";
    public const string ContactPhoneMessage = "Phone must be a phone number: at least 7 digits, with only spaces and + ( ) - . between them, and an optional extension such as x123.";

    /// <summary>The duplicate rule and matching rule of each object, by their developer names.</summary>
    public static readonly IReadOnlyDictionary<string, (string DuplicateRule, string MatchingRule)> DuplicateRules =
        new Dictionary<string, (string, string)>(StringComparer.Ordinal)
        {
            ["Contact"] = ("ABM_Contact_Email_Duplicate_Rule", "ABM_Contact_Email_Matching_Rule"),
            ["Lead"] = ("ABM_Lead_Email_Duplicate_Rule", "ABM_Lead_Email_Matching_Rule"),
        };

    public const string LeadQueueName = "Lead Intake";
    public const string LeadQueueDeveloperName = "Lead_Intake";
    public const string LeadAssignmentRuleName = "Lead Intake Routing";

    /// <summary>
    /// Whether a REST write runs the active assignment rules: the Assignment Rule Header (<c>Sforce-Auto-Assign</c>)
    /// is TRUE when absent, and only FALSE (in any case) turns it off. An AssignmentRule id names the rule to run; the
    /// org has one lead rule, so any value but FALSE runs it.
    /// </summary>
    public static bool AutoAssign(string? header) => !string.Equals(header?.Trim(), "FALSE", StringComparison.OrdinalIgnoreCase);

    [GeneratedRegex(@"^\+?[0-9 ().\-]+(\s*(x|ext\.?)\s*[0-9]{1,6})?$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex PhoneShape();

    /// <summary>
    /// The org's active default lead assignment rule: one entry without criteria that gives every lead to the Lead Intake
    /// queue, as an org routes inbound leads to a queue its SDRs work from.
    /// </summary>
    public sealed record LeadAssignmentRule(string Id, string QueueId);

    /// <summary>
    /// Validation rules run on the record as it would be saved (the request's values over the stored ones), on every
    /// create and every update, whichever fields the update names: a stored bad value blocks any later edit, as in an org.
    /// </summary>
    public static SfError? Validate(SfObject type, IReadOnlyDictionary<string, object?> values, SfRecord? target)
    {
        if (type.Name != "Contact")
        {
            return null;
        }
        var phone = values.TryGetValue("Phone", out var given) ? given as string : target?["Phone"] as string;
        if (phone is null)
        {
            return null;
        }
        var digits = phone.Split('x', 'X', 'e', 'E')[0].Count(char.IsAsciiDigit);
        return PhoneShape().IsMatch(phone.Trim()) && digits >= 7
            ? null
            : new SfError("FIELD_CUSTOM_VALIDATION_EXCEPTION", ContactPhoneMessage, ["Phone"]);
    }

    /// <summary>
    /// Records of the same object whose email equals the saved record's, trimmed and in any case. The rules run on
    /// create, and on an update that writes Email (an update that leaves Email alone cannot make a new duplicate).
    /// </summary>
    public static IReadOnlyList<SfRecord> FindDuplicates(OrgStore store, SfObject type, IReadOnlyDictionary<string, object?> values, SfRecord? target, bool creating)
    {
        if (!DuplicateRules.ContainsKey(type.Name) || type.Field("Email") is not { } emailField)
        {
            return [];
        }
        if (!creating && !values.ContainsKey("Email"))
        {
            return [];
        }
        var email = (values.TryGetValue("Email", out var given) ? given : target?["Email"]) as string;
        if (string.IsNullOrWhiteSpace(email))
        {
            return [];
        }
        return [.. store.WithValue(type, emailField, email.Trim()).Where(r => r != target)];
    }

    /// <summary>
    /// DUPLICATES_DETECTED with the DuplicateError's duplicateResult (DuplicateResult, MatchResult, MatchRecord of the
    /// API reference). The rule's action is "Allow" with an alert on create and edit, so allowSave is true and the
    /// Sforce-Duplicate-Rule-Header's allowSave=true lets the save through; without it the API refuses.
    /// </summary>
    public static SfError DuplicateError(SfObject type, IReadOnlyList<SfRecord> duplicates)
    {
        var (duplicateRule, matchingRule) = DuplicateRules[type.Name];
        var records = new JsonArray([.. duplicates.Select(d => (JsonNode)new JsonObject
        {
            ["additionalInformation"] = new JsonArray(),
            ["fieldDiffs"] = new JsonArray(),
            ["matchConfidence"] = 100.0,
            ["record"] = new JsonObject
            {
                ["attributes"] = new JsonObject { ["type"] = type.Name, ["url"] = $"/services/data/v66.0/sobjects/{type.Name}/{d.Id}" },
                ["Id"] = d.Id,
            },
        })]);
        var result = new JsonObject
        {
            ["allowSave"] = true,
            ["duplicateRule"] = duplicateRule,
            ["duplicateRuleEntityType"] = type.Name,
            ["errorMessage"] = DuplicateMessage,
            ["matchResults"] = new JsonArray(new JsonObject
            {
                ["entityType"] = type.Name,
                ["errors"] = new JsonArray(),
                ["matchEngine"] = "ExactMatchEngine",
                ["matchRecords"] = records,
                ["rule"] = matchingRule,
                ["size"] = duplicates.Count,
                ["success"] = true,
            }),
        };
        return new SfError("DUPLICATES_DETECTED", DuplicateMessage, []) { DuplicateResult = result };
    }
}

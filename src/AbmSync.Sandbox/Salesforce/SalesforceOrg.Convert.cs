namespace AbmSync.Sandbox.Salesforce;

/// <summary>What a lead conversion made: the new contact, and the account it sits under (given or new).</summary>
public sealed record LeadConversion(string ContactId, string AccountId, bool AccountCreated);

public sealed partial class SalesforceOrg
{
    /// <summary>
    /// Converts a lead as a person does (the Convert button, or the SOAP API's convertLead, which the REST API has no
    /// resource for): in one transaction, a new Account named after the lead's Company unless
    /// <paramref name="accountId"/> names one, a new Contact from the lead under it, and the lead marked converted. No
    /// opportunity is made (convertLead's doNotCreateOpportunity). The new records are owned by the lead's owner, or by
    /// <paramref name="userId"/> when the lead sits in a queue or with an inactive user, since converted records can
    /// only be owned by active users. The contact's duplicate rule alerts and lets the person save, as its "Allow"
    /// action does in the UI; the Contact validation rule still applies. Throws when the org refuses.
    /// </summary>
    public LeadConversion ConvertLead(string leadId, string? accountId, string userId)
    {
        var leads = Schema.Find("Lead")!;
        var accounts = Schema.Find("Account")!;
        var contacts = Schema.Find("Contact")!;
        lock (Store.Gate)
        {
            var lead = Store.Get(leadId);
            if (lead is null || lead.Type != leads || lead.IsDeleted)
            {
                throw new ArgumentException($"No live lead {leadId}.", nameof(leadId));
            }
            if (lead["IsConverted"] is true)
            {
                throw new InvalidOperationException($"Lead {lead.Id} is already converted (to contact {lead["ConvertedContactId"]}).");
            }
            SfRecord? account = null;
            if (accountId is not null)
            {
                account = Store.Get(accountId);
                if (account is null || account.Type != accounts || account.IsDeleted)
                {
                    throw new ArgumentException($"No live account {accountId}.", nameof(accountId));
                }
            }
            var leadOwner = Store.Get(lead["OwnerId"] as string);
            var owner = leadOwner is { Type.Name: "User" } && leadOwner["IsActive"] is true ? leadOwner.Id : userId;

            var undo = new List<(SfRecord Record, object?[]? Before)>();
            using (dml.Transaction())
            {
                var created = account is null;
                if (account is null)
                {
                    var newAccount = Save(accounts, new Dictionary<string, object?>
                    {
                        ["Name"] = lead["Company"],
                        ["Website"] = lead["Website"],
                        ["OwnerId"] = owner,
                    });
                    account = Store.Get(newAccount)!;
                }
                var contactId = Save(contacts, new Dictionary<string, object?>
                {
                    ["AccountId"] = account.Id,
                    ["FirstName"] = lead["FirstName"],
                    ["LastName"] = lead["LastName"],
                    ["Email"] = lead["Email"],
                    ["Title"] = lead["Title"],
                    ["Phone"] = lead["Phone"],
                    ["LeadSource"] = lead["LeadSource"],
                    ["OwnerId"] = owner,
                });
                dml.SystemUpdate(lead, new Dictionary<string, object?>
                {
                    ["IsConverted"] = true,
                    ["ConvertedContactId"] = contactId,
                    ["ConvertedAccountId"] = account.Id,
                    ["ConvertedDate"] = DateOnly.FromDateTime(time.GetUtcNow().UtcDateTime),
                    ["Status"] = "Closed - Converted",
                }, userId, undo);
                return new LeadConversion(contactId, account.Id, created);
            }

            string Save(SfObject type, Dictionary<string, object?> values)
            {
                var input = new RecordInput(type, null, values.Where(v => v.Value is not null).ToDictionary(v => type.Field(v.Key)!, v => v.Value));
                var result = dml.Save(DmlOp.Create, input, null, userId, undo, allowDuplicates: true);
                if (!result.Success)
                {
                    dml.Rollback(undo);
                    var error = result.Errors[0];
                    throw new InvalidOperationException($"Converting lead {lead.Id} was refused: the new {type.Name}: {error.StatusCode} {error.Message}");
                }
                return result.Id!;
            }
        }
    }
}

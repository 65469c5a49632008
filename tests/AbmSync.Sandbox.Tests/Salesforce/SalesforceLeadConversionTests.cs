using System.Text.Json.Nodes;
using static AbmSync.Sandbox.Tests.Salesforce.Org;

namespace AbmSync.Sandbox.Tests.Salesforce;

/// <summary>A sales rep converts a lead (<see cref="SandboxHost.ConvertLeadAsSalesRepAsync"/>), as convertLead does.</summary>
public sealed class SalesforceLeadConversionTests
{
    const string LeadFields = "Id, FirstName, LastName, Email, Title, Phone, Company, OwnerId, IsConverted, ConvertedContactId, ConvertedAccountId, ConvertedDate, Status, LastModifiedById, SystemModstamp";

    static async Task<JsonNode> Lead(HttpClient client, string where) =>
        (await QueryAsync(client, $"SELECT {LeadFields} FROM Lead WHERE {where} ORDER BY Id LIMIT 1"))["records"]![0]!;

    static async Task<JsonNode> Get(HttpClient client, string sobject, string id, string fields) =>
        (await SendAsync(client, HttpMethod.Get, $"/services/data/{V}/sobjects/{sobject}/{id}?fields={fields}")).Body!;

    [Fact]
    public async Task ConvertUnderAnAccount_MakesTheContactFromTheLead_AndMarksTheLeadAsTheRep()
    {
        await using var org = await StartAsync();
        using var integration = await org.LoginAsync();
        var rep = org.Emulator.Org.SalesRepUserId;
        var lead = await Lead(integration, "IsConverted = false AND Email != null AND Owner.IsActive = true");
        var leadId = lead["Id"]!.GetValue<string>();
        var account = (await QueryAsync(integration, "SELECT Id FROM Account ORDER BY Id LIMIT 1"))["records"]![0]!["Id"]!.GetValue<string>();
        await org.Host.EditAsSalesRepAsync("Lead", leadId, new { Phone = "+1 415 555 0100" });
        var before = (await Lead(integration, $"Id = '{leadId}'"))["SystemModstamp"]!.GetValue<string>();
        org.Time.Advance(TimeSpan.FromMinutes(5));

        var converted = await org.Host.ConvertLeadAsSalesRepAsync(leadId, account);

        Assert.Equal(account, converted.AccountId);
        Assert.False(converted.AccountCreated);
        var contact = await Get(integration, "Contact", converted.ContactId, "FirstName,LastName,Email,Title,Phone,OwnerId,AccountId,CreatedById,LastModifiedById,SystemModstamp");
        foreach (var field in new[] { "FirstName", "LastName", "Email", "Title", "OwnerId" })
        {
            Assert.Equal(lead[field]!.GetValue<string>(), contact[field]!.GetValue<string>());
        }
        Assert.Equal("+1 415 555 0100", contact["Phone"]!.GetValue<string>());
        Assert.Equal(account, contact["AccountId"]!.GetValue<string>());
        Assert.Equal(rep, contact["CreatedById"]!.GetValue<string>());

        var after = await Lead(integration, $"Id = '{leadId}'");
        Assert.True(after["IsConverted"]!.GetValue<bool>());
        Assert.Equal(converted.ContactId, after["ConvertedContactId"]!.GetValue<string>());
        Assert.Equal(account, after["ConvertedAccountId"]!.GetValue<string>());
        Assert.Equal("2026-11-25", after["ConvertedDate"]!.GetValue<string>());
        Assert.Equal("Closed - Converted", after["Status"]!.GetValue<string>());
        Assert.Equal(rep, after["LastModifiedById"]!.GetValue<string>());
        Assert.True(string.CompareOrdinal(after["SystemModstamp"]!.GetValue<string>(), before) > 0);
        // One transaction: the contact and the lead share their stamp.
        Assert.Equal(after["SystemModstamp"]!.GetValue<string>(), contact["SystemModstamp"]!.GetValue<string>());
        // A reader of changes since the conversion's eve finds the lead.
        var changed = await QueryAsync(integration, $"SELECT Id FROM Lead WHERE SystemModstamp > {AbmSync.Sandbox.Salesforce.Dml.ParseDateTime(before)!.Value.UtcDateTime:yyyy-MM-ddTHH:mm:ssZ}");
        Assert.Contains(changed["records"]!.AsArray(), r => r!["Id"]!.GetValue<string>() == leadId);
    }

    [Fact]
    public async Task ConvertWithoutAnAccount_MakesOneNamedAfterTheCompany_OwnedByTheLeadOwner()
    {
        await using var org = await StartAsync();
        using var integration = await org.LoginAsync();
        var lead = await Lead(integration, "IsConverted = false AND Owner.IsActive = true");
        var converted = await org.Host.ConvertLeadAsSalesRepAsync(lead["Id"]!.GetValue<string>(), null);

        Assert.True(converted.AccountCreated);
        var account = await Get(integration, "Account", converted.AccountId, "Name,OwnerId,CreatedById");
        Assert.Equal(lead["Company"]!.GetValue<string>(), account["Name"]!.GetValue<string>());
        Assert.Equal(lead["OwnerId"]!.GetValue<string>(), account["OwnerId"]!.GetValue<string>());
        Assert.Equal(org.Emulator.Org.SalesRepUserId, account["CreatedById"]!.GetValue<string>());
        var contact = await Get(integration, "Contact", converted.ContactId, "AccountId");
        Assert.Equal(converted.AccountId, contact["AccountId"]!.GetValue<string>());
        Assert.Equal(converted.AccountId, (await Lead(integration, $"Id = '{lead["Id"]}'"))["ConvertedAccountId"]!.GetValue<string>());
    }

    [Fact]
    public async Task AConvertedLead_RefusesUpdatesAndASecondConversion()
    {
        await using var org = await StartAsync();
        using var integration = await org.LoginAsync();
        var leadId = (await Lead(integration, "IsConverted = false"))["Id"]!.GetValue<string>();
        await org.Host.ConvertLeadAsSalesRepAsync(leadId, null);

        var (status, body, _) = await SendAsync(integration, HttpMethod.Patch, $"/services/data/{V}/sobjects/Lead/{leadId}", new { Title = "Late edit" });
        Assert.Equal(400, status);
        Assert.Equal("CANNOT_UPDATE_CONVERTED_LEAD", body![0]!["errorCode"]!.GetValue<string>());
        await Assert.ThrowsAsync<InvalidOperationException>(() => org.Host.ConvertLeadAsSalesRepAsync(leadId, null));
        var seeded = (await Lead(integration, "IsConverted = true AND Id != '" + leadId + "'"))["Id"]!.GetValue<string>();
        await Assert.ThrowsAsync<InvalidOperationException>(() => org.Host.ConvertLeadAsSalesRepAsync(seeded, null));
        await Assert.ThrowsAsync<ArgumentException>(() => org.Host.ConvertLeadAsSalesRepAsync(leadId[..3] + "000000000000000", null));
    }

    [Fact]
    public async Task AQueuedLead_IsConvertedToRecordsTheRepOwns()
    {
        await using var org = await StartAsync();
        using var integration = await org.LoginAsync();
        var (_, created, _) = await SendAsync(integration, HttpMethod.Post, $"/services/data/{V}/sobjects/Lead", new { LastName = "Queued", Company = "Queue Co" });
        var leadId = created!["id"]!.GetValue<string>();
        Assert.Equal(org.Emulator.Org.LeadAssignment.QueueId, (await Lead(integration, $"Id = '{leadId}'"))["OwnerId"]!.GetValue<string>());

        var converted = await org.Host.ConvertLeadAsSalesRepAsync(leadId, null);
        Assert.Equal(org.Emulator.Org.SalesRepUserId, (await Get(integration, "Contact", converted.ContactId, "OwnerId"))["OwnerId"]!.GetValue<string>());
        Assert.Equal(org.Emulator.Org.SalesRepUserId, (await Get(integration, "Account", converted.AccountId, "OwnerId"))["OwnerId"]!.GetValue<string>());
    }
}

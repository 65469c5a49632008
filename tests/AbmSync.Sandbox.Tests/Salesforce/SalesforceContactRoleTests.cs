using System.Text.Json.Nodes;
using System.Xml.Linq;
using AbmSync.Sandbox.Salesforce;
using static AbmSync.Sandbox.Tests.Salesforce.Org;

namespace AbmSync.Sandbox.Tests.Salesforce;

/// <summary>OpportunityContactRole: describe, seeded roles, SOQL, REST and collections writes, and its access following Opportunity.</summary>
public sealed class SalesforceContactRoleTests
{
    const string Roles = "OpportunityContactRole";

    static readonly string[] RoleValues =
        ["Business User", "Decision Maker", "Economic Buyer", "Economic Decision Maker", "Evaluator", "Executive Sponsor", "Influencer", "Technical Buyer", "Other"];

    static JsonObject Role(params (string Key, JsonNode? Value)[] fields)
    {
        var json = new JsonObject { ["attributes"] = new JsonObject { ["type"] = Roles } };
        foreach (var (key, value) in fields)
        {
            json[key] = value;
        }
        return json;
    }

    [Fact]
    public async Task Describe_AsTheIntegrationUser_IsWritableThroughItsOpportunityGrant_WithTheDocumentedFields()
    {
        await using var org = await StartAsync();
        using var client = await org.LoginAsync();
        var (status, describe, _) = await SendAsync(client, HttpMethod.Get, $"/services/data/{V}/sobjects/{Roles}/describe");
        Assert.Equal(200, status);
        Assert.Equal("00K", describe!["keyPrefix"]!.GetValue<string>());
        // The shipped set grants Opportunity read and edit but no delete; a contact role follows the opportunity's edit.
        Assert.False(PermissionSet.Integration.Objects["Opportunity"].Delete);
        Assert.True(describe["createable"]!.GetValue<bool>());
        Assert.True(describe["updateable"]!.GetValue<bool>());
        Assert.True(describe["deletable"]!.GetValue<bool>());

        var fields = describe["fields"]!.AsArray().ToDictionary(f => f!["name"]!.GetValue<string>(), f => f!);
        Assert.Equal(["Id", "IsDeleted", "CreatedDate", "CreatedById", "LastModifiedDate", "LastModifiedById", "SystemModstamp", "OpportunityId", "ContactId", "Role", "IsPrimary"], fields.Keys);
        var opportunity = fields["OpportunityId"];
        Assert.Equal("reference", opportunity["type"]!.GetValue<string>());
        Assert.Equal("Opportunity", opportunity["referenceTo"]![0]!.GetValue<string>());
        Assert.False(opportunity["nillable"]!.GetValue<bool>());
        Assert.True(opportunity["createable"]!.GetValue<bool>());
        Assert.False(opportunity["updateable"]!.GetValue<bool>());
        Assert.Equal("Contact", fields["ContactId"]["relationshipName"]!.GetValue<string>());
        Assert.True(fields["ContactId"]["updateable"]!.GetValue<bool>());
        Assert.Equal("picklist", fields["Role"]["type"]!.GetValue<string>());
        Assert.Equal(RoleValues, fields["Role"]["picklistValues"]!.AsArray().Select(v => v!["value"]!.GetValue<string>()));
        Assert.True(fields["Role"]["updateable"]!.GetValue<bool>());
        Assert.Equal("boolean", fields["IsPrimary"]["type"]!.GetValue<string>());
        Assert.True(fields["IsPrimary"]["createable"]!.GetValue<bool>());
    }

    [Fact]
    public void Access_FollowsTheOpportunityGrant_BothWays()
    {
        var schema = SfSchema.Create();
        var roles = schema.Find(Roles)!;
        var integration = UserAccess.Of(PermissionSet.Integration);
        Assert.True(integration.CanRead(roles) && integration.CanCreate(roles) && integration.CanEdit(roles) && integration.CanDelete(roles));
        Assert.True(integration.CanUpdate(roles, roles.Field("Role")!));

        XNamespace ns = "http://soap.sforce.com/2006/04/metadata";
        var readOnly = PermissionSet.Parse("ReadOnly", new XDocument(new XElement(ns + "PermissionSet",
            new XElement(ns + "objectPermissions",
                new XElement(ns + "allowCreate", "false"), new XElement(ns + "allowDelete", "false"), new XElement(ns + "allowEdit", "false"),
                new XElement(ns + "allowRead", "true"), new XElement(ns + "object", "Opportunity")))));
        var reader = UserAccess.Of(readOnly);
        Assert.True(reader.CanRead(roles));
        Assert.False(reader.CanCreate(roles) || reader.CanEdit(roles) || reader.CanDelete(roles));
        Assert.False(UserAccess.Of(readOnly with { Objects = new Dictionary<string, ObjectGrant>() }).CanRead(roles));
    }

    [Fact]
    public async Task SeededRoles_NameContactsOfTheOpportunitysAccount_WithAtMostOnePrimaryEach()
    {
        await using var org = await StartAsync();
        using var client = await org.LoginAsync();
        var rows = (await QueryAsync(client,
            $"SELECT Id, OpportunityId, ContactId, Role, IsPrimary, Contact.AccountId, Opportunity.AccountId, CreatedById FROM {Roles}"))["records"]!.AsArray();
        Assert.NotEmpty(rows);
        Assert.All(rows, r =>
        {
            Assert.StartsWith("00K", r!["Id"]!.GetValue<string>(), StringComparison.Ordinal);
            Assert.Equal(r["Opportunity"]!["AccountId"]!.GetValue<string>(), r["Contact"]!["AccountId"]!.GetValue<string>());
            Assert.True(r["Role"] is null || RoleValues.Contains(r["Role"]!.GetValue<string>()));
        });
        var byOpportunity = rows.GroupBy(r => r!["OpportunityId"]!.GetValue<string>()).ToList();
        Assert.All(byOpportunity, g => Assert.InRange(g.Count(r => r!["IsPrimary"]!.GetValue<bool>()), 0, 1));
        Assert.All(byOpportunity, g => Assert.Equal(g.Count(), g.Select(r => r!["ContactId"]!.GetValue<string>()).Distinct().Count()));
        Assert.Contains(byOpportunity, g => g.Count() > 1);

        var opportunities = (await QueryAsync(client, "SELECT COUNT() FROM Opportunity"))["totalSize"]!.GetValue<int>();
        Assert.InRange(byOpportunity.Count, 1, opportunities - 1);
        Assert.Equal(rows.Count, org.Emulator.Org.Export()[Roles]!.AsArray().Count);
    }

    [Fact]
    public async Task Query_WhereOpportunityIdIn_AnswersExactlyThoseOpportunitiesRoles()
    {
        await using var org = await StartAsync();
        using var client = await org.LoginAsync();
        var all = org.Emulator.Org.Export()[Roles]!.AsArray();
        var opportunities = all.Select(r => r!["OpportunityId"]!.GetValue<string>()).Distinct().Take(3).ToList();
        var expected = all.Where(r => opportunities.Contains(r!["OpportunityId"]!.GetValue<string>())).Select(r => r!["Id"]!.GetValue<string>()).Order().ToList();
        var answer = await QueryAsync(client,
            $"SELECT Id, ContactId, Role FROM {Roles} WHERE OpportunityId IN ({string.Join(", ", opportunities.Select(o => $"'{o}'"))}) ORDER BY Id");
        Assert.Equal(expected, answer["records"]!.AsArray().Select(r => r!["Id"]!.GetValue<string>()));
        Assert.Equal(expected.Count, answer["totalSize"]!.GetValue<int>());
    }

    [Fact]
    public async Task RestCreateUpdateDelete_AsTheIntegrationUser_WithOnePrimaryPerOpportunity()
    {
        await using var org = await StartAsync();
        using var client = await org.LoginAsync();
        var seeded = org.Emulator.Org.Export()[Roles]!.AsArray().First(r => r!["IsPrimary"]!.GetValue<bool>())!;
        var opportunityId = seeded["OpportunityId"]!.GetValue<string>();
        var accountId = (await QueryAsync(client, $"SELECT AccountId FROM Opportunity WHERE Id = '{opportunityId}'"))["records"]![0]!["AccountId"]!.GetValue<string>();
        var taken = (await QueryAsync(client, $"SELECT ContactId FROM {Roles} WHERE OpportunityId = '{opportunityId}'"))["records"]!.AsArray()
            .Select(r => r!["ContactId"]!.GetValue<string>()).ToHashSet();
        var contactId = (await QueryAsync(client, $"SELECT Id FROM Contact WHERE AccountId = '{accountId}'"))["records"]!.AsArray()
            .Select(r => r!["Id"]!.GetValue<string>()).FirstOrDefault(id => !taken.Contains(id))
            ?? (await QueryAsync(client, "SELECT Id FROM Contact LIMIT 1"))["records"]![0]!["Id"]!.GetValue<string>();

        org.Time.Advance(TimeSpan.FromMinutes(1));
        var (created, body, _) = await SendAsync(client, HttpMethod.Post, $"/services/data/{V}/sobjects/{Roles}",
            new JsonObject { ["OpportunityId"] = opportunityId, ["ContactId"] = contactId, ["Role"] = "Evaluator", ["IsPrimary"] = true });
        Assert.True(created == 201, body?.ToJsonString());
        var id = body!["id"]!.GetValue<string>();
        Assert.StartsWith("00K", id, StringComparison.Ordinal);

        var roles = (await QueryAsync(client, $"SELECT Id, IsPrimary, SystemModstamp, LastModifiedById FROM {Roles} WHERE OpportunityId = '{opportunityId}'"))["records"]!.AsArray();
        Assert.Equal([id], roles.Where(r => r!["IsPrimary"]!.GetValue<bool>()).Select(r => r!["Id"]!.GetValue<string>()));
        var demoted = roles.Single(r => r!["Id"]!.GetValue<string>() == seeded["Id"]!.GetValue<string>())!;
        Assert.Equal("2026-11-25T12:01:00.000+0000", demoted["SystemModstamp"]!.GetValue<string>());
        Assert.Equal(org.Emulator.Org.IntegrationUserId, demoted["LastModifiedById"]!.GetValue<string>());

        Assert.Equal(204, (await SendAsync(client, HttpMethod.Patch, $"/services/data/{V}/sobjects/{Roles}/{id}", new JsonObject { ["Role"] = "Technical Buyer" })).Status);
        var (_, read, _) = await SendAsync(client, HttpMethod.Get, $"/services/data/{V}/sobjects/{Roles}/{id}?fields=Role,IsPrimary");
        Assert.Equal("Technical Buyer", read!["Role"]!.GetValue<string>());
        var (moved, error, _) = await SendAsync(client, HttpMethod.Patch, $"/services/data/{V}/sobjects/{Roles}/{id}", new JsonObject { ["OpportunityId"] = opportunityId });
        Assert.Equal(400, moved);
        Assert.Equal("INVALID_FIELD_FOR_INSERT_UPDATE", error![0]!["errorCode"]!.GetValue<string>());

        Assert.Equal(204, (await SendAsync(client, HttpMethod.Delete, $"/services/data/{V}/sobjects/{Roles}/{id}")).Status);
        Assert.Equal(404, (await SendAsync(client, HttpMethod.Get, $"/services/data/{V}/sobjects/{Roles}/{id}")).Status);
        var gone = await QueryAsync(client, $"SELECT Id, IsDeleted FROM {Roles} WHERE Id = '{id}'", "queryAll");
        Assert.True(gone["records"]![0]!["IsDeleted"]!.GetValue<bool>());
        org.Time.Advance(TimeSpan.FromMinutes(2));
        var window = $"start={Uri.EscapeDataString("2026-11-25T11:00:00Z")}&end={Uri.EscapeDataString("2026-11-25T13:00:00Z")}";
        var (_, deleted, _) = await SendAsync(client, HttpMethod.Get, $"/services/data/{V}/sobjects/{Roles}/deleted/?{window}");
        Assert.Equal([id], deleted!["deletedRecords"]!.AsArray().Select(d => d!["id"]!.GetValue<string>()));
    }

    [Fact]
    public async Task Collections_CreateReportsEachRecord_AndDeleteTakesIds()
    {
        await using var org = await StartAsync();
        using var client = await org.LoginAsync();
        var opportunityId = (await QueryAsync(client, "SELECT Id FROM Opportunity ORDER BY Id LIMIT 1"))["records"]![0]!["Id"]!.GetValue<string>();
        var contactId = (await QueryAsync(client, "SELECT Id FROM Contact ORDER BY Id LIMIT 1"))["records"]![0]!["Id"]!.GetValue<string>();
        var (status, results, _) = await SendAsync(client, HttpMethod.Post, $"/services/data/{V}/composite/sobjects", new JsonObject
        {
            ["allOrNone"] = false,
            ["records"] = new JsonArray(
                Role(("OpportunityId", opportunityId), ("ContactId", contactId), ("Role", "Influencer")),
                Role(("OpportunityId", opportunityId), ("Role", "Other"))),
        });
        Assert.Equal(200, status);
        Assert.True(results![0]!["success"]!.GetValue<bool>());
        Assert.False(results[1]!["success"]!.GetValue<bool>());
        Assert.Equal("REQUIRED_FIELD_MISSING", results[1]!["errors"]![0]!["statusCode"]!.GetValue<string>());
        Assert.Equal("ContactId", results[1]!["errors"]![0]!["fields"]![0]!.GetValue<string>());

        var id = results[0]!["id"]!.GetValue<string>();
        var (deleteStatus, deleted, _) = await SendAsync(client, HttpMethod.Delete, $"/services/data/{V}/composite/sobjects?ids={id}");
        Assert.Equal(200, deleteStatus);
        Assert.True(deleted![0]!["success"]!.GetValue<bool>());
        Assert.DoesNotContain(org.Emulator.Org.Export()[Roles]!.AsArray(), r => r!["Id"]!.GetValue<string>() == id);
    }
}

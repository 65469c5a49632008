using System.Text.Json.Nodes;
using AbmSync.Sandbox.Salesforce;
using static AbmSync.Sandbox.Tests.Salesforce.Org;

namespace AbmSync.Sandbox.Tests.Salesforce;

/// <summary>
/// What the org refuses that the schema alone would take: the integration user's object and field permissions (the
/// shipped ABM_Integration permission set), the Contact and Lead duplicate rules, and the Contact phone validation rule.
/// </summary>
public sealed class SalesforceRefusalTests
{
    static JsonObject Rec(string type, params (string Key, JsonNode? Value)[] fields)
    {
        var json = new JsonObject { ["attributes"] = new JsonObject { ["type"] = type } };
        foreach (var (key, value) in fields)
        {
            json[key] = value;
        }
        return json;
    }

    static async Task<JsonObject> Describe(HttpClient client, string sobject) =>
        (JsonObject)(await SendAsync(client, HttpMethod.Get, $"/services/data/{V}/sobjects/{sobject}/describe")).Body!;

    static JsonObject? Field(JsonObject describe, string name) =>
        describe["fields"]!.AsArray().Select(f => f!.AsObject()).SingleOrDefault(f => f["name"]!.GetValue<string>() == name);

    static async Task<string> FirstId(HttpClient client, string soql) =>
        (await QueryAsync(client, soql))["records"]![0]!["Id"]!.GetValue<string>();

    [Fact]
    public async Task IntegrationDescribe_IsExactlyThePermissionSet_WhileTheRepSeesEverything()
    {
        await using var org = await StartAsync();
        using var integration = await org.LoginAsync();
        using var rep = await org.LoginAsRepAsync();
        var set = PermissionSet.Integration;

        foreach (var sobject in new[] { "Account", "Contact", "Lead", "Opportunity" })
        {
            var describe = await Describe(integration, sobject);
            var grant = set.Objects[sobject];
            Assert.Equal(grant.Create, describe["createable"]!.GetValue<bool>());
            Assert.Equal(grant.Edit, describe["updateable"]!.GetValue<bool>());
            Assert.Equal(grant.Delete, describe["deletable"]!.GetValue<bool>());
            foreach (var (name, field) in set.Fields.Where(f => f.Key.StartsWith(sobject + ".", StringComparison.Ordinal)))
            {
                var described = Field(describe, name[(sobject.Length + 1)..]);
                Assert.True(described is not null, $"{name} is granted but not described");
                Assert.True(field.Editable == described["updateable"]!.GetValue<bool>(), $"{name}: updateable should be {field.Editable}");
            }
        }

        var account = await Describe(integration, "Account");
        Assert.True(Field(account, "Name")!["updateable"]!.GetValue<bool>(), "the engine syncs Account Name both ways");
        Assert.False(Field(account, "ABM_Tier_Locked__c")!["updateable"]!.GetValue<bool>());
        Assert.False(Field(account, "Phone")!["updateable"]!.GetValue<bool>());
        Assert.Null(Field(await Describe(integration, "Contact"), "LeadSource"));
        Assert.True(Field(await Describe(integration, "Contact"), "LastName")!["createable"]!.GetValue<bool>(), "a required field follows the object");

        var repAccount = await Describe(rep, "Account");
        Assert.True(repAccount["createable"]!.GetValue<bool>());
        Assert.True(Field(repAccount, "Phone")!["updateable"]!.GetValue<bool>());
        Assert.NotNull(Field(await Describe(rep, "Contact"), "LeadSource"));
    }

    [Fact]
    public async Task HiddenFields_AreNoSuchColumnForTheIntegrationUser_InQueriesRecordReadsAndWrites()
    {
        await using var org = await StartAsync();
        using var integration = await org.LoginAsync();
        using var rep = await org.LoginAsRepAsync();

        var (status, body, _) = await SendAsync(integration, HttpMethod.Get, $"/services/data/{V}/query?q={Uri.EscapeDataString("SELECT Id, LeadSource FROM Contact")}");
        Assert.Equal(400, status);
        Assert.Equal("INVALID_FIELD", body![0]!["errorCode"]!.GetValue<string>());
        Assert.Contains("No such column 'LeadSource' on entity 'Contact'", body[0]!["message"]!.GetValue<string>(), StringComparison.Ordinal);
        await QueryAsync(rep, "SELECT Id, LeadSource FROM Contact LIMIT 1");
        // History follows the parent's read access, without View All Data.
        await QueryAsync(integration, "SELECT ContactId, Field, CreatedDate FROM ContactHistory WHERE Field = 'Title'");

        var id = await FirstId(integration, "SELECT Id FROM Contact ORDER BY Id LIMIT 1");
        var one = (await SendAsync(integration, HttpMethod.Get, $"/services/data/{V}/sobjects/Contact/{id}")).Body!.AsObject();
        Assert.False(one.ContainsKey("LeadSource"));
        Assert.True(one.ContainsKey("Email"));
        Assert.Equal(400, (await SendAsync(integration, HttpMethod.Get, $"/services/data/{V}/sobjects/Contact/{id}?fields=LeadSource")).Status);

        (status, body, _) = await SendAsync(integration, HttpMethod.Patch, $"/services/data/{V}/sobjects/Contact/{id}", new JsonObject { ["LeadSource"] = "Web" });
        Assert.Equal(400, status);
        Assert.Equal("INVALID_FIELD", body![0]!["errorCode"]!.GetValue<string>());
    }

    [Fact]
    public async Task ReadOnlyFieldsAndObjectGrants_RefuseEachRecord()
    {
        await using var org = await StartAsync();
        using var integration = await org.LoginAsync();
        var account = await FirstId(integration, "SELECT Id FROM Account ORDER BY Id LIMIT 1");

        var (status, body, _) = await SendAsync(integration, HttpMethod.Patch, $"/services/data/{V}/sobjects/Account/{account}", new JsonObject { ["Phone"] = "+1 415 555 0100" });
        Assert.Equal(400, status);
        Assert.Equal("INVALID_FIELD_FOR_INSERT_UPDATE", body![0]!["errorCode"]!.GetValue<string>());
        Assert.Equal(["Phone"], body[0]!["fields"]!.AsArray().Select(f => f!.GetValue<string>()));

        (status, body, _) = await SendAsync(integration, HttpMethod.Patch, $"/services/data/{V}/composite/sobjects", new JsonObject
        {
            ["records"] = new JsonArray(
                Rec("Account", ("id", account), ("Name", "Renamed by the engine"), ("ABM_Tier__c", "Tier 1")),
                Rec("Account", ("id", account), ("ABM_Tier_Locked__c", true))),
        });
        Assert.Equal(200, status);
        Assert.True(body![0]!["success"]!.GetValue<bool>());
        Assert.Equal("INVALID_FIELD_FOR_INSERT_UPDATE", body[1]!["errors"]![0]!["statusCode"]!.GetValue<string>());
        Assert.Equal(["ABM_Tier_Locked__c"], body[1]!["errors"]![0]!["fields"]!.AsArray().Select(f => f!.GetValue<string>()));

        (_, body, _) = await SendAsync(integration, HttpMethod.Post, $"/services/data/{V}/composite/sobjects", new JsonObject
        {
            ["records"] = new JsonArray(
                Rec("Account", ("Name", "Not ours to create")),
                Rec("Contact", ("LastName", "Lovelace"), ("Email", "ada@analytical.example"), ("AccountId", account), ("ABM_Buying_Role__c", "Champion"))),
        });
        Assert.Equal("INSUFFICIENT_ACCESS_OR_READONLY", body![0]!["errors"]![0]!["statusCode"]!.GetValue<string>());
        Assert.True(body[1]!["success"]!.GetValue<bool>(), body[1]!.ToJsonString());

        var contact = body[1]!["id"]!.GetValue<string>();
        (status, body, _) = await SendAsync(integration, HttpMethod.Delete, $"/services/data/{V}/sobjects/Contact/{contact}");
        Assert.Equal(400, status);
        Assert.Equal("INSUFFICIENT_ACCESS_OR_READONLY", body![0]!["errorCode"]!.GetValue<string>());
    }

    [Fact]
    public async Task DuplicateRules_BlockASecondContactOrLeadWithTheSameEmail_UnlessTheHeaderAllowsSave()
    {
        await using var org = await StartAsync();
        using var integration = await org.LoginAsync();
        var existing = (await QueryAsync(integration, "SELECT Id, Email FROM Contact WHERE Email != null ORDER BY Id LIMIT 2"))["records"]!.AsArray();
        var (first, email) = (existing[0]!["Id"]!.GetValue<string>(), existing[0]!["Email"]!.GetValue<string>());
        var path = $"/services/data/{V}/composite/sobjects";

        var (status, body, _) = await SendAsync(integration, HttpMethod.Post, path, new JsonObject
        {
            ["records"] = new JsonArray(
                Rec("Contact", ("LastName", "Twin"), ("Email", "  " + email.ToUpperInvariant() + " ")),
                // A lead and a contact with one email do not block each other: each object has its own rule.
                Rec("Lead", ("LastName", "Twin"), ("Company", "Twin Co"), ("Email", email))),
        });
        Assert.Equal(200, status);
        var error = body![0]!["errors"]![0]!;
        Assert.Equal("DUPLICATES_DETECTED", error["statusCode"]!.GetValue<string>());
        Assert.Equal("Use one of these records?", error["message"]!.GetValue<string>());
        var result = error["duplicateResult"]!;
        Assert.True(result["allowSave"]!.GetValue<bool>());
        Assert.Equal("Contact", result["duplicateRuleEntityType"]!.GetValue<string>());
        Assert.Equal("ABM_Contact_Email_Duplicate_Rule", result["duplicateRule"]!.GetValue<string>());
        var match = result["matchResults"]![0]!;
        Assert.Equal("Contact", match["entityType"]!.GetValue<string>());
        Assert.Equal([first], match["matchRecords"]!.AsArray().Select(r => r!["record"]!["Id"]!.GetValue<string>()));
        Assert.True(body[1]!["success"]!.GetValue<bool>(), body[1]!.ToJsonString());

        // The second lead with that email meets the Lead rule, over single-record REST too (400 with the same error).
        (status, body, _) = await SendAsync(integration, HttpMethod.Post, $"/services/data/{V}/sobjects/Lead", Rec("Lead", ("LastName", "Third"), ("Company", "Twin Co"), ("Email", email)));
        Assert.Equal(400, status);
        Assert.Equal("DUPLICATES_DETECTED", body![0]!["errorCode"]!.GetValue<string>());
        Assert.Equal("Lead", body[0]!["duplicateResult"]!["duplicateRuleEntityType"]!.GetValue<string>());

        // An update that gives another contact the email is refused; one that leaves Email alone is not.
        var second = existing[1]!["Id"]!.GetValue<string>();
        (_, body, _) = await SendAsync(integration, HttpMethod.Patch, path, new JsonObject
        {
            ["records"] = new JsonArray(Rec("Contact", ("id", second), ("Email", email)), Rec("Contact", ("id", first), ("Title", "VP Sales"))),
        });
        Assert.Equal("DUPLICATES_DETECTED", body![0]!["errors"]![0]!["statusCode"]!.GetValue<string>());
        Assert.True(body[1]!["success"]!.GetValue<bool>());

        (_, body, _) = await SendAsync(integration, HttpMethod.Post, path,
            new JsonObject { ["records"] = new JsonArray(Rec("Contact", ("LastName", "Twin"), ("Email", email))) },
            r => r.Headers.Add("Sforce-Duplicate-Rule-Header", "allowSave=true; includeRecordDetails=false; runAsCurrentUser=false"));
        Assert.True(body![0]!["success"]!.GetValue<bool>(), body[0]!.ToJsonString());
        Assert.Equal(2, (await QueryAsync(integration, $"SELECT COUNT() FROM Contact WHERE Email = '{email}'"))["totalSize"]!.GetValue<int>());
    }

    [Fact]
    public async Task ContactPhoneValidationRule_RefusesWhatIsNotAPhoneNumber_WithTheRuleMessageOnTheField()
    {
        await using var org = await StartAsync();
        using var integration = await org.LoginAsync();
        var (status, body, _) = await SendAsync(integration, HttpMethod.Post, $"/services/data/{V}/composite/sobjects", new JsonObject
        {
            ["records"] = new JsonArray(
                Rec("Contact", ("LastName", "Bad"), ("Phone", "call me after 5")),
                Rec("Contact", ("LastName", "Short"), ("Phone", "555-12")),
                Rec("Contact", ("LastName", "Good"), ("Phone", "+1 (415) 555-0100 x12"))),
        });
        Assert.Equal(200, status);
        foreach (var i in new[] { 0, 1 })
        {
            var error = body![i]!["errors"]![0]!;
            Assert.Equal("FIELD_CUSTOM_VALIDATION_EXCEPTION", error["statusCode"]!.GetValue<string>());
            Assert.Equal(OrgRules.ContactPhoneMessage, error["message"]!.GetValue<string>());
            Assert.Equal(["Phone"], error["fields"]!.AsArray().Select(f => f!.GetValue<string>()));
        }
        Assert.True(body![2]!["success"]!.GetValue<bool>(), body[2]!.ToJsonString());
    }

    [Fact]
    public async Task OwnerChange_IsATransfer_TheIntegrationUserMayMake_ToActiveUsersOnly()
    {
        // 1,000 accounts make 25 reps, two of whom have left.
        await using var org = await StartAsync(new SandboxOptions { Accounts = 1000, Seed = 3 });
        using var integration = await org.LoginAsync();
        var account = await FirstId(integration, "SELECT Id FROM Account ORDER BY Id LIMIT 1");
        var active = await FirstId(integration, "SELECT Id FROM User WHERE IsActive = true AND Title = 'Account Executive' ORDER BY Id LIMIT 1");
        var inactive = await FirstId(integration, "SELECT Id FROM User WHERE IsActive = false ORDER BY Id LIMIT 1");

        var (status, _, _) = await SendAsync(integration, HttpMethod.Patch, $"/services/data/{V}/sobjects/Account/{account}", new JsonObject { ["OwnerId"] = active });
        Assert.Equal(204, status);
        var owner = (await QueryAsync(integration, $"SELECT OwnerId FROM Account WHERE Id = '{account}'"))["records"]![0]!["OwnerId"]!.GetValue<string>();
        Assert.Equal(active, owner);

        (status, var body, _) = await SendAsync(integration, HttpMethod.Patch, $"/services/data/{V}/sobjects/Account/{account}", new JsonObject { ["OwnerId"] = inactive });
        Assert.Equal(400, status);
        Assert.Equal("INVALID_CROSS_REFERENCE_KEY", body![0]!["errorCode"]!.GetValue<string>());

        // Without Transfer Record (and Transfer Leads for leads) the same change is refused.
        var without = PermissionSet.Integration with
        {
            UserPermissions = PermissionSet.Integration.UserPermissions.Where(p => p is not ("TransferAnyEntity" or "TransferAnyLead")).ToHashSet(),
        };
        var schema = org.Emulator.Org.Schema.Find("Account")!;
        Assert.True(UserAccess.Of(PermissionSet.Integration).CanTransfer(schema));
        Assert.False(UserAccess.Of(without).CanTransfer(schema));
        Assert.True(UserAccess.Of(without with { UserPermissions = new HashSet<string> { "TransferAnyLead" } }).CanTransfer(org.Emulator.Org.Schema.Find("Lead")!));
    }
}

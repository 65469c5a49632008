using System.Text;
using System.Text.Json.Nodes;

namespace AbmSync.Sandbox.Tests.Salesforce;

/// <summary>AccountHistory and ContactHistory: what Track Field History records for each kind of write, and how it reads.</summary>
public sealed class SalesforceFieldHistoryTests
{
    const string V = Org.V;

    static async Task<string[]> AccountIds(HttpClient client, int count) =>
        [.. (await Org.QueryAsync(client, $"SELECT Id FROM Account ORDER BY Id LIMIT {count}"))["records"]!.AsArray().Select(r => r!["Id"]!.GetValue<string>())];

    static async Task<JsonArray> History(HttpClient client, string soql) => (await Org.QueryAsync(client, soql))["records"]!.AsArray();

    static Task<(int Status, JsonNode? Body, HttpResponseMessage Response)> Patch(HttpClient client, string path, JsonObject body) =>
        Org.SendAsync(client, HttpMethod.Patch, $"/services/data/{V}/{path}", body);

    [Fact]
    public async Task RestUpdate_OneRowPerChangedTrackedField_StampedAndAttributedLikeTheRecord()
    {
        await using var org = await Org.StartAsync();
        using var client = await org.LoginAsRepAsync();
        var id = (await AccountIds(client, 1))[0];
        var before = (await Org.SendAsync(client, HttpMethod.Get, $"/services/data/{V}/sobjects/Account/{id}?fields=Website")).Body!["Website"]?.GetValue<string>();

        // BillingCity is not tracked; Phone and Website are.
        Assert.Equal(204, (await Patch(client, $"sobjects/Account/{id}", new JsonObject { ["Phone"] = "+1 415 555 0100", ["Website"] = "https://changed.example", ["BillingCity"] = "Oslo" })).Status);

        var rows = await History(client, $"SELECT AccountId, Field, DataType, OldValue, NewValue, CreatedDate, CreatedById FROM AccountHistory WHERE AccountId = '{id}' ORDER BY Field");
        Assert.Equal(["Phone", "Website"], rows.Select(r => r!["Field"]!.GetValue<string>()));
        var record = (await Org.SendAsync(client, HttpMethod.Get, $"/services/data/{V}/sobjects/Account/{id}?fields=LastModifiedDate,SystemModstamp")).Body!;
        Assert.All(rows, r =>
        {
            Assert.Equal(id, r!["AccountId"]!.GetValue<string>());
            Assert.Equal(record["LastModifiedDate"]!.GetValue<string>(), r["CreatedDate"]!.GetValue<string>());
            Assert.Equal(record["SystemModstamp"]!.GetValue<string>(), r["CreatedDate"]!.GetValue<string>());
            Assert.Equal(org.Emulator.Org.SalesRepUserId, r["CreatedById"]!.GetValue<string>());
            Assert.Equal("AccountHistory", r["attributes"]!["type"]!.GetValue<string>());
        });
        Assert.Null(rows[0]!["OldValue"]);
        Assert.Equal("+1 415 555 0100", rows[0]!["NewValue"]!.GetValue<string>());
        Assert.Equal("Phone", rows[0]!["DataType"]!.GetValue<string>());
        Assert.Equal(before, rows[1]!["OldValue"]?.GetValue<string>());
        Assert.Equal("https://changed.example", rows[1]!["NewValue"]!.GetValue<string>());
    }

    [Fact]
    public async Task Update_WithTheValuesAlreadyStored_AddsNoHistory()
    {
        await using var org = await Org.StartAsync();
        using var client = await org.LoginAsRepAsync();
        var id = (await AccountIds(client, 1))[0];
        var name = (await Org.SendAsync(client, HttpMethod.Get, $"/services/data/{V}/sobjects/Account/{id}?fields=Name")).Body!["Name"]!.GetValue<string>();

        Assert.Equal(204, (await Patch(client, $"sobjects/Account/{id}", new JsonObject { ["Name"] = name, ["BillingCity"] = "Oslo" })).Status);

        Assert.Empty(await History(client, $"SELECT Id FROM AccountHistory WHERE AccountId = '{id}'"));
    }

    [Fact]
    public async Task HumanAndIntegrationEdits_CarryTheirOwnUserAsCreatedById_NewestFirst()
    {
        await using var org = await Org.StartAsync();
        using var integration = await org.LoginAsync();
        using var rep = await org.LoginAsync(SandboxCredentials.SalesforceHumanClientId, SandboxCredentials.SalesforceHumanClientSecret);
        var ids = await AccountIds(integration, 2);

        Assert.Equal(204, (await Patch(rep, $"sobjects/Account/{ids[0]}", new JsonObject { ["Phone"] = "111" })).Status);
        // The integration user edits Name, which its permission set lets it write (Phone it may only read).
        Assert.Equal(204, (await Patch(integration, $"sobjects/Account/{ids[0]}", new JsonObject { ["Name"] = "222" })).Status);
        Assert.Equal(204, (await Patch(rep, $"sobjects/Account/{ids[1]}", new JsonObject { ["Phone"] = "333", ["Industry"] = "Banking" })).Status);
        Assert.Equal(204, (await Patch(rep, $"sobjects/Account/{ids[0]}", new JsonObject { ["Industry"] = "Banking" })).Status);

        // The query a sync engine would run: only the fields it maps, newest first. Account Name is recorded as
        // TextName, so asking for 'Name' finds nothing, as in a real org.
        var rows = await History(integration,
            $"SELECT AccountId, Field, NewValue, CreatedDate, CreatedById FROM AccountHistory WHERE AccountId IN ('{ids[0]}', '{ids[1]}') AND Field IN ('Name','TextName','Phone') ORDER BY CreatedDate DESC");

        Assert.Equal(["333", "222", "111"], rows.Select(r => r!["NewValue"]!.GetValue<string>()));
        Assert.Equal([ids[1], ids[0], ids[0]], rows.Select(r => r!["AccountId"]!.GetValue<string>()));
        var users = org.Emulator.Org;
        Assert.Equal([users.SalesRepUserId, users.IntegrationUserId, users.SalesRepUserId], rows.Select(r => r!["CreatedById"]!.GetValue<string>()));
        var stamps = rows.Select(r => DateTimeOffset.Parse(r!["CreatedDate"]!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture)).ToList();
        Assert.Equal(stamps.OrderByDescending(s => s), stamps);
        Assert.True(stamps[0] > stamps[1]);

        var byRep = await History(integration, $"SELECT Field, CreatedBy.Name FROM AccountHistory WHERE CreatedById = '{users.SalesRepUserId}' AND AccountId = '{ids[0]}' ORDER BY CreatedDate");
        Assert.Equal(["Phone", "Industry"], byRep.Select(r => r!["Field"]!.GetValue<string>()));
        Assert.NotNull(byRep[0]!["CreatedBy"]!["Name"]);
    }

    [Fact]
    public async Task NameAndOwnerChanges_AreRecordedAsTextNameAndAsOwnerWithANamesRowAndAnIdsRow()
    {
        await using var org = await Org.StartAsync();
        using var client = await org.LoginAsync();
        var id = (await AccountIds(client, 1))[0];
        var oldOwner = (await Org.SendAsync(client, HttpMethod.Get, $"/services/data/{V}/sobjects/Account/{id}?fields=OwnerId")).Body!["OwnerId"]!.GetValue<string>();
        var newOwner = (await Org.QueryAsync(client, $"SELECT Id, Name FROM User WHERE IsActive = true AND Id != '{oldOwner}' LIMIT 1"))["records"]![0]!;

        Assert.Equal(204, (await Patch(client, $"sobjects/Account/{id}", new JsonObject { ["Name"] = "Renamed Inc", ["OwnerId"] = newOwner["Id"]!.GetValue<string>() })).Status);

        var rows = await History(client, $"SELECT Field, DataType, OldValue, NewValue FROM AccountHistory WHERE AccountId = '{id}' ORDER BY Field, DataType");
        Assert.Equal(["Owner", "Owner", "TextName"], rows.Select(r => r!["Field"]!.GetValue<string>()));
        Assert.Equal(["EntityId", "Text", "Text"], rows.Select(r => r!["DataType"]!.GetValue<string>()));
        Assert.Equal(oldOwner, rows[0]!["OldValue"]!.GetValue<string>());
        Assert.Equal(newOwner["Id"]!.GetValue<string>(), rows[0]!["NewValue"]!.GetValue<string>());
        Assert.Equal(newOwner["Name"]!.GetValue<string>(), rows[1]!["NewValue"]!.GetValue<string>());
        Assert.Equal("Renamed Inc", rows[2]!["NewValue"]!.GetValue<string>());
    }

    [Fact]
    public async Task Create_AppendsACreatedRow_AndContactHistoryTracksItsOwnFields()
    {
        await using var org = await Org.StartAsync();
        using var rep = await org.LoginAsync(SandboxCredentials.SalesforceHumanClientId, SandboxCredentials.SalesforceHumanClientSecret);
        var (status, created, _) = await Org.SendAsync(rep, HttpMethod.Post, $"/services/data/{V}/sobjects/Contact", new JsonObject { ["LastName"] = "Hopper", ["Title"] = "CTO" });
        Assert.Equal(201, status);
        var id = created!["id"]!.GetValue<string>();
        Assert.Equal(204, (await Patch(rep, $"sobjects/Contact/{id}", new JsonObject { ["Title"] = "CEO", ["FirstName"] = "Grace", ["LeadSource"] = "Web" })).Status);

        var rows = await History(rep, $"SELECT ContactId, Field, OldValue, NewValue, CreatedById, IsDeleted FROM ContactHistory WHERE ContactId = '{id}' ORDER BY CreatedDate, Field");

        Assert.Equal(["created", "FirstName", "Title"], rows.Select(r => r!["Field"]!.GetValue<string>()));
        Assert.Null(rows[0]!["OldValue"]);
        Assert.Null(rows[0]!["NewValue"]);
        Assert.Equal(("CTO", "CEO"), (rows[2]!["OldValue"]!.GetValue<string>(), rows[2]!["NewValue"]!.GetValue<string>()));
        Assert.All(rows, r => Assert.Equal(org.Emulator.Org.SalesRepUserId, r!["CreatedById"]!.GetValue<string>()));
        Assert.All(rows, r => Assert.False(r!["IsDeleted"]!.GetValue<bool>()));
    }

    [Fact]
    public async Task CollectionUpdateAndUpsert_RecordHistory_AndAnAllOrNoneRollbackTakesItBack()
    {
        await using var org = await Org.StartAsync();
        using var client = await org.LoginAsRepAsync();
        var ids = await AccountIds(client, 3);
        var (status, results, _) = await Patch(client, "composite/sobjects", new JsonObject
        {
            ["records"] = new JsonArray(
                new JsonObject { ["attributes"] = new JsonObject { ["type"] = "Account" }, ["Id"] = ids[0], ["NumberOfEmployees"] = 4321 },
                new JsonObject { ["attributes"] = new JsonObject { ["type"] = "Account" }, ["Id"] = ids[1], ["AnnualRevenue"] = 9_000_000 }),
        });
        Assert.Equal(200, status);
        Assert.All(results!.AsArray(), r => Assert.True(r!["success"]!.GetValue<bool>()));

        var rows = await History(client, $"SELECT AccountId, Field, NewValue FROM AccountHistory WHERE AccountId IN ('{ids[0]}', '{ids[1]}') ORDER BY CreatedDate");
        Assert.Equal([(ids[0], "NumberOfEmployees"), (ids[1], "AnnualRevenue")], rows.Select(r => (r!["AccountId"]!.GetValue<string>(), r["Field"]!.GetValue<string>())));
        // anyType keeps the field's type: numbers answer as JSON numbers.
        Assert.Equal(4321m, rows[0]!["NewValue"]!.GetValue<decimal>());

        // One bad record in an allOrNone call: the good one's change and its history row are both rolled back.
        (status, results, _) = await Patch(client, "composite/sobjects", new JsonObject
        {
            ["allOrNone"] = true,
            ["records"] = new JsonArray(
                new JsonObject { ["attributes"] = new JsonObject { ["type"] = "Account" }, ["Id"] = ids[2], ["Phone"] = "999" },
                new JsonObject { ["attributes"] = new JsonObject { ["type"] = "Account" }, ["Id"] = ids[1], ["Name"] = new string('x', 300) }),
        });
        Assert.Equal(200, status);
        Assert.Empty(await History(client, $"SELECT Id FROM AccountHistory WHERE AccountId = '{ids[2]}'"));

        // Upsert by external id: an update of a linked record, then a create.
        Assert.Equal(204, (await Patch(client, $"sobjects/Account/{ids[2]}", new JsonObject { ["ABM_HubSpot_Id__c"] = "hs-42" })).Status);
        (status, results, _) = await Patch(client, "composite/sobjects/Account/ABM_HubSpot_Id__c", new JsonObject
        {
            ["records"] = new JsonArray(
                new JsonObject { ["attributes"] = new JsonObject { ["type"] = "Account" }, ["ABM_HubSpot_Id__c"] = "hs-42", ["Phone"] = "777" },
                new JsonObject { ["attributes"] = new JsonObject { ["type"] = "Account" }, ["ABM_HubSpot_Id__c"] = "hs-43", ["Name"] = "New Co" }),
        });
        Assert.Equal(200, status);
        Assert.Equal([false, true], results!.AsArray().Select(r => r!["created"]!.GetValue<bool>()));
        Assert.Equal(["Phone"], (await History(client, $"SELECT Field FROM AccountHistory WHERE AccountId = '{ids[2]}'")).Select(r => r!["Field"]!.GetValue<string>()));
        Assert.Single(await History(client, "SELECT Id FROM AccountHistory WHERE Account.ABM_HubSpot_Id__c = 'hs-43' AND Field = 'created'"));
    }

    [Fact]
    public async Task BulkIngestUpdate_RecordsHistoryAsTheJobsUser()
    {
        await using var org = await Org.StartAsync();
        using var rep = await org.LoginAsync(SandboxCredentials.SalesforceHumanClientId, SandboxCredentials.SalesforceHumanClientSecret);
        var ids = await AccountIds(rep, 2);
        var (_, job, _) = await Org.SendAsync(rep, HttpMethod.Post, $"/services/data/{V}/jobs/ingest", new JsonObject
        {
            ["object"] = "Account",
            ["operation"] = "update",
            ["contentType"] = "CSV",
            ["lineEnding"] = "LF",
        });
        var jobId = job!["id"]!.GetValue<string>();
        using (var upload = await rep.PutAsync($"/services/data/{V}/jobs/ingest/{jobId}/batches", new StringContent($"Id,Phone\n{ids[0]},555-0001\n{ids[1]},555-0002\n", Encoding.UTF8, "text/csv")))
        {
            Assert.Equal(201, (int)upload.StatusCode);
        }
        Assert.Equal(200, (await Org.SendAsync(rep, HttpMethod.Patch, $"/services/data/{V}/jobs/ingest/{jobId}", new JsonObject { ["state"] = "UploadComplete" })).Status);

        var rows = await History(rep, $"SELECT AccountId, Field, NewValue, CreatedById FROM AccountHistory WHERE AccountId IN ('{ids[0]}', '{ids[1]}') ORDER BY NewValue");
        Assert.Equal(["555-0001", "555-0002"], rows.Select(r => r!["NewValue"]!.GetValue<string>()));
        Assert.All(rows, r => Assert.Equal(("Phone", org.Emulator.Org.SalesRepUserId), (r!["Field"]!.GetValue<string>(), r["CreatedById"]!.GetValue<string>())));
    }

    [Fact]
    public async Task Describe_HistoryObjectsAreReadOnly_FieldIsARestrictedPicklist_ValuesAreAnyTypeAndNotFilterable()
    {
        await using var org = await Org.StartAsync();
        using var client = await org.LoginAsync();
        var (_, global, _) = await Org.SendAsync(client, HttpMethod.Get, $"/services/data/{V}/sobjects");
        var names = global!["sobjects"]!.AsArray().Select(o => o!["name"]!.GetValue<string>()).ToList();
        Assert.Contains("AccountHistory", names);
        Assert.Contains("ContactHistory", names);

        var (status, describe, _) = await Org.SendAsync(client, HttpMethod.Get, $"/services/data/{V}/sobjects/AccountHistory/describe");
        Assert.Equal(200, status);
        Assert.Equal("017", describe!["keyPrefix"]!.GetValue<string>());
        Assert.False(describe["createable"]!.GetValue<bool>());
        Assert.False(describe["updateable"]!.GetValue<bool>());
        Assert.False(describe["deletable"]!.GetValue<bool>());
        Assert.True(describe["queryable"]!.GetValue<bool>());
        var fields = describe["fields"]!.AsArray().ToDictionary(f => f!["name"]!.GetValue<string>(), f => f!);
        Assert.Equal(["Id", "IsDeleted", "AccountId", "CreatedById", "CreatedDate", "Field", "DataType", "OldValue", "NewValue"], fields.Keys);
        Assert.All(fields.Values, f => Assert.False(f["createable"]!.GetValue<bool>() || f["updateable"]!.GetValue<bool>()));
        Assert.Equal("picklist", fields["Field"]["type"]!.GetValue<string>());
        Assert.True(fields["Field"]["restrictedPicklist"]!.GetValue<bool>());
        var values = fields["Field"]["picklistValues"]!.AsArray().Select(v => v!["value"]!.GetValue<string>()).ToList();
        Assert.Contains("created", values);
        Assert.Contains("TextName", values);
        Assert.Contains("Owner", values);
        Assert.All(new[] { "OldValue", "NewValue" }, n =>
        {
            Assert.Equal("anyType", fields[n]["type"]!.GetValue<string>());
            Assert.Equal("xsd:anyType", fields[n]["soapType"]!.GetValue<string>());
            Assert.False(fields[n]["filterable"]!.GetValue<bool>());
            Assert.True(fields[n]["sortable"]!.GetValue<bool>());
        });
        Assert.Equal(["Account"], fields["AccountId"]["referenceTo"]!.AsArray().Select(r => r!.GetValue<string>()));

        var (contactStatus, contact, _) = await Org.SendAsync(client, HttpMethod.Get, $"/services/data/{V}/sobjects/ContactHistory/describe");
        Assert.Equal(200, contactStatus);
        Assert.Contains(contact!["fields"]!.AsArray(), f => f!["name"]!.GetValue<string>() == "ContactId");
    }

    [Fact]
    public async Task HistoryObjects_RefuseWrites_AndFiltersOnValues()
    {
        await using var org = await Org.StartAsync();
        using var client = await org.LoginAsync();
        var id = (await AccountIds(client, 1))[0];
        var (status, body, _) = await Org.SendAsync(client, HttpMethod.Post, $"/services/data/{V}/sobjects/AccountHistory", new JsonObject { ["AccountId"] = id, ["Field"] = "Phone" });
        Assert.Equal(400, status);
        Assert.Empty(await History(client, $"SELECT Id FROM AccountHistory WHERE AccountId = '{id}'"));

        (status, body, _) = await Org.SendAsync(client, HttpMethod.Get, $"/services/data/{V}/query?q={Uri.EscapeDataString("SELECT Id FROM AccountHistory WHERE NewValue = 'x'")}");
        Assert.Equal(400, status);
        Assert.Equal("INVALID_FIELD", body![0]!["errorCode"]!.GetValue<string>());
        Assert.Contains("can not be filtered", body[0]!["message"]!.GetValue<string>(), StringComparison.Ordinal);
    }
}

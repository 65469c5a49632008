using System.Text;
using System.Text.Json.Nodes;
using AbmSync.Sandbox.Salesforce;

namespace AbmSync.Sandbox.Tests.Salesforce;

public class SalesforceBulkAndFaultTests
{
    const string V = Org.V;

    static async Task<JsonObject> PollUntilDoneAsync(HttpClient client, string path)
    {
        for (var i = 0; i < 10; i++)
        {
            var (status, body, _) = await Org.SendAsync(client, HttpMethod.Get, path);
            Assert.Equal(200, status);
            if (body!["state"]!.GetValue<string>() is "JobComplete" or "Failed" or "Aborted")
            {
                return (JsonObject)body;
            }
        }
        throw new InvalidOperationException("job never finished");
    }

    [Fact]
    public async Task BulkQuery_PagesResultsByLocatorAsQuotedCsv()
    {
        await using var org = await Org.StartAsync();
        using var client = await org.LoginAsync();
        var (status, job, _) = await Org.SendAsync(client, HttpMethod.Post, $"/services/data/{V}/jobs/query", new JsonObject
        {
            ["operation"] = "query",
            ["query"] = "SELECT Id, Name, Owner.Email, SystemModstamp FROM Account",
        });
        Assert.Equal(200, status);
        var id = job!["id"]!.GetValue<string>();
        Assert.StartsWith("750", id, StringComparison.Ordinal);
        Assert.Equal("UploadComplete", job["state"]!.GetValue<string>());
        var done = await PollUntilDoneAsync(client, $"/services/data/{V}/jobs/query/{id}");
        Assert.Equal("JobComplete", done["state"]!.GetValue<string>());
        Assert.Equal(300, done["numberRecordsProcessed"]!.GetValue<int>());

        var ids = new HashSet<string>();
        string? locator = null;
        var pages = 0;
        do
        {
            var url = $"/services/data/{V}/jobs/query/{id}/results?maxRecords=120" + (locator is null ? "" : $"&locator={locator}");
            using var response = await client.GetAsync(url);
            Assert.Equal(200, (int)response.StatusCode);
            Assert.StartsWith("text/csv", response.Content.Headers.ContentType!.ToString(), StringComparison.Ordinal);
            var rows = SalesforceOrg.ParseCsv(await response.Content.ReadAsStringAsync(), ',');
            Assert.Equal(["Id", "Name", "Owner.Email", "SystemModstamp"], rows[0]);
            Assert.Equal(rows.Count - 1, int.Parse(response.Headers.GetValues("Sforce-NumberOfRecords").Single(), System.Globalization.CultureInfo.InvariantCulture));
            Assert.All(rows.Skip(1), r => Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$", r[3]));
            foreach (var row in rows.Skip(1))
            {
                ids.Add(row[0]);
            }
            locator = response.Headers.GetValues("Sforce-Locator").Single();
            pages++;
        }
        while (locator != "null");
        Assert.Equal(3, pages);
        Assert.Equal(300, ids.Count);
    }

    [Fact]
    public async Task BulkIngest_UpdatesRowsAndReportsSuccessesAndFailures()
    {
        await using var org = await Org.StartAsync();
        using var client = await org.LoginAsync();
        var ids = (await Org.QueryAsync(client, "SELECT Id FROM Account ORDER BY Id LIMIT 3"))["records"]!.AsArray().Select(r => r!["Id"]!.GetValue<string>()).ToArray();
        var (_, job, _) = await Org.SendAsync(client, HttpMethod.Post, $"/services/data/{V}/jobs/ingest", new JsonObject
        {
            ["object"] = "Account",
            ["operation"] = "update",
            ["contentType"] = "CSV",
            ["lineEnding"] = "LF",
        });
        Assert.Equal("Open", job!["state"]!.GetValue<string>());
        var id = job["id"]!.GetValue<string>();
        Assert.Equal($"services/data/{V}/jobs/ingest/{id}/batches", job["contentUrl"]!.GetValue<string>());

        var csv = $"Id,ABM_Tier__c,ABM_Tier_Reason__c\n{ids[0]},Tier 1,\"scored 80, Software\"\n{ids[1]},Tier 7,x\n{ids[2]},Tier 3,#N/A\n";
        using (var upload = await client.PutAsync($"/services/data/{V}/jobs/ingest/{id}/batches", new StringContent(csv, Encoding.UTF8, "text/csv")))
        {
            Assert.Equal(201, (int)upload.StatusCode);
        }
        var (status, closed, _) = await Org.SendAsync(client, HttpMethod.Patch, $"/services/data/{V}/jobs/ingest/{id}", new JsonObject { ["state"] = "UploadComplete" });
        Assert.Equal(200, status);
        Assert.Equal("UploadComplete", closed!["state"]!.GetValue<string>());
        var done = await PollUntilDoneAsync(client, $"/services/data/{V}/jobs/ingest/{id}");
        Assert.Equal(3, done["numberRecordsProcessed"]!.GetValue<int>());
        Assert.Equal(1, done["numberRecordsFailed"]!.GetValue<int>());

        var ok = SalesforceOrg.ParseCsv(await client.GetStringAsync($"/services/data/{V}/jobs/ingest/{id}/successfulResults/"), ',');
        Assert.Equal(["sf__Id", "sf__Created", "Id", "ABM_Tier__c", "ABM_Tier_Reason__c"], ok[0]);
        Assert.Equal(2, ok.Count - 1);
        Assert.Equal("false", ok[1][1]);
        var failed = SalesforceOrg.ParseCsv(await client.GetStringAsync($"/services/data/{V}/jobs/ingest/{id}/failedResults/"), ',');
        Assert.Equal(2, failed.Count);
        Assert.StartsWith("INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST:", failed[1][1], StringComparison.Ordinal);

        var after = await Org.QueryAsync(client, $"SELECT Id, ABM_Tier__c, ABM_Tier_Reason__c FROM Account WHERE Id IN ('{ids[0]}', '{ids[2]}') ORDER BY Id");
        Assert.Equal("scored 80, Software", after["records"]![0]!["ABM_Tier_Reason__c"]!.GetValue<string>());
        Assert.Equal("Tier 3", after["records"]![1]!["ABM_Tier__c"]!.GetValue<string>());

        var stats = JsonNode.Parse(await org.Http.GetStringAsync("/_sandbox/stats"))!["byEndpoint"]!.AsObject();
        Assert.Equal(1, stats["PUT /services/data/{version}/jobs/ingest/{id}/batches"]!.GetValue<int>());
    }

    [Fact]
    public async Task BulkIngest_UpsertWithParentExternalIdColumn_LinksTheParent()
    {
        await using var org = await Org.StartAsync();
        using var client = await org.LoginAsync();
        var account = (await Org.QueryAsync(client, "SELECT Id FROM Account LIMIT 1"))["records"]![0]!["Id"]!.GetValue<string>();
        await Org.SendAsync(client, HttpMethod.Patch, $"/services/data/{V}/sobjects/Account/{account}", new JsonObject { ["ABM_HubSpot_Id__c"] = "co-9" });
        var (_, job, _) = await Org.SendAsync(client, HttpMethod.Post, $"/services/data/{V}/jobs/ingest", new JsonObject
        {
            ["object"] = "Contact", ["operation"] = "upsert", ["externalIdFieldName"] = "ABM_HubSpot_Id__c",
        });
        var id = job!["id"]!.GetValue<string>();
        using (await client.PutAsync($"/services/data/{V}/jobs/ingest/{id}/batches", new StringContent("ABM_HubSpot_Id__c,LastName,Account.ABM_HubSpot_Id__c\r\nct-1,Bulk,co-9\r\n", Encoding.UTF8, "text/csv")))
        {
        }
        await Org.SendAsync(client, HttpMethod.Patch, $"/services/data/{V}/jobs/ingest/{id}", new JsonObject { ["state"] = "UploadComplete" });
        var done = await PollUntilDoneAsync(client, $"/services/data/{V}/jobs/ingest/{id}");
        Assert.Equal(0, done["numberRecordsFailed"]!.GetValue<int>());
        var ok = SalesforceOrg.ParseCsv(await client.GetStringAsync($"/services/data/{V}/jobs/ingest/{id}/successfulResults/"), ',');
        Assert.Equal("true", ok[1][1]);
        var contact = await Org.QueryAsync(client, "SELECT AccountId FROM Contact WHERE ABM_HubSpot_Id__c = 'ct-1'");
        Assert.Equal(account, contact["records"]![0]!["AccountId"]!.GetValue<string>());
    }

    [Fact]
    public async Task BulkIngest_UnknownColumn_FailsTheJob()
    {
        await using var org = await Org.StartAsync();
        using var client = await org.LoginAsync();
        var (_, job, _) = await Org.SendAsync(client, HttpMethod.Post, $"/services/data/{V}/jobs/ingest", new JsonObject { ["object"] = "Account", ["operation"] = "insert" });
        var id = job!["id"]!.GetValue<string>();
        using (await client.PutAsync($"/services/data/{V}/jobs/ingest/{id}/batches", new StringContent("Name,Bogus__c\nA,1\n", Encoding.UTF8, "text/csv")))
        {
        }
        await Org.SendAsync(client, HttpMethod.Patch, $"/services/data/{V}/jobs/ingest/{id}", new JsonObject { ["state"] = "UploadComplete" });
        var (_, info, _) = await Org.SendAsync(client, HttpMethod.Get, $"/services/data/{V}/jobs/ingest/{id}");
        Assert.Equal("Failed", info!["state"]!.GetValue<string>());
        Assert.Contains("Bogus__c", info["errorMessage"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Faults_LockFailsRecordsAnd503FailsCalls()
    {
        await using var locks = await Org.StartAsync(new SandboxOptions { Accounts = 300, Seed = 3, SalesforceFaults = "lock:1" });
        using (var client = await locks.LoginAsync())
        {
            var id = (await Org.QueryAsync(client, "SELECT Id FROM Account LIMIT 1"))["records"]![0]!["Id"]!.GetValue<string>();
            var (status, body, _) = await Org.SendAsync(client, HttpMethod.Patch, $"/services/data/{V}/composite/sobjects", new JsonObject
            {
                ["records"] = new JsonArray(new JsonObject { ["attributes"] = new JsonObject { ["type"] = "Account" }, ["id"] = id, ["ABM_Score__c"] = 10 }),
            });
            Assert.Equal(200, status);
            Assert.Equal("UNABLE_TO_LOCK_ROW", body![0]!["errors"]![0]!["statusCode"]!.GetValue<string>());
        }

        await using var down = await Org.StartAsync(new SandboxOptions { Accounts = 300, Seed = 3, SalesforceFaults = "503:1" });
        using (var client = await down.LoginAsync())
        {
            var (status, body, _) = await Org.SendAsync(client, HttpMethod.Get, $"/services/data/{V}/limits");
            Assert.Equal(503, status);
            Assert.Equal("SERVER_UNAVAILABLE", body![0]!["errorCode"]!.GetValue<string>());
        }
    }

    [Theory]
    [InlineData("lock:2")]
    [InlineData("429:0.1")]
    [InlineData("lock")]
    public void Faults_BadSpecs_AreRefused(string spec) => Assert.Throws<ArgumentException>(() => Faults.Parse(spec, 1));
}

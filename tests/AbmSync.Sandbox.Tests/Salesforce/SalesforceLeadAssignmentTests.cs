using System.Text;
using System.Text.Json.Nodes;
using AbmSync.Sandbox.Salesforce;
using static AbmSync.Sandbox.Tests.Salesforce.Org;

namespace AbmSync.Sandbox.Tests.Salesforce;

/// <summary>
/// The org's active lead assignment rule gives every lead a REST write saves to the Lead Intake queue, unless the call
/// carries <c>Sforce-Auto-Assign: FALSE</c>; Bulk API 2.0 runs no rule.
/// </summary>
public sealed class SalesforceLeadAssignmentTests
{
    static Action<HttpRequestMessage> AutoAssign(string value) => r => r.Headers.Add("Sforce-Auto-Assign", value);

    static async Task<string> OwnerOf(HttpClient client, string leadId) =>
        (await SendAsync(client, HttpMethod.Get, $"/services/data/{V}/sobjects/Lead/{leadId}?fields=OwnerId")).Body!["OwnerId"]!.GetValue<string>();

    static JsonObject NewLead(string lastName, string owner, string? hubSpotId = null)
    {
        var lead = new JsonObject
        {
            ["attributes"] = new JsonObject { ["type"] = "Lead" },
            ["LastName"] = lastName,
            ["Company"] = "Intake Test Co",
            ["OwnerId"] = owner,
        };
        if (hubSpotId is not null)
        {
            lead["ABM_HubSpot_Id__c"] = hubSpotId;
        }
        return lead;
    }

    static string Ok(JsonNode? result)
    {
        Assert.True(result!["success"]!.GetValue<bool>(), result.ToJsonString());
        return result["id"]!.GetValue<string>();
    }

    [Fact]
    public async Task SingleCreate_GoesToTheQueue_UnlessTheHeaderSaysFalseInAnyCase()
    {
        await using var org = await StartAsync();
        using var integration = await org.LoginAsync();
        var queue = org.Emulator.Org.LeadAssignment.QueueId;
        var rep = org.Emulator.Org.SalesRepUserId;

        async Task<string> Create(string name, Action<HttpRequestMessage>? header)
        {
            var (status, body, _) = await SendAsync(integration, HttpMethod.Post, $"/services/data/{V}/sobjects/Lead", NewLead(name, rep), header);
            Assert.True(status == 201, body?.ToJsonString());
            return body!["id"]!.GetValue<string>();
        }

        Assert.Equal(queue, await OwnerOf(integration, await Create("NoHeader", null)));
        Assert.Equal(queue, await OwnerOf(integration, await Create("True", AutoAssign("TRUE"))));
        Assert.Equal(rep, await OwnerOf(integration, await Create("False", AutoAssign("FALSE"))));
        Assert.Equal(rep, await OwnerOf(integration, await Create("LowerFalse", AutoAssign("false"))));
        // The header may name the rule to run, by its AssignmentRule id.
        Assert.Equal(queue, await OwnerOf(integration, await Create("RuleId", AutoAssign(org.Emulator.Org.LeadAssignment.Id))));

        // Without the header or with it, the caller is the one who saved.
        var kept = await Create("Kept", AutoAssign("False"));
        var record = (await SendAsync(integration, HttpMethod.Get, $"/services/data/{V}/sobjects/Lead/{kept}?fields=OwnerId,CreatedById,LastModifiedById")).Body!;
        Assert.Equal(org.Emulator.Org.IntegrationUserId, record["LastModifiedById"]!.GetValue<string>());
        Assert.Equal(rep, record["OwnerId"]!.GetValue<string>());
    }

    [Fact]
    public async Task SingleUpdateAndUpsert_RunTheRuleToo_AndFalseKeepsTheOwner()
    {
        await using var org = await StartAsync();
        using var integration = await org.LoginAsync();
        var queue = org.Emulator.Org.LeadAssignment.QueueId;
        var leads = (await QueryAsync(integration, "SELECT Id, OwnerId FROM Lead WHERE IsConverted = false ORDER BY Id LIMIT 2"))["records"]!.AsArray();
        var (first, second) = (leads[0]!["Id"]!.GetValue<string>(), leads[1]!["Id"]!.GetValue<string>());
        var secondOwner = leads[1]!["OwnerId"]!.GetValue<string>();
        Assert.NotEqual(queue, leads[0]!["OwnerId"]!.GetValue<string>());

        // An update that does not name the owner still reassigns: the rule runs on every REST update of a lead.
        Assert.Equal(204, (await SendAsync(integration, HttpMethod.Patch, $"/services/data/{V}/sobjects/Lead/{first}", new { Title = "CTO" })).Status);
        Assert.Equal(queue, await OwnerOf(integration, first));
        Assert.Equal(204, (await SendAsync(integration, HttpMethod.Patch, $"/services/data/{V}/sobjects/Lead/{second}", new { Title = "CTO" }, AutoAssign("FALSE"))).Status);
        Assert.Equal(secondOwner, await OwnerOf(integration, second));

        var rep = org.Emulator.Org.SalesRepUserId;
        var upsert = $"/services/data/{V}/sobjects/Lead/ABM_HubSpot_Id__c";
        var body = new { LastName = "Upserted", Company = "Intake Test Co", OwnerId = rep };
        var (created, answer, _) = await SendAsync(integration, HttpMethod.Patch, $"{upsert}/hs-1", body);
        Assert.Equal(201, created);
        Assert.Equal(queue, await OwnerOf(integration, answer!["id"]!.GetValue<string>()));
        (created, answer, _) = await SendAsync(integration, HttpMethod.Patch, $"{upsert}/hs-2", body, AutoAssign("FALSE"));
        Assert.Equal(201, created);
        var kept = answer!["id"]!.GetValue<string>();
        Assert.Equal(rep, await OwnerOf(integration, kept));
        // The same upsert again is an update of the existing lead: with FALSE it stays, without the header it moves.
        Assert.Equal(200, (await SendAsync(integration, HttpMethod.Patch, $"{upsert}/hs-2", body, AutoAssign("FALSE"))).Status);
        Assert.Equal(rep, await OwnerOf(integration, kept));
        Assert.Equal(200, (await SendAsync(integration, HttpMethod.Patch, $"{upsert}/hs-2", body)).Status);
        Assert.Equal(queue, await OwnerOf(integration, kept));
    }

    [Fact]
    public async Task CollectionsCreateUpdateAndUpsertByExternalId_RunTheRule_UnlessTheHeaderSaysFalse()
    {
        await using var org = await StartAsync();
        using var integration = await org.LoginAsync();
        var queue = org.Emulator.Org.LeadAssignment.QueueId;
        var rep = org.Emulator.Org.SalesRepUserId;
        var collections = $"/services/data/{V}/composite/sobjects";

        async Task<JsonArray> Save(HttpMethod method, string path, JsonArray records, Action<HttpRequestMessage>? header)
        {
            var (status, body, _) = await SendAsync(integration, method, path, new JsonObject { ["allOrNone"] = true, ["records"] = records }, header);
            Assert.True(status == 200, body?.ToJsonString());
            return body!.AsArray();
        }

        var assigned = Ok((await Save(HttpMethod.Post, collections, [NewLead("CollectionAssigned", rep)], null))[0]);
        var kept = Ok((await Save(HttpMethod.Post, collections, [NewLead("CollectionKept", rep)], AutoAssign("FALSE")))[0]);
        Assert.Equal(queue, await OwnerOf(integration, assigned));
        Assert.Equal(rep, await OwnerOf(integration, kept));

        JsonObject Update(string id) => new() { ["attributes"] = new JsonObject { ["type"] = "Lead" }, ["id"] = id, ["Title"] = "VP Sales" };
        Ok((await Save(HttpMethod.Patch, collections, [Update(kept)], AutoAssign("FALSE")))[0]);
        Assert.Equal(rep, await OwnerOf(integration, kept));
        Ok((await Save(HttpMethod.Patch, collections, [Update(kept)], null))[0]);
        Assert.Equal(queue, await OwnerOf(integration, kept));

        // The engine's path: upsert by the HubSpot id, creating and then updating the same lead.
        var upsert = $"{collections}/Lead/ABM_HubSpot_Id__c";
        var createdWithFalse = (await Save(HttpMethod.Patch, upsert, [NewLead("UpsertKept", rep, "hs-10")], AutoAssign("FALSE")))[0]!;
        Assert.True(createdWithFalse["created"]!.GetValue<bool>());
        Assert.Equal(rep, await OwnerOf(integration, Ok(createdWithFalse)));
        var createdWithout = (await Save(HttpMethod.Patch, upsert, [NewLead("UpsertAssigned", rep, "hs-11")], null))[0]!;
        Assert.True(createdWithout["created"]!.GetValue<bool>());
        Assert.Equal(queue, await OwnerOf(integration, Ok(createdWithout)));

        var updatedWithFalse = (await Save(HttpMethod.Patch, upsert, [NewLead("UpsertKept", rep, "hs-10")], AutoAssign("FALSE")))[0]!;
        Assert.False(updatedWithFalse["created"]!.GetValue<bool>());
        Assert.Equal(rep, await OwnerOf(integration, Ok(updatedWithFalse)));
        var updatedWithout = (await Save(HttpMethod.Patch, upsert, [NewLead("UpsertKept", rep, "hs-10")], null))[0]!;
        Assert.Equal(queue, await OwnerOf(integration, Ok(updatedWithout)));
    }

    [Fact]
    public async Task BulkIngest_RunsNoAssignmentRule()
    {
        await using var org = await StartAsync();
        using var integration = await org.LoginAsync();
        var rep = org.Emulator.Org.SalesRepUserId;
        // A real org would run the rule a job names in assignmentRuleId; the sandbox accepts and ignores the property.
        var (_, job, _) = await SendAsync(integration, HttpMethod.Post, $"/services/data/{V}/jobs/ingest", new JsonObject
        {
            ["object"] = "Lead", ["operation"] = "insert", ["assignmentRuleId"] = org.Emulator.Org.LeadAssignment.Id,
        });
        var id = job!["id"]!.GetValue<string>();
        using (var upload = await integration.PutAsync($"/services/data/{V}/jobs/ingest/{id}/batches",
            new StringContent($"LastName,Company,OwnerId\nBulkLead,Intake Test Co,{rep}\n", Encoding.UTF8, "text/csv")))
        {
            Assert.Equal(201, (int)upload.StatusCode);
        }
        await SendAsync(integration, HttpMethod.Patch, $"/services/data/{V}/jobs/ingest/{id}", new JsonObject { ["state"] = "UploadComplete" });
        for (var i = 0; i < 10 && (await SendAsync(integration, HttpMethod.Get, $"/services/data/{V}/jobs/ingest/{id}")).Body!["state"]!.GetValue<string>() != "JobComplete"; i++)
        {
        }
        var lead = (await QueryAsync(integration, "SELECT OwnerId FROM Lead WHERE LastName = 'BulkLead'"))["records"]!.AsArray().Single()!;
        Assert.Equal(rep, lead["OwnerId"]!.GetValue<string>());
    }

    [Fact]
    public async Task TheQueueAndTheRule_AreQueryable_AndAQueueOwnerReadsThroughLeadOwner()
    {
        await using var org = await StartAsync();
        using var integration = await org.LoginAsync();
        var routing = org.Emulator.Org.LeadAssignment;

        var queues = (await QueryAsync(integration, "SELECT Id, Name, DeveloperName, Type FROM Group WHERE Type = 'Queue'"))["records"]!.AsArray();
        var queue = Assert.Single(queues)!;
        Assert.Equal(routing.QueueId, queue["Id"]!.GetValue<string>());
        Assert.StartsWith("00G", routing.QueueId, StringComparison.Ordinal);
        Assert.Equal(OrgRules.LeadQueueName, queue["Name"]!.GetValue<string>());
        var rule = Assert.Single((await QueryAsync(integration, "SELECT Id, Name FROM AssignmentRule WHERE SobjectType = 'Lead' AND Active = true"))["records"]!.AsArray())!;
        Assert.Equal(routing.Id, rule["Id"]!.GetValue<string>());

        var (_, created, _) = await SendAsync(integration, HttpMethod.Post, $"/services/data/{V}/sobjects/Lead", NewLead("Queued", org.Emulator.Org.SalesRepUserId));
        var id = created!["id"]!.GetValue<string>();
        var row = (await QueryAsync(integration, $"SELECT Owner.Name, Owner.Email, Owner.Username FROM Lead WHERE Id = '{id}'"))["records"]![0]!;
        Assert.Equal(OrgRules.LeadQueueName, row["Owner"]!["Name"]!.GetValue<string>());
        Assert.Null(row["Owner"]!["Username"]);
        // A user owner still reads its user fields through the same polymorphic path.
        var userOwned = (await QueryAsync(integration, "SELECT Owner.Username FROM Lead WHERE IsConverted = false ORDER BY Id LIMIT 1"))["records"]![0]!;
        Assert.NotNull(userOwned["Owner"]!["Username"]);

        // Only a lead's owner may be a queue.
        var account = (await QueryAsync(integration, "SELECT Id FROM Account LIMIT 1"))["records"]![0]!["Id"]!.GetValue<string>();
        using var rep = await org.LoginAsRepAsync();
        var (status, refusal, _) = await SendAsync(rep, HttpMethod.Patch, $"/services/data/{V}/sobjects/Account/{account}", new { OwnerId = routing.QueueId });
        Assert.Equal(400, status);
        Assert.Equal("FIELD_INTEGRITY_EXCEPTION", refusal![0]!["errorCode"]!.GetValue<string>());
        var exported = Assert.Single(((JsonObject)org.Emulator.Export())["Group"]!.AsArray())!;
        Assert.Equal("Queue", exported["Type"]!.GetValue<string>());
    }

    [Fact]
    public async Task TheSalesRepHelpers_SaveLikeAPersonInTheUi_WithoutTheRule()
    {
        await using var org = await StartAsync();
        var rep = org.Emulator.Org.SalesRepUserId;
        var id = await org.Host.CreateAsSalesRepAsync("Lead", new { LastName = "RepLead", Company = "Intake Test Co", OwnerId = rep });
        await org.Host.EditAsSalesRepAsync("Lead", id, new { Title = "Buyer" });
        using var integration = await org.LoginAsync();
        Assert.Equal(rep, await OwnerOf(integration, id));
    }
}

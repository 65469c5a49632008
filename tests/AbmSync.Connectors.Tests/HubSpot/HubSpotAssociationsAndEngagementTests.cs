using System.Text.Json;
using AbmSync.Connectors.HubSpot;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;

namespace AbmSync.Connectors.Tests.HubSpot;

public sealed class HubSpotAssociationsAndEngagementTests
{
    [Fact]
    public async Task BatchReadAssociations_FollowsEachInputsPagingCursor_AndKeepsInputOrder()
    {
        using var f = HubSpotFixture.Create();
        const string path = "/crm/v4/associations/contacts/companies/batch/read";
        f.Server.Given(Request.Create().WithPath(path).UsingPost().WithBody(new WireMock.Matchers.WildcardMatcher("*cursor-2*")))
            .AtPriority(1)
            .RespondWith(Response.Create().WithStatusCode(200).WithBody(
                """{"status":"COMPLETE","results":[{"from":{"id":"11"},"to":[{"toObjectId":502,"associationTypes":[{"category":"HUBSPOT_DEFINED","typeId":279,"label":null}]}]}]}"""));
        f.Server.Given(Request.Create().WithPath(path).UsingPost())
            .AtPriority(2)
            .RespondWith(Response.Create().WithStatusCode(207).WithBody(
                """
                {"status":"COMPLETE","results":[
                  {"from":{"id":"11"},"to":[{"toObjectId":501,"associationTypes":[{"category":"HUBSPOT_DEFINED","typeId":1,"label":"Primary"},{"category":"HUBSPOT_DEFINED","typeId":279,"label":null}]}],
                   "paging":{"next":{"after":"cursor-2"}}}],
                 "numErrors":1,"errors":[{"status":"error","category":"OBJECT_NOT_FOUND","message":"No associations found","context":{"fromObjectId":["12"]}}]}
                """));

        var result = await f.Client.BatchReadAssociationsAsync("contacts", "companies", ["12", "11"]);

        Assert.Equal(["12", "11"], result.Select(r => r.FromId));
        Assert.Empty(result[0].To);
        Assert.Equal(["501", "502"], result[1].To.Select(t => t.ToId));
        Assert.Equal([1, 279], result[1].To[0].Types.Select(t => t.TypeId));
        Assert.Equal("Primary", result[1].To[0].Types[0].Label);
        var bodies = f.BodiesAt(path);
        Assert.Equal(2, bodies.Count);
        var replay = Assert.Single(bodies[1].GetProperty("inputs").EnumerateArray());
        Assert.Equal("11", replay.GetProperty("id").GetString());
        Assert.Equal("cursor-2", replay.GetProperty("after").GetString());
        Assert.False(bodies[0].GetProperty("inputs")[0].TryGetProperty("after", out _));
        Assert.Equal(2, f.Counter.Snapshot().Reads);
    }

    [Theory]
    [InlineData("v3", "/crm/v4/associations/deals/companies/batch/associate/default")]
    [InlineData("2026-03", "/crm/associations/2026-03/deals/companies/batch/associate/default")]
    public async Task BatchAssociateDefault_PostsFromToPairs_ToTheVersionedPath(string version, string path)
    {
        using var f = HubSpotFixture.Create(new() { ["HubSpot:ApiVersion"] = version });
        f.Server.Given(Request.Create().WithPath(path).UsingPost())
            .RespondWith(Response.Create().WithStatusCode(200).WithBody(
                """{"status":"COMPLETE","results":[{"from":{"id":"7"},"to":{"id":"501"},"associationSpec":{"associationCategory":"HUBSPOT_DEFINED","associationTypeId":341}}]}"""));

        var result = await f.Client.BatchAssociateDefaultAsync("deals", "companies", [new HubSpotAssociationPair("7", "501")]);

        Assert.Equal(1, result.Written);
        Assert.Empty(result.Errors);
        var input = Assert.Single(f.BodiesAt(path)).GetProperty("inputs")[0];
        Assert.Equal("7", input.GetProperty("from").GetProperty("id").GetString());
        Assert.Equal("501", input.GetProperty("to").GetProperty("id").GetString());
        Assert.Equal(1, f.Counter.Snapshot().Writes);
    }

    [Fact]
    public async Task ReadActivities_ReturnsMeetingsWithTimestampAndTheirContactsAndCompanies()
    {
        using var f = HubSpotFixture.Create(new() { ["HubSpot:SearchRequestsPerSecond"] = "100" });
        f.Server.Given(Request.Create().WithPath("/crm/v3/objects/meetings/search").UsingPost())
            .RespondWith(Response.Create().WithStatusCode(200).WithBody(
                """
                {"total":2,"results":[
                  {"id":"m1","properties":{"hs_object_id":"1","hs_timestamp":"2026-11-20T15:00:00.000Z","hs_lastmodifieddate":"2026-11-20T16:00:00.000Z","hs_meeting_outcome":"COMPLETED"}},
                  {"id":"m2","properties":{"hs_object_id":"2","hs_timestamp":"1763740800000","hs_lastmodifieddate":"2026-11-21T16:00:00.000Z"}}]}
                """));
        f.Server.Given(Request.Create().WithPath("/crm/v4/associations/meetings/contacts/batch/read").UsingPost())
            .RespondWith(Response.Create().WithStatusCode(200).WithBody(
                """{"status":"COMPLETE","results":[{"from":{"id":"m2"},"to":[{"toObjectId":31,"associationTypes":[]}]},{"from":{"id":"m1"},"to":[{"toObjectId":30,"associationTypes":[]},{"toObjectId":32,"associationTypes":[]}]}]}"""));
        f.Server.Given(Request.Create().WithPath("/crm/v4/associations/meetings/companies/batch/read").UsingPost())
            .RespondWith(Response.Create().WithStatusCode(200).WithBody(
                """{"status":"COMPLETE","results":[{"from":{"id":"m1"},"to":[{"toObjectId":900,"associationTypes":[]}]}]}"""));

        var activities = new List<HubSpotActivity>();
        await foreach (var page in f.Client.ReadActivitiesAsync("meetings", new DateTimeOffset(2026, 11, 1, 0, 0, 0, TimeSpan.Zero)))
        {
            activities.AddRange(page.Activities);
        }

        Assert.Equal(["m1", "m2"], activities.Select(a => a.Id));
        Assert.Equal(new DateTimeOffset(2026, 11, 20, 15, 0, 0, TimeSpan.Zero), activities[0].Timestamp);
        Assert.Equal(DateTimeOffset.FromUnixTimeMilliseconds(1763740800000), activities[1].Timestamp);
        Assert.Equal(["30", "32"], activities[0].ContactIds);
        Assert.Equal(["900"], activities[0].CompanyIds);
        Assert.Equal(["31"], activities[1].ContactIds);
        Assert.Empty(activities[1].CompanyIds);
        Assert.Equal("COMPLETED", activities[0].Properties["hs_meeting_outcome"]);
        var search = Assert.Single(f.BodiesAt("/crm/v3/objects/meetings/search"));
        Assert.Contains("hs_timestamp", search.GetProperty("properties").EnumerateArray().Select(p => p.GetString()));
    }

    [Fact]
    public async Task ListOwners_ReadsEveryPage()
    {
        using var f = HubSpotFixture.Create();
        f.Server.Given(Request.Create().WithPath("/crm/v3/owners").UsingGet().WithParam("after", "2"))
            .AtPriority(1)
            .RespondWith(Response.Create().WithStatusCode(200).WithBody(
                """{"results":[{"id":"202","email":"bo@example.com","firstName":"Bo","lastName":"Li","userId":9002,"type":"PERSON","archived":false}]}"""));
        f.Server.Given(Request.Create().WithPath("/crm/v3/owners").UsingGet())
            .AtPriority(2)
            .RespondWith(Response.Create().WithStatusCode(200).WithBody(
                """{"results":[{"id":"201","email":"al@example.com","firstName":"Al","lastName":"Ng","userId":9001,"type":"PERSON","archived":false,"teams":[]}],"paging":{"next":{"after":"2"}}}"""));

        var owners = await f.Client.ListOwnersAsync();

        Assert.Equal(["201", "202"], owners.Select(o => o.Id));
        Assert.Equal("bo@example.com", owners[1].Email);
        Assert.Equal(9001, owners[0].UserId);
        Assert.Equal(2, f.Counter.Snapshot().ByEndpoint["GET /crm/v3/owners"]);
    }

    [Fact]
    public async Task CreateProperties_SendsPropertyCreateInputs_AndReportsRefusals()
    {
        using var f = HubSpotFixture.Create();
        const string path = "/crm/v3/properties/companies/batch/create";
        f.Server.Given(Request.Create().WithPath(path).UsingPost())
            .RespondWith(Response.Create().WithStatusCode(207).WithBody(
                """
                {"status":"COMPLETE","results":[{"name":"abm_tier","label":"ABM tier","type":"enumeration","fieldType":"select","groupName":"abm","options":[{"label":"Tier 1","value":"Tier 1","displayOrder":0,"hidden":false}]}],
                 "numErrors":1,"errors":[{"status":"error","category":"OBJECT_ALREADY_EXISTS","message":"A property named 'abm_salesforce_id' already exists.","context":{"name":["abm_salesforce_id"]}}]}
                """));

        var result = await f.Client.CreatePropertiesAsync("companies",
        [
            new HubSpotPropertyDefinition("abm_salesforce_id", "Salesforce id", "string", "text", "abm", HasUniqueValue: true),
            new HubSpotPropertyDefinition("abm_tier", "ABM tier", "enumeration", "select", "abm", Options: [new HubSpotPropertyOption("Tier 1", "Tier 1")]),
        ]);

        Assert.Equal("abm_tier", Assert.Single(result.Created).Name);
        Assert.Equal("OBJECT_ALREADY_EXISTS", Assert.Single(result.Errors).Category);
        var inputs = Assert.Single(f.BodiesAt(path)).GetProperty("inputs");
        Assert.True(inputs[0].GetProperty("hasUniqueValue").GetBoolean());
        Assert.Equal("abm", inputs[1].GetProperty("groupName").GetString());
        Assert.Equal("Tier 1", inputs[1].GetProperty("options")[0].GetProperty("value").GetString());
        var stats = f.Counter.Snapshot();
        Assert.Equal((1, 0, 0), (stats.Calls, stats.Reads, stats.Writes));
    }
}

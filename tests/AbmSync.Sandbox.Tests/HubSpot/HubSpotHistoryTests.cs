using System.Globalization;
using System.Text.Json.Nodes;

namespace AbmSync.Sandbox.Tests.HubSpot;

/// <summary>propertiesWithHistory on batch read, its 50-input cap, and who each version says wrote it.</summary>
public sealed class HubSpotHistoryTests
{
    static JsonObject HistoryRead(IEnumerable<string> ids, params string[] history) => new()
    {
        ["properties"] = new JsonArray("city", "name"),
        ["propertiesWithHistory"] = new JsonArray([.. history.Select(h => (JsonNode?)h)]),
        ["inputs"] = new JsonArray([.. ids.Select(id => (JsonNode?)new JsonObject { ["id"] = id })]),
    };

    static IEnumerable<string> LiveCompanies(Portal portal) =>
        portal.Export()["companies"]!.AsArray().Where(c => !c!["archived"]!.GetValue<bool>()).Select(c => c!["id"]!.GetValue<string>());

    static Task<(int Status, JsonNode? Body, System.Net.Http.HttpResponseMessage Response)> Patch(HttpClient client, string id, string city) =>
        Portal.SendAsync(client, HttpMethod.Patch, $"/crm/v3/objects/companies/{id}", new JsonObject { ["properties"] = new JsonObject { ["city"] = city } });

    [Theory]
    [InlineData("/crm/v3/objects/companies/batch/read")]
    [InlineData("/crm/objects/2026-03/companies/batch/read")]
    public async Task BatchRead_WithHistory_AnswersEachResultAsSingleGetDoes_NewestFirst(string path)
    {
        await using var portal = await Portal.StartAsync();
        var ids = LiveCompanies(portal).Take(3).ToList();
        Assert.Equal(200, (await Patch(portal.Human, ids[0], "Lisbon")).Status);
        portal.Time.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(200, (await Patch(portal.Http, ids[0], "Porto")).Status);

        var (status, body, _) = await portal.Post(path, HistoryRead(ids, "city"));

        Assert.Equal(200, status);
        var results = body!["results"]!.AsArray();
        Assert.Equal(ids.Order(), results.Select(r => r!["id"]!.GetValue<string>()).Order());
        foreach (var result in results)
        {
            var id = result!["id"]!.GetValue<string>();
            var (_, single, _) = await portal.Get($"/crm/v3/objects/companies/{id}?properties=city,name&propertiesWithHistory=city");
            Assert.Equal(single!["propertiesWithHistory"]!.ToJsonString(), result["propertiesWithHistory"]!.ToJsonString());
        }
        var city = results.Single(r => r!["id"]!.GetValue<string>() == ids[0])!["propertiesWithHistory"]!["city"]!.AsArray();
        Assert.Equal(["Porto", "Lisbon"], city.Take(2).Select(v => v!["value"]!.GetValue<string>()));
        var stamps = city.Select(v => DateTimeOffset.Parse(v!["timestamp"]!.GetValue<string>(), CultureInfo.InvariantCulture)).ToList();
        Assert.Equal(stamps.OrderByDescending(s => s), stamps);
        Assert.Equal(portal.Time.GetUtcNow(), stamps[0]);
    }

    [Fact]
    public async Task BatchRead_WithoutHistory_HasNoPropertiesWithHistory()
    {
        await using var portal = await Portal.StartAsync();
        var id = LiveCompanies(portal).First();

        var (status, body, _) = await portal.Post("/crm/v3/objects/companies/batch/read", HistoryRead([id]));

        Assert.Equal(200, status);
        Assert.Null(body!["results"]![0]!["propertiesWithHistory"]);
    }

    [Fact]
    public async Task BatchRead_WithHistory_Takes50Inputs_And51Is400ValidationError()
    {
        await using var portal = await Portal.StartAsync();
        var ids = LiveCompanies(portal).Take(51).ToList();
        Assert.Equal(51, ids.Count);

        var (ok, fifty, _) = await portal.Post("/crm/v3/objects/companies/batch/read", HistoryRead(ids.Take(50), "name"));
        var (status, body, _) = await portal.Post("/crm/v3/objects/companies/batch/read", HistoryRead(ids, "name"));
        var (plain, _, _) = await portal.Post("/crm/v3/objects/companies/batch/read", HistoryRead(ids));

        Assert.Equal(200, ok);
        Assert.Equal(50, fifty!["results"]!.AsArray().Count);
        Assert.Equal(400, status);
        Assert.Equal("error", body!["status"]!.GetValue<string>());
        Assert.Equal("VALIDATION_ERROR", body["category"]!.GetValue<string>());
        Assert.Contains("50", body["message"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.NotNull(body["correlationId"]);
        // Without history the cap is the ordinary 100.
        Assert.Equal(200, plain);
    }

    [Fact]
    public async Task HumanAndIntegrationEdits_RecordDifferentSources()
    {
        await using var portal = await Portal.StartAsync();
        var id = LiveCompanies(portal).Skip(1).First();
        Assert.Equal(200, (await Patch(portal.Http, id, "Integration City")).Status);
        portal.Time.Advance(TimeSpan.FromSeconds(5));
        Assert.Equal(200, (await Patch(portal.Human, id, "Rep City")).Status);

        var (_, body, _) = await portal.Post("/crm/v3/objects/companies/batch/read", HistoryRead([id], "city"));

        var city = body!["results"]![0]!["propertiesWithHistory"]!["city"]!.AsArray();
        var (human, integration) = (city[0]!, city[1]!);
        Assert.Equal("Rep City", human["value"]!.GetValue<string>());
        Assert.Equal("CRM_UI", human["sourceType"]!.GetValue<string>());
        Assert.Equal(portal.Emulator.HumanUserId, human["updatedByUserId"]!.GetValue<long>());
        Assert.Equal($"userId:{portal.Emulator.HumanUserId}", human["sourceId"]!.GetValue<string>());
        Assert.Equal("Integration City", integration["value"]!.GetValue<string>());
        Assert.Equal("INTEGRATION", integration["sourceType"]!.GetValue<string>());
        Assert.False(string.IsNullOrEmpty(integration["sourceId"]!.GetValue<string>()));
        Assert.NotEqual(human["sourceId"]!.GetValue<string>(), integration["sourceId"]!.GetValue<string>());
        Assert.Null(integration["updatedByUserId"]);
    }
}

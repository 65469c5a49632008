using System.Text.Json.Nodes;

namespace AbmSync.Sandbox.Tests.HubSpot;

/// <summary>
/// Archived reads as the objects spec has them: <c>archived</c> is a query parameter of list, get and batch read, and
/// each answers only records in that state.
/// </summary>
public sealed class HubSpotArchivedReadsTests
{
    static string Id(JsonNode? record) => record!["id"]!.GetValue<string>();

    [Fact]
    public async Task ArchivingACompany_MovesItFromTheListToTheArchivedList_WithArchivedAtFromTheClock()
    {
        await using var portal = await Portal.StartAsync();
        var company = Id(portal.Export()["companies"]!.AsArray().First(c => !c!["archived"]!.GetValue<bool>()));
        portal.Time.Advance(TimeSpan.FromHours(3));
        Assert.Equal(204, (await Portal.SendAsync(portal.Http, HttpMethod.Delete, $"/crm/v3/objects/companies/{company}")).Status);

        async Task<List<JsonNode>> All(bool archived)
        {
            var all = new List<JsonNode>();
            string? after = null;
            do
            {
                var (status, page, _) = await portal.Get($"/crm/v3/objects/companies?limit=100&archived={(archived ? "true" : "false")}{(after is null ? "" : "&after=" + Uri.EscapeDataString(after))}");
                Assert.Equal(200, status);
                all.AddRange(page!["results"]!.AsArray().Select(r => r!));
                after = page["paging"]?["next"]?["after"]?.GetValue<string>();
            }
            while (after is not null);
            return all;
        }

        var live = await All(archived: false);
        Assert.DoesNotContain(live, r => Id(r) == company);
        Assert.All(live, r => Assert.False(r["archived"]!.GetValue<bool>()));
        var archived = await All(archived: true);
        var gone = Assert.Single(archived, r => Id(r) == company);
        Assert.True(gone["archived"]!.GetValue<bool>());
        Assert.Equal("2026-11-25T15:00:00.000Z", gone["archivedAt"]!.GetValue<string>());
        Assert.All(archived, r => Assert.True(r["archived"]!.GetValue<bool>()));
    }

    [Fact]
    public async Task BatchRead_WithArchivedTrue_AnswersArchivedRecordsOnly_AndReportsLiveOnesMissing()
    {
        await using var portal = await Portal.StartAsync();
        var contacts = portal.Export()["contacts"]!.AsArray();
        var archived = Id(contacts.First(c => c!["archived"]!.GetValue<bool>()));
        var live = Id(contacts.First(c => !c!["archived"]!.GetValue<bool>()));
        var inputs = Portal.Inputs(new JsonObject { ["id"] = archived }, new JsonObject { ["id"] = live });

        var (status, body, _) = await portal.Post("/crm/v3/objects/contacts/batch/read?archived=true", inputs);
        Assert.Equal(207, status);
        var result = Assert.Single(body!["results"]!.AsArray());
        Assert.Equal(archived, Id(result));
        Assert.True(result!["archived"]!.GetValue<bool>());
        Assert.NotNull(result["archivedAt"]);
        Assert.Equal([live], body["errors"]![0]!["context"]!["ids"]!.AsArray().Select(i => i!.GetValue<string>()));

        var (plain, liveOnly, _) = await portal.Post("/crm/v3/objects/contacts/batch/read", Portal.Inputs(new JsonObject { ["id"] = archived }, new JsonObject { ["id"] = live }));
        Assert.Equal(207, plain);
        Assert.Equal([live], liveOnly!["results"]!.AsArray().Select(Id));
        Assert.Equal([archived], liveOnly["errors"]![0]!["context"]!["ids"]!.AsArray().Select(i => i!.GetValue<string>()));

        Assert.Equal(200, (await portal.Get($"/crm/v3/objects/contacts/{archived}?archived=true")).Status);
        Assert.Equal(404, (await portal.Get($"/crm/v3/objects/contacts/{archived}")).Status);
        Assert.Equal(404, (await portal.Get($"/crm/v3/objects/contacts/{live}?archived=true")).Status);
    }
}

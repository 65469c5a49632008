using System.Globalization;
using System.Text.Json.Nodes;

namespace AbmSync.Sandbox.Tests.HubSpot;

/// <summary>POST /crm/v3/objects/contacts/gdpr-delete: permanent deletion, and the email blocklist the API reference describes.</summary>
public sealed class HubSpotGdprDeleteTests
{
    static JsonArray Blocklist(Portal portal) => portal.Export()["gdprBlocklist"]!.AsArray();

    [Fact]
    public async Task ById_DeletesForGood_UnassociatesIt_AndBlocklistsItsEmail_WhichTheApiMayStillCreate()
    {
        await using var portal = await Portal.StartAsync();
        var contact = portal.Export()["contacts"]!.AsArray().First(c => !c!["archived"]!.GetValue<bool>() && c["properties"]!["associatedcompanyid"] is not null)!;
        var id = contact["id"]!.GetValue<string>();
        var email = contact["properties"]!["email"]!.GetValue<string>();
        var company = contact["properties"]!["associatedcompanyid"]!.GetValue<string>();
        await portal.Post("/_sandbox/stats/reset", new JsonObject());

        var (status, body, _) = await portal.Post("/crm/v3/objects/contacts/gdpr-delete", new JsonObject { ["objectId"] = id });
        Assert.Equal(204, status);
        Assert.Null(body);
        Assert.Equal(1, (await portal.Stats())["writes"]!.GetValue<int>());

        Assert.Equal(404, (await portal.Get($"/crm/v3/objects/contacts/{id}")).Status);
        Assert.Equal(404, (await portal.Get($"/crm/v3/objects/contacts/{id}?archived=true")).Status);
        var (_, batch, _) = await portal.Post("/crm/v3/objects/contacts/batch/read?archived=true", Portal.Inputs(new JsonObject { ["id"] = id }));
        Assert.Empty(batch!["results"]!.AsArray());
        var (_, links, _) = await portal.Get($"/crm/v4/objects/companies/{company}/associations/contacts");
        Assert.DoesNotContain(links!["results"]!.AsArray(), l => l!["toObjectId"]!.GetValue<long>().ToString(CultureInfo.InvariantCulture) == id);
        Assert.DoesNotContain(portal.Export()["contacts"]!.AsArray(), c => c!["id"]!.GetValue<string>() == id);
        Assert.Contains(Blocklist(portal), e => e!.GetValue<string>() == email);

        var (created, again, _) = await portal.Post("/crm/v3/objects/contacts", new JsonObject { ["properties"] = new JsonObject { ["email"] = email } });
        Assert.Equal(201, created);
        Assert.NotEqual(id, again!["id"]!.GetValue<string>());
    }

    [Fact]
    public async Task ByAnEmailNoContactHas_Succeeds_AndBlocklistsTheEmail()
    {
        await using var portal = await Portal.StartAsync();
        Assert.Empty(Blocklist(portal));
        var (status, _, _) = await portal.Post("/crm/v3/objects/contacts/gdpr-delete", new JsonObject
        {
            ["objectId"] = "Forget.Me@Example.org",
            ["idProperty"] = "email",
        });
        Assert.Equal(204, status);
        Assert.Equal(["forget.me@example.org"], Blocklist(portal).Select(e => e!.GetValue<string>()));
    }

    [Fact]
    public async Task AnArchivedContact_CanBeDeletedForGood_AndAnUnknownIdIs404()
    {
        await using var portal = await Portal.StartAsync();
        var archived = portal.Export()["contacts"]!.AsArray().First(c => c!["archived"]!.GetValue<bool>())!["id"]!.GetValue<string>();
        Assert.Equal(200, (await portal.Get($"/crm/v3/objects/contacts/{archived}?archived=true")).Status);
        Assert.Equal(204, (await portal.Post("/crm/v3/objects/contacts/gdpr-delete", new JsonObject { ["objectId"] = archived })).Status);
        Assert.Equal(404, (await portal.Get($"/crm/v3/objects/contacts/{archived}?archived=true")).Status);
        var (_, list, _) = await portal.Get("/crm/v3/objects/contacts?archived=true&limit=100");
        Assert.DoesNotContain(list!["results"]!.AsArray(), r => r!["id"]!.GetValue<string>() == archived);

        var (missing, error, _) = await portal.Post("/crm/v3/objects/contacts/gdpr-delete", new JsonObject { ["objectId"] = "1" });
        Assert.Equal(404, missing);
        Assert.Equal("OBJECT_NOT_FOUND", error!["category"]!.GetValue<string>());
        Assert.Equal(400, (await portal.Post("/crm/v3/objects/contacts/gdpr-delete", new JsonObject())).Status);
        Assert.Equal(400, (await portal.Post("/crm/v3/objects/companies/gdpr-delete", new JsonObject { ["objectId"] = "1" })).Status);
    }

    [Fact]
    public async Task ContactsMergedIntoTheDeletedOne_NoLongerResolve()
    {
        await using var portal = await Portal.StartAsync();
        var ids = portal.Export()["contacts"]!.AsArray().Where(c => !c!["archived"]!.GetValue<bool>()).Take(2).Select(c => c!["id"]!.GetValue<string>()).ToList();
        var (_, merged, _) = await portal.Post("/crm/v3/objects/contacts/merge", new JsonObject { ["primaryObjectId"] = ids[0], ["objectIdToMerge"] = ids[1] });
        var result = merged!["id"]!.GetValue<string>();
        Assert.Equal(result, (await portal.Get($"/crm/v3/objects/contacts/{ids[1]}")).Body!["id"]!.GetValue<string>());

        Assert.Equal(204, (await portal.Post("/crm/v3/objects/contacts/gdpr-delete", new JsonObject { ["objectId"] = result })).Status);
        foreach (var id in ids.Append(result))
        {
            Assert.Equal(404, (await portal.Get($"/crm/v3/objects/contacts/{id}")).Status);
        }
        var merges = portal.Export()["merges"]!["contacts"]!.AsObject();
        Assert.DoesNotContain(ids, merges.ContainsKey);
    }
}

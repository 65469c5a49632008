using System.Text.Json.Nodes;

namespace AbmSync.Sandbox.Tests.HubSpot;

public sealed class HubSpotSchemaTests
{
    [Fact]
    public async Task FreshPortal_HasDefaultPropertiesButNoAbmGroupOrProperties()
    {
        await using var portal = await Portal.StartAsync();
        var (status, body, _) = await portal.Get("/crm/v3/properties/companies");
        Assert.Equal(200, status);
        var names = body!["results"]!.AsArray().Select(p => p!["name"]!.GetValue<string>()).ToList();
        Assert.Contains("domain", names);
        Assert.Contains("hubspot_owner_id", names);
        Assert.DoesNotContain(names, n => n.StartsWith("abm_", StringComparison.Ordinal));
        var industry = body["results"]!.AsArray().Single(p => p!["name"]!.GetValue<string>() == "industry")!;
        Assert.Equal("enumeration", industry["type"]!.GetValue<string>());
        Assert.Contains(industry["options"]!.AsArray(), o => o!["value"]!.GetValue<string>() == "COMPUTER_SOFTWARE");

        var (groupsStatus, groups, _) = await portal.Get("/crm/v3/properties/companies/groups");
        Assert.Equal(200, groupsStatus);
        Assert.DoesNotContain(groups!["results"]!.AsArray(), g => g!["name"]!.GetValue<string>() == "abm");
    }

    [Fact]
    public async Task CreateProperty_Twice_Is409_AndTheUniquePropertyBecomesAnIdProperty()
    {
        await using var portal = await Portal.StartAsync();
        await portal.CreateUniqueKey("contacts");
        var (again, body, _) = await portal.Post("/crm/v3/properties/contacts", new JsonObject
        {
            ["name"] = "abm_salesforce_id",
            ["label"] = "Salesforce id",
            ["type"] = "string",
            ["fieldType"] = "text",
            ["groupName"] = "abm",
        });
        Assert.Equal(409, again);
        Assert.Equal("error", body!["status"]!.GetValue<string>());

        var contact = portal.Export()["contacts"]![0]!["id"]!.GetValue<string>();
        var (patched, _, _) = await Portal.SendAsync(portal.Http, HttpMethod.Patch, $"/crm/v3/objects/contacts/{contact}",
            new JsonObject { ["properties"] = new JsonObject { ["abm_salesforce_id"] = "003XYZ" } });
        Assert.Equal(200, patched);
        var (found, byKey, _) = await portal.Get("/crm/v3/objects/contacts/003XYZ?idProperty=abm_salesforce_id&properties=email");
        Assert.Equal(200, found);
        Assert.Equal(contact, byKey!["id"]!.GetValue<string>());
    }

    [Fact]
    public async Task CreateProperty_InvalidTypePairOrMissingGroup_Is400()
    {
        await using var portal = await Portal.StartAsync();
        var (pair, _, _) = await portal.Post("/crm/v3/properties/deals", new JsonObject
        {
            ["name"] = "abm_marketing_influenced", ["label"] = "Influenced", ["type"] = "bool", ["fieldType"] = "text", ["groupName"] = "dealinformation",
        });
        Assert.Equal(400, pair);
        var (group, _, _) = await portal.Post("/crm/v3/properties/deals", new JsonObject
        {
            ["name"] = "abm_marketing_influenced", ["label"] = "Influenced", ["type"] = "bool", ["fieldType"] = "booleancheckbox", ["groupName"] = "abm",
        });
        Assert.Equal(400, group);
    }

    [Fact]
    public async Task Owners_ListedAndFilteredByEmail()
    {
        await using var portal = await Portal.StartAsync();
        var (status, body, _) = await portal.Get("/crm/v3/owners?limit=2");
        Assert.Equal(200, status);
        Assert.Equal(2, body!["results"]!.AsArray().Count);
        Assert.NotNull(body["paging"]!["next"]!["after"]);

        var (_, one, _) = await portal.Get("/crm/v3/owners?email=" + Uri.EscapeDataString(portal.Emulator.HumanEmail.ToUpperInvariant()));
        var owner = Assert.Single(one!["results"]!.AsArray())!;
        Assert.Equal(portal.Emulator.HumanOwnerId, owner["id"]!.GetValue<string>());
        Assert.Equal(portal.Emulator.HumanUserId, owner["userId"]!.GetValue<long>());
        Assert.Equal("PERSON", owner["type"]!.GetValue<string>());
        Assert.False(owner["archived"]!.GetValue<bool>());

        var (byId, _, _) = await portal.Get($"/crm/v3/owners/{portal.Emulator.HumanOwnerId}");
        Assert.Equal(200, byId);
        var (dated, datedBody, _) = await portal.Get($"/crm/owners/2026-03/{portal.Emulator.HumanOwnerId}");
        Assert.Equal(200, dated);
        Assert.Equal(portal.Emulator.HumanEmail, datedBody!["email"]!.GetValue<string>());
        Assert.Equal(200, (await portal.Get("/crm/owners/2026-03?limit=5")).Status);
    }

    [Fact]
    public async Task Export_IsDeterministicFromTheSeed()
    {
        await using var a = await Portal.StartAsync(new SandboxOptions { Accounts = 50, Seed = 9 });
        await using var b = await Portal.StartAsync(new SandboxOptions { Accounts = 50, Seed = 9 });
        Assert.Equal(a.Export()["companies"]!.ToJsonString(), b.Export()["companies"]!.ToJsonString());
        Assert.Equal(a.Export()["contacts"]!.ToJsonString(), b.Export()["contacts"]!.ToJsonString());
        Assert.NotEmpty(a.Export()["owners"]!.AsArray());
    }
}

using System.Globalization;
using System.Text.Json.Nodes;

namespace AbmSync.Sandbox.Tests.HubSpot;

public sealed class HubSpotSearchTests
{
    static JsonObject Filter(string property, string op, string? value = null) => new()
    {
        ["propertyName"] = property,
        ["operator"] = op,
        ["value"] = value,
    };

    [Fact]
    public async Task Search_FilterSortAndPaging_ReturnEveryMatchOnceInAscendingOrder()
    {
        await using var portal = await Portal.StartAsync();
        var contacts = portal.Export()["contacts"]!.AsArray();
        var watermark = DateTimeOffset.Parse("2026-06-01T00:00:00Z", CultureInfo.InvariantCulture);
        var expected = contacts.Count(c => DateTimeOffset.Parse(c!["properties"]!["lastmodifieddate"]!.GetValue<string>(), CultureInfo.InvariantCulture) >= watermark);
        Assert.InRange(expected, 60, contacts.Count - 1);

        var seen = new List<(DateTimeOffset Modified, string Id)>();
        string? after = null;
        int? total = null;
        do
        {
            // Stays under the search limit of five per second.
            portal.Time.Advance(TimeSpan.FromMilliseconds(250));
            var (status, body, response) = await portal.Post("/crm/v3/objects/contacts/search", new JsonObject
            {
                ["filterGroups"] = new JsonArray(new JsonObject
                {
                    ["filters"] = new JsonArray(Filter("lastmodifieddate", "GTE", watermark.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture))),
                }),
                ["sorts"] = new JsonArray(new JsonObject { ["propertyName"] = "lastmodifieddate", ["direction"] = "ASCENDING" }),
                ["properties"] = new JsonArray("email", "lastmodifieddate"),
                ["limit"] = 50,
                ["after"] = after,
            });
            Assert.Equal(200, status);
            Assert.False(response.Headers.Contains("X-HubSpot-RateLimit-Remaining"));
            total ??= body!["total"]!.GetValue<int>();
            foreach (var r in body!["results"]!.AsArray())
            {
                seen.Add((DateTimeOffset.Parse(r!["properties"]!["lastmodifieddate"]!.GetValue<string>(), CultureInfo.InvariantCulture), r["id"]!.GetValue<string>()));
            }
            after = body["paging"]?["next"]?["after"]?.GetValue<string>();
        }
        while (after is not null);

        Assert.Equal(expected, total);
        Assert.Equal(expected, seen.Count);
        Assert.Equal(seen.Count, seen.Select(s => s.Id).Distinct().Count());
        Assert.Equal(seen.OrderBy(s => s.Modified).Select(s => s.Id), seen.Select(s => s.Id));
    }

    [Fact]
    public async Task Search_GroupsAreOredAndFiltersAnded_WithInAndIsoTimestamps()
    {
        await using var portal = await Portal.StartAsync();
        // Search never returns archived records.
        var companies = portal.Export()["companies"]!.AsArray().Where(c => c!["archived"]?.GetValue<bool>() != true).Select(c => c!["properties"]!).ToList();
        var expected = companies.Count(c => c["industry"]?.GetValue<string>() is "BANKING" or "FINANCIAL_SERVICES" && c["country"]!.GetValue<string>() == "US"
            || c["numberofemployees"] is { } n && int.Parse(n.GetValue<string>(), CultureInfo.InvariantCulture) > 20_000);
        var (status, body, _) = await portal.Post("/crm/v3/objects/companies/search", new JsonObject
        {
            ["filterGroups"] = new JsonArray(
                new JsonObject
                {
                    ["filters"] = new JsonArray(
                        new JsonObject { ["propertyName"] = "industry", ["operator"] = "IN", ["values"] = new JsonArray("BANKING", "FINANCIAL_SERVICES") },
                        Filter("country", "EQ", "US"),
                        Filter("createdate", "LT", "2026-11-25T00:00:00Z")),
                },
                new JsonObject { ["filters"] = new JsonArray(Filter("numberofemployees", "GT", "20000")) }),
            ["limit"] = 200,
        });
        Assert.Equal(200, status);
        Assert.Equal(expected, body!["total"]!.GetValue<int>());
    }

    [Fact]
    public async Task Search_RefusesTooManyGroupsAndALimitOver200()
    {
        await using var portal = await Portal.StartAsync();
        var groups = new JsonArray(Enumerable.Range(0, 6).Select(_ => (JsonNode)new JsonObject { ["filters"] = new JsonArray(Filter("name", "HAS_PROPERTY")) }).ToArray());
        var (tooMany, _, _) = await portal.Post("/crm/v3/objects/companies/search", new JsonObject { ["filterGroups"] = groups });
        Assert.Equal(400, tooMany);
        var (tooBig, _, _) = await portal.Post("/crm/v3/objects/companies/search", new JsonObject { ["limit"] = 201 });
        Assert.Equal(400, tooBig);
        var (unknown, body, _) = await portal.Post("/crm/v3/objects/companies/search", new JsonObject
        {
            ["filterGroups"] = new JsonArray(new JsonObject { ["filters"] = new JsonArray(Filter("abm_tier", "EQ", "Tier 1")) }),
        });
        Assert.Equal(400, unknown);
        Assert.Equal("VALIDATION_ERROR", body!["category"]!.GetValue<string>());
    }

    [Fact]
    public async Task Search_PagingPastTenThousandResults_Is400()
    {
        await using var portal = await Portal.StartAsync(new SandboxOptions { Accounts = 4000, Seed = 2, HubSpotRate = "10000/10s" });
        var (status, body, _) = await portal.Post("/crm/v3/objects/contacts/search", new JsonObject
        {
            ["sorts"] = new JsonArray("hs_object_id"),
            ["limit"] = 200,
            ["after"] = "9900",
        });
        Assert.Equal(200, status);
        Assert.True(body!["total"]!.GetValue<int>() > 10_000);
        Assert.Equal(100, body["results"]!.AsArray().Count);
        Assert.Equal("10000", body["paging"]!["next"]!["after"]!.GetValue<string>());

        portal.Time.Advance(TimeSpan.FromSeconds(1));
        var (past, error, _) = await portal.Post("/crm/v3/objects/contacts/search", new JsonObject { ["limit"] = 10, ["after"] = "10000" });
        Assert.Equal(400, past);
        Assert.Equal("VALIDATION_ERROR", error!["category"]!.GetValue<string>());
    }

    [Fact]
    public async Task Search_ByAssociatedCompany_FindsTheCompanysContacts()
    {
        await using var portal = await Portal.StartAsync();
        var contacts = portal.Export()["contacts"]!.AsArray();
        var companyId = contacts.First(c => c!["properties"]!["associatedcompanyid"] is not null)!["properties"]!["associatedcompanyid"]!.GetValue<string>();
        var expected = contacts.Where(c => c!["properties"]!["associatedcompanyid"]?.GetValue<string>() == companyId).Select(c => c!["id"]!.GetValue<string>()).Order().ToList();
        var (status, body, _) = await portal.Post("/crm/v3/objects/contacts/search", new JsonObject
        {
            ["filterGroups"] = new JsonArray(new JsonObject { ["filters"] = new JsonArray(Filter("associations.company", "EQ", companyId)) }),
            ["limit"] = 100,
        });
        Assert.Equal(200, status);
        Assert.Equal(expected, body!["results"]!.AsArray().Select(r => r!["id"]!.GetValue<string>()).Order().ToList());
    }

    [Fact]
    public async Task Search_DescendingSort_PutsRecordsWithoutTheValueLast()
    {
        await using var portal = await Portal.StartAsync();
        var (status, body, _) = await portal.Post("/crm/v3/objects/companies/search", new JsonObject
        {
            ["sorts"] = new JsonArray("-annualrevenue"),
            ["properties"] = new JsonArray("annualrevenue"),
            ["limit"] = 200,
        });
        Assert.Equal(200, status);
        var revenues = body!["results"]!.AsArray().Select(r => r!["properties"]!["annualrevenue"]?.GetValue<string>())
            .Where(v => v is not null).Select(v => decimal.Parse(v!, CultureInfo.InvariantCulture)).ToList();
        Assert.True(revenues.Count > 10);
        Assert.Equal(revenues.OrderDescending(), revenues);
    }
}

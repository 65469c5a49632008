using System.Globalization;
using System.Text.Json.Nodes;

namespace AbmSync.Sandbox.Tests.HubSpot;

/// <summary>Merges through the API: contacts and companies merge into a new record with a new id; deals keep the primary's.</summary>
public sealed class HubSpotMergeTests
{
    static string Id(JsonNode? record) => record!["id"]!.GetValue<string>();

    static long L(string id) => long.Parse(id, CultureInfo.InvariantCulture);

    static async Task<(string Id, List<int> Types)[]> Links(Portal portal, string fromType, string id, string toType)
    {
        var (status, body, _) = await portal.Get($"/crm/v4/objects/{fromType}/{id}/associations/{toType}");
        Assert.Equal(200, status);
        return body!["results"]!.AsArray()
            .Select(r => (r!["toObjectId"]!.GetValue<long>().ToString(CultureInfo.InvariantCulture),
                r["associationTypes"]!.AsArray().Select(t => t!["typeId"]!.GetValue<int>()).Order().ToList()))
            .ToArray();
    }

    static JsonObject Merge(string primary, string merged) => new() { ["primaryObjectId"] = primary, ["objectIdToMerge"] = merged };

    /// <summary>Two live companies that each have contacts whose primary company they are.</summary>
    static (string Primary, string Merged) TwoCompaniesWithPeople(JsonObject export)
    {
        var employers = export["contacts"]!.AsArray()
            .Where(c => !c!["archived"]!.GetValue<bool>() && c["properties"]!["associatedcompanyid"] is not null)
            .Select(c => c!["properties"]!["associatedcompanyid"]!.GetValue<string>())
            .Distinct().Take(2).ToList();
        return (employers[0], employers[1]);
    }

    [Fact]
    public async Task CompanyMerge_AnswersANewRecordCreatedNow_WithThePrimarysValuesAndBothIds()
    {
        await using var portal = await Portal.StartAsync();
        var (primary, merged) = TwoCompaniesWithPeople(portal.Export());
        var (_, before, _) = await portal.Get($"/crm/v3/objects/companies/{primary}?properties=name,domain,phone,description");
        var (patched, _, _) = await Portal.SendAsync(portal.Http, HttpMethod.Patch, $"/crm/v3/objects/companies/{merged}",
            new JsonObject { ["properties"] = new JsonObject { ["description"] = "Only the duplicate had this", ["name"] = "Duplicate name" } });
        Assert.Equal(200, patched);

        portal.Time.Advance(TimeSpan.FromHours(2));
        var mergedAt = portal.Time.GetUtcNow().UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
        var (status, body, _) = await portal.Post("/crm/v3/objects/companies/merge", Merge(primary, merged));
        Assert.Equal(200, status);
        var result = Id(body);
        Assert.NotEqual(primary, result);
        Assert.NotEqual(merged, result);
        Assert.True(L(result) > Math.Max(L(primary), L(merged)));
        var properties = body!["properties"]!;
        Assert.Equal(result, properties["hs_object_id"]!.GetValue<string>());
        Assert.Equal(mergedAt, properties["createdate"]!.GetValue<string>());
        Assert.Equal(mergedAt, body["createdAt"]!.GetValue<string>());
        Assert.Equal(mergedAt, properties["hs_lastmodifieddate"]!.GetValue<string>());
        Assert.Equal(before!["properties"]!["name"]!.GetValue<string>(), properties["name"]!.GetValue<string>());
        Assert.Equal(before["properties"]!["domain"]!.GetValue<string>(), properties["domain"]!.GetValue<string>());
        Assert.Equal("Only the duplicate had this", properties["description"]!.GetValue<string>());
        var ids = properties["hs_merged_object_ids"]!.GetValue<string>().Split(';');
        Assert.Contains(primary, ids);
        Assert.Contains(merged, ids);

        // The value taken from the duplicate keeps the history of who wrote it.
        var (_, history, _) = await portal.Get($"/crm/v3/objects/companies/{result}?propertiesWithHistory=description");
        Assert.Equal("INTEGRATION", history!["propertiesWithHistory"]!["description"]![0]!["sourceType"]!.GetValue<string>());
    }

    [Fact]
    public async Task CompanyMerge_BothOldIdsResolveToTheNewRecord_InGetBatchReadAndAssociations_ButAreNoLongerListed()
    {
        await using var portal = await Portal.StartAsync();
        var export = portal.Export();
        var (primary, merged) = TwoCompaniesWithPeople(export);
        var people = export["contacts"]!.AsArray()
            .Where(c => c!["properties"]!["associatedcompanyid"]?.GetValue<string>() is { } company && (company == primary || company == merged))
            .Select(Id).ToHashSet();
        var contactsBefore = (await Links(portal, "companies", primary, "contacts")).Concat(await Links(portal, "companies", merged, "contacts"))
            .Select(l => l.Id).ToHashSet();
        var (_, body, _) = await portal.Post("/crm/v3/objects/companies/merge", Merge(primary, merged));
        var result = Id(body);

        foreach (var old in new[] { primary, merged })
        {
            var (found, read, _) = await portal.Get($"/crm/v3/objects/companies/{old}");
            Assert.Equal(200, found);
            Assert.Equal(result, Id(read));
        }
        var (batchStatus, batch, _) = await portal.Post("/crm/v3/objects/companies/batch/read", Portal.Inputs(new JsonObject { ["id"] = primary }, new JsonObject { ["id"] = merged }));
        Assert.Equal(200, batchStatus);
        Assert.Equal([result], batch!["results"]!.AsArray().Select(Id));

        // The union of both companies' contacts, read through either old id; the people employed by either now name the new one.
        Assert.Equal(contactsBefore.Order(), (await Links(portal, "companies", merged, "contacts")).Select(l => l.Id).Order());
        Assert.Equal(contactsBefore.Order(), (await Links(portal, "companies", result, "contacts")).Select(l => l.Id).Order());
        foreach (var person in people)
        {
            var (_, contact, _) = await portal.Get($"/crm/v3/objects/contacts/{person}?properties=associatedcompanyid");
            Assert.Equal(result, contact!["properties"]!["associatedcompanyid"]!.GetValue<string>());
            Assert.Contains((await Links(portal, "contacts", person, "companies")), l => l.Id == result && l.Types.SequenceEqual([1, 279]));
        }

        var listed = new List<string>();
        string? after = null;
        do
        {
            var (_, page, _) = await portal.Get($"/crm/v3/objects/companies?limit=100{(after is null ? "" : "&after=" + Uri.EscapeDataString(after))}");
            listed.AddRange(page!["results"]!.AsArray().Select(Id));
            after = page["paging"]?["next"]?["after"]?.GetValue<string>();
        }
        while (after is not null);
        Assert.Contains(result, listed);
        Assert.DoesNotContain(primary, listed);
        Assert.DoesNotContain(merged, listed);
        var (_, archived, _) = await portal.Get("/crm/v3/objects/companies?archived=true&limit=100");
        Assert.DoesNotContain(archived!["results"]!.AsArray(), r => Id(r) == primary || Id(r) == merged);

        var (_, search, _) = await portal.Post("/crm/v3/objects/companies/search", new JsonObject
        {
            ["filterGroups"] = new JsonArray(new JsonObject
            {
                ["filters"] = new JsonArray(new JsonObject { ["propertyName"] = "hs_object_id", ["operator"] = "IN", ["values"] = new JsonArray(primary, merged, result) }),
            }),
        });
        Assert.Equal([result], search!["results"]!.AsArray().Select(Id));

        var after2 = portal.Export();
        Assert.Equal(result, after2["merges"]!["companies"]![primary]!.GetValue<string>());
        Assert.Equal(result, after2["merges"]!["companies"]![merged]!.GetValue<string>());
        var companies = after2["companies"]!.AsArray().Select(Id).ToList();
        Assert.Contains(result, companies);
        Assert.DoesNotContain(primary, companies);
        Assert.DoesNotContain(merged, companies);
    }

    [Fact]
    public async Task ContactMerge_KeepsThePrimarysPrimaryCompany_AndTheOtherCompanyAsAPlainLink()
    {
        await using var portal = await Portal.StartAsync();
        var contacts = portal.Export()["contacts"]!.AsArray().Where(c => !c!["archived"]!.GetValue<bool>() && c["properties"]!["associatedcompanyid"] is not null).ToList();
        var primary = contacts[0]!;
        var merged = contacts.First(c => c!["properties"]!["associatedcompanyid"]!.GetValue<string>() != primary["properties"]!["associatedcompanyid"]!.GetValue<string>())!;
        var primaryCompany = primary["properties"]!["associatedcompanyid"]!.GetValue<string>();
        var otherCompany = merged["properties"]!["associatedcompanyid"]!.GetValue<string>();

        var (status, body, _) = await portal.Post("/crm/v3/objects/contacts/merge", Merge(Id(primary), Id(merged)));
        Assert.Equal(200, status);
        var result = Id(body);
        Assert.NotEqual(Id(primary), result);
        Assert.Equal(primary["properties"]!["email"]!.GetValue<string>(), body!["properties"]!["email"]!.GetValue<string>());
        Assert.Equal(primaryCompany, body["properties"]!["associatedcompanyid"]!.GetValue<string>());
        Assert.Equal(body["properties"]!["createdate"]!.GetValue<string>(), body["properties"]!["lastmodifieddate"]!.GetValue<string>());

        var companies = await Links(portal, "contacts", Id(merged), "companies");
        Assert.Equal([1, 279], companies.Single(c => c.Id == primaryCompany).Types);
        Assert.Equal([279], companies.Single(c => c.Id == otherCompany).Types);
        Assert.Single(companies, c => c.Types.Contains(1));

        // The primary's email now belongs to the new contact: it can be found by it, and no second contact can take it.
        var (_, byEmail, _) = await portal.Get($"/crm/v3/objects/contacts/{Uri.EscapeDataString(primary["properties"]!["email"]!.GetValue<string>())}?idProperty=email");
        Assert.Equal(result, Id(byEmail));
        var (conflict, _, _) = await portal.Post("/crm/v3/objects/contacts", new JsonObject { ["properties"] = new JsonObject { ["email"] = primary["properties"]!["email"]!.GetValue<string>() } });
        Assert.Equal(409, conflict);
    }

    [Fact]
    public async Task AssociationWrites_ByAMergedAwayId_LandOnTheMergeResult()
    {
        await using var portal = await Portal.StartAsync();
        var (primary, merged) = TwoCompaniesWithPeople(portal.Export());
        var (_, body, _) = await portal.Post("/crm/v3/objects/companies/merge", Merge(primary, merged));
        var result = Id(body);
        var deal = Id(portal.Export()["deals"]!.AsArray().First(d => !d!["archived"]!.GetValue<bool>()));
        var (status, _, _) = await Portal.SendAsync(portal.Http, HttpMethod.Put, $"/crm/v4/objects/companies/{merged}/associations/default/deals/{deal}");
        Assert.Equal(200, status);
        Assert.Contains(await Links(portal, "deals", deal, "companies"), l => l.Id == result);
        Assert.DoesNotContain(await Links(portal, "deals", deal, "companies"), l => l.Id == merged);
    }

    [Fact]
    public async Task DealMerge_KeepsThePrimarysId()
    {
        await using var portal = await Portal.StartAsync();
        var deals = portal.Export()["deals"]!.AsArray().Where(d => !d!["archived"]!.GetValue<bool>()).Select(Id).Take(2).ToList();
        var (status, body, _) = await portal.Post("/crm/v3/objects/deals/merge", Merge(deals[0], deals[1]));
        Assert.Equal(200, status);
        Assert.Equal(deals[0], Id(body));
        Assert.Contains(deals[1], body!["properties"]!["hs_merged_object_ids"]!.GetValue<string>().Split(';'));
        Assert.Equal(deals[0], Id((await portal.Get($"/crm/v3/objects/deals/{deals[1]}")).Body));
    }
}

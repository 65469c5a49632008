using System.Globalization;
using System.Text.Json.Nodes;

namespace AbmSync.Sandbox.Tests.HubSpot;

/// <summary>The seeded history of the portal (bulk import, merges, archives, engagement) and the APIs that expose it.</summary>
public sealed class HubSpotPortalLifeTests
{
    static readonly string ImportStamp = HubSpotEmulator.BulkImportAt.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    [Fact]
    public async Task BulkImport_GivesThousandsOfContactsOneTimestamp_AndTiePagingOnObjectIdReadsEachOnce()
    {
        await using var portal = await Portal.StartAsync(new SandboxOptions { Accounts = 1000, Seed = 4, HubSpotRate = "10000/10s" });
        var stamped = portal.Export()["contacts"]!.AsArray()
            .Where(c => !c!["archived"]!.GetValue<bool>() && c["properties"]!["lastmodifieddate"]!.GetValue<string>() == ImportStamp)
            .Select(c => c!["id"]!.GetValue<string>())
            .ToHashSet();
        Assert.True(stamped.Count >= 1000, $"only {stamped.Count} contacts share the import stamp");

        var epochMs = HubSpotEmulator.BulkImportAt.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture);
        var read = new List<string>();
        var lastId = "0";
        while (true)
        {
            portal.Time.Advance(TimeSpan.FromMilliseconds(250));
            var (status, body, _) = await portal.Post("/crm/v3/objects/contacts/search", new JsonObject
            {
                ["filterGroups"] = new JsonArray(new JsonObject
                {
                    ["filters"] = new JsonArray(
                        new JsonObject { ["propertyName"] = "lastmodifieddate", ["operator"] = "EQ", ["value"] = epochMs },
                        new JsonObject { ["propertyName"] = "hs_object_id", ["operator"] = "GT", ["value"] = lastId }),
                }),
                ["sorts"] = new JsonArray(new JsonObject { ["propertyName"] = "hs_object_id", ["direction"] = "ASCENDING" }),
                ["limit"] = 200,
            });
            Assert.Equal(200, status);
            var ids = body!["results"]!.AsArray().Select(r => r!["id"]!.GetValue<string>()).ToList();
            if (ids.Count == 0)
            {
                break;
            }
            read.AddRange(ids);
            lastId = ids[^1];
        }
        Assert.Equal(stamped.Order(), read.Order());
        Assert.Equal(read.Count, read.Distinct().Count());

        var (_, one, _) = await portal.Get($"/crm/v3/objects/contacts/{read[0]}?propertiesWithHistory=hs_lead_status");
        var entry = one!["propertiesWithHistory"]!["hs_lead_status"]![0]!;
        Assert.Equal("IMPORT", entry["sourceType"]!.GetValue<string>());
        Assert.Equal(ImportStamp, entry["timestamp"]!.GetValue<string>());
    }

    [Fact]
    public async Task Seed_HasMergedAndArchivedRecords()
    {
        await using var portal = await Portal.StartAsync(new SandboxOptions { Accounts = 1000, Seed = 4 });
        var export = portal.Export();
        var mergedCompanies = export["merges"]!["companies"]!.AsObject();
        Assert.NotEmpty(mergedCompanies);
        var (oldId, survivor) = mergedCompanies.First();
        var (_, body, _) = await portal.Get($"/crm/v3/objects/companies/{oldId}?properties=hs_merged_object_ids");
        Assert.Equal(survivor!.GetValue<string>(), body!["id"]!.GetValue<string>());
        Assert.Contains(oldId, body["properties"]!["hs_merged_object_ids"]!.GetValue<string>().Split(';'));

        var (status, archived, _) = await portal.Get("/crm/v3/objects/contacts?archived=true&limit=100");
        Assert.Equal(200, status);
        Assert.NotEmpty(archived!["results"]!.AsArray());
        Assert.All(archived["results"]!.AsArray(), r => Assert.True(r!["archived"]!.GetValue<bool>()));
        Assert.All(archived["results"]!.AsArray(), r => Assert.NotNull(r!["archivedAt"]));
    }

    [Fact]
    public async Task Associations_SeededContactToCompany_ReadInBatchWithDefaultAndPrimaryTypes()
    {
        await using var portal = await Portal.StartAsync();
        var contact = portal.Export()["contacts"]!.AsArray().First(c => c!["properties"]!["associatedcompanyid"] is not null)!;
        var companyId = contact["properties"]!["associatedcompanyid"]!.GetValue<string>();
        var (status, body, _) = await portal.Post("/crm/v4/associations/contacts/companies/batch/read", Portal.Inputs(
            new JsonObject { ["id"] = contact["id"]!.GetValue<string>() }, new JsonObject { ["id"] = "1" }));
        Assert.Equal(207, status);
        var to = Assert.Single(body!["results"]![0]!["to"]!.AsArray())!;
        Assert.Equal(long.Parse(companyId, CultureInfo.InvariantCulture), to["toObjectId"]!.GetValue<long>());
        var typeIds = to["associationTypes"]!.AsArray().Select(t => t!["typeId"]!.GetValue<int>()).Order().ToList();
        Assert.Equal([1, 279], typeIds);
        Assert.Equal("OBJECT_NOT_FOUND", body["errors"]![0]!["category"]!.GetValue<string>());

        var (_, back, _) = await portal.Get($"/crm/v4/objects/companies/{companyId}/associations/contacts");
        Assert.Contains(back!["results"]!.AsArray(), r => r!["toObjectId"]!.GetValue<long>().ToString(CultureInfo.InvariantCulture) == contact["id"]!.GetValue<string>()
            && r["associationTypes"]!.AsArray().Any(t => t!["typeId"]!.GetValue<int>() == 280));
    }

    [Fact]
    public async Task Associations_BatchCreateAndDefault_WriteBothDirections()
    {
        await using var portal = await Portal.StartAsync();
        var deal = portal.Export()["deals"]![0]!["id"]!.GetValue<string>();
        var companies = portal.Export()["companies"]!.AsArray();
        var company = companies[^1]!["id"]!.GetValue<string>();
        var (created, body, _) = await portal.Post("/crm/v4/associations/deals/companies/batch/create", Portal.Inputs(new JsonObject
        {
            ["from"] = new JsonObject { ["id"] = deal },
            ["to"] = new JsonObject { ["id"] = company },
            ["types"] = new JsonArray(new JsonObject { ["associationCategory"] = "HUBSPOT_DEFINED", ["associationTypeId"] = 341 }),
        }));
        Assert.Equal(201, created);
        Assert.Equal("0-3", body!["results"]![0]!["fromObjectTypeId"]!.GetValue<string>());

        var contact = portal.Export()["contacts"]![0]!["id"]!.GetValue<string>();
        var (defaulted, _, _) = await portal.Post("/crm/v4/associations/contacts/companies/batch/associate/default", Portal.Inputs(new JsonObject
        {
            ["from"] = new JsonObject { ["id"] = contact },
            ["to"] = new JsonObject { ["id"] = company },
        }));
        Assert.Equal(200, defaulted);

        var (_, read, _) = await portal.Post("/crm/v4/associations/companies/deals/batch/read", Portal.Inputs(new JsonObject { ["id"] = company }));
        Assert.Contains(read!["results"]![0]!["to"]!.AsArray(), t => t!["toObjectId"]!.GetValue<long>().ToString(CultureInfo.InvariantCulture) == deal
            && t["associationTypes"]!.AsArray().Any(a => a!["typeId"]!.GetValue<int>() == 342));

        var (bad, _, _) = await portal.Post("/crm/v4/associations/deals/companies/batch/create", Portal.Inputs(new JsonObject
        {
            ["from"] = new JsonObject { ["id"] = deal },
            ["to"] = new JsonObject { ["id"] = company },
            ["types"] = new JsonArray(new JsonObject { ["associationCategory"] = "HUBSPOT_DEFINED", ["associationTypeId"] = 279 }),
        }));
        Assert.Equal(400, bad);
    }

    [Fact]
    public async Task Engagement_SummaryPropertiesAndActivitiesWithinTheLast180Days()
    {
        await using var portal = await Portal.StartAsync(new SandboxOptions { Accounts = 300, Seed = 6, HubSpotRate = "10000/10s" });
        var export = portal.Export();
        var epoch = SyntheticWorld.Epoch;
        var engaged = export["contacts"]!.AsArray().Where(c => c!["properties"]!["hs_email_last_open_date"] is not null).ToList();
        Assert.NotEmpty(engaged);
        Assert.Contains(export["contacts"]!.AsArray(), c => c!["properties"]!["hs_analytics_num_page_views"] is not null);
        Assert.Contains(export["contacts"]!.AsArray(), c => c!["properties"]!["recent_conversion_date"] is not null);

        foreach (var type in new[] { "meetings", "calls", "emails", "notes" })
        {
            var activities = export[type]!.AsArray();
            Assert.NotEmpty(activities);
            Assert.All(activities, a =>
            {
                var at = DateTimeOffset.Parse(a!["properties"]!["hs_timestamp"]!.GetValue<string>(), CultureInfo.InvariantCulture);
                Assert.InRange(at, epoch.AddDays(-181), epoch);
            });
        }

        var since = epoch.AddDays(-30).ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture);
        var (status, meetings, _) = await portal.Post("/crm/v3/objects/meetings/search", new JsonObject
        {
            ["filterGroups"] = new JsonArray(new JsonObject
            {
                ["filters"] = new JsonArray(new JsonObject { ["propertyName"] = "hs_timestamp", ["operator"] = "GTE", ["value"] = since }),
            }),
            ["properties"] = new JsonArray("hs_timestamp", "hs_meeting_outcome"),
            ["limit"] = 100,
        });
        Assert.Equal(200, status);
        Assert.True(meetings!["total"]!.GetValue<int>() > 0);
        var meeting = meetings["results"]![0]!["id"]!.GetValue<string>();
        var (_, links, _) = await portal.Post("/crm/v4/associations/meetings/contacts/batch/read", Portal.Inputs(new JsonObject { ["id"] = meeting }));
        Assert.Equal(200, links!["results"]![0]!["to"]![0]!["associationTypes"]![0]!["typeId"]!.GetValue<int>());
    }

    [Fact]
    public async Task GetWithAssociations_NamesPrimaryAndUnlabeledTypesAsV3Does()
    {
        await using var portal = await Portal.StartAsync();
        var contact = portal.Export()["contacts"]!.AsArray().First(c => c!["properties"]!["associatedcompanyid"] is not null)!;
        var (status, body, _) = await portal.Get($"/crm/v3/objects/contacts/{contact["id"]!.GetValue<string>()}?associations=companies");
        Assert.Equal(200, status);
        var types = body!["associations"]!["companies"]!["results"]!.AsArray().Select(r => r!["type"]!.GetValue<string>()).Order().ToList();
        Assert.Equal(["contact_to_company", "contact_to_company_unlabeled"], types);
    }

    [Fact]
    public async Task PrimaryCompany_FirstAssociationBecomesPrimary_AndAssociatedCompanyIdFollowsWritesAndDeletes()
    {
        await using var portal = await Portal.StartAsync();
        var export = portal.Export();
        var loner = export["contacts"]!.AsArray().First(c => c!["properties"]!["associatedcompanyid"] is null && !c["archived"]!.GetValue<bool>())!["id"]!.GetValue<string>();
        var companies = export["companies"]!.AsArray().Where(c => !c!["archived"]!.GetValue<bool>()).Select(c => c!["id"]!.GetValue<string>()).ToList();

        async Task<(string? CompanyId, List<(long To, List<int> Types)> Links)> State()
        {
            var (_, contact, _) = await portal.Get($"/crm/v3/objects/contacts/{loner}?properties=associatedcompanyid");
            var (_, links, _) = await portal.Get($"/crm/v4/objects/contacts/{loner}/associations/companies");
            return (contact!["properties"]!["associatedcompanyid"]?.GetValue<string>(),
                links!["results"]!.AsArray().Select(r => (r!["toObjectId"]!.GetValue<long>(), r["associationTypes"]!.AsArray().Select(t => t!["typeId"]!.GetValue<int>()).Order().ToList())).ToList());
        }

        var (status, _, _) = await portal.Post("/crm/v4/associations/contacts/companies/batch/associate/default", Portal.Inputs(new JsonObject
        {
            ["from"] = new JsonObject { ["id"] = loner },
            ["to"] = new JsonObject { ["id"] = companies[0] },
        }));
        Assert.Equal(200, status);
        var (first, links) = await State();
        Assert.Equal(companies[0], first);
        Assert.Equal([1, 279], Assert.Single(links).Types);

        var (patched, _, _) = await Portal.SendAsync(portal.Http, HttpMethod.Patch, $"/crm/v3/objects/contacts/{loner}",
            new JsonObject { ["properties"] = new JsonObject { ["associatedcompanyid"] = companies[1] } });
        Assert.Equal(200, patched);
        var (second, moved) = await State();
        Assert.Equal(companies[1], second);
        Assert.Equal([279], moved.Single(l => l.To.ToString(CultureInfo.InvariantCulture) == companies[0]).Types);
        Assert.Equal([1, 279], moved.Single(l => l.To.ToString(CultureInfo.InvariantCulture) == companies[1]).Types);

        var (deleted, _, _) = await Portal.SendAsync(portal.Http, HttpMethod.Delete, $"/crm/v4/objects/contacts/{loner}/associations/companies/{companies[1]}");
        Assert.Equal(204, deleted);
        var (third, left) = await State();
        Assert.Null(third);
        Assert.Equal([279], Assert.Single(left).Types);
    }

    [Fact]
    public async Task Associations_AreServedUnderTheDateVersionedPathsToo()
    {
        await using var portal = await Portal.StartAsync();
        var contact = portal.Export()["contacts"]!.AsArray().First(c => c!["properties"]!["associatedcompanyid"] is not null)!;
        var id = contact["id"]!.GetValue<string>();
        var (_, v4, _) = await portal.Post("/crm/v4/associations/contacts/companies/batch/read", Portal.Inputs(new JsonObject { ["id"] = id }));
        var (status, dated, _) = await portal.Post("/crm/associations/2026-03/contacts/companies/batch/read", Portal.Inputs(new JsonObject { ["id"] = id }));
        Assert.Equal(200, status);
        Assert.Equal(v4!["results"]!.ToJsonString(), dated!["results"]!.ToJsonString());
        var (listStatus, list, _) = await portal.Get($"/crm/objects/2026-03/contacts/{id}/associations/companies");
        Assert.Equal(200, listStatus);
        Assert.NotEmpty(list!["results"]!.AsArray());
        Assert.Equal(200, (await portal.Get("/crm/associations/v4/contacts/companies/labels")).Status);
    }
}

using System.Text.Json.Nodes;

namespace AbmSync.Sandbox.Tests.HubSpot;

public sealed class HubSpotObjectsTests
{
    static JsonObject Upsert(string key, params (string Name, string Value)[] props) => new()
    {
        ["id"] = key,
        ["idProperty"] = "abm_salesforce_id",
        ["properties"] = new JsonObject(props.Select(p => KeyValuePair.Create(p.Name, (JsonNode?)p.Value))),
    };

    [Fact]
    public async Task List_PagesWithAfterCursor_EveryLiveCompanyOnceAndNoPagingOnLastPage()
    {
        await using var portal = await Portal.StartAsync();
        var expected = portal.Export()["companies"]!.AsArray().Count(c => !c!["archived"]!.GetValue<bool>());
        var seen = new HashSet<string>();
        string? after = null;
        var pages = 0;
        do
        {
            var path = "/crm/v3/objects/companies?limit=7&properties=name,domain,industry" + (after is null ? "" : "&after=" + Uri.EscapeDataString(after));
            var (status, body, _) = await portal.Get(path);
            Assert.Equal(200, status);
            foreach (var result in body!["results"]!.AsArray())
            {
                Assert.True(seen.Add(result!["id"]!.GetValue<string>()));
                Assert.Equal(result["id"]!.GetValue<string>(), result["properties"]!["hs_object_id"]!.GetValue<string>());
                Assert.NotNull(result["properties"]!["domain"]);
                Assert.False(result["archived"]!.GetValue<bool>());
            }
            after = body["paging"]?["next"]?["after"]?.GetValue<string>();
            Assert.True(after is not null || body["results"]!.AsArray().Count <= 7);
            pages++;
        }
        while (after is not null);
        Assert.Equal(expected, seen.Count);
        Assert.True(pages > 1);
    }

    [Fact]
    public async Task List_LimitOver100_Is400()
    {
        await using var portal = await Portal.StartAsync();
        var (status, body, _) = await portal.Get("/crm/v3/objects/contacts?limit=101");
        Assert.Equal(400, status);
        Assert.Equal("VALIDATION_ERROR", body!["category"]!.GetValue<string>());
    }

    [Fact]
    public async Task DateVersionedPrefix_ServesTheSamePayloadAsV3_AndUnknownVersionShapesAre404()
    {
        await using var portal = await Portal.StartAsync();
        var (_, v3, _) = await portal.Get("/crm/v3/objects/deals?limit=5&properties=dealname,amount");
        var (status, dated, _) = await portal.Get("/crm/objects/2026-03/deals?limit=5&properties=dealname,amount");
        Assert.Equal(200, status);
        Assert.Equal(v3!["results"]!.ToJsonString(), dated!["results"]!.ToJsonString());
        var (bad, _, _) = await portal.Get("/crm/objects/v9/deals");
        Assert.Equal(404, bad);
        var (props, _, _) = await portal.Get("/crm/properties/2026-09/companies");
        Assert.Equal(200, props);
    }

    [Fact]
    public async Task BatchUpsert_FirstCreatesThenUpdates_WithNewFlagAndIntegrationHistory()
    {
        await using var portal = await Portal.StartAsync();
        await portal.CreateUniqueKey();
        var batch = Portal.Inputs(Upsert("001A", ("name", "Alpha"), ("industry", "BANKING")), Upsert("001B", ("name", "Beta")));

        var (status, first, _) = await portal.Post("/crm/v3/objects/companies/batch/upsert", batch);
        Assert.Equal(200, status);
        Assert.Equal("COMPLETE", first!["status"]!.GetValue<string>());
        Assert.All(first["results"]!.AsArray(), r => Assert.True(r!["new"]!.GetValue<bool>()));
        var ids = first["results"]!.AsArray().Select(r => r!["id"]!.GetValue<string>()).Order().ToList();

        portal.Time.Advance(TimeSpan.FromMinutes(5));
        var (again, second, _) = await portal.Post("/crm/v3/objects/companies/batch/upsert",
            Portal.Inputs(Upsert("001A", ("name", "Alpha Two")), Upsert("001B", ("name", "Beta"))));
        Assert.Equal(200, again);
        Assert.All(second!["results"]!.AsArray(), r => Assert.False(r!["new"]!.GetValue<bool>()));
        Assert.Equal(ids, second["results"]!.AsArray().Select(r => r!["id"]!.GetValue<string>()).Order().ToList());

        var (_, read, _) = await portal.Post("/crm/v3/objects/companies/batch/read", new JsonObject
        {
            ["idProperty"] = "abm_salesforce_id",
            ["properties"] = new JsonArray("name", "industry"),
            ["propertiesWithHistory"] = new JsonArray("name"),
            ["inputs"] = new JsonArray(new JsonObject { ["id"] = "001A" }),
        });
        var alpha = read!["results"]![0]!;
        Assert.Equal("Alpha Two", alpha["properties"]!["name"]!.GetValue<string>());
        Assert.Equal("BANKING", alpha["properties"]!["industry"]!.GetValue<string>());
        var history = alpha["propertiesWithHistory"]!["name"]!.AsArray();
        Assert.Equal(["Alpha Two", "Alpha"], history.Select(h => h!["value"]!.GetValue<string>()));
        Assert.All(history, h => Assert.Equal("INTEGRATION", h!["sourceType"]!.GetValue<string>()));
        Assert.Equal("2026-11-25T12:05:00.000Z", alpha["properties"]!["hs_lastmodifieddate"]!.GetValue<string>());
    }

    [Fact]
    public async Task BatchUpsert_ByNonUniqueProperty_Is400()
    {
        await using var portal = await Portal.StartAsync();
        var (status, body, _) = await portal.Post("/crm/v3/objects/companies/batch/upsert", Portal.Inputs(new JsonObject
        {
            ["id"] = "acme.com",
            ["idProperty"] = "domain",
            ["properties"] = new JsonObject { ["name"] = "Acme" },
        }));
        Assert.Equal(400, status);
        Assert.Contains("non-unique 0-2 property domain", body!["message"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task BatchRead_WithAMissingId_Is207WithObjectNotFoundNamingIt()
    {
        await using var portal = await Portal.StartAsync();
        var existing = portal.Export()["contacts"]![0]!["id"]!.GetValue<string>();
        var (status, body, _) = await portal.Post("/crm/v3/objects/contacts/batch/read", new JsonObject
        {
            ["properties"] = new JsonArray("email"),
            ["inputs"] = new JsonArray(new JsonObject { ["id"] = existing }, new JsonObject { ["id"] = "999" }),
        });
        Assert.Equal(207, status);
        Assert.Single(body!["results"]!.AsArray());
        Assert.Equal(1, body["numErrors"]!.GetValue<int>());
        var error = body["errors"]![0]!;
        Assert.Equal("OBJECT_NOT_FOUND", error["category"]!.GetValue<string>());
        Assert.Equal("999", error["context"]!["ids"]![0]!.GetValue<string>());
    }

    [Fact]
    public async Task BatchUpdate_OneInvalidValue_FailsTheWholeBatchAndWritesNothing()
    {
        await using var portal = await Portal.StartAsync();
        var companies = portal.Export()["companies"]!.AsArray();
        var first = companies[0]!["id"]!.GetValue<string>();
        var second = companies[1]!["id"]!.GetValue<string>();
        var before = companies[0]!["properties"]!["name"]!.GetValue<string>();

        var (status, body, _) = await portal.Post("/crm/v3/objects/companies/batch/update", Portal.Inputs(
            new JsonObject { ["id"] = first, ["properties"] = new JsonObject { ["name"] = "Renamed" } },
            new JsonObject { ["id"] = second, ["properties"] = new JsonObject { ["industry"] = "Software" } }));

        Assert.Equal(400, status);
        Assert.Equal("VALIDATION_ERROR", body!["category"]!.GetValue<string>());
        Assert.Equal("INVALID_OPTION", body["errors"]![0]!["code"]!.GetValue<string>());
        Assert.Equal("industry", body["errors"]![0]!["context"]!["propertyName"]![0]!.GetValue<string>());
        var (_, after, _) = await portal.Get($"/crm/v3/objects/companies/{first}?properties=name");
        Assert.Equal(before, after!["properties"]!["name"]!.GetValue<string>());
    }

    [Fact]
    public async Task Writes_UnknownAndReadOnlyProperties_AreRejected()
    {
        await using var portal = await Portal.StartAsync();
        var id = portal.Export()["companies"]![0]!["id"]!.GetValue<string>();
        var (unknown, body, _) = await Portal.SendAsync(portal.Http, HttpMethod.Patch, $"/crm/v3/objects/companies/{id}",
            new JsonObject { ["properties"] = new JsonObject { ["abm_tier"] = "Tier 1" } });
        Assert.Equal(400, unknown);
        Assert.Equal("PROPERTY_DOESNT_EXIST", body!["errors"]![0]!["code"]!.GetValue<string>());
        var (readOnly, body2, _) = await Portal.SendAsync(portal.Http, HttpMethod.Patch, $"/crm/v3/objects/companies/{id}",
            new JsonObject { ["properties"] = new JsonObject { ["hs_lastmodifieddate"] = "0" } });
        Assert.Equal(400, readOnly);
        Assert.Equal("READ_ONLY_VALUE", body2!["errors"]![0]!["code"]!.GetValue<string>());
    }

    [Fact]
    public async Task Batch_MoreThan100Inputs_Is400()
    {
        await using var portal = await Portal.StartAsync();
        var before = portal.Export()["companies"]!.AsArray().Count;
        var inputs = Enumerable.Range(0, 101).Select(i => (JsonNode)new JsonObject { ["properties"] = new JsonObject { ["name"] = $"N{i}" } }).ToArray();
        var (status, body, _) = await portal.Post("/crm/v3/objects/companies/batch/create", Portal.Inputs(inputs));
        Assert.Equal(400, status);
        Assert.Contains("maximum number of inputs supported in a batch is 100", body!["message"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(before, portal.Export()["companies"]!.AsArray().Count);
    }

    [Fact]
    public async Task UniqueValues_SecondRecordWithTheSameValueIsRefused()
    {
        await using var portal = await Portal.StartAsync();
        var contact = portal.Export()["contacts"]![0]!;
        var email = contact["properties"]!["email"]!.GetValue<string>();
        var (status, body, _) = await portal.Post("/crm/v3/objects/contacts", new JsonObject
        {
            ["properties"] = new JsonObject { ["email"] = email.ToUpperInvariant(), ["firstname"] = "Dup" },
        });
        Assert.Equal(409, status);
        Assert.Equal("CONFLICT", body!["category"]!.GetValue<string>());
        Assert.Equal($"Contact already exists. Existing ID: {contact["id"]!.GetValue<string>()}", body["message"]!.GetValue<string>());

        await portal.CreateUniqueKey();
        var (created, _, _) = await portal.Post("/crm/v3/objects/companies/batch/upsert", Portal.Inputs(Upsert("001X", ("name", "X"))));
        Assert.Equal(200, created);
        var other = portal.Export()["companies"]![0]!["id"]!.GetValue<string>();
        var (clash, clashBody, _) = await Portal.SendAsync(portal.Http, HttpMethod.Patch, $"/crm/v3/objects/companies/{other}",
            new JsonObject { ["properties"] = new JsonObject { ["abm_salesforce_id"] = "001X" } });
        Assert.Equal(400, clash);
        Assert.Equal("VALIDATION_ERROR", clashBody!["category"]!.GetValue<string>());

        var (twice, _, _) = await portal.Post("/crm/v3/objects/companies/batch/create", Portal.Inputs(
            new JsonObject { ["properties"] = new JsonObject { ["abm_salesforce_id"] = "001Y" } },
            new JsonObject { ["properties"] = new JsonObject { ["abm_salesforce_id"] = "001Y" } }));
        Assert.Equal(400, twice);
    }

    [Fact]
    public async Task BatchCreate_WithObjectWriteTraceIds_IsPartial207()
    {
        await using var portal = await Portal.StartAsync();
        var (status, body, _) = await portal.Post("/crm/v3/objects/companies/batch/create", Portal.Inputs(
            new JsonObject { ["objectWriteTraceId"] = "a", ["properties"] = new JsonObject { ["name"] = "Good" } },
            new JsonObject { ["objectWriteTraceId"] = "b", ["properties"] = new JsonObject { ["numberofemployees"] = "many" } }));
        Assert.Equal(207, status);
        Assert.Equal("a", body!["results"]![0]!["objectWriteTraceId"]!.GetValue<string>());
        Assert.Equal("b", body["errors"]![0]!["context"]!["objectWriteTraceId"]![0]!.GetValue<string>());
    }

    [Fact]
    public async Task HumanToken_WritesAsTheRepInPropertyHistory()
    {
        await using var portal = await Portal.StartAsync();
        var id = portal.Export()["companies"]![2]!["id"]!.GetValue<string>();
        var (status, _, _) = await Portal.SendAsync(portal.Human, HttpMethod.Patch, $"/crm/v3/objects/companies/{id}",
            new JsonObject { ["properties"] = new JsonObject { ["city"] = "Lisbon" } });
        Assert.Equal(200, status);
        var (_, body, _) = await portal.Get($"/crm/v3/objects/companies/{id}?properties=city&propertiesWithHistory=city");
        var latest = body!["propertiesWithHistory"]!["city"]![0]!;
        Assert.Equal("Lisbon", latest["value"]!.GetValue<string>());
        Assert.Equal("CRM_UI", latest["sourceType"]!.GetValue<string>());
        Assert.Equal(portal.Emulator.HumanUserId, latest["updatedByUserId"]!.GetValue<long>());
    }

    [Fact]
    public async Task Get_MissingRecord_Is404_AndArchivedRecordsLeaveTheList()
    {
        await using var portal = await Portal.StartAsync();
        var (missing, notFound, _) = await portal.Get("/crm/v3/objects/deals/12345");
        Assert.Equal(404, missing);
        Assert.Equal("OBJECT_NOT_FOUND", notFound!["category"]!.GetValue<string>());
        var id = portal.Export()["deals"]![0]!["id"]!.GetValue<string>();
        var (deleted, _, _) = await Portal.SendAsync(portal.Http, HttpMethod.Delete, $"/crm/v3/objects/deals/{id}");
        Assert.Equal(204, deleted);
        var (gone, _, _) = await portal.Get($"/crm/v3/objects/deals/{id}");
        Assert.Equal(404, gone);
        var (archived, body, _) = await portal.Get($"/crm/v3/objects/deals/{id}?archived=true");
        Assert.Equal(200, archived);
        Assert.True(body!["archived"]!.GetValue<bool>());
    }

    [Fact]
    public async Task GdprDelete_RemovesTheContactForGood()
    {
        await using var portal = await Portal.StartAsync();
        var contact = portal.Export()["contacts"]![0]!;
        var (status, _, _) = await portal.Post("/crm/v3/objects/contacts/gdpr-delete", new JsonObject
        {
            ["objectId"] = contact["properties"]!["email"]!.GetValue<string>(),
            ["idProperty"] = "email",
        });
        Assert.Equal(204, status);
        var id = contact["id"]!.GetValue<string>();
        Assert.Equal(404, (await portal.Get($"/crm/v3/objects/contacts/{id}")).Status);
        Assert.Equal(404, (await portal.Get($"/crm/v3/objects/contacts/{id}?archived=true")).Status);
        Assert.DoesNotContain(portal.Export()["contacts"]!.AsArray(), c => c!["id"]!.GetValue<string>() == id);
    }

    [Fact]
    public async Task Update_WithTheValuesAlreadyStored_ChangesNeitherHistoryNorModifiedTime()
    {
        await using var portal = await Portal.StartAsync();
        var company = portal.Export()["companies"]![3]!;
        var id = company["id"]!.GetValue<string>();
        var city = company["properties"]!["city"]!.GetValue<string>();
        var modified = company["properties"]!["hs_lastmodifieddate"]!.GetValue<string>();

        portal.Time.Advance(TimeSpan.FromHours(1));
        var (status, body, _) = await Portal.SendAsync(portal.Http, HttpMethod.Patch, $"/crm/v3/objects/companies/{id}",
            new JsonObject { ["properties"] = new JsonObject { ["city"] = city } });
        Assert.Equal(200, status);
        Assert.Equal(modified, body!["properties"]!["hs_lastmodifieddate"]!.GetValue<string>());
        var (_, read, _) = await portal.Get($"/crm/v3/objects/companies/{id}?propertiesWithHistory=city");
        Assert.Single(read!["propertiesWithHistory"]!["city"]!.AsArray());

        var (_, changed, _) = await Portal.SendAsync(portal.Http, HttpMethod.Patch, $"/crm/v3/objects/companies/{id}",
            new JsonObject { ["properties"] = new JsonObject { ["city"] = city + " North" } });
        Assert.Equal("2026-11-25T13:00:00.000Z", changed!["properties"]!["hs_lastmodifieddate"]!.GetValue<string>());
    }

    [Fact]
    public async Task Values_AreAnsweredAsStringsInHubSpotsNormalForms()
    {
        await using var portal = await Portal.StartAsync();
        var (status, deal, _) = await portal.Post("/crm/v3/objects/deals", new JsonObject
        {
            ["properties"] = new JsonObject
            {
                ["dealname"] = "Normal forms",
                ["amount"] = 1500,
                ["closedate"] = "1767225600000",
                ["dealstage"] = "qualifiedtobuy",
                ["pipeline"] = "default",
            },
        });
        Assert.Equal(201, status);
        var props = deal!["properties"]!;
        Assert.Equal("1500", props["amount"]!.GetValue<string>());
        Assert.Equal("2026-01-01T00:00:00.000Z", props["closedate"]!.GetValue<string>());
        Assert.Equal(deal["id"]!.GetValue<string>(), props["hs_object_id"]!.GetValue<string>());

        var (contactStatus, contact, _) = await portal.Post("/crm/v3/objects/contacts", new JsonObject
        {
            ["properties"] = new JsonObject { ["email"] = "New.Person@Example.ORG" },
        });
        Assert.Equal(201, contactStatus);
        Assert.Equal("new.person@example.org", contact!["properties"]!["email"]!.GetValue<string>());
        Assert.Equal(contact["properties"]!["lastmodifieddate"]!.GetValue<string>(), contact["properties"]!["hs_lastmodifieddate"]!.GetValue<string>());

        var (bad, error, _) = await portal.Post("/crm/v3/objects/deals", new JsonObject
        {
            ["properties"] = new JsonObject { ["hubspot_owner_id"] = "123" },
        });
        Assert.Equal(400, bad);
        Assert.Equal("INVALID_OPTION", error!["errors"]![0]!["code"]!.GetValue<string>());
    }
}

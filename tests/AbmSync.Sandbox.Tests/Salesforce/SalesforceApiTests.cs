using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;

namespace AbmSync.Sandbox.Tests.Salesforce;

public class SalesforceApiTests
{
    const string V = Org.V;

    [Fact]
    public async Task Token_ClientCredentials_AnswersTheDocumentedShape()
    {
        await using var org = await Org.StartAsync();
        var token = await org.TokenAsync();
        foreach (var key in new[] { "access_token", "signature", "scope", "instance_url", "id", "token_type", "issued_at" })
        {
            Assert.True(token.ContainsKey(key), key);
        }
        Assert.Equal("Bearer", token["token_type"]!.GetValue<string>());
        Assert.Equal(org.Host.SalesforceUrl.GetLeftPart(UriPartial.Authority), token["instance_url"]!.GetValue<string>());
        Assert.EndsWith("/" + org.Emulator.Org.IntegrationUserId, token["id"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(org.Time.GetUtcNow().ToUnixTimeMilliseconds().ToString(System.Globalization.CultureInfo.InvariantCulture), token["issued_at"]!.GetValue<string>());
    }

    [Fact]
    public async Task Token_HttpBasicClientAuthentication_IsAccepted()
    {
        await using var org = await Org.StartAsync();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/services/oauth2/token")
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string> { ["grant_type"] = "client_credentials" }),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Basic",
            Convert.ToBase64String(Encoding.UTF8.GetBytes($"{SandboxCredentials.SalesforceClientId}:{SandboxCredentials.SalesforceClientSecret}")));
        using var response = await org.Http.SendAsync(request);
        Assert.Equal(200, (int)response.StatusCode);
    }

    [Theory]
    [InlineData("nobody", "x", "invalid_client_id")]
    [InlineData(SandboxCredentials.SalesforceClientId, "wrong", "invalid_client")]
    public async Task Token_BadCredentials_Answer400WithOAuthError(string clientId, string secret, string error)
    {
        await using var org = await Org.StartAsync();
        using var response = await org.Http.PostAsync("/services/oauth2/token", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "client_credentials",
            ["client_id"] = clientId,
            ["client_secret"] = secret,
        }));
        Assert.Equal(400, (int)response.StatusCode);
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.Equal(error, body["error"]!.GetValue<string>());
        Assert.False(string.IsNullOrEmpty(body["error_description"]!.GetValue<string>()));
    }

    [Fact]
    public async Task Api_WithoutOrWithExpiredToken_Answers401InvalidSessionId()
    {
        await using var org = await Org.StartAsync(new SandboxOptions { Accounts = 300, Seed = 3, TokenTtl = TimeSpan.FromMinutes(30) });
        var (status, body, _) = await Org.SendAsync(org.Http, HttpMethod.Get, $"/services/data/{V}/limits");
        Assert.Equal(401, status);
        Assert.Equal("INVALID_SESSION_ID", body![0]!["errorCode"]!.GetValue<string>());
        Assert.Equal("Session expired or invalid", body[0]!["message"]!.GetValue<string>());

        using var client = await org.LoginAsync();
        Assert.Equal(200, (await Org.SendAsync(client, HttpMethod.Get, $"/services/data/{V}/limits")).Status);
        org.Time.Advance(TimeSpan.FromMinutes(29));
        Assert.Equal(200, (await Org.SendAsync(client, HttpMethod.Get, $"/services/data/{V}/limits")).Status);
        org.Time.Advance(TimeSpan.FromMinutes(1));
        (status, body, _) = await Org.SendAsync(client, HttpMethod.Get, $"/services/data/{V}/limits");
        Assert.Equal(401, status);
        Assert.Equal("INVALID_SESSION_ID", body![0]!["errorCode"]!.GetValue<string>());
    }

    [Theory]
    [InlineData("v63.0")]
    [InlineData("v99.0")]
    public async Task Api_AnyVersionSegment_RoutesTheSame(string version)
    {
        await using var org = await Org.StartAsync();
        using var client = await org.LoginAsync();
        var (status, body, _) = await Org.SendAsync(client, HttpMethod.Get, $"/services/data/{version}/query?q=SELECT+Id+FROM+Account+LIMIT+1");
        Assert.Equal(200, status);
        Assert.StartsWith($"/services/data/{version}/sobjects/Account/", body!["records"]![0]!["attributes"]!["url"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(404, (await Org.SendAsync(client, HttpMethod.Get, "/services/data/latest/limits")).Status);
        var (missing, error, _) = await Org.SendAsync(client, HttpMethod.Get, $"/services/data/{version}/no/such/resource");
        Assert.Equal(404, missing);
        Assert.Equal("NOT_FOUND", error![0]!["errorCode"]!.GetValue<string>());
    }

    [Fact]
    public async Task Versions_ListsReleasesWithoutAuthentication()
    {
        await using var org = await Org.StartAsync();
        var (status, body, _) = await Org.SendAsync(org.Http, HttpMethod.Get, "/services/data/");
        Assert.Equal(200, status);
        Assert.Contains(body!.AsArray(), v => v!["version"]!.GetValue<string>() == "66.0" && v["url"]!.GetValue<string>() == "/services/data/v66.0");
    }

    [Fact]
    public async Task Query_WithBatchSize_PagesThroughNextRecordsUrlAndSeesASnapshot()
    {
        await using var org = await Org.StartAsync();
        using var client = await org.LoginAsync();
        var (status, body, response) = await Org.SendAsync(client, HttpMethod.Get,
            $"/services/data/{V}/query?q={Uri.EscapeDataString("SELECT Id, Name, Owner.Email FROM Account ORDER BY Name, Id")}",
            configure: r => r.Headers.Add("Sforce-Query-Options", "batchSize=200"));
        Assert.Equal(200, status);
        Assert.Equal(300, body!["totalSize"]!.GetValue<int>());
        Assert.False(body["done"]!.GetValue<bool>());
        Assert.Equal(200, body["records"]!.AsArray().Count);
        var next = body["nextRecordsUrl"]!.GetValue<string>();
        Assert.Matches(@"^/services/data/v66\.0/query/01g\w{15}-200$", next);
        Assert.Matches(@"^api-usage=\d+/100000$", response.Headers.GetValues("Sforce-Limit-Info").Single());

        // A change after the query started is not in its later pages.
        var last = body["records"]![0]!["Id"]!.GetValue<string>();
        var secondPageFirst = (await Org.QueryAsync(client, "SELECT Id, Name FROM Account ORDER BY Name, Id LIMIT 1 OFFSET 200"))["records"]![0]!;
        var rename = await Org.SendAsync(client, HttpMethod.Patch, $"/services/data/{V}/sobjects/Account/{secondPageFirst["Id"]}", new JsonObject { ["Name"] = "Renamed Meanwhile" });
        Assert.Equal(204, rename.Status);

        (status, body, _) = await Org.SendAsync(client, HttpMethod.Get, next);
        Assert.Equal(200, status);
        Assert.True(body!["done"]!.GetValue<bool>());
        Assert.Null(body["nextRecordsUrl"]);
        var page2 = body["records"]!.AsArray();
        Assert.Equal(100, page2.Count);
        Assert.Equal(secondPageFirst["Name"]!.GetValue<string>(), page2[0]!["Name"]!.GetValue<string>());
        Assert.NotEqual(last, page2[0]!["Id"]!.GetValue<string>());
        var owner = page2[0]!["Owner"]!;
        Assert.Equal("User", owner["attributes"]!["type"]!.GetValue<string>());
        Assert.EndsWith("@abmsync-demo.example", owner["Email"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Query_DefaultPage_Is2000AndFormatsValuesAsTheApiDoes()
    {
        await using var org = await Org.StartAsync(new SandboxOptions { Accounts = 2500, Seed = 5 });
        using var client = await org.LoginAsync();
        var page = await Org.QueryAsync(client, "SELECT Id, SystemModstamp, NumberOfEmployees, ABM_Tier__c, ABM_Tier_Locked__c FROM Account ORDER BY SystemModstamp, Id");
        Assert.Equal(2500, page["totalSize"]!.GetValue<int>());
        Assert.Equal(2000, page["records"]!.AsArray().Count);
        var first = page["records"]![0]!;
        using var raw = await client.GetAsync($"/services/data/{V}/query?q=SELECT+SystemModstamp+FROM+Account+LIMIT+1");
        Assert.Contains("+0000\"", await raw.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Matches(@"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}\+0000$", first["SystemModstamp"]!.GetValue<string>());
        Assert.Equal(System.Text.Json.JsonValueKind.Number, first["NumberOfEmployees"]!.GetValueKind());
        Assert.Null(first["ABM_Tier__c"]);
        Assert.True(((JsonObject)first).ContainsKey("ABM_Tier__c"));
        Assert.False(first["ABM_Tier_Locked__c"]!.GetValue<bool>());
    }

    [Fact]
    public async Task Query_Filters_AnswerWhatTheSeedHolds()
    {
        await using var org = await Org.StartAsync();
        using var client = await org.LoginAsync();
        var export = org.Emulator.Org.Export();
        var prospects = export["Account"]!.AsArray().Count(a => a!["Type"]!.GetValue<string>() == "Prospect");
        var answer = await Org.QueryAsync(client, "SELECT Id FROM Account WHERE Type = 'prospect'");
        Assert.Equal(prospects, answer["totalSize"]!.GetValue<int>());
        var notProspects = await Org.QueryAsync(client, "SELECT COUNT() FROM Account WHERE NOT Type IN ('Prospect')");
        Assert.Equal(300 - prospects, notProspects["totalSize"]!.GetValue<int>());
        var like = await Org.QueryAsync(client, "SELECT Name FROM Account WHERE Name LIKE 'a%'");
        Assert.All(like["records"]!.AsArray(), r => Assert.StartsWith("a", r!["Name"]!.GetValue<string>(), StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public async Task Query_PolymorphicLeadOwner_TraversesToTheUser()
    {
        await using var org = await Org.StartAsync();
        using var client = await org.LoginAsync();
        var leads = await Org.QueryAsync(client, "SELECT Id, Owner.Email FROM Lead WHERE Owner.IsActive = true LIMIT 5");
        Assert.NotEmpty(leads["records"]!.AsArray());
        Assert.All(leads["records"]!.AsArray(), r => Assert.EndsWith("@abmsync-demo.example", r!["Owner"]!["Email"]!.GetValue<string>(), StringComparison.Ordinal));
    }

    [Fact]
    public async Task RecordReads_ByIdAndCollection_AnswerFieldsAndNullForUnknownIds()
    {
        await using var org = await Org.StartAsync();
        using var client = await org.LoginAsync();
        var id = (await Org.QueryAsync(client, "SELECT Id FROM Contact LIMIT 1"))["records"]![0]!["Id"]!.GetValue<string>();
        var (status, record, _) = await Org.SendAsync(client, HttpMethod.Get, $"/services/data/{V}/sobjects/Contact/{id[..15]}?fields=Email,AccountId");
        Assert.Equal(200, status);
        Assert.Equal(["attributes", "Email", "AccountId"], record!.AsObject().Select(p => p.Key).ToArray());
        var missing = "003" + new string('0', 11) + "Z";
        var (_, many, _) = await Org.SendAsync(client, HttpMethod.Get, $"/services/data/{V}/composite/sobjects/Contact?ids={id},{missing}&fields=Id,Email");
        Assert.Equal(id, many![0]!["Id"]!.GetValue<string>());
        Assert.Null(many[1]);
        Assert.Equal(400, (await Org.SendAsync(client, HttpMethod.Get, $"/services/data/{V}/composite/sobjects/Contact?ids={id}&fields=Nope")).Status);
    }

    [Fact]
    public async Task Query_Errors_AnswerTheRealCodes()
    {
        await using var org = await Org.StartAsync();
        using var client = await org.LoginAsync();
        var cases = new (string Soql, string Code)[]
        {
            ("SELECT Id FROM Account WHERE Name = 'x' AND Type = 'y' OR Industry = 'z'", "MALFORMED_QUERY"),
            ("SELECT Nope FROM Account", "INVALID_FIELD"),
            ("SELECT Id FROM Nope", "INVALID_TYPE"),
        };
        foreach (var (soql, code) in cases)
        {
            var (status, body, _) = await Org.SendAsync(client, HttpMethod.Get, $"/services/data/{V}/query?q={Uri.EscapeDataString(soql)}");
            Assert.Equal(400, status);
            Assert.Equal(code, body![0]!["errorCode"]!.GetValue<string>());
        }
    }

    [Fact]
    public async Task QueryAll_ShowsMergedLosersThatQueryHides()
    {
        await using var org = await Org.StartAsync();
        using var client = await org.LoginAsync();
        var live = await Org.QueryAsync(client, "SELECT Id FROM Account");
        Assert.Equal(300, live["totalSize"]!.GetValue<int>());
        var deleted = await Org.QueryAsync(client, "SELECT Id, MasterRecordId, IsDeleted FROM Account WHERE IsDeleted = true", "queryAll");
        Assert.True(deleted["totalSize"]!.GetValue<int>() > 0);
        Assert.All(deleted["records"]!.AsArray(), r => Assert.StartsWith("001", r!["MasterRecordId"]!.GetValue<string>(), StringComparison.Ordinal));
        Assert.Equal(0, (await Org.QueryAsync(client, "SELECT Id FROM Account WHERE IsDeleted = true"))["totalSize"]!.GetValue<int>());
        Assert.Equal(300, org.Emulator.Org.Export()["Account"]!.AsArray().Count);
    }

    [Fact]
    public async Task CollectionUpdate_OneBadRecord_FailsAloneWithItsError()
    {
        await using var org = await Org.StartAsync();
        using var client = await org.LoginAsync();
        var ids = (await Org.QueryAsync(client, "SELECT Id FROM Account ORDER BY Id LIMIT 3"))["records"]!.AsArray().Select(r => r!["Id"]!.GetValue<string>()).ToArray();
        JsonObject Rec(string id, string tier) => new() { ["attributes"] = new JsonObject { ["type"] = "Account" }, ["id"] = id, ["ABM_Tier__c"] = tier, ["ABM_Score__c"] = 80 };
        var (status, body, _) = await Org.SendAsync(client, HttpMethod.Patch, $"/services/data/{V}/composite/sobjects", new JsonObject
        {
            ["allOrNone"] = false,
            ["records"] = new JsonArray(Rec(ids[0], "Tier 1"), Rec(ids[1], "Tier 9"), Rec(ids[2], "Tier 2")),
        });
        Assert.Equal(200, status);
        var results = body!.AsArray();
        Assert.Equal(3, results.Count);
        Assert.True(results[0]!["success"]!.GetValue<bool>());
        Assert.Equal(ids[0], results[0]!["id"]!.GetValue<string>());
        Assert.False(results[1]!["success"]!.GetValue<bool>());
        var error = results[1]!["errors"]![0]!;
        Assert.Equal("INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST", error["statusCode"]!.GetValue<string>());
        Assert.Equal("ABM_Tier__c", error["fields"]![0]!.GetValue<string>());
        Assert.True(results[2]!["success"]!.GetValue<bool>());

        var after = await Org.QueryAsync(client, $"SELECT Id, ABM_Tier__c, LastModifiedById FROM Account WHERE Id IN ('{ids[0]}', '{ids[1]}', '{ids[2]}') ORDER BY Id");
        var tiers = after["records"]!.AsArray().Select(r => r!["ABM_Tier__c"]?.GetValue<string>() ?? "(null)").ToArray();
        Assert.Equal(["Tier 1", "(null)", "Tier 2"], tiers);
        Assert.Equal(org.Emulator.Org.IntegrationUserId, after["records"]![0]!["LastModifiedById"]!.GetValue<string>());
    }

    [Fact]
    public async Task CollectionUpdate_AllOrNone_RollsEverythingBack()
    {
        await using var org = await Org.StartAsync();
        using var client = await org.LoginAsync();
        var ids = (await Org.QueryAsync(client, "SELECT Id FROM Account ORDER BY Id LIMIT 2"))["records"]!.AsArray().Select(r => r!["Id"]!.GetValue<string>()).ToArray();
        var (status, body, _) = await Org.SendAsync(client, HttpMethod.Patch, $"/services/data/{V}/composite/sobjects", new JsonObject
        {
            ["allOrNone"] = true,
            ["records"] = new JsonArray(
                new JsonObject { ["attributes"] = new JsonObject { ["type"] = "Account" }, ["id"] = ids[0], ["ABM_Tier_Reason__c"] = "ok" },
                new JsonObject { ["attributes"] = new JsonObject { ["type"] = "Account" }, ["id"] = ids[1], ["ABM_Tier_Reason__c"] = new string('x', 256) }),
        });
        Assert.Equal(200, status);
        Assert.Equal("ALL_OR_NONE_OPERATION_ROLLED_BACK", body![0]!["errors"]![0]!["statusCode"]!.GetValue<string>());
        Assert.Equal("STRING_TOO_LONG", body[1]!["errors"]![0]!["statusCode"]!.GetValue<string>());
        var after = await Org.QueryAsync(client, $"SELECT ABM_Tier_Reason__c FROM Account WHERE Id = '{ids[0]}'");
        Assert.Null(after["records"]![0]!["ABM_Tier_Reason__c"]);
    }

    [Fact]
    public async Task CollectionWrite_Over200Records_Answers400ExceededIdLimit()
    {
        await using var org = await Org.StartAsync();
        using var client = await org.LoginAsync();
        var records = new JsonArray([.. Enumerable.Range(0, 201).Select(i => (JsonNode)new JsonObject { ["attributes"] = new JsonObject { ["type"] = "Account" }, ["Name"] = $"N{i}" })]);
        var (status, body, _) = await Org.SendAsync(client, HttpMethod.Post, $"/services/data/{V}/composite/sobjects", new JsonObject { ["records"] = records });
        Assert.Equal(400, status);
        Assert.Equal("EXCEEDED_ID_LIMIT", body![0]!["errorCode"]!.GetValue<string>());
        Assert.Equal(300, (await Org.QueryAsync(client, "SELECT COUNT() FROM Account"))["totalSize"]!.GetValue<int>());
    }

    [Fact]
    public async Task CollectionUpsert_CreatesThenUpdatesAndRefusesDuplicates()
    {
        await using var org = await Org.StartAsync();
        using var client = await org.LoginAsRepAsync();
        JsonObject Rec(string key, string name) => new() { ["attributes"] = new JsonObject { ["type"] = "Account" }, ["ABM_HubSpot_Id__c"] = key, ["Name"] = name };
        var path = $"/services/data/{V}/composite/sobjects/Account/ABM_HubSpot_Id__c";
        var (status, body, _) = await Org.SendAsync(client, HttpMethod.Patch, path, new JsonObject { ["records"] = new JsonArray(Rec("hs-1", "One"), Rec("hs-2", "Two")) });
        Assert.Equal(200, status);
        Assert.All(body!.AsArray(), r => Assert.True(r!["created"]!.GetValue<bool>()));
        (_, body, _) = await Org.SendAsync(client, HttpMethod.Patch, path, new JsonObject { ["records"] = new JsonArray(Rec("HS-1", "One again")) });
        Assert.False(body![0]!["created"]!.GetValue<bool>());
        Assert.True(body[0]!["success"]!.GetValue<bool>());
        Assert.Equal(302, (await Org.QueryAsync(client, "SELECT COUNT() FROM Account"))["totalSize"]!.GetValue<int>());

        // Writing one record's external id onto another is a unique-value collision.
        var created = (await Org.QueryAsync(client, "SELECT Id FROM Account WHERE ABM_HubSpot_Id__c = 'hs-2'"))["records"]![0]!["Id"]!.GetValue<string>();
        var (patch, error, _) = await Org.SendAsync(client, HttpMethod.Patch, $"/services/data/{V}/sobjects/Account/{created}", new JsonObject { ["ABM_HubSpot_Id__c"] = "hs-1" });
        Assert.Equal(400, patch);
        Assert.Equal("DUPLICATE_VALUE", error![0]!["errorCode"]!.GetValue<string>());
    }

    [Fact]
    public async Task Writes_ParentByExternalId_ResolveTheLookupOrFailTheRecord()
    {
        await using var org = await Org.StartAsync();
        using var client = await org.LoginAsync();
        var account = (await Org.QueryAsync(client, "SELECT Id FROM Account LIMIT 1"))["records"]![0]!["Id"]!.GetValue<string>();
        await Org.SendAsync(client, HttpMethod.Patch, $"/services/data/{V}/sobjects/Account/{account}", new JsonObject { ["ABM_HubSpot_Id__c"] = "co-77" });
        var (status, body, _) = await Org.SendAsync(client, HttpMethod.Post, $"/services/data/{V}/composite/sobjects", new JsonObject
        {
            ["records"] = new JsonArray(
                new JsonObject { ["attributes"] = new JsonObject { ["type"] = "Contact" }, ["LastName"] = "Linked", ["Account"] = new JsonObject { ["ABM_HubSpot_Id__c"] = "CO-77" } },
                new JsonObject { ["attributes"] = new JsonObject { ["type"] = "Contact" }, ["LastName"] = "Orphan", ["Account"] = new JsonObject { ["ABM_HubSpot_Id__c"] = "nope" } }),
        });
        Assert.Equal(200, status);
        Assert.True(body![0]!["success"]!.GetValue<bool>());
        Assert.Equal("INVALID_FIELD", body[1]!["errors"]![0]!["statusCode"]!.GetValue<string>());
        var linked = await Org.QueryAsync(client, "SELECT AccountId FROM Contact WHERE LastName = 'Linked'");
        Assert.Equal(account, linked["records"]![0]!["AccountId"]!.GetValue<string>());
    }

    [Fact]
    public async Task Collection_FieldRules_AnswerPerRecordErrors()
    {
        await using var org = await Org.StartAsync();
        using var client = await org.LoginAsync();
        var id = (await Org.QueryAsync(client, "SELECT Id FROM Account LIMIT 1"))["records"]![0]!["Id"]!.GetValue<string>();
        var cases = new (JsonObject Fields, string Code)[]
        {
            (new JsonObject { ["SystemModstamp"] = "2026-01-01T00:00:00.000+0000" }, "INVALID_FIELD_FOR_INSERT_UPDATE"),
            (new JsonObject { ["ABM_Score__c"] = 1000 }, "NUMBER_OUTSIDE_VALID_RANGE"),
            (new JsonObject { ["ABM_SDR__c"] = id }, "FIELD_INTEGRITY_EXCEPTION"),
            (new JsonObject { ["ABM_SDR__c"] = "not-an-id" }, "MALFORMED_ID"),
            (new JsonObject { ["Name"] = null }, "REQUIRED_FIELD_MISSING"),
        };
        foreach (var (fields, code) in cases)
        {
            fields["attributes"] = new JsonObject { ["type"] = "Account" };
            fields["id"] = id;
            var (status, body, _) = await Org.SendAsync(client, HttpMethod.Patch, $"/services/data/{V}/composite/sobjects", new JsonObject { ["records"] = new JsonArray(fields) });
            Assert.Equal(200, status);
            Assert.Equal(code, body![0]!["errors"]![0]!["statusCode"]!.GetValue<string>());
        }
        var unknown = await Org.SendAsync(client, HttpMethod.Patch, $"/services/data/{V}/composite/sobjects", new JsonObject
        {
            ["records"] = new JsonArray(new JsonObject { ["attributes"] = new JsonObject { ["type"] = "Account" }, ["id"] = id, ["Nope__c"] = 1 }),
        });
        Assert.Equal(400, unknown.Status);
        Assert.Equal("INVALID_FIELD", unknown.Body![0]!["errorCode"]!.GetValue<string>());
    }

    [Fact]
    public async Task Writes_AdvanceSystemModstampStrictlyAndDeletedRecordsRefuseUpdates()
    {
        await using var org = await Org.StartAsync();
        using var client = await org.LoginAsRepAsync();
        var ids = (await Org.QueryAsync(client, "SELECT Id FROM Account ORDER BY Id LIMIT 2"))["records"]!.AsArray().Select(r => r!["Id"]!.GetValue<string>()).ToArray();
        foreach (var id in ids)
        {
            Assert.Equal(204, (await Org.SendAsync(client, HttpMethod.Patch, $"/services/data/{V}/sobjects/Account/{id}", new JsonObject { ["ABM_Surge__c"] = true })).Status);
        }
        var stamps = (await Org.QueryAsync(client, $"SELECT Id, SystemModstamp FROM Account WHERE SystemModstamp >= 2026-11-25T12:00:00Z ORDER BY SystemModstamp"))["records"]!.AsArray();
        Assert.Equal(ids, stamps.Select(r => r!["Id"]!.GetValue<string>()).ToArray());
        Assert.Equal("2026-11-25T12:00:00.000+0000", stamps[0]!["SystemModstamp"]!.GetValue<string>());
        Assert.Equal("2026-11-25T12:00:00.001+0000", stamps[1]!["SystemModstamp"]!.GetValue<string>());

        Assert.Equal(204, (await Org.SendAsync(client, HttpMethod.Delete, $"/services/data/{V}/sobjects/Account/{ids[0]}")).Status);
        var (status, body, _) = await Org.SendAsync(client, HttpMethod.Patch, $"/services/data/{V}/composite/sobjects", new JsonObject
        {
            ["records"] = new JsonArray(new JsonObject { ["attributes"] = new JsonObject { ["type"] = "Account" }, ["id"] = ids[0], ["Name"] = "x" }),
        });
        Assert.Equal(200, status);
        Assert.Equal("ENTITY_IS_DELETED", body![0]!["errors"]![0]!["statusCode"]!.GetValue<string>());
        Assert.Equal(404, (await Org.SendAsync(client, HttpMethod.Get, $"/services/data/{V}/sobjects/Account/{ids[0]}")).Status);
    }

    [Fact]
    public async Task ReplicationHelpers_ListUpdatedAndDeletedIdsInTheWindow()
    {
        await using var org = await Org.StartAsync();
        using var client = await org.LoginAsRepAsync();
        var ids = (await Org.QueryAsync(client, "SELECT Id FROM Account ORDER BY Id LIMIT 2"))["records"]!.AsArray().Select(r => r!["Id"]!.GetValue<string>()).ToArray();
        await Org.SendAsync(client, HttpMethod.Patch, $"/services/data/{V}/sobjects/Account/{ids[0]}", new JsonObject { ["ABM_Surge__c"] = true });
        await Org.SendAsync(client, HttpMethod.Delete, $"/services/data/{V}/sobjects/Account/{ids[1]}");
        org.Time.Advance(TimeSpan.FromMinutes(2));
        var window = $"start={Uri.EscapeDataString("2026-11-25T11:00:00+00:00")}&end={Uri.EscapeDataString("2026-11-25T13:00:00Z")}";
        var (status, updated, _) = await Org.SendAsync(client, HttpMethod.Get, $"/services/data/{V}/sobjects/Account/updated/?{window}");
        Assert.Equal(200, status);
        Assert.Equal([ids[0]], updated!["ids"]!.AsArray().Select(i => i!.GetValue<string>()).ToArray());
        Assert.Equal("2026-11-25T12:02:00.000+0000", updated["latestDateCovered"]!.GetValue<string>());
        var (_, deleted, _) = await Org.SendAsync(client, HttpMethod.Get, $"/services/data/{V}/sobjects/Account/deleted/?{window}");
        Assert.Equal(ids[1], deleted!["deletedRecords"]![0]!["id"]!.GetValue<string>());
        var old = $"start={Uri.EscapeDataString("2026-09-01T00:00:00Z")}&end={Uri.EscapeDataString("2026-11-25T13:00:00Z")}";
        var (tooOld, error, _) = await Org.SendAsync(client, HttpMethod.Get, $"/services/data/{V}/sobjects/Account/updated/?{old}");
        Assert.Equal(400, tooOld);
        Assert.Equal("INVALID_REPLICATION_DATE", error![0]!["errorCode"]!.GetValue<string>());
    }

    [Fact]
    public async Task ConcurrentCollectionWrites_OneStampPerTransaction_DistinctAcrossTransactions()
    {
        await using var org = await Org.StartAsync();
        using var client = await org.LoginAsync();
        var ids = (await Org.QueryAsync(client, "SELECT Id FROM Account ORDER BY Id"))["records"]!.AsArray().Select(r => r!["Id"]!.GetValue<string>()).ToArray();
        var writes = ids.Chunk(20).Select(chunk => Org.SendAsync(client, HttpMethod.Patch, $"/services/data/{V}/composite/sobjects", new JsonObject
        {
            ["records"] = new JsonArray([.. chunk.Select(id => (JsonNode)new JsonObject { ["attributes"] = new JsonObject { ["type"] = "Account" }, ["id"] = id, ["ABM_Score__c"] = 42 })]),
        }));
        var reads = Enumerable.Range(0, 10).Select(_ => Org.SendAsync(client, HttpMethod.Get, $"/services/data/{V}/query?q=SELECT+Id,ABM_Score__c+FROM+Account"));
        var answers = await Task.WhenAll(writes.Concat(reads));
        Assert.All(answers, a => Assert.Equal(200, a.Status));
        var after = await Org.QueryAsync(client, "SELECT SystemModstamp FROM Account WHERE ABM_Score__c = 42");
        Assert.Equal(300, after["totalSize"]!.GetValue<int>());
        // As in an org: every record of one sObject Collections call (one transaction) shares its SystemModstamp;
        // concurrent calls never share one.
        var stamps = after["records"]!.AsArray().GroupBy(r => r!["SystemModstamp"]!.GetValue<string>()).ToList();
        Assert.Equal(15, stamps.Count);
        Assert.All(stamps, s => Assert.Equal(20, s.Count()));
    }

    [Fact]
    public async Task SalesRepCredentials_EditAsThatActiveAccountExecutive()
    {
        await using var org = await Org.StartAsync();
        using var rep = await org.LoginAsync(SandboxCredentials.SalesforceHumanClientId, SandboxCredentials.SalesforceHumanClientSecret);
        var id = (await Org.QueryAsync(rep, "SELECT Id FROM Account LIMIT 1"))["records"]![0]!["Id"]!.GetValue<string>();
        Assert.Equal(204, (await Org.SendAsync(rep, HttpMethod.Patch, $"/services/data/{V}/sobjects/Account/{id}", new JsonObject { ["Name"] = "Edited by a person" })).Status);
        var (_, record, _) = await Org.SendAsync(rep, HttpMethod.Get, $"/services/data/{V}/sobjects/Account/{id}?fields=Name,LastModifiedById");
        var userId = record!["LastModifiedById"]!.GetValue<string>();
        Assert.Equal(org.Emulator.Org.SalesRepUserId, userId);
        Assert.NotEqual(org.Emulator.Org.IntegrationUserId, userId);
        var user = (await Org.QueryAsync(rep, $"SELECT IsActive, Title FROM User WHERE Id = '{userId}'"))["records"]![0]!;
        Assert.True(user["IsActive"]!.GetValue<bool>());
        Assert.Equal("Account Executive", user["Title"]!.GetValue<string>());
    }

    [Fact]
    public async Task UpsertOne_Answers201Then200Then300OnSeveralMatches()
    {
        await using var org = await Org.StartAsync();
        using var client = await org.LoginAsync();
        var path = $"/services/data/{V}/sobjects/Contact/ABM_HubSpot_Id__c/501";
        var (status, body, _) = await Org.SendAsync(client, HttpMethod.Patch, path, new JsonObject { ["LastName"] = "Lovelace" });
        Assert.Equal(201, status);
        Assert.True(body!["created"]!.GetValue<bool>());
        (status, body, _) = await Org.SendAsync(client, HttpMethod.Patch, path, new JsonObject { ["FirstName"] = "Ada" });
        Assert.Equal(200, status);
        Assert.False(body!["created"]!.GetValue<bool>());
        var name = await Org.QueryAsync(client, "SELECT Name FROM Contact WHERE ABM_HubSpot_Id__c = '501'");
        Assert.Equal("Ada Lovelace", name["records"]![0]!["Name"]!.GetValue<string>());

        // Upsert by Email is not allowed (not an external id); Id-keyed lookups answer 404 when nothing matches.
        Assert.Equal(400, (await Org.SendAsync(client, HttpMethod.Patch, $"/services/data/{V}/sobjects/Contact/Email/a@b.c", new JsonObject { ["LastName"] = "x" })).Status);
    }

    [Fact]
    public async Task Describe_AccountShowsTheAbmFieldsWithTheirRules()
    {
        await using var org = await Org.StartAsync();
        using var client = await org.LoginAsync();
        var (status, body, _) = await Org.SendAsync(client, HttpMethod.Get, $"/services/data/{V}/sobjects/Account/describe");
        Assert.Equal(200, status);
        Assert.Equal("001", body!["keyPrefix"]!.GetValue<string>());
        var fields = body["fields"]!.AsArray().ToDictionary(f => f!["name"]!.GetValue<string>(), f => f!);
        var tier = fields["ABM_Tier__c"];
        Assert.Equal("picklist", tier["type"]!.GetValue<string>());
        Assert.True(tier["restrictedPicklist"]!.GetValue<bool>());
        Assert.Equal(["Tier 1", "Tier 2", "Tier 3"], tier["picklistValues"]!.AsArray().Select(v => v!["value"]!.GetValue<string>()).ToArray());
        var hubSpotId = fields["ABM_HubSpot_Id__c"];
        Assert.True(hubSpotId["externalId"]!.GetValue<bool>());
        Assert.True(hubSpotId["unique"]!.GetValue<bool>());
        Assert.Equal(32, hubSpotId["length"]!.GetValue<int>());
        Assert.False(fields["SystemModstamp"]["updateable"]!.GetValue<bool>());
        Assert.Equal("User", fields["ABM_SDR__c"]["referenceTo"]![0]!.GetValue<string>());
        Assert.Equal(3, fields["ABM_Score__c"]["precision"]!.GetValue<int>());
    }

    [Fact]
    public async Task DailyLimit_WhenSpent_Answers403RequestLimitExceededAndCountsThrottled()
    {
        await using var org = await Org.StartAsync(new SandboxOptions { Accounts = 300, Seed = 3, SalesforceDailyLimit = 3 });
        using var client = await org.LoginAsync();
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(200, (await Org.SendAsync(client, HttpMethod.Get, $"/services/data/{V}/limits")).Status);
        }
        var (status, body, response) = await Org.SendAsync(client, HttpMethod.Get, $"/services/data/{V}/limits");
        Assert.Equal(403, status);
        Assert.Equal("REQUEST_LIMIT_EXCEEDED", body![0]!["errorCode"]!.GetValue<string>());
        Assert.Equal("TotalRequests Limit exceeded.", body[0]!["message"]!.GetValue<string>());
        Assert.Equal("api-usage=3/3", response.Headers.GetValues("Sforce-Limit-Info").Single());
        var stats = JsonNode.Parse(await org.Http.GetStringAsync("/_sandbox/stats"))!;
        Assert.Equal(1, stats["throttled"]!.GetValue<int>());
    }

    [Fact]
    public async Task Stats_ClassifyCallsAsTheConnectorCounts()
    {
        await using var org = await Org.StartAsync();
        using var client = await org.LoginAsync();
        await Org.SendAsync(client, HttpMethod.Get, "/services/data/");
        var page = await Org.QueryAsync(client, "SELECT Id FROM Account");
        var id = page["records"]![0]!["Id"]!.GetValue<string>();
        await Org.SendAsync(client, HttpMethod.Get, $"/services/data/{V}/sobjects/Account/describe");
        await Org.SendAsync(client, HttpMethod.Patch, $"/services/data/{V}/composite/sobjects", new JsonObject
        {
            ["records"] = new JsonArray(new JsonObject { ["attributes"] = new JsonObject { ["type"] = "Account" }, ["id"] = id, ["ABM_Score__c"] = 5 }),
        });
        await Org.SendAsync(client, HttpMethod.Get, $"/services/data/{V}/composite/sobjects/Account?ids={id}&fields=Id,Name");
        var stats = JsonNode.Parse(await org.Http.GetStringAsync("/_sandbox/stats"))!;
        Assert.Equal(6, stats["calls"]!.GetValue<int>());
        Assert.Equal(3, stats["reads"]!.GetValue<int>());
        Assert.Equal(1, stats["writes"]!.GetValue<int>());
        var byEndpoint = stats["byEndpoint"]!.AsObject();
        Assert.Equal(1, byEndpoint["POST /services/oauth2/token"]!.GetValue<int>());
        Assert.Equal(1, byEndpoint["GET /services/data/{version}/query"]!.GetValue<int>());
        Assert.Equal(1, byEndpoint["PATCH /services/data/{version}/composite/sobjects"]!.GetValue<int>());
    }

    [Fact]
    public async Task Export_IsDeterministicFromTheSeedAndHoldsEveryObject()
    {
        await using var a = await Org.StartAsync();
        await using var b = await Org.StartAsync();
        var first = JsonNode.Parse(await a.Http.GetStringAsync("/_sandbox/export"))!;
        var second = JsonNode.Parse(await b.Http.GetStringAsync("/_sandbox/export"))!;
        Assert.Equal(first.ToJsonString(), second.ToJsonString());
        Assert.Equal(300, first["Account"]!.AsArray().Count);
        foreach (var type in new[] { "Contact", "Lead", "Opportunity", "User" })
        {
            Assert.NotEmpty(first[type]!.AsArray());
        }
        Assert.All(first["Contact"]!.AsArray(), c => Assert.StartsWith("001", c!["AccountId"]!.GetValue<string>(), StringComparison.Ordinal));
        Assert.Contains(first["Lead"]!.AsArray(), l => l!["IsConverted"]!.GetValue<bool>() && l["ConvertedContactId"] is not null && l["ConvertedAccountId"] is not null);
        Assert.Contains(first["User"]!.AsArray(), u => u!["Name"]!.GetValue<string>() == "AbmSync Integration");
        var world = SyntheticWorld.Generate(3, 300);
        var users = first["User"]!.AsArray().ToDictionary(u => u!["Email"]!.GetValue<string>(), u => u!["IsActive"]!.GetValue<bool>());
        Assert.Equal(world.Reps.Count + 1, users.Count);
        Assert.All(world.Reps, r => Assert.Equal(r.IsActive, users[r.Email]));
    }
}

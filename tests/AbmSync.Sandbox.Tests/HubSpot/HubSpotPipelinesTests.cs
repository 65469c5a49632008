using System.Text.Json.Nodes;

namespace AbmSync.Sandbox.Tests.HubSpot;

/// <summary>Deal pipelines: the read API in the Pipelines spec's shapes, and deal writes held to their pipeline's stages.</summary>
public sealed class HubSpotPipelinesTests
{
    static readonly string[] DefaultStages =
        ["appointmentscheduled", "qualifiedtobuy", "presentationscheduled", "decisionmakerboughtin", "contractsent", "closedwon", "closedlost"];

    static List<string> Ids(JsonNode? results) => results!.AsArray().Select(r => r!["id"]!.GetValue<string>()).ToList();

    [Fact]
    public async Task List_AnswersTheDefaultSalesPipelineAndRenewals_InThePipelineShape_AndCountsAsARead()
    {
        await using var portal = await Portal.StartAsync();
        await portal.Post("/_sandbox/stats/reset", new JsonObject());
        var (status, body, _) = await portal.Get("/crm/v3/pipelines/deals");
        Assert.Equal(200, status);
        var pipelines = body!["results"]!.AsArray();
        Assert.Equal(["default", "143270541"], Ids(pipelines));

        var sales = pipelines[0]!;
        Assert.Equal("Sales Pipeline", sales["label"]!.GetValue<string>());
        Assert.Equal(0, sales["displayOrder"]!.GetValue<int>());
        Assert.False(sales["archived"]!.GetValue<bool>());
        Assert.Equal("1970-01-01T00:00:00.000Z", sales["createdAt"]!.GetValue<string>());
        Assert.NotNull(sales["updatedAt"]);
        Assert.Equal(DefaultStages, Ids(sales["stages"]));
        var stages = sales["stages"]!.AsArray();
        Assert.Equal(Enumerable.Range(0, 7), stages.Select(s => s!["displayOrder"]!.GetValue<int>()));
        Assert.Equal(["0.2", "0.4", "0.6", "0.8", "0.9", "1.0", "0.0"], stages.Select(s => s!["metadata"]!["probability"]!.GetValue<string>()));
        Assert.Equal(["false", "false", "false", "false", "false", "true", "true"], stages.Select(s => s!["metadata"]!["isClosed"]!.GetValue<string>()));
        Assert.All(stages, s =>
        {
            Assert.False(s!["archived"]!.GetValue<bool>());
            Assert.NotNull(s["label"]);
            Assert.NotNull(s["createdAt"]);
            Assert.NotNull(s["updatedAt"]);
        });

        var renewals = pipelines[1]!;
        Assert.Equal("Renewals", renewals["label"]!.GetValue<string>());
        var renewalStages = Ids(renewals["stages"]);
        Assert.Equal(5, renewalStages.Count);
        Assert.Empty(renewalStages.Intersect(DefaultStages));
        Assert.NotEqual("1970-01-01T00:00:00.000Z", renewals["createdAt"]!.GetValue<string>());

        var stats = await portal.Stats();
        Assert.Equal(1, stats["reads"]!.GetValue<int>());
        Assert.Equal(0, stats["writes"]!.GetValue<int>());
        Assert.Equal(1, stats["byEndpoint"]!["GET /crm/v3/pipelines/{objectType}"]!.GetValue<int>());
    }

    [Fact]
    public async Task OnePipeline_ItsStages_AndOneStage_AndTheDateVersionedPathAnswersTheSame()
    {
        await using var portal = await Portal.StartAsync();
        var (status, one, _) = await portal.Get("/crm/v3/pipelines/deals/default");
        Assert.Equal(200, status);
        Assert.Equal(DefaultStages, Ids(one!["stages"]));

        var (stagesStatus, stages, _) = await portal.Get("/crm/v3/pipelines/0-3/143270541/stages");
        Assert.Equal(200, stagesStatus);
        Assert.Equal(["Renewal Due", "Renewal Quote Sent", "Renewal Negotiation", "Renewed", "Churned"],
            stages!["results"]!.AsArray().Select(s => s!["label"]!.GetValue<string>()));

        var (stageStatus, stage, _) = await portal.Get("/crm/v3/pipelines/deals/default/stages/closedwon");
        Assert.Equal(200, stageStatus);
        Assert.Equal("true", stage!["metadata"]!["isClosed"]!.GetValue<string>());
        Assert.Equal("1.0", stage["metadata"]!["probability"]!.GetValue<string>());

        var (datedStatus, dated, _) = await portal.Get("/crm/pipelines/2026-03/deals/default");
        Assert.Equal(200, datedStatus);
        Assert.Equal(one.ToJsonString(), dated!.ToJsonString());
        Assert.Equal(404, (await portal.Get("/crm/pipelines/v9/deals")).Status);
        var stats = await portal.Stats();
        Assert.Equal(1, stats["byEndpoint"]!["GET /crm/pipelines/{version}/{objectType}/{pipelineId}"]!.GetValue<int>());
    }

    [Fact]
    public async Task UnknownPipelineOrStage_Is404_AndAnObjectWithoutPipelinesIs400()
    {
        await using var portal = await Portal.StartAsync();
        var (missing, notFound, _) = await portal.Get("/crm/v3/pipelines/deals/nope");
        Assert.Equal(404, missing);
        Assert.Equal("OBJECT_NOT_FOUND", notFound!["category"]!.GetValue<string>());
        Assert.Equal(404, (await portal.Get("/crm/v3/pipelines/deals/default/stages/143270545")).Status);
        var (contacts, error, _) = await portal.Get("/crm/v3/pipelines/contacts");
        Assert.Equal(400, contacts);
        Assert.Equal("VALIDATION_ERROR", error!["category"]!.GetValue<string>());
        Assert.Equal(400, (await portal.Get("/crm/v3/pipelines/widgets")).Status);
    }

    [Fact]
    public async Task SeededDeals_AreAllInTheDefaultPipeline_AtOneOfItsStages()
    {
        await using var portal = await Portal.StartAsync(new SandboxOptions { Accounts = 400, Seed = 42, HubSpotRate = "10000/10s" });
        var deals = portal.Export()["deals"]!.AsArray();
        Assert.NotEmpty(deals);
        Assert.All(deals, d =>
        {
            Assert.Equal("default", d!["properties"]!["pipeline"]!.GetValue<string>());
            Assert.Contains(d["properties"]!["dealstage"]!.GetValue<string>(), DefaultStages);
        });
    }

    [Fact]
    public async Task DealWrites_WithAStageOfAnotherPipeline_AreRefused_AndMatchingOnesSave()
    {
        await using var portal = await Portal.StartAsync();
        JsonObject Deal(params (string Name, string Value)[] values) =>
            new() { ["properties"] = new JsonObject(values.Select(v => KeyValuePair.Create(v.Name, (JsonNode?)v.Value))) };

        // No pipeline given: the default one is assumed, and a Renewals stage is not one of its stages.
        var (refused, error, _) = await portal.Post("/crm/v3/objects/deals", Deal(("dealname", "Wrong stage"), ("dealstage", "143270542")));
        Assert.Equal(400, refused);
        Assert.Equal("VALIDATION_ERROR", error!["category"]!.GetValue<string>());
        var detail = error["errors"]![0]!;
        Assert.Equal("INVALID_OPTION", detail["code"]!.GetValue<string>());
        Assert.Equal("dealstage", detail["context"]!["propertyName"]![0]!.GetValue<string>());
        Assert.Contains("pipeline default", detail["message"]!.GetValue<string>(), StringComparison.Ordinal);

        var (created, renewal, _) = await portal.Post("/crm/v3/objects/deals",
            Deal(("dealname", "Acme renewal"), ("pipeline", "143270541"), ("dealstage", "143270542")));
        Assert.Equal(201, created);
        Assert.Equal("143270541", renewal!["properties"]!["pipeline"]!.GetValue<string>());

        var (defaulted, plain, _) = await portal.Post("/crm/v3/objects/deals", Deal(("dealname", "New logo"), ("dealstage", "qualifiedtobuy")));
        Assert.Equal(201, defaulted);
        Assert.Equal("default", plain!["properties"]!["pipeline"]!.GetValue<string>());

        var seeded = portal.Export()["deals"]!.AsArray().First(d => !d!["archived"]!.GetValue<bool>())!;
        var id = seeded["id"]!.GetValue<string>();
        var stageBefore = seeded["properties"]!["dealstage"]!.GetValue<string>();
        var (stageOnly, _, _) = await Portal.SendAsync(portal.Http, HttpMethod.Patch, $"/crm/v3/objects/deals/{id}", Deal(("dealstage", "143270545")));
        Assert.Equal(400, stageOnly);
        var (pipelineOnly, _, _) = await Portal.SendAsync(portal.Http, HttpMethod.Patch, $"/crm/v3/objects/deals/{id}", Deal(("pipeline", "143270541")));
        Assert.Equal(400, pipelineOnly);
        var (_, unchanged, _) = await portal.Get($"/crm/v3/objects/deals/{id}");
        Assert.Equal(stageBefore, unchanged!["properties"]!["dealstage"]!.GetValue<string>());
        Assert.Equal("default", unchanged["properties"]!["pipeline"]!.GetValue<string>());

        var (both, moved, _) = await Portal.SendAsync(portal.Http, HttpMethod.Patch, $"/crm/v3/objects/deals/{id}",
            Deal(("pipeline", "143270541"), ("dealstage", "143270545")));
        Assert.Equal(200, both);
        Assert.Equal("143270545", moved!["properties"]!["dealstage"]!.GetValue<string>());
    }

    [Fact]
    public async Task BatchUpdate_OneDealWithAForeignStage_FailsTheWholeBatch()
    {
        await using var portal = await Portal.StartAsync();
        var deals = portal.Export()["deals"]!.AsArray().Where(d => !d!["archived"]!.GetValue<bool>()).Take(2).Select(d => d!["id"]!.GetValue<string>()).ToList();
        var (status, body, _) = await portal.Post("/crm/v3/objects/deals/batch/update", Portal.Inputs(
            new JsonObject { ["id"] = deals[0], ["properties"] = new JsonObject { ["dealname"] = "Renamed" } },
            new JsonObject { ["id"] = deals[1], ["properties"] = new JsonObject { ["dealstage"] = "143270546" } }));
        Assert.Equal(400, status);
        Assert.Equal("VALIDATION_ERROR", body!["category"]!.GetValue<string>());
        var (_, first, _) = await portal.Get($"/crm/v3/objects/deals/{deals[0]}");
        Assert.NotEqual("Renamed", first!["properties"]!["dealname"]!.GetValue<string>());
    }

    [Fact]
    public async Task DealProperties_OfferEveryPipelinesStages_AndBothPipelines()
    {
        await using var portal = await Portal.StartAsync();
        var (_, stage, _) = await portal.Get("/crm/v3/properties/deals/dealstage");
        var values = stage!["options"]!.AsArray().Select(o => o!["value"]!.GetValue<string>()).ToList();
        Assert.Equal(12, values.Count);
        Assert.Contains("closedwon", values);
        Assert.Contains("143270545", values);
        var (_, pipeline, _) = await portal.Get("/crm/v3/properties/deals/pipeline");
        Assert.Equal(["default", "143270541"], pipeline!["options"]!.AsArray().Select(o => o!["value"]!.GetValue<string>()));
    }
}

using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace AbmSync.Sandbox.HubSpot;

/// <summary>One stage of a deal pipeline (the spec's <c>PipelineStage</c>).</summary>
internal sealed record HsStage(string Id, string Label, int DisplayOrder, string Probability, bool IsClosed, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt)
{
    public JsonObject ToJson() => new()
    {
        ["label"] = Label,
        ["displayOrder"] = DisplayOrder,
        // The spec types metadata as a map of strings, so a deal stage's flags and probability are strings too.
        ["metadata"] = new JsonObject { ["isClosed"] = IsClosed ? "true" : "false", ["probability"] = Probability },
        ["id"] = Id,
        ["createdAt"] = HsJson.Timestamp(CreatedAt),
        ["updatedAt"] = HsJson.Timestamp(UpdatedAt),
        ["archived"] = false,
        ["writePermissions"] = "CRM_PERMISSIONS_ENFORCEMENT",
    };
}

/// <summary>A deal pipeline (the spec's <c>Pipeline</c>).</summary>
internal sealed record HsPipeline(string Id, string Label, int DisplayOrder, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt, IReadOnlyList<HsStage> Stages)
{
    public HsStage? Stage(string id) => Stages.FirstOrDefault(s => s.Id == id);

    public JsonObject ToJson() => new()
    {
        ["label"] = Label,
        ["displayOrder"] = DisplayOrder,
        ["id"] = Id,
        ["stages"] = new JsonArray(Stages.Select(s => (JsonNode)s.ToJson()).ToArray()),
        ["createdAt"] = HsJson.Timestamp(CreatedAt),
        ["updatedAt"] = HsJson.Timestamp(UpdatedAt),
        ["archived"] = false,
    };
}

/// <summary>
/// The portal's deal pipelines: HubSpot's default "Sales Pipeline" with its standard stage ids, and a "Renewals"
/// pipeline an admin added. Fixed for the portal's life (the sandbox serves no pipeline writes).
/// </summary>
internal static class HsPipelines
{
    public const string DefaultId = "default";
    public const string RenewalsId = "143270541";

    /// <summary>The spec: "The default pipelines will have createdAt = 0", and so will their stages.</summary>
    static readonly DateTimeOffset Zero = DateTimeOffset.UnixEpoch;
    static readonly DateTimeOffset PortalCreated = SyntheticWorld.Epoch.AddYears(-3);
    static readonly DateTimeOffset RenewalsCreated = PortalCreated.AddDays(412).AddHours(15);

    public static readonly IReadOnlyList<HsPipeline> Deals =
    [
        new(DefaultId, "Sales Pipeline", 0, Zero, PortalCreated,
        [
            new("appointmentscheduled", "Appointment Scheduled", 0, "0.2", false, Zero, PortalCreated),
            new("qualifiedtobuy", "Qualified To Buy", 1, "0.4", false, Zero, PortalCreated),
            new("presentationscheduled", "Presentation Scheduled", 2, "0.6", false, Zero, PortalCreated),
            new("decisionmakerboughtin", "Decision Maker Bought-In", 3, "0.8", false, Zero, PortalCreated),
            new("contractsent", "Contract Sent", 4, "0.9", false, Zero, PortalCreated),
            new("closedwon", "Closed Won", 5, "1.0", true, Zero, PortalCreated),
            new("closedlost", "Closed Lost", 6, "0.0", true, Zero, PortalCreated),
        ]),
        // A pipeline made in the portal has numeric ids, as HubSpot mints them; only the default one has word ids.
        new(RenewalsId, "Renewals", 1, RenewalsCreated, RenewalsCreated,
        [
            new("143270542", "Renewal Due", 0, "0.5", false, RenewalsCreated, RenewalsCreated),
            new("143270543", "Renewal Quote Sent", 1, "0.7", false, RenewalsCreated, RenewalsCreated),
            new("143270544", "Renewal Negotiation", 2, "0.9", false, RenewalsCreated, RenewalsCreated),
            new("143270545", "Renewed", 3, "1.0", true, RenewalsCreated, RenewalsCreated),
            new("143270546", "Churned", 4, "0.0", true, RenewalsCreated, RenewalsCreated),
        ]),
    ];

    public static HsPipeline? Find(string id) => Deals.FirstOrDefault(p => p.Id == id);

    /// <summary>
    /// A deal write whose stage is not a stage of the deal's pipeline (the written one, else the stored one, else
    /// "default", which HubSpot assumes when none is given). Writes that touch neither property are not checked, so
    /// a stored mismatch (none is seeded) does not block unrelated edits.
    /// </summary>
    public static HsIssue? StageIssue(string type, IReadOnlyDictionary<string, string?> values, HsRecord? existing)
    {
        if (type != HsSchema.Deals || !(values.ContainsKey("dealstage") || values.ContainsKey("pipeline")))
        {
            return null;
        }
        var pipelineId = values.TryGetValue("pipeline", out var given) ? given : existing?.Props.GetValueOrDefault("pipeline");
        var stage = values.TryGetValue("dealstage", out var written) ? written : existing?.Props.GetValueOrDefault("dealstage");
        if (stage is null || Find(pipelineId ?? DefaultId) is not { } pipeline || pipeline.Stage(stage) is not null)
        {
            return null;
        }
        // The option list of HubSpot's INVALID_OPTION message, narrowed to the pipeline's own stages.
        var shown = string.Join(", ", pipeline.Stages.Select(s => $"[label: \"{s.Label}\"\nvalue: \"{s.Id}\"\n]"));
        return new HsIssue("dealstage", "INVALID_OPTION",
            $"{stage} was not one of the allowed options for a deal in pipeline {pipeline.Id} (\"{pipeline.Label}\"): {shown}");
    }
}

/// <summary>
/// The CRM pipelines API, read side: <c>GET /crm/v3/pipelines/{objectType}[/{pipelineId}[/stages[/{stageId}]]]</c>
/// (and <c>/crm/pipelines/{yyyy-mm}/…</c>), as HubSpot's Pipelines v3 and 2026-03 specs describe them.
/// </summary>
internal sealed class HsPipelinesApi
{
    public void Map(RouteGroupBuilder group)
    {
        group.MapGet("/{objectType}", (string objectType) => Answer(objectType, null, _ => new JsonObject
        {
            ["results"] = new JsonArray(HsPipelines.Deals.OrderBy(x => x.DisplayOrder).Select(x => (JsonNode)x.ToJson()).ToArray()),
        })).Counts(CallKind.Read);
        group.MapGet("/{objectType}/{pipelineId}", (string objectType, string pipelineId) =>
            Answer(objectType, pipelineId, p => p!.ToJson())).Counts(CallKind.Read);
        group.MapGet("/{objectType}/{pipelineId}/stages", (string objectType, string pipelineId) => Answer(objectType, pipelineId, p => new JsonObject
        {
            ["results"] = new JsonArray(p!.Stages.Select(s => (JsonNode)s.ToJson()).ToArray()),
        })).Counts(CallKind.Read);
        group.MapGet("/{objectType}/{pipelineId}/stages/{stageId}", (string objectType, string pipelineId, string stageId) =>
        {
            if (Check(objectType, pipelineId, out var pipeline) is { } problem)
            {
                return problem;
            }
            return pipeline!.Stage(stageId) is { } stage
                ? HsJson.Answer(200, stage.ToJson())
                : HsJson.NotFound($"Unable to find stage {stageId} in pipeline {pipelineId}", stageId);
        }).Counts(CallKind.Read);
    }

    static IResult Answer(string objectType, string? pipelineId, Func<HsPipeline?, JsonObject> body) =>
        Check(objectType, pipelineId, out var pipeline) ?? HsJson.Answer(200, body(pipeline));

    /// <summary>Deals are the only pipelined object the portal has; the other CRM types it serves have no pipelines.</summary>
    static IResult? Check(string objectType, string? pipelineId, out HsPipeline? pipeline)
    {
        pipeline = null;
        var type = HsSchema.Resolve(objectType);
        if (type is null)
        {
            return HsObjectsApi.UnknownType(objectType);
        }
        if (type != HsSchema.Deals)
        {
            return HsJson.ValidationError($"Object type {HsSchema.TypeId(type)} does not support pipelines");
        }
        if (pipelineId is null)
        {
            return null;
        }
        pipeline = HsPipelines.Find(pipelineId);
        return pipeline is null
            ? HsJson.NotFound($"Unable to find pipeline {pipelineId} for object type {HsSchema.TypeId(type)}", pipelineId)
            : null;
    }
}

using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace AbmSync.Sandbox.HubSpot;

/// <summary>Associations v4: per-record reads and writes, batch read/create/associate-default/archive, and labels.</summary>
internal sealed class HsAssociationsApi(HsPortal portal)
{
    public const int BatchReadMax = 1000;
    public const int BatchWriteMax = 2000;
    public const int PageMax = 500;

    /// <summary>
    /// Maps the per-record routes under <paramref name="objects"/> (<c>/crm/v4/objects</c> or <c>/crm/objects/{version}</c>)
    /// and the batch and label routes under <paramref name="associations"/> (<c>/crm/v4/associations</c> or
    /// <c>/crm/associations/{version}</c>).
    /// </summary>
    public void Map(RouteGroupBuilder objects, RouteGroupBuilder associations)
    {
        objects.MapGet("/{fromType}/{fromId}/associations/{toType}", List).Counts(CallKind.Read);
        objects.MapPut("/{fromType}/{fromId}/associations/default/{toType}/{toId}", PutDefault).Counts(CallKind.Write);
        objects.MapPut("/{fromType}/{fromId}/associations/{toType}/{toId}", PutLabelled).Counts(CallKind.Write);
        objects.MapDelete("/{fromType}/{fromId}/associations/{toType}/{toId}", Delete).Counts(CallKind.Write);
        associations.MapPost("/{fromType}/{toType}/batch/read", BatchRead).Counts(CallKind.Read);
        associations.MapPost("/{fromType}/{toType}/batch/create", BatchCreate).Counts(CallKind.Write);
        associations.MapPost("/{fromType}/{toType}/batch/associate/default", BatchDefault).Counts(CallKind.Write);
        associations.MapPost("/{fromType}/{toType}/batch/archive", BatchArchive).Counts(CallKind.Write);
        associations.MapGet("/{fromType}/{toType}/labels", Labels).Counts(CallKind.Read);
    }

    /// <summary>The v4 schema API's own path for labels (<c>/crm/associations/v4/{from}/{to}/labels</c>).</summary>
    public void MapSchema(IEndpointRouteBuilder routes) =>
        routes.MapGet("/crm/associations/v4/{fromType}/{toType}/labels", Labels).Counts(CallKind.Read);

    static JsonArray TypesJson(IEnumerable<HsAssocType> types) =>
        new(types.Select(t => (JsonNode)new JsonObject { ["category"] = t.Category, ["typeId"] = t.TypeId, ["label"] = t.Label }).ToArray());

    static JsonArray LinksJson(IEnumerable<(long ToId, IReadOnlyList<HsAssocType> Types)> links) =>
        new(links.Select(l => (JsonNode)new JsonObject { ["toObjectId"] = l.ToId, ["associationTypes"] = TypesJson(l.Types) }).ToArray());

    static long? ParseId(string? id) => long.TryParse(id, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : null;

    (string From, string To, IResult? Problem) Types(string fromType, string toType)
    {
        var from = HsSchema.Resolve(fromType);
        var to = HsSchema.Resolve(toType);
        return from is null ? ("", "", HsObjectsApi.UnknownType(fromType))
            : to is null ? ("", "", HsObjectsApi.UnknownType(toType))
            : (from, to, null);
    }

    IResult List(HttpContext context, string fromType, string fromId, string toType)
    {
        var (from, to, problem) = Types(fromType, toType);
        if (problem is not null)
        {
            return problem;
        }
        var limit = 500;
        if (context.Request.Query.ContainsKey("limit") &&
            (!int.TryParse(context.Request.Query["limit"], NumberStyles.None, CultureInfo.InvariantCulture, out limit) || limit < 1 || limit > PageMax))
        {
            return HsJson.ValidationError($"limit must be between 1 and {PageMax}");
        }
        var after = HsJson.DecodeCursor(context.Request.Query["after"]) ?? 0;
        lock (portal.Sync)
        {
            if (ParseId(fromId) is not { } id || portal.Find(from, id) is not { } record)
            {
                return HsJson.NotFound(DoesNotExist(from, fromId), fromId);
            }
            var links = portal.Associations.Of(from, record.Id, to).Where(l => l.ToId >= after).Take(limit + 1).ToList();
            var body = new JsonObject
            {
                ["results"] = LinksJson(links.Take(limit)),
            };
            if (links.Count > limit)
            {
                body["paging"] = new JsonObject { ["next"] = new JsonObject { ["after"] = HsJson.EncodeCursor(links[limit].ToId) } };
            }
            return HsJson.Answer(200, body);
        }
    }

    IResult PutDefault(HttpContext context, string fromType, string fromId, string toType, string toId)
    {
        var (from, to, problem) = Types(fromType, toType);
        if (problem is not null)
        {
            return problem;
        }
        lock (portal.Sync)
        {
            if (HsAssociations.DefaultType(from, to) is not { } typeId)
            {
                return HsJson.ValidationError($"There is no default association from {from} to {to}");
            }
            var (fromRecord, toRecord, missing) = Lookup(from, fromId, to, toId);
            if (missing is { } m)
            {
                return HsJson.NotFound(DoesNotExist(m.Type, m.Id), m.Id);
            }
            // A merged-away id names its merge's result, so the link lands on the record that exists.
            portal.Associate(from, fromRecord!.Id, to, toRecord!.Id, typeId, HsGate.Actor(context));
            var now = portal.Now;
            return HsJson.Answer(200, HsJson.BatchEnvelope(now, now, new JsonArray(DefaultResult(fromRecord.IdText, toRecord.IdText, typeId))));
        }
    }

    static JsonObject DefaultResult(string fromId, string toId, int typeId) => new()
    {
        ["from"] = new JsonObject { ["id"] = fromId },
        ["to"] = new JsonObject { ["id"] = toId },
        ["associationSpec"] = new JsonObject { ["associationCategory"] = "HUBSPOT_DEFINED", ["associationTypeId"] = typeId },
    };

    /// <summary>The two records an association links, or the type and id of the first that does not exist.</summary>
    (HsRecord? From, HsRecord? To, (string Type, string Id)? Missing) Lookup(string from, string fromId, string to, string toId)
    {
        if (ParseId(fromId) is not { } f || portal.Find(from, f) is not { } fromRecord)
        {
            return (null, null, (from, fromId));
        }
        if (ParseId(toId) is not { } t || portal.Find(to, t) is not { } toRecord)
        {
            return (null, null, (to, toId));
        }
        return (fromRecord, toRecord, null);
    }

    /// <summary>The id a record answers to now: a merged-away id's merge result, else the id as given.</summary>
    long Current(string type, long id) => portal.Find(type, id)?.Id ?? id;

    static string DoesNotExist(string type, string id) => $"{HsSchema.Singular(type).ToLowerInvariant()} {id} does not exist";

    /// <summary>Validates association specs; the type ids to write, or the problem.</summary>
    static (List<(int TypeId, string Category)> Specs, string? Problem) Specs(string from, string to, JsonNode? node)
    {
        var specs = new List<(int, string)>();
        foreach (var spec in (node as JsonArray ?? []).OfType<JsonObject>())
        {
            var category = HsJson.Str(spec, "associationCategory") ?? "";
            var typeId = HsJson.Int(spec, "associationTypeId") ?? -1;
            if (category != "HUBSPOT_DEFINED" || !HsAssociations.Describe(from, to, typeId).Valid)
            {
                return ([], $"{category} association type {typeId} is not valid from {from} to {to}");
            }
            specs.Add((typeId, category));
        }
        return specs.Count == 0 ? ([], "at least one association type is required") : (specs, null);
    }

    async Task<IResult> PutLabelled(HttpContext context, string fromType, string fromId, string toType, string toId)
    {
        var (from, to, problem) = Types(fromType, toType);
        if (problem is not null)
        {
            return problem;
        }
        JsonNode? body;
        try
        {
            body = await JsonNode.ParseAsync(context.Request.Body, cancellationToken: context.RequestAborted);
        }
        catch (System.Text.Json.JsonException e)
        {
            return HsJson.InvalidJson(e.Message);
        }
        var (specs, specProblem) = Specs(from, to, body);
        if (specProblem is not null)
        {
            return HsJson.ValidationError(specProblem);
        }
        lock (portal.Sync)
        {
            var (fromRecord, toRecord, missing) = Lookup(from, fromId, to, toId);
            if (missing is { } m)
            {
                return HsJson.NotFound(DoesNotExist(m.Type, m.Id), m.Id);
            }
            foreach (var (typeId, category) in specs)
            {
                portal.Associate(from, fromRecord!.Id, to, toRecord!.Id, typeId, HsGate.Actor(context), category);
            }
            return HsJson.Answer(201, LabelledResult(from, fromRecord!.Id, to, toRecord!.Id, specs));
        }
    }

    static JsonObject LabelledResult(string from, long fromId, string to, long toId, List<(int TypeId, string Category)> specs) => new()
    {
        ["fromObjectTypeId"] = HsSchema.TypeId(from),
        ["fromObjectId"] = fromId,
        ["toObjectTypeId"] = HsSchema.TypeId(to),
        ["toObjectId"] = toId,
        ["labels"] = new JsonArray(specs.Select(s => HsAssociations.Describe(from, to, s.TypeId).Label)
            .Where(l => l is not null).Select(l => (JsonNode)l!).ToArray()),
    };

    IResult Delete(HttpContext context, string fromType, string fromId, string toType, string toId)
    {
        var (from, to, problem) = Types(fromType, toType);
        if (problem is not null)
        {
            return problem;
        }
        lock (portal.Sync)
        {
            if (ParseId(fromId) is { } f && ParseId(toId) is { } t)
            {
                portal.Unassociate(from, Current(from, f), to, Current(to, t), HsGate.Actor(context));
            }
            return Results.StatusCode(204);
        }
    }

    /// <summary>A batch request that passed the checks every batch endpoint shares.</summary>
    sealed record Batch(string From, string To, List<JsonObject> Inputs, DateTimeOffset Started);

    /// <summary>The prologue of every batch endpoint: known types, a JSON body, <c>inputs</c>, at most <paramref name="max"/>.</summary>
    async Task<(Batch? Batch, IResult? Problem)> ReadBatch(HttpContext context, string fromType, string toType, int max)
    {
        var (from, to, problem) = Types(fromType, toType);
        if (problem is not null)
        {
            return (null, problem);
        }
        var started = portal.Now;
        var (body, bodyProblem) = await HsJson.ReadObject(context.Request);
        if (body is null)
        {
            return (null, bodyProblem);
        }
        var (inputs, inputsProblem) = HsJson.BatchInputs(body, max);
        return inputs is null ? (null, inputsProblem) : (new Batch(from, to, inputs.OfType<JsonObject>().ToList(), started), null);
    }

    /// <summary>The batch answer: <paramref name="ok"/> when nothing failed, else 207.</summary>
    IResult Completed(int ok, Batch batch, JsonArray results, JsonArray errors) =>
        HsJson.Answer(errors.Count > 0 ? 207 : ok, HsJson.BatchEnvelope(batch.Started, portal.Now, results, errors));

    /// <summary>The ids of a create input's <c>from</c> and <c>to</c>.</summary>
    static (string FromId, string ToId) Ends(JsonObject input) =>
        (HsJson.ValueText((input["from"] as JsonObject)?["id"]) ?? "", HsJson.ValueText((input["to"] as JsonObject)?["id"]) ?? "");

    async Task<IResult> BatchRead(HttpContext context, string fromType, string toType)
    {
        var (batch, problem) = await ReadBatch(context, fromType, toType, BatchReadMax);
        if (batch is null)
        {
            return problem!;
        }
        var (from, to, inputs, _) = batch;
        lock (portal.Sync)
        {
            var results = new JsonArray();
            var errors = new JsonArray();
            foreach (var input in inputs)
            {
                var id = HsJson.ValueText(input["id"]) ?? "";
                var after = HsJson.DecodeCursor(HsJson.ValueText(input["after"])) ?? 0;
                var links = ParseId(id) is { } n && portal.Find(from, n) is { } record
                    ? portal.Associations.Of(from, record.Id, to).Where(l => l.ToId >= after).Take(PageMax + 1).ToList()
                    : [];
                if (links.Count == 0)
                {
                    errors.Add(HsJson.BatchError("OBJECT_NOT_FOUND",
                        $"No {HsSchema.Singular(to).ToLowerInvariant()} is associated with {HsSchema.Singular(from).ToLowerInvariant()} {id}.",
                        new JsonObject { ["fromObjectId"] = new JsonArray(id) }, subCategory: "crm.associations.NO_ASSOCIATIONS_FOUND"));
                    continue;
                }
                var result = new JsonObject
                {
                    ["from"] = new JsonObject { ["id"] = id },
                    ["to"] = LinksJson(links.Take(PageMax)),
                };
                if (links.Count > PageMax)
                {
                    result["paging"] = new JsonObject { ["next"] = new JsonObject { ["after"] = HsJson.EncodeCursor(links[PageMax].ToId) } };
                }
                results.Add(result);
            }
            return Completed(200, batch, results, errors);
        }
    }

    static JsonObject NotFoundError(string type, string id) =>
        HsJson.BatchError("OBJECT_NOT_FOUND", DoesNotExist(type, id), new JsonObject { ["ids"] = new JsonArray(id) });

    async Task<IResult> BatchCreate(HttpContext context, string fromType, string toType)
    {
        var (batch, problem) = await ReadBatch(context, fromType, toType, BatchWriteMax);
        if (batch is null)
        {
            return problem!;
        }
        var (from, to, inputs, _) = batch;
        lock (portal.Sync)
        {
            var results = new JsonArray();
            var errors = new JsonArray();
            foreach (var input in inputs)
            {
                var (fromId, toId) = Ends(input);
                var (specs, specProblem) = Specs(from, to, input["types"]);
                if (specProblem is not null)
                {
                    return HsJson.ValidationError(specProblem);
                }
                var (fromRecord, toRecord, missing) = Lookup(from, fromId, to, toId);
                if (missing is { } m)
                {
                    errors.Add(NotFoundError(m.Type, m.Id));
                    continue;
                }
                foreach (var (typeId, category) in specs)
                {
                    portal.Associate(from, fromRecord!.Id, to, toRecord!.Id, typeId, HsGate.Actor(context), category);
                }
                results.Add(LabelledResult(from, fromRecord!.Id, to, toRecord!.Id, specs));
            }
            return Completed(201, batch, results, errors);
        }
    }

    async Task<IResult> BatchDefault(HttpContext context, string fromType, string toType)
    {
        var (batch, problem) = await ReadBatch(context, fromType, toType, BatchWriteMax);
        if (batch is null)
        {
            return problem!;
        }
        var (from, to, inputs, _) = batch;
        lock (portal.Sync)
        {
            if (HsAssociations.DefaultType(from, to) is not { } typeId)
            {
                return HsJson.ValidationError($"There is no default association from {from} to {to}");
            }
            var results = new JsonArray();
            var errors = new JsonArray();
            foreach (var input in inputs)
            {
                var (fromId, toId) = Ends(input);
                var (fromRecord, toRecord, missing) = Lookup(from, fromId, to, toId);
                if (missing is { } m)
                {
                    errors.Add(NotFoundError(m.Type, m.Id));
                    continue;
                }
                portal.Associate(from, fromRecord!.Id, to, toRecord!.Id, typeId, HsGate.Actor(context));
                results.Add(DefaultResult(fromId, toId, typeId));
            }
            return Completed(200, batch, results, errors);
        }
    }

    async Task<IResult> BatchArchive(HttpContext context, string fromType, string toType)
    {
        var (batch, problem) = await ReadBatch(context, fromType, toType, BatchWriteMax);
        if (batch is null)
        {
            return problem!;
        }
        var (from, to, inputs, _) = batch;
        lock (portal.Sync)
        {
            foreach (var input in inputs)
            {
                if (ParseId(HsJson.ValueText((input["from"] as JsonObject)?["id"])) is not { } f)
                {
                    continue;
                }
                foreach (var target in (input["to"] as JsonArray ?? []).OfType<JsonObject>())
                {
                    if (ParseId(HsJson.ValueText(target["id"])) is { } t)
                    {
                        portal.Unassociate(from, Current(from, f), to, Current(to, t), HsGate.Actor(context));
                    }
                }
            }
            return Results.StatusCode(204);
        }
    }

    IResult Labels(string fromType, string toType)
    {
        var (from, to, problem) = Types(fromType, toType);
        if (problem is not null)
        {
            return problem;
        }
        var results = HsAssociations.Labels(from, to)
            .Select(l => (JsonNode)new JsonObject
            {
                ["category"] = "HUBSPOT_DEFINED",
                ["typeId"] = l.TypeId,
                ["label"] = l.Label.Length == 0 ? null : l.Label,
            }).ToArray();
        return HsJson.Answer(200, new JsonObject { ["results"] = new JsonArray(results) });
    }
}

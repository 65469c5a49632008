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
                return HsJson.NotFound($"{HsSchema.Singular(from).ToLowerInvariant()} {fromId} does not exist", fromId);
            }
            var links = portal.Associations.Of(from, record.Id, to).Where(l => l.ToId >= after).Take(limit + 1).ToList();
            var body = new JsonObject
            {
                ["results"] = new JsonArray(links.Take(limit).Select(l => (JsonNode)new JsonObject
                {
                    ["toObjectId"] = l.ToId,
                    ["associationTypes"] = TypesJson(l.Types),
                }).ToArray()),
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
            if (Missing(from, fromId, to, toId) is { } missing)
            {
                return missing;
            }
            portal.Associate(from, ParseId(fromId)!.Value, to, ParseId(toId)!.Value, typeId, HsGate.Actor(context));
            var now = portal.Now;
            return HsJson.Answer(200, new JsonObject
            {
                ["status"] = "COMPLETE",
                ["results"] = new JsonArray(DefaultResult(fromId, toId, typeId)),
                ["startedAt"] = HsJson.Timestamp(now),
                ["completedAt"] = HsJson.Timestamp(now),
            });
        }
    }

    static JsonObject DefaultResult(string fromId, string toId, int typeId) => new()
    {
        ["from"] = new JsonObject { ["id"] = fromId },
        ["to"] = new JsonObject { ["id"] = toId },
        ["associationSpec"] = new JsonObject { ["associationCategory"] = "HUBSPOT_DEFINED", ["associationTypeId"] = typeId },
    };

    IResult? Missing(string from, string fromId, string to, string toId)
    {
        if (ParseId(fromId) is not { } f || portal.Find(from, f) is null)
        {
            return HsJson.NotFound($"{HsSchema.Singular(from).ToLowerInvariant()} {fromId} does not exist", fromId);
        }
        if (ParseId(toId) is not { } t || portal.Find(to, t) is null)
        {
            return HsJson.NotFound($"{HsSchema.Singular(to).ToLowerInvariant()} {toId} does not exist", toId);
        }
        return null;
    }

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
            if (Missing(from, fromId, to, toId) is { } missing)
            {
                return missing;
            }
            foreach (var (typeId, category) in specs)
            {
                portal.Associate(from, ParseId(fromId)!.Value, to, ParseId(toId)!.Value, typeId, HsGate.Actor(context), category);
            }
            return HsJson.Answer(201, LabelledResult(from, fromId, to, toId, specs));
        }
    }

    JsonObject LabelledResult(string from, string fromId, string to, string toId, List<(int TypeId, string Category)> specs) => new()
    {
        ["fromObjectTypeId"] = HsSchema.TypeId(from),
        ["fromObjectId"] = ParseId(fromId),
        ["toObjectTypeId"] = HsSchema.TypeId(to),
        ["toObjectId"] = ParseId(toId),
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
                portal.Unassociate(from, f, to, t, HsGate.Actor(context));
            }
            return Results.StatusCode(204);
        }
    }

    async Task<(List<JsonObject>? Inputs, IResult? Problem)> ReadInputs(HttpRequest request, int max)
    {
        var (body, problem) = await HsJson.ReadObject(request);
        if (body is null)
        {
            return (null, problem);
        }
        if (body["inputs"] is not JsonArray inputs)
        {
            return (null, HsJson.InvalidJson("inputs is required"));
        }
        return inputs.Count > max
            ? (null, HsJson.ValidationError($"The maximum number of inputs supported in a batch is {max}. Please reduce the number of items and try again"))
            : (inputs.OfType<JsonObject>().ToList(), null);
    }

    static JsonObject Envelope(DateTimeOffset started, DateTimeOffset completed, JsonArray results, JsonArray errors)
    {
        var body = new JsonObject
        {
            ["status"] = "COMPLETE",
            ["results"] = results,
            ["startedAt"] = HsJson.Timestamp(started),
            ["completedAt"] = HsJson.Timestamp(completed),
        };
        if (errors.Count > 0)
        {
            body["numErrors"] = errors.Count;
            body["errors"] = errors;
        }
        return body;
    }

    async Task<IResult> BatchRead(HttpContext context, string fromType, string toType)
    {
        var (from, to, problem) = Types(fromType, toType);
        if (problem is not null)
        {
            return problem;
        }
        var started = portal.Now;
        var (inputs, inputProblem) = await ReadInputs(context.Request, BatchReadMax);
        if (inputs is null)
        {
            return inputProblem!;
        }
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
                    errors.Add(new JsonObject
                    {
                        ["status"] = "error",
                        ["category"] = "OBJECT_NOT_FOUND",
                        ["subCategory"] = "crm.associations.NO_ASSOCIATIONS_FOUND",
                        ["message"] = $"No {HsSchema.Singular(to).ToLowerInvariant()} is associated with {HsSchema.Singular(from).ToLowerInvariant()} {id}.",
                        ["context"] = new JsonObject { ["fromObjectId"] = new JsonArray(id) },
                        ["errors"] = new JsonArray(),
                        ["links"] = new JsonObject(),
                    });
                    continue;
                }
                var result = new JsonObject
                {
                    ["from"] = new JsonObject { ["id"] = id },
                    ["to"] = new JsonArray(links.Take(PageMax).Select(l => (JsonNode)new JsonObject
                    {
                        ["toObjectId"] = l.ToId,
                        ["associationTypes"] = TypesJson(l.Types),
                    }).ToArray()),
                };
                if (links.Count > PageMax)
                {
                    result["paging"] = new JsonObject { ["next"] = new JsonObject { ["after"] = HsJson.EncodeCursor(links[PageMax].ToId) } };
                }
                results.Add(result);
            }
            return HsJson.Answer(errors.Count > 0 ? 207 : 200, Envelope(started, portal.Now, results, errors));
        }
    }

    JsonObject NotFoundError(string type, string id) => new()
    {
        ["status"] = "error",
        ["category"] = "OBJECT_NOT_FOUND",
        ["message"] = $"{HsSchema.Singular(type).ToLowerInvariant()} {id} does not exist",
        ["context"] = new JsonObject { ["ids"] = new JsonArray(id) },
        ["errors"] = new JsonArray(),
        ["links"] = new JsonObject(),
    };

    async Task<IResult> BatchCreate(HttpContext context, string fromType, string toType)
    {
        var (from, to, problem) = Types(fromType, toType);
        if (problem is not null)
        {
            return problem;
        }
        var started = portal.Now;
        var (inputs, inputProblem) = await ReadInputs(context.Request, BatchWriteMax);
        if (inputs is null)
        {
            return inputProblem!;
        }
        lock (portal.Sync)
        {
            var results = new JsonArray();
            var errors = new JsonArray();
            foreach (var input in inputs)
            {
                var fromId = HsJson.ValueText((input["from"] as JsonObject)?["id"]) ?? "";
                var toId = HsJson.ValueText((input["to"] as JsonObject)?["id"]) ?? "";
                var (specs, specProblem) = Specs(from, to, input["types"]);
                if (specProblem is not null)
                {
                    return HsJson.ValidationError(specProblem);
                }
                if (ParseId(fromId) is not { } f || portal.Find(from, f) is null)
                {
                    errors.Add(NotFoundError(from, fromId));
                    continue;
                }
                if (ParseId(toId) is not { } t || portal.Find(to, t) is null)
                {
                    errors.Add(NotFoundError(to, toId));
                    continue;
                }
                foreach (var (typeId, category) in specs)
                {
                    portal.Associate(from, portal.Find(from, f)!.Id, to, portal.Find(to, t)!.Id, typeId, HsGate.Actor(context), category);
                }
                results.Add(LabelledResult(from, fromId, to, toId, specs));
            }
            return HsJson.Answer(errors.Count > 0 ? 207 : 201, Envelope(started, portal.Now, results, errors));
        }
    }

    async Task<IResult> BatchDefault(HttpContext context, string fromType, string toType)
    {
        var (from, to, problem) = Types(fromType, toType);
        if (problem is not null)
        {
            return problem;
        }
        var started = portal.Now;
        var (inputs, inputProblem) = await ReadInputs(context.Request, BatchWriteMax);
        if (inputs is null)
        {
            return inputProblem!;
        }
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
                var fromId = HsJson.ValueText((input["from"] as JsonObject)?["id"]) ?? "";
                var toId = HsJson.ValueText((input["to"] as JsonObject)?["id"]) ?? "";
                if (ParseId(fromId) is not { } f || portal.Find(from, f) is not { } fromRecord)
                {
                    errors.Add(NotFoundError(from, fromId));
                    continue;
                }
                if (ParseId(toId) is not { } t || portal.Find(to, t) is not { } toRecord)
                {
                    errors.Add(NotFoundError(to, toId));
                    continue;
                }
                portal.Associate(from, fromRecord.Id, to, toRecord.Id, typeId, HsGate.Actor(context));
                results.Add(DefaultResult(fromId, toId, typeId));
            }
            return HsJson.Answer(errors.Count > 0 ? 207 : 200, Envelope(started, portal.Now, results, errors));
        }
    }

    async Task<IResult> BatchArchive(HttpContext context, string fromType, string toType)
    {
        var (from, to, problem) = Types(fromType, toType);
        if (problem is not null)
        {
            return problem;
        }
        var (inputs, inputProblem) = await ReadInputs(context.Request, BatchWriteMax);
        if (inputs is null)
        {
            return inputProblem!;
        }
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
                        portal.Unassociate(from, f, to, t, HsGate.Actor(context));
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

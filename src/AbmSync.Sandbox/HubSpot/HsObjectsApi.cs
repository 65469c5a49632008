using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace AbmSync.Sandbox.HubSpot;

/// <summary>
/// The CRM objects API (companies, contacts, deals and activities): list, get, create, update, archive, the batch
/// endpoints, merge and search, as HubSpot's objects v3 / 2026-03 specs describe them.
/// </summary>
internal sealed class HsObjectsApi(HsPortal portal, Func<Uri?> baseUrl)
{
    public const int BatchMax = 100;
    public const int ListMax = 100;
    public const int HistoryBatchMax = 50;
    public const long PortalId = 24_242_424;

    public void Map(RouteGroupBuilder group)
    {
        group.MapGet("/{objectType}", List).Counts(CallKind.Read);
        group.MapPost("/{objectType}", Create).Counts(CallKind.Write);
        group.MapPost("/{objectType}/search", (HttpContext c, string objectType) => new HsSearch(portal).Search(c, objectType)).Counts(CallKind.Read);
        group.MapPost("/{objectType}/batch/read", BatchRead).Counts(CallKind.Read);
        group.MapPost("/{objectType}/batch/create", BatchCreate).Counts(CallKind.Write);
        group.MapPost("/{objectType}/batch/update", BatchUpdate).Counts(CallKind.Write);
        group.MapPost("/{objectType}/batch/upsert", BatchUpsert).Counts(CallKind.Write);
        group.MapPost("/{objectType}/batch/archive", BatchArchive).Counts(CallKind.Write);
        group.MapPost("/{objectType}/merge", Merge).Counts(CallKind.Write);
        group.MapPost("/{objectType}/gdpr-delete", GdprDelete).Counts(CallKind.Write);
        group.MapGet("/{objectType}/{objectId}", Get).Counts(CallKind.Read);
        group.MapPatch("/{objectType}/{objectId}", Update).Counts(CallKind.Write);
        group.MapDelete("/{objectType}/{objectId}", Archive).Counts(CallKind.Write);
    }

    public static IResult UnknownType(string objectType) =>
        HsJson.ValidationError($"Unable to infer object type from: {objectType}");

    static IResult NonUnique(string type, string property, string operation = "update/upsert") =>
        HsJson.ValidationError($"Unable to perform {operation} by non-unique {HsSchema.TypeId(type)} property {property} in portal ID {PortalId}");

    /// <summary>Whether <paramref name="idProperty"/> names a property that cannot identify a record (the record id always can).</summary>
    bool NotAnIdProperty(string type, [NotNullWhen(true)] string? idProperty) =>
        !string.IsNullOrEmpty(idProperty) && idProperty != "hs_object_id" && !portal.IsUnique(type, idProperty);

    /// <summary>Resolves the path's object type and reads the JSON body; the answer to give when either fails.</summary>
    public static async Task<(string Type, JsonObject? Body, IResult? Problem)> ReadTyped(HttpContext context, string objectType)
    {
        if (HsSchema.Resolve(objectType) is not { } type)
        {
            return ("", null, UnknownType(objectType));
        }
        var (body, problem) = await HsJson.ReadObject(context.Request);
        return (type, body, problem);
    }

    /// <summary>A batch request that passed the checks every batch endpoint shares.</summary>
    sealed record Batch(string Type, JsonObject Body, JsonArray Inputs, DateTimeOffset Started);

    /// <summary>The prologue of every batch endpoint: a known type, a JSON body, <c>inputs</c>, at most <see cref="BatchMax"/>.</summary>
    async Task<(Batch? Batch, IResult? Problem)> ReadBatch(HttpContext context, string objectType)
    {
        var started = portal.Now;
        var (type, body, problem) = await ReadTyped(context, objectType);
        if (body is null)
        {
            return (null, problem);
        }
        var (inputs, inputsProblem) = HsJson.BatchInputs(body, BatchMax);
        return inputs is null ? (null, inputsProblem) : (new Batch(type, body, inputs, started), null);
    }

    /// <summary>200 when every id was found; else 207 with one OBJECT_NOT_FOUND error naming the missing ids.</summary>
    IResult Completed(string type, string verb, DateTimeOffset started, JsonArray results, List<string> missing)
    {
        if (missing.Count == 0)
        {
            return HsJson.Answer(200, HsJson.BatchEnvelope(started, portal.Now, results));
        }
        var error = HsJson.BatchError("OBJECT_NOT_FOUND",
            $"Could not {verb} some {HsSchema.Singular(type)} objects, they may be deleted or not exist. Check that ids are valid.",
            new JsonObject { ["ids"] = HsJson.StringArray(missing) });
        return HsJson.Answer(207, HsJson.BatchEnvelope(started, portal.Now, results, [error]));
    }

    /// <summary>HubSpot's answer when property values fail validation: the issues in the message and in <c>errors</c>.</summary>
    public static JsonObject PropertyErrorBody(IReadOnlyList<HsIssue> issues, JsonObject? context = null)
    {
        var results = new JsonArray(issues.Select(i => (JsonNode)new JsonObject
        {
            ["isValid"] = false,
            ["message"] = i.Message,
            ["error"] = i.Code,
            ["name"] = i.Property,
            ["localizedErrorMessage"] = i.Message,
        }).ToArray());
        var errors = new JsonArray(issues.Select(i => (JsonNode)new JsonObject
        {
            ["message"] = i.Message,
            ["code"] = i.Code,
            ["context"] = new JsonObject { ["propertyName"] = new JsonArray(i.Property) },
        }).ToArray());
        return HsJson.Error("VALIDATION_ERROR", "Property values were not valid: " + results.ToJsonString(), context, errors);
    }

    static IResult PropertyErrors(IReadOnlyList<HsIssue> issues)
    {
        var conflict = issues.FirstOrDefault(i => i.Code == "CONFLICT");
        return conflict is not null
            ? HsJson.Answer(409, HsJson.Error("CONFLICT", conflict.Message))
            : HsJson.Answer(400, PropertyErrorBody(issues));
    }

    static Dictionary<string, string?> PropertiesOf(JsonObject? input)
    {
        var values = new Dictionary<string, string?>(StringComparer.Ordinal);
        if (input?["properties"] is JsonObject props)
        {
            foreach (var (name, value) in props)
            {
                values[name] = HsJson.ValueText(value);
            }
        }
        return values;
    }

    /// <summary>
    /// Rules that tie one property to another, checked once each value is valid on its own: a deal's stage must be a
    /// stage of its pipeline, and a new deal given a stage but no pipeline is in the default one (HubSpot assumes it).
    /// </summary>
    static void CrossChecks(string type, Dictionary<string, string?> values, HsRecord? existing, List<HsIssue> issues)
    {
        if (issues.Count > 0)
        {
            return;
        }
        if (HsPipelines.StageIssue(type, values, existing) is { } stage)
        {
            issues.Add(stage);
        }
        else if (type == HsSchema.Deals && existing is null && values.GetValueOrDefault("dealstage") is not null && !values.ContainsKey("pipeline"))
        {
            values["pipeline"] = HsPipelines.DefaultId;
        }
    }

    IResult List(HttpContext context, string objectType)
    {
        if (HsSchema.Resolve(objectType) is not { } type)
        {
            return UnknownType(objectType);
        }
        var request = context.Request;
        var (limit, after, pageProblem) = HsJson.PageQuery(request, 10, ListMax);
        if (pageProblem is not null)
        {
            return pageProblem;
        }
        var properties = HsJson.QueryList(request, "properties");
        var history = HsJson.QueryList(request, "propertiesWithHistory");
        var associations = HsJson.QueryList(request, "associations");
        var archived = HsJson.QueryBool(request, "archived");
        lock (portal.Sync)
        {
            var page = portal.From(type, after)
                .Where(r => r.Archived == archived)
                .Take(limit + 1)
                .ToList();
            var results = new JsonArray();
            foreach (var record in page.Take(limit))
            {
                var json = portal.ToJson(record, properties, history);
                AddAssociations(json, record, associations);
                results.Add(json);
            }
            var body = new JsonObject { ["results"] = results };
            if (page.Count > limit)
            {
                var cursor = HsJson.EncodeCursor(page[limit].Id);
                body["paging"] = new JsonObject
                {
                    ["next"] = new JsonObject
                    {
                        ["after"] = cursor,
                        ["link"] = $"{baseUrl()?.GetLeftPart(UriPartial.Authority)}{request.Path}?after={Uri.EscapeDataString(cursor)}",
                    },
                };
            }
            return HsJson.Answer(200, body);
        }
    }

    /// <summary>The <c>associations</c> a list or get asked for, in the v3 object shape.</summary>
    void AddAssociations(JsonObject json, HsRecord record, IReadOnlyList<string> toTypes)
    {
        if (toTypes.Count == 0)
        {
            return;
        }
        var associations = new JsonObject();
        foreach (var toName in toTypes)
        {
            if (HsSchema.Resolve(toName) is not { } to)
            {
                continue;
            }
            var results = new JsonArray();
            foreach (var (toId, types) in portal.Associations.Of(record.Type, record.Id, to))
            {
                // v3 names: the primary label takes the plain name and the unlabeled type gets "_unlabeled", where a pair has both.
                var name = $"{HsSchema.Singular(record.Type).ToLowerInvariant()}_to_{HsSchema.Singular(to).ToLowerInvariant()}";
                var labelled = HsAssociations.Labels(record.Type, to).Any(l => l.Label.Length > 0);
                foreach (var t in types)
                {
                    results.Add(new JsonObject
                    {
                        ["id"] = toId.ToString(CultureInfo.InvariantCulture),
                        ["type"] = t.Label is null && labelled ? name + "_unlabeled" : name,
                    });
                }
            }
            if (results.Count > 0)
            {
                associations[to] = new JsonObject { ["results"] = results };
            }
        }
        json["associations"] = associations;
    }

    IResult Get(HttpContext context, string objectType, string objectId)
    {
        if (HsSchema.Resolve(objectType) is not { } type)
        {
            return UnknownType(objectType);
        }
        var request = context.Request;
        var idProperty = request.Query["idProperty"].ToString();
        lock (portal.Sync)
        {
            if (NotAnIdProperty(type, idProperty))
            {
                return NonUnique(type, idProperty, "get");
            }
            var record = portal.Resolve(type, objectId, idProperty, HsJson.QueryBool(request, "archived"));
            if (record is null)
            {
                // The official Node client parses this body, so it is JSON (an empty 404 makes it throw).
                return HsJson.NotFound("Object not found.  objectId are usually numeric.", objectId);
            }
            var json = portal.ToJson(record, HsJson.QueryList(request, "properties"), HsJson.QueryList(request, "propertiesWithHistory"));
            AddAssociations(json, record, HsJson.QueryList(request, "associations"));
            return HsJson.Answer(200, json);
        }
    }

    async Task<IResult> Create(HttpContext context, string objectType)
    {
        var (type, body, problem) = await ReadTyped(context, objectType);
        if (body is null)
        {
            return problem!;
        }
        var actor = HsGate.Actor(context);
        lock (portal.Sync)
        {
            var (values, issues) = portal.Validate(type, PropertiesOf(body));
            CrossChecks(type, values, null, issues);
            if (AssociationIssue(type, body["associations"]) is { } associationProblem)
            {
                return associationProblem;
            }
            if (issues.Count == 0 && portal.UniqueConflict(type, values, null) is { } conflict)
            {
                issues.Add(conflict);
            }
            if (issues.Count > 0)
            {
                return PropertyErrors(issues);
            }
            var record = portal.Create(type, values, actor);
            AddCreateAssociations(type, record.Id, body["associations"], actor);
            return HsJson.Answer(201, portal.ToJson(record, null, all: true));
        }
    }

    /// <summary>Checks the <c>associations</c> of a create input: known type ids and existing targets.</summary>
    IResult? AssociationIssue(string type, JsonNode? associations)
    {
        if (associations is not JsonArray list)
        {
            return null;
        }
        foreach (var item in list.OfType<JsonObject>())
        {
            var toId = item["to"] is JsonObject to ? HsJson.ValueText(to["id"]) : null;
            foreach (var spec in (item["types"] as JsonArray ?? []).OfType<JsonObject>())
            {
                var typeId = HsJson.Int(spec, "associationTypeId") ?? -1;
                var toType = TargetOf(type, typeId);
                if (toType is null)
                {
                    return HsJson.ValidationError($"{typeId} is not a valid association type id from {HsSchema.Singular(type).ToLowerInvariant()}");
                }
                if (toId is null || !long.TryParse(toId, NumberStyles.None, CultureInfo.InvariantCulture, out var id) || portal.Find(toType, id) is null)
                {
                    return HsJson.ValidationError($"One or more associations are invalid: {HsSchema.Singular(toType)} {toId} does not exist");
                }
            }
        }
        return null;
    }

    static string? TargetOf(string type, int typeId) =>
        HsSchema.ObjectTypes.FirstOrDefault(to => HsAssociations.Describe(type, to, typeId).Valid);

    void AddCreateAssociations(string type, long id, JsonNode? associations, HsActor actor)
    {
        if (associations is not JsonArray list)
        {
            return;
        }
        foreach (var item in list.OfType<JsonObject>())
        {
            var toId = long.Parse(HsJson.ValueText((item["to"] as JsonObject)?["id"])!, CultureInfo.InvariantCulture);
            foreach (var spec in (item["types"] as JsonArray ?? []).OfType<JsonObject>())
            {
                var typeId = HsJson.Int(spec, "associationTypeId")!.Value;
                portal.Associate(type, id, TargetOf(type, typeId)!, toId, typeId, actor, HsJson.Str(spec, "associationCategory") ?? "HUBSPOT_DEFINED");
            }
        }
    }

    async Task<IResult> Update(HttpContext context, string objectType, string objectId)
    {
        var (type, body, problem) = await ReadTyped(context, objectType);
        if (body is null)
        {
            return problem!;
        }
        var idProperty = context.Request.Query["idProperty"].ToString();
        var actor = HsGate.Actor(context);
        lock (portal.Sync)
        {
            if (NotAnIdProperty(type, idProperty))
            {
                return NonUnique(type, idProperty);
            }
            var record = portal.Resolve(type, objectId, idProperty);
            if (record is null)
            {
                return HsJson.NotFound("resource not found", objectId);
            }
            var (values, issues) = portal.Validate(type, PropertiesOf(body));
            CrossChecks(type, values, record, issues);
            if (issues.Count == 0 && portal.UniqueConflict(type, values, record.Id) is { } conflict)
            {
                issues.Add(conflict);
            }
            if (issues.Count > 0)
            {
                return PropertyErrors(issues);
            }
            portal.Apply(record, values, actor);
            return HsJson.Answer(200, portal.ToJson(record, null, all: true));
        }
    }

    IResult Archive(string objectType, string objectId)
    {
        if (HsSchema.Resolve(objectType) is not { } type)
        {
            return UnknownType(objectType);
        }
        lock (portal.Sync)
        {
            if (long.TryParse(objectId, NumberStyles.None, CultureInfo.InvariantCulture, out var id) && portal.Find(type, id) is { } record)
            {
                portal.Archive(record);
            }
            // Archiving a record that is already gone is not an error.
            return Results.StatusCode(204);
        }
    }

    async Task<IResult> BatchRead(HttpContext context, string objectType)
    {
        var (batch, problem) = await ReadBatch(context, objectType);
        if (batch is null)
        {
            return problem!;
        }
        var (type, body, inputs, started) = batch;
        var properties = HsJson.Strings(body["properties"]);
        var history = HsJson.Strings(body["propertiesWithHistory"]);
        if (history.Count > 0 && inputs.Count > HistoryBatchMax)
        {
            return HsJson.ValidationError($"The maximum number of inputs supported in a batch request for property histories is {HistoryBatchMax}. Please reduce the number of items and try again");
        }
        var idProperty = HsJson.Str(body, "idProperty");
        var archived = HsJson.QueryBool(context.Request, "archived");
        lock (portal.Sync)
        {
            if (NotAnIdProperty(type, idProperty))
            {
                return NonUnique(type, idProperty, "read");
            }
            var results = new JsonArray();
            var missing = new List<string>();
            var seen = new HashSet<long>();
            foreach (var input in inputs.OfType<JsonObject>())
            {
                var id = HsJson.ValueText(input["id"]) ?? "";
                var record = portal.Resolve(type, id, idProperty, archived);
                if (record is null)
                {
                    missing.Add(id);
                }
                else if (seen.Add(record.Id))
                {
                    results.Add(portal.ToJson(record, properties, history));
                }
            }
            return Completed(type, "get", started, results, missing);
        }
    }

    async Task<IResult> BatchCreate(HttpContext context, string objectType)
    {
        var (batch, problem) = await ReadBatch(context, objectType);
        if (batch is null)
        {
            return problem!;
        }
        var (type, _, inputs, started) = batch;
        var actor = HsGate.Actor(context);
        var items = inputs.OfType<JsonObject>().ToList();
        // Partial success is opt-in: only when every input carries an objectWriteTraceId.
        var partial = items.Count > 0 && items.All(i => HsJson.ValueText(i["objectWriteTraceId"]) is not null);
        lock (portal.Sync)
        {
            var checkedInputs = new List<(JsonObject Input, Dictionary<string, string?> Values, List<HsIssue> Issues)>();
            var batchSeen = new Dictionary<(string, string), int>();
            foreach (var input in items)
            {
                var (values, issues) = portal.Validate(type, PropertiesOf(input));
                CrossChecks(type, values, null, issues);
                if (issues.Count == 0 && portal.UniqueConflict(type, values, null, batchSeen) is { } conflict)
                {
                    issues.Add(conflict);
                }
                if (issues.Count == 0 && AssociationIssue(type, input["associations"]) is not null)
                {
                    issues.Add(new HsIssue("associations", "INVALID_ASSOCIATION", "One or more associations are invalid"));
                }
                checkedInputs.Add((input, values, issues));
            }
            var failed = checkedInputs.Where(c => c.Issues.Count > 0).ToList();
            if (failed.Count > 0 && !partial)
            {
                return PropertyErrors(failed[0].Issues);
            }
            var results = new JsonArray();
            var errors = new JsonArray();
            foreach (var (input, values, issues) in checkedInputs)
            {
                var trace = HsJson.ValueText(input["objectWriteTraceId"]);
                if (issues.Count > 0)
                {
                    var error = PropertyErrorBody(issues, new JsonObject { ["objectWriteTraceId"] = new JsonArray(trace) });
                    error.Remove("correlationId");
                    errors.Add(error);
                    continue;
                }
                var record = portal.Create(type, values, actor);
                AddCreateAssociations(type, record.Id, input["associations"], actor);
                var json = portal.ToJson(record, null, all: true);
                if (trace is not null)
                {
                    json["objectWriteTraceId"] = trace;
                }
                results.Add(json);
            }
            return HsJson.Answer(errors.Count > 0 ? 207 : 201, HsJson.BatchEnvelope(started, portal.Now, results, errors));
        }
    }

    /// <summary>Update and upsert refuse a batch that names one id twice.</summary>
    static IResult? DuplicateIds(IEnumerable<JsonObject> items)
    {
        var duplicates = items.Select(i => HsJson.ValueText(i["id"]) ?? "").GroupBy(i => i, StringComparer.OrdinalIgnoreCase).Where(g => g.Count() > 1).Select(g => g.Key).ToList();
        return duplicates.Count > 0
            ? HsJson.ValidationError($"Duplicate IDs found in batch input: [{string.Join(", ", duplicates)}]. IDs must be unique")
            : null;
    }

    async Task<IResult> BatchUpdate(HttpContext context, string objectType)
    {
        var (batch, problem) = await ReadBatch(context, objectType);
        if (batch is null)
        {
            return problem!;
        }
        var (type, _, inputs, started) = batch;
        var items = inputs.OfType<JsonObject>().ToList();
        if (DuplicateIds(items) is { } duplicate)
        {
            return duplicate;
        }
        var actor = HsGate.Actor(context);
        lock (portal.Sync)
        {
            var planned = new List<(HsRecord Record, Dictionary<string, string?> Values)>();
            var missing = new List<string>();
            var issues = new List<HsIssue>();
            var batchSeen = new Dictionary<(string, string), int>();
            foreach (var input in items)
            {
                var id = HsJson.ValueText(input["id"]) ?? "";
                var idProperty = HsJson.Str(input, "idProperty");
                if (NotAnIdProperty(type, idProperty))
                {
                    return NonUnique(type, idProperty);
                }
                var (values, valueIssues) = portal.Validate(type, PropertiesOf(input));
                var record = portal.Resolve(type, id, idProperty);
                if (record is not null)
                {
                    CrossChecks(type, values, record, valueIssues);
                }
                issues.AddRange(valueIssues);
                if (record is null)
                {
                    missing.Add(id);
                    continue;
                }
                if (valueIssues.Count == 0 && portal.UniqueConflict(type, values, record.Id, batchSeen) is { } conflict)
                {
                    issues.Add(conflict);
                }
                planned.Add((record, values));
            }
            // One invalid value fails the whole batch: nothing is written.
            if (issues.Count > 0)
            {
                return PropertyErrors(issues);
            }
            var results = new JsonArray();
            foreach (var (record, values) in planned)
            {
                portal.Apply(record, values, actor);
                results.Add(portal.ToJson(record, null, all: true));
            }
            return Completed(type, "update", started, results, missing);
        }
    }

    async Task<IResult> BatchUpsert(HttpContext context, string objectType)
    {
        var (batch, problem) = await ReadBatch(context, objectType);
        if (batch is null)
        {
            return problem!;
        }
        var (type, _, inputs, started) = batch;
        var items = inputs.OfType<JsonObject>().ToList();
        if (DuplicateIds(items) is { } duplicate)
        {
            return duplicate;
        }
        var actor = HsGate.Actor(context);
        lock (portal.Sync)
        {
            var planned = new List<(HsRecord? Existing, string IdProperty, string Id, Dictionary<string, string?> Values)>();
            var issues = new List<HsIssue>();
            var batchSeen = new Dictionary<(string, string), int>();
            foreach (var input in items)
            {
                var id = HsJson.ValueText(input["id"]) ?? "";
                var idProperty = HsJson.Str(input, "idProperty");
                if (string.IsNullOrEmpty(idProperty))
                {
                    return HsJson.ValidationError("idProperty is required for upsert inputs");
                }
                if (id.Length == 0)
                {
                    return HsJson.ValidationError($"Every upsert input needs an id: the value of {idProperty} to match on");
                }
                if (!portal.IsUnique(type, idProperty))
                {
                    return NonUnique(type, idProperty);
                }
                var raw = PropertiesOf(input);
                raw[idProperty] = id;
                var (values, valueIssues) = portal.Validate(type, raw);
                var existing = portal.Resolve(type, id, idProperty);
                CrossChecks(type, values, existing, valueIssues);
                issues.AddRange(valueIssues);
                if (valueIssues.Count == 0 && portal.UniqueConflict(type, values, existing?.Id, batchSeen) is { } conflict)
                {
                    issues.Add(conflict);
                }
                planned.Add((existing, idProperty, id, values));
            }
            if (issues.Count > 0)
            {
                return HsJson.Answer(400, PropertyErrorBody(issues));
            }
            var results = new JsonArray();
            foreach (var (existing, _, _, values) in planned)
            {
                var record = existing ?? portal.Create(type, values, actor);
                if (existing is not null)
                {
                    portal.Apply(existing, values, actor);
                }
                var json = portal.ToJson(record, null, all: true);
                json["new"] = existing is null;
                results.Add(json);
            }
            return HsJson.Answer(200, HsJson.BatchEnvelope(started, portal.Now, results));
        }
    }

    async Task<IResult> BatchArchive(HttpContext context, string objectType)
    {
        var (batch, problem) = await ReadBatch(context, objectType);
        if (batch is null)
        {
            return problem!;
        }
        var (type, _, inputs, _) = batch;
        lock (portal.Sync)
        {
            foreach (var input in inputs.OfType<JsonObject>())
            {
                if (long.TryParse(HsJson.ValueText(input["id"]), NumberStyles.None, CultureInfo.InvariantCulture, out var id) && portal.Find(type, id) is { } record)
                {
                    portal.Archive(record);
                }
            }
            return Results.StatusCode(204);
        }
    }

    /// <summary>
    /// Contacts only: "Permanently delete a contact and all associated content to follow GDPR" (the spec). The contact
    /// is gone for good, archived reads included, and unassociated from every record; an id merged into it no longer
    /// resolves. With <c>idProperty: email</c> and no such contact, "the email address will be added to a blocklist"
    /// and the call succeeds. The blocklist holds deleted contacts' emails too, and is in the export; it does not
    /// refuse API creates, since HubSpot's knowledge base says a permanently deleted contact "may only be added back
    /// … through an API request" (or a form or an email), and the sandbox has neither UI nor imports to block.
    /// </summary>
    async Task<IResult> GdprDelete(HttpContext context, string objectType)
    {
        if (HsSchema.Resolve(objectType) != HsSchema.Contacts)
        {
            return UnknownType(objectType);
        }
        var (body, problem) = await HsJson.ReadObject(context.Request);
        if (body is null)
        {
            return problem!;
        }
        var id = HsJson.ValueText(body["objectId"]);
        if (id is null)
        {
            return HsJson.InvalidJson("objectId is required");
        }
        lock (portal.Sync)
        {
            var idProperty = HsJson.Str(body, "idProperty");
            if (NotAnIdProperty(HsSchema.Contacts, idProperty))
            {
                return NonUnique(HsSchema.Contacts, idProperty);
            }
            var record = portal.Resolve(HsSchema.Contacts, id, idProperty) ?? portal.Resolve(HsSchema.Contacts, id, idProperty, archived: true);
            if (record is null)
            {
                if (idProperty == "email")
                {
                    portal.GdprBlocklist.Add(id.Trim().ToLowerInvariant());
                    return Results.StatusCode(204);
                }
                return HsJson.NotFound("Object not found.  objectId are usually numeric.", id);
            }
            if (record.Props.TryGetValue("email", out var email))
            {
                portal.GdprBlocklist.Add(email);
            }
            portal.Retire(record, portal.Now);
            var merges = portal.MergedInto[HsSchema.Contacts];
            foreach (var old in merges.Where(m => m.Value == record.Id).Select(m => m.Key).ToList())
            {
                merges.Remove(old);
            }
            return Results.StatusCode(204);
        }
    }

    async Task<IResult> Merge(HttpContext context, string objectType)
    {
        if (HsSchema.Resolve(objectType) is not { } type || HsSchema.Activities.Contains(type))
        {
            return UnknownType(objectType);
        }
        var (body, problem) = await HsJson.ReadObject(context.Request);
        if (body is null)
        {
            return problem!;
        }
        var primaryId = HsJson.ValueText(body["primaryObjectId"]);
        var mergedId = HsJson.ValueText(body["objectIdToMerge"]);
        if (primaryId is null || mergedId is null)
        {
            return HsJson.InvalidJson("primaryObjectId and objectIdToMerge are required");
        }
        var actor = HsGate.Actor(context);
        lock (portal.Sync)
        {
            var primary = portal.Resolve(type, primaryId, null);
            var merged = portal.Resolve(type, mergedId, null);
            if (primary is null || merged is null)
            {
                return HsJson.NotFound($"Could not find {HsSchema.Singular(type).ToLowerInvariant()} {(primary is null ? primaryId : mergedId)}", primary is null ? primaryId : mergedId);
            }
            if (primary.Id == merged.Id)
            {
                return HsJson.ValidationError("Cannot merge an object with itself");
            }
            var result = HsMerge.GivesNewId(type)
                ? HsMerge.MergeIntoNew(portal, primary, merged, actor)
                : HsMerge.MergeKeepingPrimaryId(portal, primary, merged, actor);
            return HsJson.Answer(200, portal.ToJson(result, null, all: true));
        }
    }
}

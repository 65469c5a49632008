using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace AbmSync.Sandbox.HubSpot;

/// <summary>The properties API: property and group definitions per object type (CRM properties v3 / 2026-03).</summary>
internal sealed partial class HsPropertiesApi(HsPortal portal)
{
    static readonly string[] Types = ["string", "number", "date", "datetime", "enumeration", "bool", "phone_number"];

    static readonly Dictionary<string, string[]> FieldTypes = new(StringComparer.Ordinal)
    {
        ["string"] = ["text", "textarea", "html", "phonenumber", "file"],
        ["number"] = ["number", "calculation_equation"],
        ["date"] = ["date"],
        ["datetime"] = ["date"],
        ["enumeration"] = ["select", "radio", "checkbox", "booleancheckbox"],
        ["bool"] = ["booleancheckbox"],
        ["phone_number"] = ["phonenumber", "text"],
    };

    [GeneratedRegex("^[a-z][a-z0-9_]*$")]
    private static partial Regex NamePattern();

    public void Map(RouteGroupBuilder group)
    {
        // Reads of definitions count as reads; changing the schema is neither a record read nor a record write.
        group.MapGet("/{objectType}", ListProperties).Counts(CallKind.Read);
        group.MapPost("/{objectType}", CreateProperty).Counts(CallKind.Other);
        group.MapPost("/{objectType}/batch/create", BatchCreate).Counts(CallKind.Other);
        group.MapPost("/{objectType}/batch/read", BatchRead).Counts(CallKind.Read);
        group.MapPost("/{objectType}/batch/archive", BatchArchive).Counts(CallKind.Other);
        group.MapGet("/{objectType}/groups", ListGroups).Counts(CallKind.Read);
        group.MapPost("/{objectType}/groups", CreateGroup).Counts(CallKind.Other);
        group.MapGet("/{objectType}/groups/{groupName}", GetGroup).Counts(CallKind.Read);
        group.MapPatch("/{objectType}/groups/{groupName}", UpdateGroup).Counts(CallKind.Other);
        group.MapDelete("/{objectType}/groups/{groupName}", ArchiveGroup).Counts(CallKind.Other);
        group.MapGet("/{objectType}/{propertyName}", GetProperty).Counts(CallKind.Read);
        group.MapPatch("/{objectType}/{propertyName}", UpdateProperty).Counts(CallKind.Other);
        group.MapDelete("/{objectType}/{propertyName}", ArchiveProperty).Counts(CallKind.Other);
    }

    /// <summary>The <c>inputs</c> of a batch body; these endpoints take a missing list as an empty one.</summary>
    static IEnumerable<JsonObject> InputsOf(JsonObject body) => (body["inputs"] as JsonArray ?? []).OfType<JsonObject>();

    static IEnumerable<string> NamesOf(JsonObject body) => InputsOf(body).Select(i => HsJson.Str(i, "name") ?? "");

    static IResult PropertyNotFound(string type, string name) =>
        HsJson.Answer(404, HsJson.Error("OBJECT_NOT_FOUND", $"Unable to find property {name} on object type {HsSchema.TypeId(type)}"));

    static IResult GroupNotFound(string type, string name) =>
        HsJson.Answer(404, HsJson.Error("OBJECT_NOT_FOUND", $"Unable to find property group {name} on object type {HsSchema.TypeId(type)}"));

    IResult ListProperties(HttpContext context, string objectType)
    {
        if (HsSchema.Resolve(objectType) is not { } type)
        {
            return HsObjectsApi.UnknownType(objectType);
        }
        var archived = HsJson.QueryBool(context.Request, "archived");
        var only = HsJson.QueryList(context.Request, "properties");
        lock (portal.Sync)
        {
            var results = portal.Properties[type].Values
                .Where(p => p.Archived == archived && (only.Count == 0 || only.Contains(p.Name)))
                .Select(p => (JsonNode)p.ToJson())
                .ToArray();
            return HsJson.Answer(200, new JsonObject { ["results"] = new JsonArray(results) });
        }
    }

    IResult GetProperty(HttpContext context, string objectType, string propertyName)
    {
        if (HsSchema.Resolve(objectType) is not { } type)
        {
            return HsObjectsApi.UnknownType(objectType);
        }
        var archived = HsJson.QueryBool(context.Request, "archived");
        lock (portal.Sync)
        {
            return portal.Properties[type].TryGetValue(propertyName, out var p) && p.Archived == archived
                ? HsJson.Answer(200, p.ToJson())
                : PropertyNotFound(type, propertyName);
        }
    }

    /// <summary>Validates a PropertyCreate body; the property, or the error body to answer.</summary>
    (HsProperty? Property, JsonObject? Error, int Status) Build(string type, JsonObject body)
    {
        var name = HsJson.Str(body, "name");
        var label = HsJson.Str(body, "label");
        var propType = HsJson.Str(body, "type");
        var fieldType = HsJson.Str(body, "fieldType");
        var groupName = HsJson.Str(body, "groupName");
        var missing = new[] { ("name", name), ("label", label), ("type", propType), ("fieldType", fieldType), ("groupName", groupName) }
            .Where(f => string.IsNullOrEmpty(f.Item2)).Select(f => f.Item1).ToList();
        if (missing.Count > 0)
        {
            return (null, HsJson.Error("VALIDATION_ERROR", $"Invalid input JSON: missing required field(s) {string.Join(", ", missing)}"), 400);
        }
        if (!NamePattern().IsMatch(name!) || name!.StartsWith("hs_", StringComparison.Ordinal))
        {
            return (null, HsJson.Error("VALIDATION_ERROR",
                $"Property name {name} is invalid: use lowercase letters, digits and underscores, starting with a letter, and not the hs_ prefix"), 400);
        }
        if (!Types.Contains(propType))
        {
            return (null, HsJson.Error("VALIDATION_ERROR", $"{propType} is not a valid property type; expected one of {string.Join(", ", Types)}"), 400);
        }
        if (!FieldTypes[propType!].Contains(fieldType))
        {
            return (null, HsJson.Error("VALIDATION_ERROR", $"fieldType {fieldType} is not valid for a property of type {propType}"), 400);
        }
        if (!portal.Groups[type].TryGetValue(groupName!, out var group) || group.Archived)
        {
            return (null, HsJson.Error("VALIDATION_ERROR", $"Property group {groupName} does not exist on object type {HsSchema.TypeId(type)}"), 400);
        }
        var options = ParseOptions(body["options"]);
        // A HubSpot-user property: its values are the portal's owners (the changelog "CRM v3 Properties API updated to
        // include the creation of HubSpot User field type"); the only referenced type a property can name is OWNER.
        var external = HsJson.Bool(body, "externalOptions") ?? false;
        var referenced = HsJson.Str(body, "referencedObjectType");
        if (external && (referenced != "OWNER" || propType != "enumeration"))
        {
            return (null, HsJson.Error("VALIDATION_ERROR", $"Property {name}: externalOptions needs type enumeration and referencedObjectType OWNER"), 400);
        }
        if (!external && referenced is not null)
        {
            return (null, HsJson.Error("VALIDATION_ERROR", $"Property {name}: referencedObjectType is only allowed with externalOptions"), 400);
        }
        if (propType == "enumeration" && options.Count == 0 && fieldType != "booleancheckbox" && !external)
        {
            return (null, HsJson.Error("VALIDATION_ERROR", $"Enumeration property {name} needs at least one option"), 400);
        }
        if (propType == "bool" || fieldType == "booleancheckbox")
        {
            options = options.Count > 0 ? options : [new HsOption("Yes", "true", 0), new HsOption("No", "false", 1)];
        }
        var duplicate = options.GroupBy(o => o.Value, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
        {
            return (null, HsJson.Error("VALIDATION_ERROR", $"Option value {duplicate.Key} appears more than once"), 400);
        }
        var hasUnique = HsJson.Bool(body, "hasUniqueValue") ?? false;
        if (hasUnique && propType is not ("string" or "number"))
        {
            return (null, HsJson.Error("VALIDATION_ERROR", "Only string and number properties can require unique values"), 400);
        }
        var now = portal.Now;
        return (new HsProperty
        {
            Name = name,
            Label = label!,
            Type = propType!,
            FieldType = fieldType!,
            GroupName = groupName!,
            Description = HsJson.Str(body, "description") ?? "",
            Options = options,
            DisplayOrder = HsJson.Int(body, "displayOrder") ?? -1,
            HasUniqueValue = hasUnique,
            Hidden = HsJson.Bool(body, "hidden") ?? false,
            FormField = HsJson.Bool(body, "formField") ?? false,
            ExternalOptions = external,
            ReferencedObjectType = external ? referenced : null,
            HubSpotDefined = false,
            CreatedAt = now,
            UpdatedAt = now,
        }, null, 201);
    }

    static List<HsOption> ParseOptions(JsonNode? node) =>
        (node as JsonArray ?? []).OfType<JsonObject>()
            .Select((o, i) => new HsOption(HsJson.Str(o, "label") ?? HsJson.ValueText(o["value"]) ?? "", HsJson.ValueText(o["value"]) ?? "",
                HsJson.Int(o, "displayOrder") ?? i, HsJson.Bool(o, "hidden") ?? false))
            .ToList();

    JsonObject? Conflict(string type, string name) =>
        portal.Properties[type].TryGetValue(name, out var existing)
            ? HsJson.Error("OBJECT_ALREADY_EXISTS", $"A property named '{name}' already exists{(existing.Archived ? " (archived)" : "")}.",
                new JsonObject { ["name"] = new JsonArray(name) }, subCategory: "PropertyValidationError.PROPERTY_EXISTS")
            : null;

    void Install(string type, HsProperty property)
    {
        portal.Properties[type][property.Name] = property;
        if (property.HasUniqueValue)
        {
            portal.IndexUnique(type, property.Name);
        }
    }

    async Task<IResult> CreateProperty(HttpContext context, string objectType)
    {
        var (type, body, problem) = await HsObjectsApi.ReadTyped(context, objectType);
        if (body is null)
        {
            return problem!;
        }
        lock (portal.Sync)
        {
            if (Conflict(type, HsJson.Str(body, "name") ?? "") is { } conflict)
            {
                return HsJson.Answer(409, conflict);
            }
            var (property, error, status) = Build(type, body);
            if (property is null)
            {
                return HsJson.Answer(status, error!);
            }
            Install(type, property);
            return HsJson.Answer(201, property.ToJson());
        }
    }

    async Task<IResult> BatchCreate(HttpContext context, string objectType)
    {
        var started = portal.Now;
        var (type, body, problem) = await HsObjectsApi.ReadTyped(context, objectType);
        if (body is null)
        {
            return problem!;
        }
        var inputs = InputsOf(body).ToList();
        lock (portal.Sync)
        {
            var results = new JsonArray();
            var errors = new JsonArray();
            foreach (var input in inputs)
            {
                var error = Conflict(type, HsJson.Str(input, "name") ?? "");
                HsProperty? property = null;
                if (error is null)
                {
                    (property, error, _) = Build(type, input);
                }
                if (property is null)
                {
                    error!.Remove("correlationId");
                    errors.Add(error);
                    continue;
                }
                Install(type, property);
                results.Add(property.ToJson());
            }
            return HsJson.Answer(errors.Count > 0 ? 207 : 201, HsJson.BatchEnvelope(started, portal.Now, results, errors));
        }
    }

    async Task<IResult> BatchRead(HttpContext context, string objectType)
    {
        var started = portal.Now;
        var (type, body, problem) = await HsObjectsApi.ReadTyped(context, objectType);
        if (body is null)
        {
            return problem!;
        }
        var archived = HsJson.Bool(body, "archived") ?? false;
        var names = NamesOf(body).ToList();
        lock (portal.Sync)
        {
            var results = new JsonArray();
            var missing = new List<string>();
            foreach (var name in names)
            {
                if (portal.Properties[type].TryGetValue(name, out var p) && p.Archived == archived)
                {
                    results.Add(p.ToJson());
                }
                else
                {
                    missing.Add(name);
                }
            }
            // This error entry has no errors or links, unlike the objects API's.
            JsonArray? errors = missing.Count == 0 ? null :
            [
                new JsonObject
                {
                    ["status"] = "error",
                    ["category"] = "OBJECT_NOT_FOUND",
                    ["message"] = $"Could not find properties: {string.Join(", ", missing)}",
                    ["context"] = new JsonObject { ["names"] = HsJson.StringArray(missing) },
                },
            ];
            return HsJson.Answer(missing.Count > 0 ? 207 : 200, HsJson.BatchEnvelope(started, portal.Now, results, errors));
        }
    }

    async Task<IResult> BatchArchive(HttpContext context, string objectType)
    {
        var (type, body, problem) = await HsObjectsApi.ReadTyped(context, objectType);
        if (body is null)
        {
            return problem!;
        }
        lock (portal.Sync)
        {
            foreach (var name in NamesOf(body))
            {
                if (portal.Properties[type].TryGetValue(name, out var p) && !p.HubSpotDefined)
                {
                    p.Archived = true;
                    p.ArchivedAt = portal.Now;
                }
            }
            return Results.StatusCode(204);
        }
    }

    async Task<IResult> UpdateProperty(HttpContext context, string objectType, string propertyName)
    {
        var (type, body, problem) = await HsObjectsApi.ReadTyped(context, objectType);
        if (body is null)
        {
            return problem!;
        }
        lock (portal.Sync)
        {
            if (portal.Property(type, propertyName) is not { } p)
            {
                return PropertyNotFound(type, propertyName);
            }
            if (p.HubSpotDefined && (body.ContainsKey("type") || body.ContainsKey("fieldType") || body.ContainsKey("groupName")))
            {
                return HsJson.ValidationError($"Property {propertyName} is defined by HubSpot; its type, field type and group cannot be changed");
            }
            if (body.ContainsKey("hasUniqueValue"))
            {
                return HsJson.ValidationError("hasUniqueValue cannot be changed after a property is created");
            }
            var newType = HsJson.Str(body, "type") ?? p.Type;
            var newFieldType = HsJson.Str(body, "fieldType") ?? p.FieldType;
            if (!Types.Contains(newType) || !FieldTypes[newType].Contains(newFieldType))
            {
                return HsJson.ValidationError($"fieldType {newFieldType} is not valid for a property of type {newType}");
            }
            var newGroup = HsJson.Str(body, "groupName") ?? p.GroupName;
            if (!portal.Groups[type].TryGetValue(newGroup, out var g) || g.Archived)
            {
                return HsJson.ValidationError($"Property group {newGroup} does not exist on object type {HsSchema.TypeId(type)}");
            }
            p.Type = newType;
            p.FieldType = newFieldType;
            p.GroupName = newGroup;
            p.Label = HsJson.Str(body, "label") ?? p.Label;
            p.Description = HsJson.Str(body, "description") ?? p.Description;
            p.DisplayOrder = HsJson.Int(body, "displayOrder") ?? p.DisplayOrder;
            p.Hidden = HsJson.Bool(body, "hidden") ?? p.Hidden;
            p.FormField = HsJson.Bool(body, "formField") ?? p.FormField;
            if (body["options"] is JsonArray)
            {
                p.Options = ParseOptions(body["options"]);
            }
            p.UpdatedAt = portal.Now;
            return HsJson.Answer(200, p.ToJson());
        }
    }

    IResult ArchiveProperty(string objectType, string propertyName)
    {
        if (HsSchema.Resolve(objectType) is not { } type)
        {
            return HsObjectsApi.UnknownType(objectType);
        }
        lock (portal.Sync)
        {
            if (portal.Property(type, propertyName) is not { } p)
            {
                return PropertyNotFound(type, propertyName);
            }
            if (p.HubSpotDefined)
            {
                return HsJson.ValidationError($"Property {propertyName} is defined by HubSpot and cannot be archived");
            }
            p.Archived = true;
            p.ArchivedAt = portal.Now;
            return Results.StatusCode(204);
        }
    }

    IResult ListGroups(string objectType)
    {
        if (HsSchema.Resolve(objectType) is not { } type)
        {
            return HsObjectsApi.UnknownType(objectType);
        }
        lock (portal.Sync)
        {
            var results = portal.Groups[type].Values.Where(g => !g.Archived).Select(g => (JsonNode)g.ToJson()).ToArray();
            return HsJson.Answer(200, new JsonObject { ["results"] = new JsonArray(results) });
        }
    }

    IResult GetGroup(string objectType, string groupName)
    {
        if (HsSchema.Resolve(objectType) is not { } type)
        {
            return HsObjectsApi.UnknownType(objectType);
        }
        lock (portal.Sync)
        {
            return portal.Groups[type].TryGetValue(groupName, out var g) && !g.Archived
                ? HsJson.Answer(200, g.ToJson())
                : GroupNotFound(type, groupName);
        }
    }

    async Task<IResult> CreateGroup(HttpContext context, string objectType)
    {
        var (type, body, problem) = await HsObjectsApi.ReadTyped(context, objectType);
        if (body is null)
        {
            return problem!;
        }
        var name = HsJson.Str(body, "name");
        var label = HsJson.Str(body, "label");
        if (string.IsNullOrEmpty(name) || string.IsNullOrEmpty(label))
        {
            return HsJson.ValidationError("Invalid input JSON: name and label are required");
        }
        if (!NamePattern().IsMatch(name))
        {
            return HsJson.ValidationError($"Property group name {name} is invalid: use lowercase letters, digits and underscores, starting with a letter");
        }
        lock (portal.Sync)
        {
            if (portal.Groups[type].TryGetValue(name, out var existing) && !existing.Archived)
            {
                return HsJson.Answer(409, HsJson.Error("OBJECT_ALREADY_EXISTS", $"A property group named '{name}' already exists.",
                    new JsonObject { ["name"] = new JsonArray(name) }));
            }
            var group = new HsGroup { Name = name, Label = label, DisplayOrder = HsJson.Int(body, "displayOrder") ?? -1 };
            portal.Groups[type][name] = group;
            return HsJson.Answer(201, group.ToJson());
        }
    }

    async Task<IResult> UpdateGroup(HttpContext context, string objectType, string groupName)
    {
        var (type, body, problem) = await HsObjectsApi.ReadTyped(context, objectType);
        if (body is null)
        {
            return problem!;
        }
        lock (portal.Sync)
        {
            if (!portal.Groups[type].TryGetValue(groupName, out var g) || g.Archived)
            {
                return GroupNotFound(type, groupName);
            }
            g.Label = HsJson.Str(body, "label") ?? g.Label;
            g.DisplayOrder = HsJson.Int(body, "displayOrder") ?? g.DisplayOrder;
            return HsJson.Answer(200, g.ToJson());
        }
    }

    IResult ArchiveGroup(string objectType, string groupName)
    {
        if (HsSchema.Resolve(objectType) is not { } type)
        {
            return HsObjectsApi.UnknownType(objectType);
        }
        lock (portal.Sync)
        {
            if (!portal.Groups[type].TryGetValue(groupName, out var g) || g.Archived)
            {
                return GroupNotFound(type, groupName);
            }
            if (portal.Properties[type].Values.Any(p => p.GroupName == groupName && !p.Archived))
            {
                return HsJson.ValidationError($"Property group {groupName} still has properties; move or archive them first");
            }
            g.Archived = true;
            return Results.StatusCode(204);
        }
    }
}

using System.Text.Json.Nodes;

namespace AbmSync.Connectors.Salesforce;

/// <summary>The parts of <c>GET /sobjects/{S}/describe</c> a sync needs to check a mapping.</summary>
public sealed record SObjectDescribe(
    string Name,
    string Label,
    bool Custom,
    string? KeyPrefix,
    bool Createable,
    bool Updateable,
    bool Queryable,
    IReadOnlyList<SObjectField> Fields)
{
    public SObjectField? Field(string name) =>
        Fields.FirstOrDefault(f => string.Equals(f.Name, name, StringComparison.OrdinalIgnoreCase));

    internal static SObjectDescribe FromJson(JsonObject obj) => new(
        (string?)obj["name"] ?? "",
        (string?)obj["label"] ?? "",
        (bool?)obj["custom"] ?? false,
        (string?)obj["keyPrefix"],
        (bool?)obj["createable"] ?? false,
        (bool?)obj["updateable"] ?? false,
        (bool?)obj["queryable"] ?? false,
        obj["fields"] is JsonArray fields ? fields.OfType<JsonObject>().Select(SObjectField.FromJson).ToArray() : []);
}

/// <summary>One describe field. <paramref name="Type"/> is Salesforce's type name (string, picklist, reference, datetime, ...).</summary>
public sealed record SObjectField(
    string Name,
    string Label,
    string Type,
    int Length,
    int Precision,
    int Scale,
    bool Custom,
    bool Nillable,
    bool Createable,
    bool Updateable,
    bool Calculated,
    bool ExternalId,
    bool Unique,
    bool RestrictedPicklist,
    IReadOnlyList<PicklistValue> PicklistValues,
    IReadOnlyList<string> ReferenceTo,
    string? RelationshipName)
{
    internal static SObjectField FromJson(JsonObject f) => new(
        (string?)f["name"] ?? "",
        (string?)f["label"] ?? "",
        (string?)f["type"] ?? "",
        (int?)f["length"] ?? 0,
        (int?)f["precision"] ?? 0,
        (int?)f["scale"] ?? 0,
        (bool?)f["custom"] ?? false,
        (bool?)f["nillable"] ?? false,
        (bool?)f["createable"] ?? false,
        (bool?)f["updateable"] ?? false,
        (bool?)f["calculated"] ?? false,
        (bool?)f["externalId"] ?? false,
        (bool?)f["unique"] ?? false,
        (bool?)f["restrictedPicklist"] ?? false,
        f["picklistValues"] is JsonArray values
            ? values.OfType<JsonObject>().Select(v => new PicklistValue(
                (string?)v["value"] ?? "", (string?)v["label"] ?? "", (bool?)v["active"] ?? false, (bool?)v["defaultValue"] ?? false)).ToArray()
            : [],
        f["referenceTo"] is JsonArray refs ? refs.Select(r => (string?)r).OfType<string>().ToArray() : [],
        (string?)f["relationshipName"]);
}

public sealed record PicklistValue(string Value, string Label, bool Active, bool DefaultValue);

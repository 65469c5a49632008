using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace AbmSync.Sandbox.Salesforce;

/// <summary>A top-level REST error: the whole request fails with <see cref="Status"/> and an error array.</summary>
public sealed class SfRequestException(int status, string errorCode, string message, IReadOnlyList<string>? fields = null) : Exception(message)
{
    public int Status { get; } = status;
    public string ErrorCode { get; } = errorCode;
    public IReadOnlyList<string>? Fields { get; } = fields;
}

/// <summary>A per-record error of a DML result (collections use <c>statusCode</c>, not <c>errorCode</c>).</summary>
public sealed record SfError(string StatusCode, string Message, IReadOnlyList<string> Fields)
{
    /// <summary>The DuplicateError's duplicateResult, on a DUPLICATES_DETECTED error; null on every other.</summary>
    public JsonObject? DuplicateResult { get; init; }

    public JsonObject ToJson()
    {
        var json = new JsonObject();
        if (DuplicateResult is not null)
        {
            json["duplicateResult"] = DuplicateResult.DeepClone();
        }
        json["statusCode"] = StatusCode;
        json["message"] = Message;
        json["fields"] = new JsonArray([.. Fields.Select(f => (JsonNode?)JsonValue.Create(f))]);
        return json;
    }
}

/// <summary>JSON and value formatting as the REST API answers it.</summary>
public static class SfJson
{
    public const string DateTimeFormat = "yyyy-MM-dd'T'HH:mm:ss.fff'+0000'";

    public static JsonNode? Value(object? value) => value switch
    {
        null => null,
        string s => JsonValue.Create(s),
        bool b => JsonValue.Create(b),
        decimal d => JsonValue.Create(d),
        DateTimeOffset t => JsonValue.Create(t.UtcDateTime.ToString(DateTimeFormat, CultureInfo.InvariantCulture)),
        DateOnly d => JsonValue.Create(d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)),
        _ => JsonValue.Create(Convert.ToString(value, CultureInfo.InvariantCulture)),
    };

    /// <summary>A value as a CSV cell (Bulk API 2.0): same text as JSON, null as empty.</summary>
    public static string Text(object? value) => value switch
    {
        null => "",
        bool b => b ? "true" : "false",
        decimal d => d.ToString(CultureInfo.InvariantCulture),
        DateTimeOffset t => t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture),
        DateOnly d => d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        _ => Convert.ToString(value, CultureInfo.InvariantCulture) ?? "",
    };

    public static string RecordUrl(string version, SfObject type, string id) => $"/services/data/{version}/sobjects/{type.Name}/{id}";

    public static JsonObject Attributes(string version, SfRecord record) => new()
    {
        ["type"] = record.Type.Name,
        ["url"] = RecordUrl(version, record.Type, record.Id),
    };

    /// <summary>A record with the given fields (every field when null), as GET of a record answers it.</summary>
    public static JsonObject Record(string version, SfRecord record, IEnumerable<SfField>? fields = null)
    {
        var json = new JsonObject { ["attributes"] = Attributes(version, record) };
        foreach (var field in fields ?? record.Type.Fields)
        {
            json[field.Name] = Value(record[field.Name]);
        }
        return json;
    }

    // The default encoder writes "+" as \u002B; the API sends datetimes with a literal "+0000".
    static readonly JsonSerializerOptions Relaxed = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static IResult Result(JsonNode? body, int status = StatusCodes.Status200OK) =>
        Results.Content(body?.ToJsonString(Relaxed) ?? "null", "application/json;charset=UTF-8", null, status);

    public static IResult Error(int status, string errorCode, string message, IReadOnlyList<string>? fields = null, JsonObject? duplicateResult = null)
    {
        var error = new JsonObject();
        if (duplicateResult is not null)
        {
            error["duplicateResult"] = duplicateResult.DeepClone();
        }
        error["message"] = message;
        error["errorCode"] = errorCode;
        if (fields is not null)
        {
            error["fields"] = new JsonArray([.. fields.Select(f => (JsonNode?)JsonValue.Create(f))]);
        }
        return Result(new JsonArray(error), status);
    }

    public static IResult Error(SfRequestException e) => Error(e.Status, e.ErrorCode, e.Message, e.Fields);

    public static async Task<JsonNode> ReadBody(HttpRequest request)
    {
        try
        {
            var node = await JsonNode.ParseAsync(request.Body, cancellationToken: request.HttpContext.RequestAborted);
            return node ?? throw new SfRequestException(400, "JSON_PARSER_ERROR", "The request body is empty.");
        }
        catch (JsonException e)
        {
            throw new SfRequestException(400, "JSON_PARSER_ERROR", $"Unexpected character in the request body: {e.Message}");
        }
    }
}

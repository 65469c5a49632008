using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace AbmSync.Sandbox.HubSpot;

/// <summary>JSON answers in HubSpot's shapes: timestamps, the <c>Error</c> body, batch envelopes.</summary>
internal static class HsJson
{
    public const string ContentType = "application/json;charset=utf-8";

    public static string Timestamp(DateTimeOffset t) =>
        t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    public static IResult Answer(int status, JsonNode body) =>
        Results.Text(body.ToJsonString(), ContentType, Encoding.UTF8, status);

    /// <summary>HubSpot's <c>Error</c> schema: status, message, correlationId, category, optional context and errors.</summary>
    public static JsonObject Error(string category, string message, JsonObject? context = null, JsonArray? errors = null, string? subCategory = null)
    {
        var body = new JsonObject
        {
            ["status"] = "error",
            ["message"] = message,
            ["correlationId"] = Guid.NewGuid().ToString(),
            ["category"] = category,
        };
        if (subCategory is not null)
        {
            body["subCategory"] = subCategory;
        }
        if (context is not null)
        {
            body["context"] = context;
        }
        if (errors is not null)
        {
            body["errors"] = errors;
        }
        return body;
    }

    public static IResult ValidationError(string message, JsonArray? errors = null, JsonObject? context = null) =>
        Answer(400, Error("VALIDATION_ERROR", message, context, errors));

    public static IResult NotFound(string message, string? id = null) =>
        Answer(404, Error("OBJECT_NOT_FOUND", message, id is null ? null : new JsonObject { ["id"] = new JsonArray(id) }));

    public static IResult InvalidJson(string detail) =>
        ValidationError($"Invalid input JSON : {detail}");

    /// <summary>Reads a request body as a JSON object; null with the answer to give when it is not one.</summary>
    public static async Task<(JsonObject? Body, IResult? Problem)> ReadObject(HttpRequest request)
    {
        try
        {
            var node = await JsonNode.ParseAsync(request.Body, cancellationToken: request.HttpContext.RequestAborted);
            return node is JsonObject obj ? (obj, null) : (null, InvalidJson("expected a JSON object"));
        }
        catch (JsonException e)
        {
            return (null, InvalidJson(e.Message));
        }
    }

    /// <summary>The <c>inputs</c> of a batch body: required, and at most <paramref name="max"/> of them.</summary>
    public static (JsonArray? Inputs, IResult? Problem) BatchInputs(JsonObject body, int max)
    {
        if (body["inputs"] is not JsonArray inputs)
        {
            return (null, InvalidJson("inputs is required"));
        }
        return inputs.Count > max
            ? (null, ValidationError($"The maximum number of inputs supported in a batch is {max}. Please reduce the number of items and try again"))
            : (inputs, null);
    }

    /// <summary>A batch answer: COMPLETE with its results, and <c>numErrors</c> and <c>errors</c> only when there are errors.</summary>
    public static JsonObject BatchEnvelope(DateTimeOffset started, DateTimeOffset completed, JsonArray results, JsonArray? errors = null)
    {
        var body = new JsonObject
        {
            ["status"] = "COMPLETE",
            ["results"] = results,
            ["startedAt"] = Timestamp(started),
            ["completedAt"] = Timestamp(completed),
        };
        if (errors is { Count: > 0 })
        {
            body["numErrors"] = errors.Count;
            body["errors"] = errors;
        }
        return body;
    }

    /// <summary>One entry of a batch answer's <c>errors</c>: unlike <see cref="Error"/>, no correlationId, and empty errors and links.</summary>
    public static JsonObject BatchError(string category, string message, JsonObject context, string? subCategory = null)
    {
        var error = new JsonObject { ["status"] = "error", ["category"] = category };
        if (subCategory is not null)
        {
            error["subCategory"] = subCategory;
        }
        error["message"] = message;
        error["context"] = context;
        error["errors"] = new JsonArray();
        error["links"] = new JsonObject();
        return error;
    }

    public static JsonArray StringArray(IEnumerable<string> values) => new(values.Select(v => (JsonNode)v!).ToArray());

    /// <summary>
    /// The <c>limit</c> (default <paramref name="defaultLimit"/>, 1 to <paramref name="max"/>) and <c>after</c> cursor of a
    /// list request; the answer to give when either is malformed.
    /// </summary>
    public static (int Limit, long? After, IResult? Problem) PageQuery(HttpRequest request, int defaultLimit, int max)
    {
        var limit = defaultLimit;
        if (request.Query.ContainsKey("limit") &&
            (!int.TryParse(request.Query["limit"], NumberStyles.None, CultureInfo.InvariantCulture, out limit) || limit < 1 || limit > max))
        {
            return (0, null, ValidationError($"limit must be between 1 and {max}; was {request.Query["limit"]}"));
        }
        var after = DecodeCursor(request.Query["after"]);
        return after == -1
            ? (0, null, ValidationError($"Invalid after cursor: {request.Query["after"]}"))
            : (limit, after, null);
    }

    /// <summary>Property values arrive as strings; numbers and booleans are accepted as their text.</summary>
    public static string? ValueText(JsonNode? node) => node switch
    {
        null => null,
        JsonValue v when v.TryGetValue<string>(out var s) => s,
        JsonValue v when v.TryGetValue<bool>(out var b) => b ? "true" : "false",
        JsonValue v => v.ToJsonString(),
        _ => node.ToJsonString(),
    };

    public static string? Str(JsonObject obj, string name) => obj[name] is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;

    public static bool? Bool(JsonObject obj, string name) => obj[name] is JsonValue v && v.TryGetValue<bool>(out var b) ? b : null;

    public static int? Int(JsonObject obj, string name)
    {
        if (obj[name] is not JsonValue v)
        {
            return null;
        }
        if (v.TryGetValue<int>(out var i))
        {
            return i;
        }
        return v.TryGetValue<string>(out var s) && int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out var j) ? j : null;
    }

    public static List<string> Strings(JsonNode? node) => node switch
    {
        JsonArray array => array.Select(ValueText).Where(s => s is not null).Select(s => s!).ToList(),
        JsonValue v when v.TryGetValue<string>(out var s) => s.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList(),
        _ => [],
    };

    /// <summary>Comma-separated or repeated query values (<c>properties=a,b&amp;properties=c</c>).</summary>
    public static List<string> QueryList(HttpRequest request, string name) =>
        request.Query[name].SelectMany(v => (v ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).ToList();

    public static bool QueryBool(HttpRequest request, string name) =>
        bool.TryParse(request.Query[name].ToString(), out var b) && b;

    public static string EncodeCursor(long id) => Convert.ToBase64String(Encoding.UTF8.GetBytes(id.ToString(CultureInfo.InvariantCulture)));

    /// <summary>Our list cursors are base64 of the next id; a plain number is accepted as well.</summary>
    public static long? DecodeCursor(string? after)
    {
        if (string.IsNullOrEmpty(after))
        {
            return null;
        }
        if (long.TryParse(after, NumberStyles.None, CultureInfo.InvariantCulture, out var plain))
        {
            return plain;
        }
        try
        {
            var text = Encoding.UTF8.GetString(Convert.FromBase64String(after)).Trim();
            return long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var id) ? id : -1;
        }
        catch (FormatException)
        {
            return -1;
        }
    }
}

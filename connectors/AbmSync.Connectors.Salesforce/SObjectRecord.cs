using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace AbmSync.Connectors.Salesforce;

/// <summary>
/// One sObject as a field map. <paramref name="Fields"/> holds the API field names as Salesforce sends them
/// (relationship fields nest as objects, e.g. <c>Owner</c> → <c>{ "Email": ... }</c>), without the top-level <c>attributes</c>.
/// </summary>
public sealed record SObjectRecord(string Type, string? Id, JsonObject Fields)
{
    /// <summary>Builds a record to write from plain values (strings, numbers, booleans, dates, null).</summary>
    public static SObjectRecord Create(string type, string? id, IEnumerable<KeyValuePair<string, object?>> fields)
    {
        var obj = new JsonObject();
        foreach (var (name, value) in fields)
        {
            obj[name] = ToNode(value);
        }

        return new SObjectRecord(type, id, obj);
    }

    /// <summary>The JSON node at a field path such as "Owner.Email"; null when any step is missing or null.</summary>
    public JsonNode? GetNode(string path)
    {
        JsonNode? node = Fields;
        foreach (var segment in path.Split('.'))
        {
            if (node is not JsonObject obj || !TryGetCaseInsensitive(obj, segment, out node))
            {
                return null;
            }
        }

        return node;
    }

    /// <summary>True when the path exists in the record, even with a null value (Salesforce sends queried nulls explicitly).</summary>
    public bool Has(string path)
    {
        var dot = path.LastIndexOf('.');
        var parent = dot < 0 ? Fields : GetNode(path[..dot]) as JsonObject;
        return parent is not null && TryGetCaseInsensitive(parent, dot < 0 ? path : path[(dot + 1)..], out _);
    }

    public string? GetString(string path) => GetNode(path) switch
    {
        null => null,
        JsonValue v when v.GetValueKind() == JsonValueKind.String => v.GetValue<string>(),
        JsonValue v when v.GetValueKind() is JsonValueKind.True or JsonValueKind.False => v.GetValue<bool>() ? "true" : "false",
        JsonValue v when v.GetValueKind() == JsonValueKind.Number => v.ToJsonString(),
        var other => other.ToJsonString(),
    };

    public decimal? GetDecimal(string path) => GetNode(path) switch
    {
        JsonValue v when v.GetValueKind() == JsonValueKind.Number => v.GetValue<decimal>(),
        JsonValue v when v.GetValueKind() == JsonValueKind.String &&
            decimal.TryParse(v.GetValue<string>(), NumberStyles.Number, CultureInfo.InvariantCulture, out var d) => d,
        _ => null,
    };

    public int? GetInt(string path) => GetDecimal(path) is { } d ? decimal.ToInt32(decimal.Truncate(d)) : null;

    public bool? GetBool(string path) => GetNode(path) switch
    {
        JsonValue v when v.GetValueKind() == JsonValueKind.True => true,
        JsonValue v when v.GetValueKind() == JsonValueKind.False => false,
        JsonValue v when v.GetValueKind() == JsonValueKind.String && bool.TryParse(v.GetValue<string>(), out var b) => b,
        _ => null,
    };

    /// <summary>Parses Salesforce datetimes (<c>2026-11-25T10:00:00.000+0000</c>, offset without a colon) and dates (as midnight UTC).</summary>
    public DateTimeOffset? GetDateTime(string path) =>
        GetString(path) is { } s ? SalesforceDateTime.Parse(s) : null;

    private static bool TryGetCaseInsensitive(JsonObject obj, string name, out JsonNode? node)
    {
        if (obj.TryGetPropertyValue(name, out node))
        {
            return true;
        }

        // SOQL field names are case-insensitive; the answer echoes the case the query used.
        foreach (var (key, value) in obj)
        {
            if (string.Equals(key, name, StringComparison.OrdinalIgnoreCase))
            {
                node = value;
                return true;
            }
        }

        node = null;
        return false;
    }

    internal static JsonNode? ToNode(object? value) => value switch
    {
        null => null,
        JsonNode n => n.DeepClone(),
        string s => JsonValue.Create(s),
        bool b => JsonValue.Create(b),
        int i => JsonValue.Create(i),
        long l => JsonValue.Create(l),
        decimal m => JsonValue.Create(m),
        double d => JsonValue.Create(d),
        DateTimeOffset dto => JsonValue.Create(SalesforceDateTime.Format(dto)),
        DateTime dt => JsonValue.Create(SalesforceDateTime.Format(new DateTimeOffset(DateTime.SpecifyKind(dt, dt.Kind == DateTimeKind.Unspecified ? DateTimeKind.Utc : dt.Kind)))),
        DateOnly date => JsonValue.Create(date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)),
        _ => throw new ArgumentException($"Unsupported field value type {value.GetType().Name}.", nameof(value)),
    };
}

/// <summary>Salesforce's datetime wire format.</summary>
public static class SalesforceDateTime
{
    private static readonly string[] Formats =
    [
        "yyyy-MM-dd'T'HH:mm:ss.FFFFFFFzzz",
        "yyyy-MM-dd'T'HH:mm:ssK",
        "yyyy-MM-dd'T'HH:mm:ss.FFFFFFFK",
        "yyyy-MM-dd",
    ];

    /// <summary>Parses <c>2026-11-25T10:00:00.000+0000</c>, ISO-8601 with a colon or Z, and <c>yyyy-MM-dd</c> (midnight UTC).</summary>
    public static DateTimeOffset Parse(string value)
    {
        if (TryParse(value, out var result))
        {
            return result;
        }

        throw new FormatException($"'{value}' is not a Salesforce date or datetime.");
    }

    public static bool TryParse(string? value, out DateTimeOffset result)
    {
        result = default;
        if (string.IsNullOrEmpty(value))
        {
            return false;
        }

        // .NET's zzz wants "+00:00"; Salesforce writes "+0000".
        var s = value;
        if (s.Length > 5 && (s[^5] == '+' || s[^5] == '-') && char.IsAsciiDigit(s[^4]) && char.IsAsciiDigit(s[^1]) && s.IndexOf('T') > 0)
        {
            s = string.Concat(s.AsSpan(0, s.Length - 2), ":", s.AsSpan(s.Length - 2));
        }

        return DateTimeOffset.TryParseExact(s, Formats, CultureInfo.InvariantCulture,
            DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out result);
    }

    /// <summary>The form Salesforce writes: <c>yyyy-MM-ddTHH:mm:ss.fff+0000</c>, in UTC.</summary>
    public static string Format(DateTimeOffset value) =>
        value.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'+0000'", CultureInfo.InvariantCulture);
}

/// <summary>One page of a SOQL answer. <paramref name="NextRecordsUrl"/> is set only while <paramref name="Done"/> is false.</summary>
public sealed record SoqlPage(int TotalSize, bool Done, string? NextRecordsUrl, IReadOnlyList<SObjectRecord> Records);

/// <summary>Result of one record of a collection write, at the same index as its input. <paramref name="Created"/> is set by upserts only.</summary>
public sealed record SObjectSaveResult(string? Id, bool Success, bool? Created, IReadOnlyList<SalesforceError> Errors)
{
    /// <summary>True when every error is retryable (the record may be re-submitted in a later batch).</summary>
    public bool IsRetryable => !Success && Errors.Count > 0 && Errors.All(e => e.IsRetryable || e.IsRolledBack) && Errors.Any(e => e.IsRetryable);
}

/// <summary>Parsed <c>Sforce-Limit-Info: api-usage=used/max</c>.</summary>
public sealed record ApiUsage(long Used, long Max)
{
    public long Remaining => Math.Max(0, Max - Used);

    /// <summary>Parses the header value; null when it holds no api-usage part.</summary>
    public static ApiUsage? Parse(string? header)
    {
        if (string.IsNullOrEmpty(header))
        {
            return null;
        }

        foreach (var part in header.Split(';', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            if (!part.StartsWith("api-usage=", StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            var value = part["api-usage=".Length..];
            var slash = value.IndexOf('/');
            if (slash > 0 &&
                long.TryParse(value.AsSpan(0, slash), NumberStyles.None, CultureInfo.InvariantCulture, out var used) &&
                long.TryParse(value.AsSpan(slash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var max))
            {
                return new ApiUsage(used, max);
            }
        }

        return null;
    }
}

/// <summary>One entry of <c>/limits</c>.</summary>
public sealed record OrgLimit(long Max, long Remaining);

/// <summary>The answer of <c>GET /limits</c>, keyed by limit name (DailyApiRequests, DailyBulkV2QueryJobs, ...).</summary>
public sealed record OrgLimits(IReadOnlyDictionary<string, OrgLimit> Entries)
{
    public OrgLimit? DailyApiRequests => Entries.GetValueOrDefault("DailyApiRequests");

    internal static OrgLimits FromJson(JsonObject obj)
    {
        var entries = new Dictionary<string, OrgLimit>(StringComparer.Ordinal);
        foreach (var (name, value) in obj)
        {
            if (value is JsonObject entry && entry["Max"] is JsonValue max && entry["Remaining"] is JsonValue remaining)
            {
                entries[name] = new OrgLimit(max.GetValue<long>(), remaining.GetValue<long>());
            }
        }

        return new OrgLimits(entries);
    }
}

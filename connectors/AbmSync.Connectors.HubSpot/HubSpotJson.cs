using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace AbmSync.Connectors.HubSpot;

/// <summary>Reading HubSpot's JSON by hand: property values are strings in practice, but a stray number or bool must not break a read.</summary>
internal static class HubSpotJson
{
    internal static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    internal static HubSpotObject ParseObject(JsonElement e)
    {
        var properties = new Dictionary<string, string?>(StringComparer.Ordinal);
        if (e.TryGetProperty("properties", out var props) && props.ValueKind == JsonValueKind.Object)
        {
            foreach (var p in props.EnumerateObject())
            {
                properties[p.Name] = AsString(p.Value);
            }
        }

        return new HubSpotObject(
            AsString(e.GetProperty("id")) ?? string.Empty,
            properties,
            ParseDate(e, "createdAt"),
            ParseDate(e, "updatedAt"),
            e.TryGetProperty("archived", out var archived) && archived.ValueKind == JsonValueKind.True,
            ParseHistory(e));
    }

    /// <summary>propertiesWithHistory, when the answer has it; each property's versions sorted newest first.</summary>
    private static Dictionary<string, IReadOnlyList<HubSpotPropertyVersion>>? ParseHistory(JsonElement e)
    {
        if (!e.TryGetProperty("propertiesWithHistory", out var history) || history.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        var parsed = new Dictionary<string, IReadOnlyList<HubSpotPropertyVersion>>(StringComparer.Ordinal);
        foreach (var property in history.EnumerateObject())
        {
            var versions = new List<HubSpotPropertyVersion>();
            if (property.Value.ValueKind == JsonValueKind.Array)
            {
                foreach (var v in property.Value.EnumerateArray())
                {
                    // A version without a readable timestamp cannot be ordered against the others, so it is of no use
                    // to a latest-wins decision.
                    if (v.ValueKind != JsonValueKind.Object || ParseDate(v, "timestamp") is not { } timestamp)
                    {
                        continue;
                    }

                    versions.Add(new HubSpotPropertyVersion(
                        GetString(v, "value"),
                        timestamp,
                        GetString(v, "sourceType"),
                        GetString(v, "sourceId"),
                        GetString(v, "updatedByUserId")));
                }
            }

            // HubSpot documents newest first; sorting (stable) keeps that promise even if an answer does not.
            parsed[property.Name] = [.. versions.OrderByDescending(v => v.Timestamp)];
        }

        return parsed;
    }

    internal static string? AsString(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => value.GetString(),
        JsonValueKind.Null or JsonValueKind.Undefined => null,
        JsonValueKind.True => "true",
        JsonValueKind.False => "false",
        _ => value.GetRawText(),
    };

    internal static string? GetString(JsonElement e, string name) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var v) ? AsString(v) : null;

    internal static bool GetBool(JsonElement e, string name) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.True;

    internal static DateTimeOffset? ParseDate(JsonElement e, string name) =>
        GetString(e, name) is { } s && DateTimeOffset.TryParse(s, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var d) ? d : null;

    internal static string? NextAfter(JsonElement root) =>
        root.TryGetProperty("paging", out var paging) && paging.ValueKind == JsonValueKind.Object &&
        paging.TryGetProperty("next", out var next) && next.ValueKind == JsonValueKind.Object
            ? GetString(next, "after")
            : null;

    internal static IEnumerable<JsonElement> Results(JsonElement root) =>
        root.ValueKind == JsonValueKind.Object && root.TryGetProperty("results", out var results) && results.ValueKind == JsonValueKind.Array
            ? results.EnumerateArray()
            : [];

    /// <summary>The errors[] of a 207 (StandardError, with context.ids naming the inputs).</summary>
    internal static List<HubSpotError> ParseBatchErrors(JsonElement root, HubSpotOptions options)
    {
        var list = new List<HubSpotError>();
        if (root.TryGetProperty("errors", out var errors) && errors.ValueKind == JsonValueKind.Array)
        {
            foreach (var e in errors.EnumerateArray())
            {
                list.Add(ToError(e, options));
            }
        }

        return list;
    }

    internal static HubSpotError ToError(JsonElement e, HubSpotOptions options)
    {
        var ids = new List<string>();
        if (e.TryGetProperty("context", out var context) && context.ValueKind == JsonValueKind.Object &&
            context.TryGetProperty("ids", out var idArray) && idArray.ValueKind == JsonValueKind.Array)
        {
            ids.AddRange(idArray.EnumerateArray().Select(AsString).OfType<string>());
        }

        // HubSpot's message may spell out the detail only in errors[].message (e.g. which property was invalid).
        var message = GetString(e, "message") ?? "no message";
        if (e.TryGetProperty("errors", out var details) && details.ValueKind == JsonValueKind.Array)
        {
            var detailMessages = details.EnumerateArray().Select(d => GetString(d, "message")).OfType<string>().ToList();
            if (detailMessages.Count > 0 && !detailMessages.All(message.Contains))
            {
                message = $"{message} ({string.Join("; ", detailMessages)})";
            }
        }

        return new HubSpotError(
            GetString(e, "category") ?? "UNKNOWN",
            Scrub(message, options),
            GetString(e, "subCategory"),
            ids,
            GetString(e, "correlationId"));
    }

    internal static HubSpotError? ParseError(string body, HubSpotOptions options)
    {
        if (string.IsNullOrWhiteSpace(body))
        {
            return null;
        }

        try
        {
            using var doc = JsonDocument.Parse(body);
            return doc.RootElement.ValueKind == JsonValueKind.Object ? ToError(doc.RootElement, options) : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>Never let a credential ride out in an error message, even if a server echoed it.</summary>
    internal static string Scrub(string text, HubSpotOptions options)
    {
        foreach (var secret in new[] { options.AccessToken, options.OAuth.ClientSecret, options.OAuth.RefreshToken })
        {
            if (!string.IsNullOrEmpty(secret) && secret.Length >= 4)
            {
                text = text.Replace(secret, "***", StringComparison.Ordinal);
            }
        }

        return text;
    }
}

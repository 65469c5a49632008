using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace AbmSync.Sandbox.HubSpot;

/// <summary>
/// <c>POST {prefix}/{type}/search</c>: filter groups (ORed) of filters (ANDed), one sort, pages of at most 200 and no
/// paging past the 10,000th result, as HubSpot's search documents it.
/// </summary>
internal sealed class HsSearch(HsPortal portal)
{
    public const int MaxLimit = 200;
    public const int MaxResults = 10_000;
    public const int MaxGroups = 5;
    public const int MaxFiltersPerGroup = 10;
    public const int MaxFilters = 25;

    static readonly string[] Operators =
    [
        "EQ", "NEQ", "LT", "LTE", "GT", "GTE", "BETWEEN", "IN", "NOT_IN", "HAS_PROPERTY", "NOT_HAS_PROPERTY",
        "CONTAINS_TOKEN", "NOT_CONTAINS_TOKEN",
    ];

    sealed record Filter(HsProperty Property, string Operator, string? Value, string? HighValue, List<string> Values);

    public async Task<IResult> Search(HttpContext context, string objectType)
    {
        if (HsSchema.Resolve(objectType) is not { } type)
        {
            return HsObjectsApi.UnknownType(objectType);
        }
        var (body, problem) = await HsJson.ReadObject(context.Request);
        if (body is null)
        {
            return problem!;
        }
        var limit = HsJson.Int(body, "limit") ?? 10;
        if (limit < 0 || limit > MaxLimit)
        {
            return HsJson.ValidationError($"limit must be between 0 and {MaxLimit}; was {limit}");
        }
        var afterText = HsJson.ValueText(body["after"]);
        var after = 0;
        if (!string.IsNullOrEmpty(afterText) && (!int.TryParse(afterText, NumberStyles.None, CultureInfo.InvariantCulture, out after)))
        {
            return HsJson.ValidationError($"after must be a non-negative integer offset; was {afterText}");
        }
        if (after >= MaxResults)
        {
            return HsJson.ValidationError($"The search API cannot page past {MaxResults} results (after was {after}). Narrow the search, for example by a time window, instead.");
        }
        var query = HsJson.Str(body, "query");
        if (query is { Length: > 3000 })
        {
            return HsJson.ValidationError("query must be at most 3000 characters");
        }
        var properties = HsJson.Strings(body["properties"]);

        lock (portal.Sync)
        {
            var groups = new List<List<Filter>>();
            var groupNodes = body["filterGroups"] as JsonArray ?? [];
            if (groupNodes.Count > MaxGroups)
            {
                return HsJson.ValidationError($"Too many filter groups: {groupNodes.Count}. The maximum is {MaxGroups}.");
            }
            var total = 0;
            foreach (var groupNode in groupNodes.OfType<JsonObject>())
            {
                var filters = new List<Filter>();
                var filterNodes = groupNode["filters"] as JsonArray ?? [];
                if (filterNodes.Count > MaxFiltersPerGroup)
                {
                    return HsJson.ValidationError($"Too many filters in a group: {filterNodes.Count}. The maximum is {MaxFiltersPerGroup} per group.");
                }
                total += filterNodes.Count;
                foreach (var node in filterNodes.OfType<JsonObject>())
                {
                    var name = HsJson.Str(node, "propertyName") ?? "";
                    var op = HsJson.Str(node, "operator") ?? "";
                    if (!Operators.Contains(op))
                    {
                        return HsJson.ValidationError($"Invalid filter operator '{op}'.");
                    }
                    if (portal.Property(type, name) is not { } def)
                    {
                        return HsJson.ValidationError($"There was a problem with the request: property {name} does not exist on {HsSchema.Singular(type).ToLowerInvariant()}.");
                    }
                    var filter = new Filter(def, op, HsJson.ValueText(node["value"]), HsJson.ValueText(node["highValue"]), HsJson.Strings(node["values"]));
                    if (op is "EQ" or "NEQ" or "LT" or "LTE" or "GT" or "GTE" or "CONTAINS_TOKEN" or "NOT_CONTAINS_TOKEN" && filter.Value is null
                        || op == "BETWEEN" && (filter.Value is null || filter.HighValue is null)
                        || op is "IN" or "NOT_IN" && filter.Values.Count == 0)
                    {
                        return HsJson.ValidationError($"Filter on {name} with operator {op} is missing its value.");
                    }
                    filters.Add(filter);
                }
                groups.Add(filters);
            }
            if (total > MaxFilters)
            {
                return HsJson.ValidationError($"Too many filters: {total}. The maximum is {MaxFilters} across all groups.");
            }
            var (sortProperty, descending, sortProblem) = Sort(type, body["sorts"]);
            if (sortProblem is not null)
            {
                return sortProblem;
            }

            var matches = portal.Records[type].Values
                .Where(r => !r.Archived)
                .Where(r => groups.Count == 0 || groups.Any(g => g.All(f => Matches(r, f))))
                .Where(r => string.IsNullOrWhiteSpace(query) || MatchesQuery(r, query))
                .ToList();
            if (sortProperty is not null)
            {
                var comparer = Comparer<HsRecord>.Create((a, b) =>
                {
                    var c = CompareValues(sortProperty, a.Props.GetValueOrDefault(sortProperty.Name), b.Props.GetValueOrDefault(sortProperty.Name));
                    return c != 0 ? (descending ? -c : c) : a.Id.CompareTo(b.Id);
                });
                matches.Sort(comparer);
            }
            var page = matches.Skip(after).Take(Math.Min(limit, MaxResults - after)).ToList();
            var response = new JsonObject
            {
                ["total"] = matches.Count,
                ["results"] = new JsonArray(page.Select(r => (JsonNode)portal.ToJson(r, properties)).ToArray()),
            };
            if (after + page.Count < matches.Count && page.Count > 0)
            {
                response["paging"] = new JsonObject
                {
                    ["next"] = new JsonObject { ["after"] = (after + page.Count).ToString(CultureInfo.InvariantCulture) },
                };
            }
            return HsJson.Answer(200, response);
        }
    }

    (HsProperty? Property, bool Descending, IResult? Problem) Sort(string type, JsonNode? sorts)
    {
        if (sorts is not JsonArray { Count: > 0 } list)
        {
            return (portal.Property(type, "hs_object_id"), false, null);
        }
        // Only the first sort rule is honoured.
        string name;
        var descending = false;
        switch (list[0])
        {
            case JsonObject obj:
                name = HsJson.Str(obj, "propertyName") ?? "";
                descending = string.Equals(HsJson.Str(obj, "direction"), "DESCENDING", StringComparison.OrdinalIgnoreCase);
                break;
            case JsonValue v when v.TryGetValue<string>(out var text):
                descending = text.StartsWith('-');
                name = text.TrimStart('-');
                break;
            default:
                return (null, false, HsJson.ValidationError("sorts must be property names or {propertyName, direction} objects"));
        }
        return portal.Property(type, name) is { } def
            ? (def, descending, null)
            : (null, false, HsJson.ValidationError($"There was a problem with the request: cannot sort on property {name}, it does not exist."));
    }

    static bool MatchesQuery(HsRecord record, string query)
    {
        string[] fields = record.Type switch
        {
            HsSchema.Companies => ["name", "domain", "website", "phone"],
            HsSchema.Contacts => ["firstname", "lastname", "email", "phone", "company"],
            HsSchema.Deals => ["dealname"],
            _ => [],
        };
        return fields.Any(f => record.Props.TryGetValue(f, out var v) && v.Contains(query.Trim(), StringComparison.OrdinalIgnoreCase));
    }

    static bool Matches(HsRecord record, Filter filter)
    {
        record.Props.TryGetValue(filter.Property.Name, out var actual);
        var has = !string.IsNullOrEmpty(actual);
        return filter.Operator switch
        {
            "HAS_PROPERTY" => has,
            "NOT_HAS_PROPERTY" => !has,
            "EQ" => has && CompareValues(filter.Property, actual, filter.Value) == 0,
            "NEQ" => !has || CompareValues(filter.Property, actual, filter.Value) != 0,
            "LT" => has && CompareValues(filter.Property, actual, filter.Value) < 0,
            "LTE" => has && CompareValues(filter.Property, actual, filter.Value) <= 0,
            "GT" => has && CompareValues(filter.Property, actual, filter.Value) > 0,
            "GTE" => has && CompareValues(filter.Property, actual, filter.Value) >= 0,
            "BETWEEN" => has && CompareValues(filter.Property, actual, filter.Value) >= 0 && CompareValues(filter.Property, actual, filter.HighValue) <= 0,
            "IN" => has && filter.Values.Any(v => CompareValues(filter.Property, actual, v) == 0),
            "NOT_IN" => !has || filter.Values.All(v => CompareValues(filter.Property, actual, v) != 0),
            "CONTAINS_TOKEN" => has && ContainsToken(actual!, filter.Value!),
            "NOT_CONTAINS_TOKEN" => !has || !ContainsToken(actual!, filter.Value!),
            _ => false,
        };
    }

    /// <summary>Token match with <c>*</c> wildcards, as in <c>*@example.com</c>.</summary>
    static bool ContainsToken(string actual, string token)
    {
        var tokens = actual.Split([' ', ',', ';', '\t', '\n'], StringSplitOptions.RemoveEmptyEntries);
        var pattern = token.Trim();
        if (!pattern.Contains('*', StringComparison.Ordinal))
        {
            return tokens.Any(t => string.Equals(t, pattern, StringComparison.OrdinalIgnoreCase))
                || string.Equals(actual, pattern, StringComparison.OrdinalIgnoreCase);
        }
        var regex = "^" + System.Text.RegularExpressions.Regex.Escape(pattern).Replace("\\*", ".*", StringComparison.Ordinal) + "$";
        return tokens.Append(actual).Any(t => System.Text.RegularExpressions.Regex.IsMatch(t, regex, System.Text.RegularExpressions.RegexOptions.IgnoreCase | System.Text.RegularExpressions.RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1)));
    }

    /// <summary>Compares by the property's type: numbers as numbers, dates and datetimes as instants, the rest as text.</summary>
    static int CompareValues(HsProperty property, string? a, string? b)
    {
        if (a is null || b is null)
        {
            // Records without the value sort after those with one.
            return a is null ? (b is null ? 0 : 1) : -1;
        }
        switch (property.Type)
        {
            case "number":
                if (decimal.TryParse(a, NumberStyles.Float, CultureInfo.InvariantCulture, out var x) &&
                    decimal.TryParse(b, NumberStyles.Float, CultureInfo.InvariantCulture, out var y))
                {
                    return x.CompareTo(y);
                }
                break;
            case "datetime":
            case "date":
                if (HsPortal.ParseInstant(a) is { } s && HsPortal.ParseInstant(b) is { } t)
                {
                    return s.CompareTo(t);
                }
                break;
        }
        return string.Compare(a, b, StringComparison.OrdinalIgnoreCase);
    }
}

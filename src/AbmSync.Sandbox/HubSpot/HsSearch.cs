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

    /// <summary>A comparable value: numbers, dates and datetimes as numbers (epoch ms for times), everything else as text.</summary>
    readonly record struct Key(decimal? Number, string Text);

    /// <summary>One filter, its values parsed once. <see cref="AssociatedTo"/> is set for <c>associations.{type}</c> filters.</summary>
    sealed record Filter(HsProperty? Property, string Name, string Operator, string? Raw, Key? Value, Key? High, List<Key> Values, string? AssociatedTo);

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
                    // Pseudo-properties associations.company, associations.contact, ... filter by associated record id.
                    var associatedTo = name.StartsWith("associations.", StringComparison.Ordinal) ? HsSchema.Resolve(name["associations.".Length..]) : null;
                    var def = portal.Property(type, name);
                    if (def is null && associatedTo is null)
                    {
                        return HsJson.ValidationError($"There was a problem with the request: property {name} does not exist on {HsSchema.Singular(type).ToLowerInvariant()}.");
                    }
                    var raw = HsJson.ValueText(node["value"]);
                    var high = HsJson.ValueText(node["highValue"]);
                    var values = HsJson.Strings(node["values"]);
                    if (op is "EQ" or "NEQ" or "LT" or "LTE" or "GT" or "GTE" or "CONTAINS_TOKEN" or "NOT_CONTAINS_TOKEN" && raw is null
                        || op == "BETWEEN" && (raw is null || high is null)
                        || op is "IN" or "NOT_IN" && values.Count == 0)
                    {
                        return HsJson.ValidationError($"Filter on {name} with operator {op} is missing its value.");
                    }
                    filters.Add(new Filter(def, name, op, raw, KeyOf(def, raw), KeyOf(def, high), values.Select(v => KeyOf(def, v)!.Value).ToList(), associatedTo));
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
            if (sortProperty is not null && sortProperty.Name != "hs_object_id")
            {
                // Keys are parsed once per record, not once per comparison.
                var keyed = matches.Select(r => (Key: RecordKey(r, sortProperty, sortProperty.Name), Record: r)).ToList();
                keyed.Sort((a, b) =>
                {
                    // Records without the value come last in either direction.
                    if (a.Key is null || b.Key is null)
                    {
                        return a.Key is null ? (b.Key is null ? a.Record.Id.CompareTo(b.Record.Id) : 1) : -1;
                    }
                    var c = Compare(a.Key.Value, b.Key.Value);
                    return c != 0 ? (descending ? -c : c) : a.Record.Id.CompareTo(b.Record.Id);
                });
                matches = keyed.Select(k => k.Record).ToList();
            }
            else if (descending)
            {
                matches.Reverse();
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

    bool Matches(HsRecord record, Filter filter)
    {
        if (filter.AssociatedTo is { } to)
        {
            var linked = portal.Associations.Of(record.Type, record.Id, to).Select(l => l.ToId.ToString(CultureInfo.InvariantCulture)).ToHashSet();
            return filter.Operator switch
            {
                "HAS_PROPERTY" => linked.Count > 0,
                "NOT_HAS_PROPERTY" => linked.Count == 0,
                "EQ" => linked.Contains(filter.Raw!),
                "NEQ" => !linked.Contains(filter.Raw!),
                "IN" => filter.Values.Any(v => linked.Contains(v.Text)),
                "NOT_IN" => !filter.Values.Any(v => linked.Contains(v.Text)),
                _ => false,
            };
        }
        record.Props.TryGetValue(filter.Name, out var actualText);
        var actual = RecordKey(record, filter.Property, filter.Name);
        if (actual is not { } a)
        {
            return filter.Operator is "NOT_HAS_PROPERTY" or "NEQ" or "NOT_IN" or "NOT_CONTAINS_TOKEN";
        }
        return filter.Operator switch
        {
            "HAS_PROPERTY" => true,
            "NOT_HAS_PROPERTY" => false,
            "EQ" => Compare(a, filter.Value!.Value) == 0,
            "NEQ" => Compare(a, filter.Value!.Value) != 0,
            "LT" => Compare(a, filter.Value!.Value) < 0,
            "LTE" => Compare(a, filter.Value!.Value) <= 0,
            "GT" => Compare(a, filter.Value!.Value) > 0,
            "GTE" => Compare(a, filter.Value!.Value) >= 0,
            "BETWEEN" => Compare(a, filter.Value!.Value) >= 0 && Compare(a, filter.High!.Value) <= 0,
            "IN" => filter.Values.Any(v => Compare(a, v) == 0),
            "NOT_IN" => filter.Values.All(v => Compare(a, v) != 0),
            "CONTAINS_TOKEN" => ContainsToken(actualText!, filter.Raw!),
            "NOT_CONTAINS_TOKEN" => !ContainsToken(actualText!, filter.Raw!),
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

    /// <summary>The comparable form of a value by the property's type; null for no value.</summary>
    static Key? KeyOf(HsProperty? property, string? raw)
    {
        if (string.IsNullOrEmpty(raw))
        {
            return null;
        }
        switch (property?.Type)
        {
            case "number":
                if (decimal.TryParse(raw, NumberStyles.Float, CultureInfo.InvariantCulture, out var number))
                {
                    return new Key(number, raw);
                }
                break;
            case "datetime":
            case "date":
                if (HsPortal.ParseInstant(raw) is { } instant)
                {
                    return new Key(instant.ToUnixTimeMilliseconds(), raw);
                }
                break;
        }
        return new Key(null, raw);
    }

    static Key? RecordKey(HsRecord record, HsProperty? property, string name)
    {
        if (property?.Type is "datetime" && record.InstantOf(name) is { } ms)
        {
            return new Key(ms, record.Props[name]);
        }
        return KeyOf(property, record.Props.GetValueOrDefault(name));
    }

    static int Compare(Key a, Key b) =>
        a.Number is { } x && b.Number is { } y ? x.CompareTo(y) : string.Compare(a.Text, b.Text, StringComparison.OrdinalIgnoreCase);
}

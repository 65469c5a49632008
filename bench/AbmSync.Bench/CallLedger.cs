using System.Text.Json;
using System.Text.RegularExpressions;

namespace AbmSync.Bench;

/// <summary>The calls of one kind one pair's run made on one system, and the distinct records they carried (ids asked for, inputs).</summary>
public sealed record KindCount(Api System, string Kind, long Calls, long Records);

/// <summary>
/// Sorts every request of one pair's run into the kinds <see cref="CallBound"/> names (or into named extras), and
/// counts the distinct records each kind carried where the bound divides by them (ids in a SOQL <c>IN</c> list,
/// <c>inputs</c> of a HubSpot batch). Requests come in on the sending flows, so everything is under one lock.
/// </summary>
/// <param name="clock">Where the log's seconds count from: the run's start, shared by the pairs of one run.</param>
public sealed partial class CallLedger(string salesforceObject, TextWriter? log, string logPrefix, System.Diagnostics.Stopwatch? clock = null)
{
    readonly System.Diagnostics.Stopwatch started = clock ?? System.Diagnostics.Stopwatch.StartNew();

    /// <summary>Kinds that are not in the bound: printed as named extras beside it.</summary>
    public const string ExtraPrefix = "extra: ";

    readonly Lock gate = new();
    readonly Dictionary<(Api, string), long> calls = [];
    readonly Dictionary<(Api, string), HashSet<string>> records = [];
    string lastQueryKind = "read";

    public IReadOnlyList<KindCount> Counts()
    {
        lock (gate)
        {
            return [.. calls.Select(c => new KindCount(c.Key.Item1, c.Key.Item2, c.Value, records.TryGetValue(c.Key, out var r) ? r.Count : 0))];
        }
    }

    public long CallsOf(Api system, string kind)
    {
        lock (gate)
        {
            return calls.GetValueOrDefault((system, kind));
        }
    }

    public void Record(HttpRequestMessage request)
    {
        if (request.RequestUri is not { } uri)
        {
            return;
        }
        var path = uri.AbsolutePath;
        var system = path.StartsWith("/services/", StringComparison.Ordinal) ? Api.Salesforce : Api.HubSpot;
        lock (gate)
        {
            var (kind, ids) = system == Api.Salesforce ? Salesforce(request.Method, path, Uri.UnescapeDataString(uri.Query.Replace('+', ' '))) : HubSpot(request, path);
            calls[(system, kind)] = calls.GetValueOrDefault((system, kind)) + 1;
            if (ids is not null)
            {
                if (!records.TryGetValue((system, kind), out var set))
                {
                    records[(system, kind)] = set = new HashSet<string>(StringComparer.Ordinal);
                }
                set.UnionWith(ids);
            }
            // Seconds since the run started: where the run waits, and what goes out together.
            log?.WriteLine(FormattableString.Invariant($"{logPrefix}\t{started.Elapsed.TotalSeconds:F3}\t{system}\t{kind}\t{request.Method} {uri.PathAndQuery[..Math.Min(uri.PathAndQuery.Length, 400)]}"));
        }
    }

    (string Kind, IEnumerable<string>? Ids) Salesforce(HttpMethod method, string path, string query)
    {
        if (path.EndsWith("/oauth2/token", StringComparison.Ordinal))
        {
            return ("setup: token", null);
        }
        if (path.EndsWith("/limits", StringComparison.Ordinal))
        {
            return ("setup: limits", null);
        }
        if (path.EndsWith("/describe", StringComparison.Ordinal))
        {
            return ("setup: describe", null);
        }
        if (path.Contains("/oauth2/userinfo", StringComparison.Ordinal) || path.Contains("/id/", StringComparison.Ordinal))
        {
            return ("setup: identity", null);
        }
        if (path.Contains("/deleted", StringComparison.Ordinal))
        {
            return ("deleted", null);
        }
        if (path.Contains("/jobs/query", StringComparison.Ordinal))
        {
            return ("read (bulk job)", null);
        }
        if (path.Contains("/jobs/ingest", StringComparison.Ordinal))
        {
            // The job's create call (POST …/jobs/ingest, nothing after) opens a job: the bound is 7 calls per job.
            return (method == HttpMethod.Post && path.EndsWith("/jobs/ingest", StringComparison.Ordinal) ? "write: bulk ingest (job created)" : "write: bulk ingest", null);
        }
        if (path.Contains("/composite/sobjects", StringComparison.Ordinal))
        {
            var rest = path[(path.IndexOf("/composite/sobjects", StringComparison.Ordinal) + "/composite/sobjects".Length)..].Trim('/');
            return (method.Method, rest.Length) switch
            {
                ("PATCH", 0) => ("write: update", null),
                ("POST", 0) or ("PATCH", _) => ("write: create/upsert", null),
                _ => (ExtraPrefix + $"{method} composite/sobjects", null),
            };
        }
        var isQuery = path.EndsWith("/query", StringComparison.Ordinal) || path.EndsWith("/queryAll", StringComparison.Ordinal);
        if (!isQuery && (path.Contains("/query/", StringComparison.Ordinal) || path.Contains("/queryAll/", StringComparison.Ordinal)))
        {
            // A next page (nextRecordsUrl) carries no SOQL: it belongs to the query before it (the engine pages one query at a time per pair).
            return (lastQueryKind, null);
        }
        if (isQuery && query.StartsWith("?q=", StringComparison.Ordinal))
        {
            var (kind, ids) = Soql(query[3..]);
            lastQueryKind = kind;
            return (kind, ids);
        }
        return (ExtraPrefix + $"other {method} {path}", null);
    }

    (string Kind, IEnumerable<string>? Ids) Soql(string soql)
    {
        var from = FromPattern().Match(soql);
        var sObject = from.Success ? from.Groups[1].Value : "";
        var where = soql.IndexOf(" WHERE ", StringComparison.Ordinal) is var w and >= 0 ? soql[(w + 7)..] : "";
        var inMatch = InPattern().Match(where);
        var inList = inMatch.Success ? IdsIn(inMatch.Groups[2].Value) : null;
        var inField = inMatch.Success ? inMatch.Groups[1].Value : "";
        return sObject switch
        {
            "User" => ("setup: users (owner map)", null),
            "OpportunityStage" => ("setup: OpportunityStage", null),
            "OpportunityContactRole" when inList is not null => ("contact roles (by opportunity ids)", inList),
            "OpportunityContactRole" => ("contact roles (changes)", null),
            _ when where.Contains("IsConverted", StringComparison.Ordinal) => (ExtraPrefix + "converted-lead lookup (Lead by ConvertedContactId)", null),
            _ when sObject == salesforceObject && inList is not null && inField == "Id" => ("twins by id", inList),
            _ when inList is not null && inField.Contains("Email", StringComparison.Ordinal) => (ExtraPrefix + "email match (query by Email IN)", null),
            _ when sObject == salesforceObject && (where.Length == 0 || where.StartsWith("SystemModstamp", StringComparison.Ordinal)) => ("read", null),
            _ => (ExtraPrefix + $"other query FROM {sObject}", null),
        };
    }

    static IEnumerable<string> IdsIn(string list) => list.Split(',').Select(s => s.Trim().Trim('\''));

    (string Kind, IEnumerable<string>? Ids) HubSpot(HttpRequestMessage request, string path)
    {
        var query = request.RequestUri!.Query;
        if (path.StartsWith("/crm/v3/properties/", StringComparison.Ordinal))
        {
            return (request.Method == HttpMethod.Get && !path.EndsWith("/groups", StringComparison.Ordinal) ? "setup: properties" : "setup: schema (groups, group, properties created)", null);
        }
        if (path.StartsWith("/crm/v3/owners", StringComparison.Ordinal))
        {
            return ("setup: owners", null);
        }
        if (path.StartsWith("/crm/v3/pipelines", StringComparison.Ordinal))
        {
            return ("setup: pipelines", null);
        }
        if (path.StartsWith("/account-info/", StringComparison.Ordinal))
        {
            return ("setup: account details", null);
        }
        var association = AssociationPattern().Match(path);
        if (association.Success)
        {
            var type = $"{association.Groups[1].Value}→{association.Groups[2].Value}";
            return (association.Groups[3].Value == "read" ? $"associations read {type}" : $"associations write {type}", Inputs(request, association.Groups[3].Value == "read"));
        }
        var objects = ObjectsPattern().Match(path);
        if (!objects.Success)
        {
            return (ExtraPrefix + $"other {request.Method} {path}", null);
        }
        var action = objects.Groups[2].Value;
        switch (action)
        {
            case "" when request.Method == HttpMethod.Get:
                return query.Contains("archived=true", StringComparison.Ordinal) ? (ExtraPrefix + "archived listing", null) : ("read", null);
            case "search":
                // A search for changes filters on the last-modified property; any other is a search for keys (match by email, our id).
                // One with no filter at all asks only the total: a first run's choice between listing and searching keys.
                return Body(request) is not { } body ? (ExtraPrefix + "key-match search", null)
                    : body.Contains("lastmodifieddate\"", StringComparison.Ordinal) ? ("read", null)
                    : body.Contains("\"filterGroups\":[]", StringComparison.Ordinal) ? (ExtraPrefix + "portal size", null)
                    : (ExtraPrefix + "key-match search", null);
            case "batch/read":
                return Body(request) is { } read && read.Contains("\"propertiesWithHistory\":[\"", StringComparison.Ordinal)
                    ? ("history", Inputs(request, true))
                    : ("twins by id", Inputs(request, true));
            case "batch/upsert" or "batch/create":
                return ("write: create/upsert", null);
            case "batch/update":
                return ("write: update", null);
            case "merge":
                return (ExtraPrefix + "merge", null);
            default:
                return (ExtraPrefix + $"other {request.Method} {objects.Groups[1].Value}/{action}", null);
        }
    }

    static string? Body(HttpRequestMessage request) =>
        // ByteArrayContent (and StringContent, which is one) answers from its buffer: reading it sends nothing and changes nothing.
        request.Content is ByteArrayContent bytes ? bytes.ReadAsStringAsync().GetAwaiter().GetResult() : null;

    /// <summary>The records a batch carries: each input's id (a read), or its from-to pair (an association write).</summary>
    static List<string>? Inputs(HttpRequestMessage request, bool read)
    {
        if (Body(request) is not { } body)
        {
            return null;
        }
        using var doc = JsonDocument.Parse(body);
        if (!doc.RootElement.TryGetProperty("inputs", out var inputs) || inputs.ValueKind != JsonValueKind.Array)
        {
            return null;
        }
        return [.. inputs.EnumerateArray().Select(i => read
            ? (i.TryGetProperty("id", out var id) ? id.ToString() : i.GetRawText())
            : (i.TryGetProperty("from", out var f) && i.TryGetProperty("to", out var t) ? $"{f}→{t}" : i.GetRawText()))];
    }

    [GeneratedRegex(@"\bFROM (\w+)")]
    private static partial Regex FromPattern();

    [GeneratedRegex(@"(\w+) IN \(([^)]*)\)")]
    private static partial Regex InPattern();

    [GeneratedRegex(@"^/crm/v4/associations/(\w+)/(\w+)/batch/(\w+)")]
    private static partial Regex AssociationPattern();

    [GeneratedRegex(@"^/crm/v3/objects/(\w+)/?(.*)$")]
    private static partial Regex ObjectsPattern();
}

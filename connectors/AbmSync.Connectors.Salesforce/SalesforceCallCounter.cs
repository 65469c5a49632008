using System.Collections.Concurrent;
using System.Net;
using System.Text.RegularExpressions;

namespace AbmSync.Connectors.Salesforce;

/// <summary>A frozen copy of <see cref="SalesforceCallCounter"/>; same meaning as the sandbox's <c>/_sandbox/stats</c>.</summary>
public sealed record SalesforceCallSnapshot(long Calls, long Reads, long Writes, long Throttled, IReadOnlyDictionary<string, long> ByEndpoint);

/// <summary>
/// Counts every request that goes on the wire (retries, re-authentication and replays included), classified as the
/// sandbox classifies them; see the connector README for the exact rules. One per process (a singleton), so its totals
/// mix every caller's calls; <see cref="BeginScope"/> gives one caller counts of its own.
/// </summary>
public sealed partial class SalesforceCallCounter
{
    private readonly ConcurrentDictionary<string, long> _byEndpoint = new(StringComparer.Ordinal);

    // Innermost open scope of the current async flow; each links to the one that was open when it began. The handler
    // runs on the caller's flow, so it sees the caller's scopes and no one else's.
    private readonly AsyncLocal<SalesforceCallScope?> _scope = new();
    private long _calls;
    private long _reads;
    private long _writes;
    private long _throttled;
    private ApiUsage? _lastApiUsage;

    public long Calls => Interlocked.Read(ref _calls);

    public long Reads => Interlocked.Read(ref _reads);

    public long Writes => Interlocked.Read(ref _writes);

    public long Throttled => Interlocked.Read(ref _throttled);

    public IReadOnlyDictionary<string, long> ByEndpoint => new Dictionary<string, long>(_byEndpoint, StringComparer.Ordinal);

    /// <summary>The most recent <c>Sforce-Limit-Info</c> api-usage seen on any response.</summary>
    public ApiUsage? LastApiUsage => Volatile.Read(ref _lastApiUsage);

    public SalesforceCallSnapshot Snapshot() => new(Calls, Reads, Writes, Throttled, ByEndpoint);

    /// <summary>
    /// Starts counting, besides the totals, the calls made from here on by this async flow and the flows it starts
    /// (awaited calls, <c>Task.Run</c>, <c>Task.WhenAll</c>), until the scope is disposed. Scopes nest: a call counts
    /// in every scope open on its flow. Calls made by other flows at the same time never count in it. Dispose it on
    /// the flow that began it (a <c>using</c>).
    /// </summary>
    public SalesforceCallScope BeginScope()
    {
        var scope = new SalesforceCallScope(this, _scope.Value);
        _scope.Value = scope;
        return scope;
    }

    internal void EndScope(SalesforceCallScope scope)
    {
        if (_scope.Value == scope)
        {
            // Scopes ended out of order: skip the outer ones already ended.
            var parent = scope.Parent;
            while (parent is { IsDisposed: true })
            {
                parent = parent.Parent;
            }

            _scope.Value = parent;
        }
    }

    public void Reset()
    {
        Interlocked.Exchange(ref _calls, 0);
        Interlocked.Exchange(ref _reads, 0);
        Interlocked.Exchange(ref _writes, 0);
        Interlocked.Exchange(ref _throttled, 0);
        _byEndpoint.Clear();
    }

    internal void RecordRequest(HttpMethod method, string path)
    {
        var (template, kind) = Classify(method, path);
        Interlocked.Increment(ref _calls);
        if (kind == CallKind.Read)
        {
            Interlocked.Increment(ref _reads);
        }
        else if (kind == CallKind.Write)
        {
            Interlocked.Increment(ref _writes);
        }

        var endpoint = method.Method + " " + template;
        _byEndpoint.AddOrUpdate(endpoint, 1, (_, n) => n + 1);
        for (var scope = _scope.Value; scope is not null; scope = scope.Parent)
        {
            scope.AddRequest(kind, endpoint);
        }
    }

    internal void RecordResponse(HttpStatusCode status, bool requestLimitExceeded, ApiUsage? usage)
    {
        if (status == HttpStatusCode.TooManyRequests || requestLimitExceeded)
        {
            Interlocked.Increment(ref _throttled);
            for (var scope = _scope.Value; scope is not null; scope = scope.Parent)
            {
                scope.AddThrottled();
            }
        }

        if (usage is not null)
        {
            Volatile.Write(ref _lastApiUsage, usage);
        }
    }

    internal enum CallKind
    {
        Other,
        Read,
        Write,
    }

    [GeneratedRegex(@"^/services/data/v\d+\.\d+(?=/|$)", RegexOptions.CultureInvariant)]
    private static partial Regex VersionPrefix();

    /// <summary>Maps a path to its template ("/services/data/{version}/query") and a read/write class. See README.
    /// Parameter names follow the sandbox's ASP.NET route patterns, whose raw text is its stats key.</summary>
    internal static (string Template, CallKind Kind) Classify(HttpMethod method, string path)
    {
        path = path.Length > 1 ? path.TrimEnd('/') : path;
        if (path == "/services/oauth2/token")
        {
            return (path, CallKind.Other);
        }

        var prefix = VersionPrefix().Match(path);
        if (!prefix.Success)
        {
            // e.g. GET /services/data (the version list): a call, neither read nor write.
            return (path, CallKind.Other);
        }

        var rest = path[prefix.Length..].Split('/', StringSplitOptions.RemoveEmptyEntries);
        var template = "/services/data/{version}";
        var isGet = method == HttpMethod.Get;
        var kind = isGet ? CallKind.Read : CallKind.Other;
        if (rest.Length == 0)
        {
            return (template, CallKind.Other);
        }

        switch (rest[0])
        {
            case "query" or "queryAll":
                template += "/" + rest[0] + (rest.Length > 1 ? "/{locator}" : "");
                break;
            case "limits":
                template += "/limits";
                break;
            case "sobjects":
                template += "/sobjects" + rest.Length switch
                {
                    1 => "",
                    2 => "/{sobject}",
                    3 when rest[2] is "describe" or "updated" or "deleted" => "/{sobject}/" + rest[2],
                    3 => "/{sobject}/{id}",
                    _ => "/{sobject}/{field}/{value}",
                };
                if (!isGet && rest.Length >= 2)
                {
                    kind = CallKind.Write;
                }

                break;
            case "composite" when rest.Length >= 2 && rest[1] == "sobjects":
                template += "/composite/sobjects" + rest.Length switch
                {
                    2 => "",
                    3 => "/{sobject}",
                    _ => "/{sobject}/{field}",
                };
                // POST /composite/sobjects/{S} with {"ids":[...]} is the read form; everything else not GET writes.
                kind = isGet || (method == HttpMethod.Post && rest.Length == 3) ? CallKind.Read : CallKind.Write;
                break;
            case "composite":
                template += "/" + string.Join('/', rest);
                kind = CallKind.Other;
                break;
            case "jobs" when rest.Length >= 2 && rest[1] is "query" or "ingest":
                template += "/jobs/" + rest[1] + (rest.Length >= 3 ? "/{id}" : "") + (rest.Length >= 4 ? "/" + rest[3] : "");
                // As the sandbox counts them: a query job's status and result sets are reads; an ingest job writes
                // records once, with its upload; creating, closing, polling an ingest job and its result files are job
                // control, neither.
                kind = rest[1] == "query"
                    ? (isGet ? CallKind.Read : CallKind.Other)
                    : (method == HttpMethod.Put && rest.Length >= 4 && rest[3] == "batches" ? CallKind.Write : CallKind.Other);

                break;
            default:
                template += "/" + rest[0] + (rest.Length > 1 ? "/..." : "");
                break;
        }

        return (template, kind);
    }
}

/// <summary>
/// The calls of one async flow, as <see cref="SalesforceCallCounter.BeginScope"/> describes; the same classification
/// as the counter's totals. Stops counting when disposed, and keeps its counts.
/// </summary>
public sealed class SalesforceCallScope : IDisposable
{
    private readonly SalesforceCallCounter _owner;
    private readonly ConcurrentDictionary<string, long> _byEndpoint = new(StringComparer.Ordinal);
    private long _calls;
    private long _reads;
    private long _writes;
    private long _throttled;
    private int _disposed;

    internal SalesforceCallScope(SalesforceCallCounter owner, SalesforceCallScope? parent)
    {
        _owner = owner;
        Parent = parent;
    }

    internal SalesforceCallScope? Parent { get; }

    internal bool IsDisposed => Volatile.Read(ref _disposed) != 0;

    public long Calls => Interlocked.Read(ref _calls);

    public long Reads => Interlocked.Read(ref _reads);

    public long Writes => Interlocked.Read(ref _writes);

    public long Throttled => Interlocked.Read(ref _throttled);

    public IReadOnlyDictionary<string, long> ByEndpoint => new Dictionary<string, long>(_byEndpoint, StringComparer.Ordinal);

    public SalesforceCallSnapshot Snapshot() => new(Calls, Reads, Writes, Throttled, ByEndpoint);

    internal void AddRequest(SalesforceCallCounter.CallKind kind, string endpoint)
    {
        // A flow started inside the scope keeps it after the scope's end (a call left running): it no longer counts.
        if (IsDisposed)
        {
            return;
        }

        Interlocked.Increment(ref _calls);
        if (kind == SalesforceCallCounter.CallKind.Read)
        {
            Interlocked.Increment(ref _reads);
        }
        else if (kind == SalesforceCallCounter.CallKind.Write)
        {
            Interlocked.Increment(ref _writes);
        }

        _byEndpoint.AddOrUpdate(endpoint, 1, (_, n) => n + 1);
    }

    internal void AddThrottled()
    {
        if (!IsDisposed)
        {
            Interlocked.Increment(ref _throttled);
        }
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            _owner.EndScope(this);
        }
    }
}

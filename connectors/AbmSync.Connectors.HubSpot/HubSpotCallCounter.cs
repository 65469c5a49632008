using System.Collections.Concurrent;
using System.Text.RegularExpressions;

namespace AbmSync.Connectors.HubSpot;

/// <summary>A point-in-time copy of the call counters.</summary>
public sealed record HubSpotCallStats(long Calls, long Reads, long Writes, long Throttled, IReadOnlyDictionary<string, long> ByEndpoint);

/// <summary>
/// Counts every HubSpot request that reaches the wire (retries and replays included), classified exactly as the
/// sandbox's /_sandbox/stats does; the README states the rules. Singleton, thread-safe: its totals mix every caller's
/// calls; <see cref="BeginScope"/> gives one caller counts of its own.
/// </summary>
public sealed partial class HubSpotCallCounter
{
    private readonly ConcurrentDictionary<string, long> _byEndpoint = new(StringComparer.Ordinal);

    // Innermost open scope of the current async flow; each links to the one open when it began. The handler runs on
    // the caller's flow, so it sees the caller's scopes and no one else's.
    private readonly AsyncLocal<HubSpotCallScope?> _scope = new();
    private long _calls;
    private long _reads;
    private long _writes;
    private long _throttled;

    public HubSpotCallStats Snapshot() => new(
        Interlocked.Read(ref _calls),
        Interlocked.Read(ref _reads),
        Interlocked.Read(ref _writes),
        Interlocked.Read(ref _throttled),
        new SortedDictionary<string, long>(_byEndpoint, StringComparer.Ordinal));

    /// <summary>
    /// Starts counting, besides the totals, the calls made from here on by this async flow and the flows it starts
    /// (awaited calls, <c>Task.Run</c>, <c>Task.WhenAll</c>), until the scope is disposed. Scopes nest: a call counts
    /// in every scope open on its flow. Calls made by other flows at the same time never count in it. Dispose it on
    /// the flow that began it (a <c>using</c>).
    /// </summary>
    public HubSpotCallScope BeginScope()
    {
        var scope = new HubSpotCallScope(this, _scope.Value);
        _scope.Value = scope;
        return scope;
    }

    internal void EndScope(HubSpotCallScope scope)
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

    internal void Record(HttpMethod method, string path, int? statusCode)
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

        if (statusCode == 429)
        {
            Interlocked.Increment(ref _throttled);
        }

        var endpoint = $"{method.Method} {template}";
        _byEndpoint.AddOrUpdate(endpoint, 1, static (_, n) => n + 1);
        for (var scope = _scope.Value; scope is not null; scope = scope.Parent)
        {
            scope.Add(kind, endpoint, statusCode == 429);
        }
    }

    internal enum CallKind
    {
        Other,
        Read,
        Write,
    }

    private static readonly string[] BatchRecordWrites = ["create", "update", "upsert", "archive"];

    /// <summary>Maps a request to its path template and kind; public for the README's rules to be tested.</summary>
    internal static (string Template, CallKind Kind) Classify(HttpMethod method, string path)
    {
        var segments = path.Trim('/').Split('/', StringSplitOptions.RemoveEmptyEntries);
        var isGet = method == HttpMethod.Get;

        // /crm/v3/objects/{objectType}... or /crm/objects/{version}/{objectType}...
        if (TryPrefix(segments, "objects", out var prefix, out var rest))
        {
            return ClassifyObjects(method, prefix, rest);
        }

        // /crm/v3/properties/{objectType}... or /crm/properties/{version}/{objectType}...
        if (TryPrefix(segments, "properties", out prefix, out rest))
        {
            var template = rest.Length switch
            {
                0 => prefix,
                1 => $"{prefix}/{{objectType}}",
                2 when rest[1] == "groups" => $"{prefix}/{{objectType}}/groups",
                3 when rest[1] == "groups" => $"{prefix}/{{objectType}}/groups/{{groupName}}",
                3 when rest[1] == "batch" => $"{prefix}/{{objectType}}/batch/{rest[2]}",
                2 => $"{prefix}/{{objectType}}/{{propertyName}}",
                _ => Generic(segments),
            };
            var kind = isGet || (rest.Length == 3 && rest[1] == "batch" && rest[2] == "read") ? CallKind.Read : CallKind.Other;
            return (template, kind);
        }

        // /crm/v3/owners[/{ownerId}] (also a date-versioned /crm/owners/{version})
        if (TryPrefix(segments, "owners", out prefix, out rest))
        {
            var template = rest.Length == 0 ? prefix : $"{prefix}/{{ownerId}}";
            return (template, isGet ? CallKind.Read : CallKind.Other);
        }

        // /crm/v4/associations/{fromObjectType}/{toObjectType}/batch/{op}
        if (TryPrefix(segments, "associations", out prefix, out rest) && rest.Length >= 3)
        {
            var op = string.Join('/', rest[2..]);
            var template = $"{prefix}/{{fromObjectType}}/{{toObjectType}}/{op}";
            var kind = op is "batch/read" ? CallKind.Read
                : op is "batch/create" or "batch/associate/default" or "batch/archive" or "batch/labels/archive" ? CallKind.Write
                : isGet ? CallKind.Read : CallKind.Other;
            return (template, kind);
        }

        // /crm/v3/pipelines/{objectType}[/{pipelineId}[/stages[/{stageId}]]] (also /crm/pipelines/{version}/...)
        if (TryPrefix(segments, "pipelines", out prefix, out rest) && rest.Length >= 1)
        {
            var template = rest.Length switch
            {
                1 => $"{prefix}/{{objectType}}",
                2 => $"{prefix}/{{objectType}}/{{pipelineId}}",
                3 => $"{prefix}/{{objectType}}/{{pipelineId}}/stages",
                _ => $"{prefix}/{{objectType}}/{{pipelineId}}/stages/{{stageId}}",
            };
            return (template, isGet ? CallKind.Read : CallKind.Other);
        }

        // /account-info/v3/details or /account-info/{yyyy-mm}/details: which portal the token reaches.
        if (segments is ["account-info", _, "details"])
        {
            return ("/account-info/{version}/details", isGet ? CallKind.Read : CallKind.Other);
        }

        return (Generic(segments), CallKind.Other);
    }

    private static (string, CallKind) ClassifyObjects(HttpMethod method, string prefix, string[] rest)
    {
        if (rest.Length == 0)
        {
            return (prefix, CallKind.Other);
        }

        var typePath = $"{prefix}/{{objectType}}";
        if (rest.Length == 1)
        {
            // GET = list, POST = single create
            return (typePath, method == HttpMethod.Get ? CallKind.Read : method == HttpMethod.Post ? CallKind.Write : CallKind.Other);
        }

        if (rest.Length == 2 && rest[1] == "search")
        {
            return ($"{typePath}/search", CallKind.Read);
        }

        if (rest.Length == 2 && rest[1] is "merge" or "gdpr-delete")
        {
            return ($"{typePath}/{rest[1]}", CallKind.Write);
        }

        if (rest.Length == 3 && rest[1] == "batch")
        {
            var kind = rest[2] == "read" ? CallKind.Read : BatchRecordWrites.Contains(rest[2]) ? CallKind.Write : CallKind.Other;
            return ($"{typePath}/batch/{rest[2]}", kind);
        }

        if (rest.Length == 2)
        {
            // GET one, PATCH update, DELETE archive
            var kind = method == HttpMethod.Get ? CallKind.Read
                : method == HttpMethod.Patch || method == HttpMethod.Delete ? CallKind.Write : CallKind.Other;
            return ($"{typePath}/{{objectId}}", kind);
        }

        // v4 per-record associations: /crm/v4/objects/{t}/{id}/associations/{toT}[/{toId}] (and /default/...)
        if (rest.Length >= 4 && rest[2] == "associations")
        {
            var tail = rest.Length switch
            {
                4 => "/associations/{toObjectType}",
                5 => "/associations/{toObjectType}/{toObjectId}",
                6 when rest[3] == "default" => "/associations/default/{toObjectType}/{toObjectId}",
                _ => "/associations/" + string.Join('/', rest[3..]),
            };
            var kind = method == HttpMethod.Get ? CallKind.Read
                : method == HttpMethod.Put || method == HttpMethod.Delete ? CallKind.Write : CallKind.Other;
            return ($"{typePath}/{{objectId}}{tail}", kind);
        }

        return ($"{typePath}/" + string.Join('/', rest[1..]), CallKind.Other);
    }

    // Matches "crm/v3/<area>" (legacy), "crm/v4/<area>" and "crm/<area>/<yyyy-mm>" (date-versioned) prefixes.
    private static bool TryPrefix(string[] segments, string area, out string prefix, out string[] rest)
    {
        if (segments.Length >= 3 && segments[0] == "crm" && VersionSegment().IsMatch(segments[1]) && segments[2] == area)
        {
            prefix = $"/crm/{segments[1]}/{area}";
            rest = segments[3..];
            return true;
        }

        if (segments.Length >= 3 && segments[0] == "crm" && segments[1] == area && DateVersion().IsMatch(segments[2]))
        {
            prefix = $"/crm/{area}/{segments[2]}";
            rest = segments[3..];
            return true;
        }

        prefix = string.Empty;
        rest = [];
        return false;
    }

    private static string Generic(string[] segments) => "/" + string.Join('/', segments);

    [GeneratedRegex(@"^v\d+$", RegexOptions.CultureInvariant)]
    private static partial Regex VersionSegment();

    [GeneratedRegex(@"^\d{4}-\d{2}$", RegexOptions.CultureInvariant)]
    private static partial Regex DateVersion();
}

/// <summary>
/// The calls of one async flow, as <see cref="HubSpotCallCounter.BeginScope"/> describes; the same classification as
/// the counter's totals. Stops counting when disposed, and keeps its counts.
/// </summary>
public sealed class HubSpotCallScope : IDisposable
{
    private readonly HubSpotCallCounter _owner;
    private readonly ConcurrentDictionary<string, long> _byEndpoint = new(StringComparer.Ordinal);
    private long _calls;
    private long _reads;
    private long _writes;
    private long _throttled;
    private int _disposed;

    internal HubSpotCallScope(HubSpotCallCounter owner, HubSpotCallScope? parent)
    {
        _owner = owner;
        Parent = parent;
    }

    internal HubSpotCallScope? Parent { get; }

    internal bool IsDisposed => Volatile.Read(ref _disposed) != 0;

    public long Calls => Interlocked.Read(ref _calls);

    public long Reads => Interlocked.Read(ref _reads);

    public long Writes => Interlocked.Read(ref _writes);

    public long Throttled => Interlocked.Read(ref _throttled);

    public IReadOnlyDictionary<string, long> ByEndpoint => new SortedDictionary<string, long>(_byEndpoint, StringComparer.Ordinal);

    public HubSpotCallStats Snapshot() => new(Calls, Reads, Writes, Throttled, ByEndpoint);

    internal void Add(HubSpotCallCounter.CallKind kind, string endpoint, bool throttled)
    {
        // A flow started inside the scope keeps it after the scope's end (a call left running): it no longer counts.
        if (IsDisposed)
        {
            return;
        }

        Interlocked.Increment(ref _calls);
        if (kind == HubSpotCallCounter.CallKind.Read)
        {
            Interlocked.Increment(ref _reads);
        }
        else if (kind == HubSpotCallCounter.CallKind.Write)
        {
            Interlocked.Increment(ref _writes);
        }

        if (throttled)
        {
            Interlocked.Increment(ref _throttled);
        }

        _byEndpoint.AddOrUpdate(endpoint, 1, static (_, n) => n + 1);
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            _owner.EndScope(this);
        }
    }
}

/// <summary>Innermost handler: one count per wire attempt.</summary>
internal sealed class HubSpotCountingHandler(HubSpotCallCounter counter) : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        HttpResponseMessage response;
        try
        {
            response = await base.SendAsync(request, cancellationToken);
        }
        catch
        {
            // The request may have reached the server; count it like the server would.
            counter.Record(request.Method, request.RequestUri?.AbsolutePath ?? "/", null);
            throw;
        }

        counter.Record(request.Method, request.RequestUri?.AbsolutePath ?? "/", (int)response.StatusCode);
        return response;
    }
}

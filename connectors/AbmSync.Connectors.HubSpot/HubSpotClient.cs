using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AbmSync.Connectors.HubSpot;

/// <summary>
/// Typed client over HubSpot CRM: objects and batches, search, properties and owners. Moves property maps only.
/// Batch methods chunk at <see cref="MaxBatchSize"/> inputs and answer one outcome per input, in input order.
/// </summary>
public sealed partial class HubSpotClient
{
    /// <summary>HubSpot's cap on inputs per objects batch call.</summary>
    public const int MaxBatchSize = 100;

    /// <summary>HubSpot's cap on inputs per batch read that asks for propertiesWithHistory (51 answers 400).</summary>
    public const int MaxHistoryBatchSize = 50;

    /// <summary>HubSpot's cap on a list page.</summary>
    public const int MaxListLimit = 100;

    /// <summary>HubSpot's cap on a search page.</summary>
    public const int MaxSearchLimit = 200;

    private readonly HttpClient _http;
    private readonly IOptionsMonitor<HubSpotOptions> _options;
    private readonly ILogger<HubSpotClient> _logger;

    public HubSpotClient(HttpClient http, IOptionsMonitor<HubSpotOptions> options, ILogger<HubSpotClient> logger)
    {
        _http = http;
        _options = options;
        _logger = logger;
    }

    private HubSpotOptions Options => _options.CurrentValue;

    // ---------------------------------------------------------------- paths

    /// <summary>/crm/v3/objects/{type} or /crm/objects/{yyyy-mm}/{type}.</summary>
    internal string ObjectsPath(string objectType) => VersionedPath("objects", objectType);

    /// <summary>/crm/v3/properties/{type} or /crm/properties/{yyyy-mm}/{type}.</summary>
    internal string PropertiesPath(string objectType) => VersionedPath("properties", objectType);

    private string VersionedPath(string area, string objectType)
    {
        ValidateSegment(objectType, nameof(objectType));
        var o = Options;
        return o.IsLegacyV3 ? $"/crm/v3/{area}/{objectType}" : $"/crm/{area}/{o.ApiVersion}/{objectType}";
    }

    /// <summary>/crm/v3/owners, or /crm/owners/{yyyy-mm} for a date version.</summary>
    internal string OwnersPath() => Options.IsLegacyV3 ? "/crm/v3/owners" : $"/crm/owners/{Options.ApiVersion}";

    private static void ValidateSegment(string value, string name)
    {
        if (string.IsNullOrWhiteSpace(value) || value.Any(c => !(char.IsAsciiLetterOrDigit(c) || c is '_' or '-')))
        {
            throw new ArgumentException($"'{value}' is not a HubSpot object type or name.", name);
        }
    }

    // ---------------------------------------------------------------- reads

    /// <summary>One page of GET {objects}/{type}; pass the previous page's <see cref="HubSpotPage.NextAfter"/> as <paramref name="after"/>.</summary>
    /// <param name="archived">True lists the archived (deleted) records instead of the live ones.</param>
    public async Task<HubSpotPage> ListAsync(
        string objectType,
        IReadOnlyCollection<string> properties,
        string? after = null,
        int limit = MaxListLimit,
        CancellationToken ct = default,
        bool archived = false)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(limit, MaxListLimit);
        var query = new StringBuilder(ObjectsPath(objectType)).Append("?limit=").Append(limit.ToString(CultureInfo.InvariantCulture));
        if (properties.Count > 0)
        {
            query.Append("&properties=").Append(Uri.EscapeDataString(string.Join(',', properties)));
        }

        if (!string.IsNullOrEmpty(after))
        {
            query.Append("&after=").Append(Uri.EscapeDataString(after));
        }

        query.Append(archived ? "&archived=true" : "&archived=false");
        using var doc = await SendAsync(HttpMethod.Get, query.ToString(), null, ct);
        var root = doc.RootElement;
        return new HubSpotPage([.. HubSpotJson.Results(root).Select(HubSpotJson.ParseObject)], HubSpotJson.NextAfter(root));
    }

    /// <summary>Every page of a list, page by page.</summary>
    public async IAsyncEnumerable<HubSpotPage> ListAllAsync(
        string objectType,
        IReadOnlyCollection<string> properties,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct = default,
        bool archived = false)
    {
        string? after = null;
        do
        {
            var page = await ListAsync(objectType, properties, after, MaxListLimit, ct, archived);
            yield return page;
            after = page.NextAfter;
        }
        while (after is not null);
    }

    /// <summary>
    /// POST {objects}/{type}/batch/read. With <paramref name="idProperty"/>, <paramref name="ids"/> are values of that
    /// unique property. Ids HubSpot does not know come back as failed outcomes with category OBJECT_NOT_FOUND. An id
    /// merged into another record answers with the survivor (whose <see cref="HubSpotObject.Id"/> differs from the input).
    /// </summary>
    public Task<HubSpotBatchResult> BatchReadAsync(
        string objectType,
        IReadOnlyList<string> ids,
        IReadOnlyCollection<string> properties,
        string? idProperty = null,
        CancellationToken ct = default) =>
        BatchReadCoreAsync(objectType, ids, properties, [], idProperty, MaxBatchSize, ct);

    /// <summary>
    /// POST {objects}/{type}/batch/read with propertiesWithHistory, chunked at <see cref="MaxHistoryBatchSize"/>: each
    /// record's <see cref="HubSpotObject.History"/> holds, per property of <paramref name="historyProperties"/>, its
    /// versions newest first with who wrote them. Matching, missing and merged-away ids work as in <see cref="BatchReadAsync"/>.
    /// </summary>
    public Task<HubSpotBatchResult> BatchReadWithHistoryAsync(
        string objectType,
        IReadOnlyList<string> ids,
        IReadOnlyCollection<string> properties,
        IReadOnlyCollection<string> historyProperties,
        CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(historyProperties);
        return BatchReadCoreAsync(objectType, ids, properties, historyProperties, null, MaxHistoryBatchSize, ct);
    }

    private async Task<HubSpotBatchResult> BatchReadCoreAsync(
        string objectType,
        IReadOnlyList<string> ids,
        IReadOnlyCollection<string> properties,
        IReadOnlyCollection<string> historyProperties,
        string? idProperty,
        int chunkSize,
        CancellationToken ct)
    {
        var requested = properties.ToList();
        // The results carry HubSpot ids: the idProperty value, or for a merged-away id the survivor's list of merged
        // ids, is what ties each one back to its input.
        var key = idProperty ?? MergedIdsProperty;
        if (!requested.Contains(key, StringComparer.Ordinal))
        {
            requested.Add(key);
        }

        var answers = await InFlight.SelectAsync(ids.Chunk(chunkSize).ToList(), Options.BatchesInFlight, async (chunk, token) =>
        {
            var body = new Dictionary<string, object>
            {
                ["properties"] = requested,
                ["inputs"] = chunk.Select(id => new { id }).ToArray(),
            };
            if (historyProperties.Count > 0)
            {
                body["propertiesWithHistory"] = historyProperties.Distinct(StringComparer.Ordinal).ToArray();
            }

            if (idProperty is not null)
            {
                body["idProperty"] = idProperty;
            }

            using var doc = await SendAsync(HttpMethod.Post, $"{ObjectsPath(objectType)}/batch/read?archived=false", body, token);
            return Match(doc.RootElement, chunk, r => idProperty is null ? IdAndMergedIds(r) : [r[idProperty]], positional: false, isNewFlag: false);
        }, ct);

        return new HubSpotBatchResult([.. answers.SelectMany(a => a)]);
    }

    /// <summary>POST {objects}/{type}/search: one page. HubSpot refuses to page past 10,000 results of one search.</summary>
    public async Task<HubSpotSearchPage> SearchAsync(string objectType, HubSpotSearchRequest request, CancellationToken ct = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(request.Limit, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(request.Limit, MaxSearchLimit);
        var body = new Dictionary<string, object>
        {
            ["filterGroups"] = request.FilterGroups.Select(g => new
            {
                filters = g.Filters.Select(f => new
                {
                    propertyName = f.PropertyName,
                    @operator = f.Operator,
                    value = f.Value,
                    highValue = f.HighValue,
                    values = f.Values,
                }).ToArray(),
            }).ToArray(),
            ["sorts"] = request.Sorts.Select(s => new { propertyName = s.PropertyName, direction = s.Direction }).ToArray(),
            ["properties"] = request.Properties,
            ["limit"] = request.Limit,
        };
        if (!string.IsNullOrEmpty(request.After))
        {
            body["after"] = request.After;
        }

        if (!string.IsNullOrEmpty(request.Query))
        {
            body["query"] = request.Query;
        }

        using var doc = await SendAsync(HttpMethod.Post, $"{ObjectsPath(objectType)}/search", body, ct, isSearch: true);
        var root = doc.RootElement;
        var total = root.TryGetProperty("total", out var t) && t.TryGetInt64(out var n) ? n : 0;
        return new HubSpotSearchPage(total, [.. HubSpotJson.Results(root).Select(HubSpotJson.ParseObject)], HubSpotJson.NextAfter(root));
    }

    // ---------------------------------------------------------------- writes

    /// <summary>
    /// POST {objects}/{type}/batch/upsert keyed by the unique <paramref name="idProperty"/>. Each outcome says whether
    /// the record was created (<see cref="HubSpotRecordOutcome.IsNew"/>). A whole-batch 400/409 is split until the
    /// invalid inputs are isolated; the others are written.
    /// </summary>
    public Task<HubSpotBatchResult> BatchUpsertAsync(
        string objectType,
        string idProperty,
        IReadOnlyList<HubSpotUpsertInput> inputs,
        CancellationToken ct = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(idProperty);
        return WriteBatchAsync(
            objectType,
            "upsert",
            inputs,
            i => i.Id,
            chunk => new
            {
                inputs = chunk.Select(i => new
                {
                    id = i.Id,
                    idProperty,
                    // Results are matched by the echoed trace id, or else by the idProperty value, written for that.
                    objectWriteTraceId = i.Id,
                    properties = WireProperties(i.Properties, idProperty, i.Id),
                }).ToArray(),
            },
            r => [r.TraceId, r[idProperty]],
            notIdempotent: false,
            ct);
    }

    /// <summary>POST {objects}/{type}/batch/update by HubSpot record id.</summary>
    public Task<HubSpotBatchResult> BatchUpdateAsync(string objectType, IReadOnlyList<HubSpotUpdateInput> inputs, CancellationToken ct = default) =>
        WriteBatchAsync(
            objectType,
            "update",
            inputs,
            i => i.Id,
            chunk => new { inputs = chunk.Select(i => new { id = i.Id, objectWriteTraceId = i.Id, properties = WireProperties(i.Properties, null, null) }).ToArray() },
            r => [r.TraceId, r.Id],
            notIdempotent: false,
            ct);

    /// <summary>
    /// POST {objects}/{type}/batch/create. Never retried on a transport fault (a replay could create twice). Each input
    /// carries an objectWriteTraceId (its <see cref="HubSpotCreateInput.TraceId"/> or index), which opts in to 207 partial
    /// success; <see cref="HubSpotRecordOutcome.InputId"/> is that trace id.
    /// </summary>
    public async Task<HubSpotBatchResult> BatchCreateAsync(string objectType, IReadOnlyList<HubSpotCreateInput> inputs, CancellationToken ct = default)
    {
        var traced = inputs.Select((input, index) => input.TraceId is null ? input with { TraceId = index.ToString(CultureInfo.InvariantCulture) } : input).ToList();
        return await WriteBatchAsync(
            objectType,
            "create",
            traced,
            i => i.TraceId!,
            chunk => new
            {
                inputs = chunk.Select(i => new
                {
                    properties = WireProperties(i.Properties, null, null),
                    objectWriteTraceId = i.TraceId,
                    associations = i.Associations?.Select(a => new
                    {
                        to = new { id = a.ToId },
                        types = new[] { new { associationCategory = a.AssociationCategory, associationTypeId = a.AssociationTypeId } },
                    }).ToArray(),
                }).ToArray(),
            },
            r => [r.TraceId],
            notIdempotent: true,
            ct);
    }

    /// <summary>POST {objects}/{type}/batch/archive (204). Archived records stay restorable for 90 days.</summary>
    public async Task<HubSpotBatchResult> BatchArchiveAsync(string objectType, IReadOnlyList<string> ids, CancellationToken ct = default)
    {
        var outcomes = new List<HubSpotRecordOutcome>(ids.Count);
        foreach (var chunk in ids.Chunk(MaxBatchSize))
        {
            using var doc = await SendAsync(
                HttpMethod.Post,
                $"{ObjectsPath(objectType)}/batch/archive",
                new { inputs = chunk.Select(id => new { id }).ToArray() },
                ct);
            var errors = doc.RootElement.ValueKind == JsonValueKind.Object ? HubSpotJson.ParseBatchErrors(doc.RootElement, Options) : [];
            outcomes.AddRange(chunk.Select(id => new HubSpotRecordOutcome(id, null, null, errors.FirstOrDefault(e => e.Ids.Contains(id)))));
        }

        return new HubSpotBatchResult(outcomes);
    }

    private static Dictionary<string, string> WireProperties(IReadOnlyDictionary<string, string?> properties, string? idProperty, string? idValue)
    {
        // HubSpot clears a value on an empty string; null has no documented meaning on write.
        var wire = properties.ToDictionary(p => p.Key, p => p.Value ?? string.Empty, StringComparer.Ordinal);
        if (idProperty is not null && idValue is not null)
        {
            wire.TryAdd(idProperty, idValue);
        }

        return wire;
    }

    private async Task<HubSpotBatchResult> WriteBatchAsync<T>(
        string objectType,
        string operation,
        IReadOnlyList<T> inputs,
        Func<T, string> inputId,
        Func<IReadOnlyList<T>, object> buildBody,
        Func<ResultKey, IEnumerable<string?>> resultKeys,
        bool notIdempotent,
        CancellationToken ct)
    {
        var path = $"{ObjectsPath(objectType)}/batch/{operation}";
        var outcomes = new List<HubSpotRecordOutcome>(inputs.Count);
        foreach (var chunk in inputs.Chunk(MaxBatchSize))
        {
            await WriteChunkAsync(chunk, outcomes);
        }

        return new HubSpotBatchResult(outcomes);

        async Task WriteChunkAsync(IReadOnlyList<T> chunk, List<HubSpotRecordOutcome> sink)
        {
            JsonDocument doc;
            try
            {
                doc = await SendAsync(HttpMethod.Post, path, buildBody(chunk), ct, notIdempotent: notIdempotent);
            }
            catch (HubSpotApiException ex) when (IsWholeBatchRejection(ex))
            {
                if (chunk.Count == 1 || IsSchemaError(ex))
                {
                    // A property the portal lacks fails every input that carries it: splitting would only cost calls.
                    sink.AddRange(chunk.Select(i => new HubSpotRecordOutcome(inputId(i), null, null, ex.ToError([inputId(i)]))));
                    return;
                }

                // HubSpot rejects the whole batch when one input is invalid: halve until the bad inputs stand alone.
                Log.BisectingBatch(_logger, chunk.Count, objectType, ex.Category ?? "400");
                var half = chunk.Count / 2;
                await WriteChunkAsync([.. chunk.Take(half)], sink);
                await WriteChunkAsync([.. chunk.Skip(half)], sink);
                return;
            }

            using (doc)
            {
                var ids = chunk.Select(inputId).ToList();
                sink.AddRange(Match(doc.RootElement, ids, resultKeys, positional: true, isNewFlag: operation == "upsert"));
            }
        }
    }

    /// <summary>On a merge survivor: the ids of the records merged into it, semicolon-separated.</summary>
    internal const string MergedIdsProperty = "hs_merged_object_ids";

    /// <summary>A record answers for its own id and, after a merge, for every id merged into it.</summary>
    private static IEnumerable<string?> IdAndMergedIds(ResultKey r) => [r.Id, .. MergedIds(r.Record)];

    private static bool IsWholeBatchRejection(HubSpotApiException ex) =>
        ex.StatusCode is HttpStatusCode.BadRequest or HttpStatusCode.Conflict;

    private static bool IsSchemaError(HubSpotApiException ex) =>
        ex.Message.Contains("PROPERTY_DOESNT_EXIST", StringComparison.Ordinal) ||
        ex.Errors.Any(e => string.Equals(e.SubCategory, "PROPERTY_DOESNT_EXIST", StringComparison.Ordinal));

    /// <summary>What a batch result is matched on: its id, its properties and its echoed objectWriteTraceId.</summary>
    private sealed record ResultKey(HubSpotObject Record, string? TraceId)
    {
        public string Id => Record.Id;

        public string? this[string property] => Record[property];
    }

    /// <summary>
    /// Splits a batch answer (200/201 or 207) into one outcome per input id, in input order. HubSpot does not promise
    /// result order, so results are matched by key; only when every input got a result and none matched by key is the
    /// order trusted.
    /// </summary>
    private List<HubSpotRecordOutcome> Match(
        JsonElement root,
        IReadOnlyList<string> inputIds,
        Func<ResultKey, IEnumerable<string?>> keys,
        bool positional,
        bool isNewFlag)
    {
        var results = HubSpotJson.Results(root)
            .Select(e => (Key: new ResultKey(HubSpotJson.ParseObject(e), HubSpotJson.GetString(e, "objectWriteTraceId")),
                          IsNew: e.TryGetProperty("new", out var n) && n.ValueKind is JsonValueKind.True or JsonValueKind.False ? n.GetBoolean() : (bool?)null))
            .ToList();
        var errors = root.ValueKind == JsonValueKind.Object ? HubSpotJson.ParseBatchErrors(root, Options) : [];

        // HubSpot stores contact emails lower-cased, so an input "Ann@X.com" must still find its result; ids are digits.
        var byKey = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < results.Count; i++)
        {
            foreach (var k in keys(results[i].Key).OfType<string>())
            {
                byKey.TryAdd(k, i);
            }
        }

        var trustOrder = positional && byKey.Count == 0 && errors.Count == 0 && results.Count == inputIds.Count;
        var outcomes = new List<HubSpotRecordOutcome>(inputIds.Count);
        var unassignedErrors = errors.Where(e => e.Ids.Count == 0).ToList();
        for (var i = 0; i < inputIds.Count; i++)
        {
            var id = inputIds[i];
            var index = byKey.TryGetValue(id, out var found) ? found : trustOrder ? i : -1;
            if (index >= 0)
            {
                var (result, isNew) = results[index];
                outcomes.Add(new HubSpotRecordOutcome(id, result.Record, isNewFlag ? isNew : null, null));
                continue;
            }

            var error = errors.FirstOrDefault(e => e.Ids.Contains(id, StringComparer.OrdinalIgnoreCase))
                ?? (unassignedErrors.Count == 1 ? unassignedErrors[0] with { Ids = [id] } : null)
                ?? new HubSpotError(
                    results.Count == 0 && errors.Count == 0 ? "OBJECT_NOT_FOUND" : "UNMATCHED_RESULT",
                    "HubSpot returned no result and no error for this input.",
                    null,
                    [id],
                    null);
            outcomes.Add(new HubSpotRecordOutcome(id, null, null, error));
        }

        return outcomes;
    }

    // ---------------------------------------------------------------- schema and owners

    /// <summary>Sends one call and answers its JSON (an empty object for 204), or throws <see cref="HubSpotApiException"/>.</summary>
    internal async Task<JsonDocument> SendAsync(
        HttpMethod method,
        string pathAndQuery,
        object? body,
        CancellationToken ct,
        bool notIdempotent = false,
        bool isSearch = false)
    {
        using var request = new HttpRequestMessage(method, new Uri(pathAndQuery, UriKind.Relative));
        if (body is not null)
        {
            // Bytes rather than a streaming content: retries and the 401 replay send the same request again.
            var content = new ByteArrayContent(JsonSerializer.SerializeToUtf8Bytes(body, HubSpotJson.Options));
            content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
            request.Content = content;
        }

        if (notIdempotent)
        {
            request.Options.Set(HubSpotRetry.NotIdempotent, true);
        }

        if (isSearch)
        {
            request.Options.Set(HubSpotRateLimiter.IsSearch, true);
        }

        using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseContentRead, ct);
        var bytes = await response.Content.ReadAsByteArrayAsync(ct);
        if (!response.IsSuccessStatusCode)
        {
            throw CreateException(method, request.RequestUri!, response, bytes);
        }

        return bytes.Length == 0 ? JsonDocument.Parse("{}") : JsonDocument.Parse(bytes);
    }

    private HubSpotApiException CreateException(HttpMethod method, Uri uri, HttpResponseMessage response, byte[] bytes)
    {
        var options = Options;
        var status = (int)response.StatusCode;
        string? category = null, subCategory = null, correlationId = null, policyName = null, message = null;
        var missingScopes = new List<string>();
        var errors = new List<HubSpotError>();
        try
        {
            if (bytes.Length > 0)
            {
                using var doc = JsonDocument.Parse(bytes);
                var root = doc.RootElement;
                if (root.ValueKind == JsonValueKind.Object)
                {
                    var error = HubSpotJson.ToError(root, options);
                    category = HubSpotJson.GetString(root, "category") ?? HubSpotJson.GetString(root, "errorType");
                    subCategory = error.SubCategory;
                    correlationId = error.CorrelationId;
                    message = error.Message;
                    policyName = HubSpotJson.GetString(root, "policyName");
                    errors.AddRange(HubSpotJson.ParseBatchErrors(root, options));
                    // The scopes may be named in the error's context or in an errors[] detail's context.
                    var contexts = new List<JsonElement>();
                    if (root.TryGetProperty("context", out var context))
                    {
                        contexts.Add(context);
                    }

                    if (root.TryGetProperty("errors", out var details) && details.ValueKind == JsonValueKind.Array)
                    {
                        contexts.AddRange(details.EnumerateArray()
                            .Where(d => d.ValueKind == JsonValueKind.Object && d.TryGetProperty("context", out _))
                            .Select(d => d.GetProperty("context")));
                    }

                    foreach (var ctx in contexts.Where(c => c.ValueKind == JsonValueKind.Object))
                    {
                        foreach (var name in new[] { "missingScopes", "requiredGranularScopes" })
                        {
                            if (ctx.TryGetProperty(name, out var scopes) && scopes.ValueKind == JsonValueKind.Array)
                            {
                                missingScopes.AddRange([.. scopes.EnumerateArray().Select(HubSpotJson.AsString).OfType<string>().Except(missingScopes)]);
                            }
                        }
                    }
                }
            }
        }
        catch (JsonException)
        {
            message = null;
        }

        message ??= bytes.Length == 0 ? "no response body" : "non-JSON response body";
        var endpoint = $"{method.Method} {uri.OriginalString.Split('?')[0]}";
        var text = status switch
        {
            401 => $"HubSpot rejected the credentials (401 {category ?? "INVALID_AUTHENTICATION"}) on {endpoint}: {message} " +
                   (options.OAuth.IsConfigured
                       ? "The OAuth token was refreshed and replayed once; check HubSpot:OAuth."
                       : "Check HubSpot:AccessToken (a private app token or Service Key)."),
            403 when missingScopes.Count > 0 =>
                $"HubSpot token lacks the scopes {string.Join(", ", missingScopes)} (403 {category ?? "MISSING_SCOPES"}) on {endpoint}: {message}",
            429 => $"HubSpot rate limit{(policyName is null ? string.Empty : $" {policyName}")} (429) on {endpoint}: {message}",
            _ => $"HubSpot {endpoint} failed with {status}{(category is null ? string.Empty : $" {category}")}: {message}",
        };
        return new HubSpotApiException(
            response.StatusCode,
            category,
            HubSpotJson.Scrub(text, options),
            correlationId,
            subCategory,
            policyName,
            missingScopes,
            errors);
    }
}

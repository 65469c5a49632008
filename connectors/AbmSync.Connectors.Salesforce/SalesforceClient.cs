using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Options;
using Polly.Timeout;

namespace AbmSync.Connectors.Salesforce;

/// <summary>
/// Typed client for the Salesforce REST API: SOQL with paging, sObject Collections writes, describe and limits.
/// Auth, retries and call counting live in the handler chain registered by <c>AddSalesforceConnector</c>.
/// </summary>
public sealed partial class SalesforceClient
{
    /// <summary>sObject Collections accept at most 200 records per call.</summary>
    public const int CollectionBatchSize = 200;

    /// <summary>sObject Collections retrieve (POST) accepts up to 2,000 ids.</summary>
    public const int RetrieveBatchSize = 2000;

    private readonly HttpClient _http;
    private readonly SalesforceOptions _options;
    private readonly SalesforceCallCounter _counter;
    private readonly TimeProvider _time;

    public SalesforceClient(HttpClient http, IOptions<SalesforceOptions> options, SalesforceCallCounter counter, TimeProvider time)
    {
        _http = http;
        _options = options.Value;
        _counter = counter;
        _time = time;
    }

    /// <summary>The latest <c>Sforce-Limit-Info</c> api-usage seen by any Salesforce call in this process.</summary>
    public ApiUsage? LastApiUsage => _counter.LastApiUsage;

    public SalesforceOptions Options => _options;

    private string DataPath => "services/data/" + _options.ApiVersion;

    /// <summary>First page of a query; <c>queryAll</c> (deleted and archived rows too) when <paramref name="includeDeleted"/>.</summary>
    public Task<SoqlPage> QueryAsync(SoqlQuery query, bool includeDeleted = false, CancellationToken ct = default)
    {
        var resource = includeDeleted ? "queryAll" : "query";
        return GetPageAsync($"{DataPath}/{resource}?q={Uri.EscapeDataString(query.ToSoql())}", ct);
    }

    /// <summary>Next page, from the previous page's <c>nextRecordsUrl</c> (a path under /services/data/).</summary>
    public Task<SoqlPage> QueryMoreAsync(string nextRecordsUrl, CancellationToken ct = default)
    {
        // Only follow locators on the same API; a foreign absolute URL would also carry our token elsewhere.
        if (!nextRecordsUrl.StartsWith("/services/data/", StringComparison.Ordinal))
        {
            throw new ArgumentException("nextRecordsUrl must be a path under /services/data/.", nameof(nextRecordsUrl));
        }

        return GetPageAsync(nextRecordsUrl.TrimStart('/'), ct);
    }

    /// <summary>Every page of a query, following <c>nextRecordsUrl</c> until <c>done</c>.</summary>
    public async IAsyncEnumerable<SoqlPage> QueryPagesAsync(SoqlQuery query, bool includeDeleted = false,
        [EnumeratorCancellation] CancellationToken ct = default)
    {
        var page = await QueryAsync(query, includeDeleted, ct);
        yield return page;
        while (!page.Done && page.NextRecordsUrl is { } next)
        {
            page = await QueryMoreAsync(next, ct);
            yield return page;
        }
    }

    /// <summary>PATCH /composite/sobjects (allOrNone=false), 200 records per call. Every record needs an Id. Results align with inputs.</summary>
    public Task<IReadOnlyList<SObjectSaveResult>> UpdateAsync(IReadOnlyList<SObjectRecord> records, CancellationToken ct = default, bool autoAssign = true)
    {
        foreach (var r in records)
        {
            if (string.IsNullOrEmpty(r.Id))
            {
                throw new ArgumentException("Every record of an update needs an Id.", nameof(records));
            }
        }

        return SaveInChunksAsync(HttpMethod.Patch, $"{DataPath}/composite/sobjects", records, includeId: true, nonIdempotent: false, ct, autoAssign);
    }

    /// <summary>POST /composite/sobjects (allOrNone=false), 200 per call. Never retried at HTTP level: a create replayed is a duplicate.</summary>
    public Task<IReadOnlyList<SObjectSaveResult>> CreateAsync(IReadOnlyList<SObjectRecord> records, CancellationToken ct = default)
    {
        if (records.Any(r => !string.IsNullOrEmpty(r.Id)))
        {
            throw new ArgumentException("Records to create must not carry an Id.", nameof(records));
        }

        return SaveInChunksAsync(HttpMethod.Post, $"{DataPath}/composite/sobjects", records, includeId: false, nonIdempotent: true, ct);
    }

    /// <summary>PATCH /composite/sobjects/{sObject}/{externalIdField} (allOrNone=false), 200 per call; results carry Created.</summary>
    /// <param name="autoAssign">
    /// False sends <c>Sforce-Auto-Assign: FALSE</c>: the org's active lead (or case) assignment rule does not replace the
    /// owner we set. Without the header the REST API applies the active rule.
    /// </param>
    public Task<IReadOnlyList<SObjectSaveResult>> UpsertAsync(string sObject, string externalIdField,
        IReadOnlyList<SObjectRecord> records, CancellationToken ct = default, bool autoAssign = true)
    {
        Soql.CheckObjectName(sObject);
        Soql.CheckFieldPath(externalIdField);
        foreach (var r in records)
        {
            if (!string.Equals(r.Type, sObject, StringComparison.OrdinalIgnoreCase))
            {
                throw new ArgumentException($"Every record of an upsert on {sObject} must be a {sObject}, not {r.Type}.", nameof(records));
            }

            if (!r.Has(externalIdField))
            {
                throw new ArgumentException($"Every record of an upsert needs its {externalIdField} value.", nameof(records));
            }
        }

        return SaveInChunksAsync(HttpMethod.Patch, $"{DataPath}/composite/sobjects/{sObject}/{externalIdField}", records,
            includeId: false, nonIdempotent: false, ct, autoAssign);
    }

    /// <summary>
    /// POST /composite/sobjects/{sObject} with {"ids","fields"}, 2,000 ids per call. The answer keeps the order of
    /// <paramref name="ids"/>; an id that is invalid or not visible gives null at its index.
    /// </summary>
    public async Task<IReadOnlyList<SObjectRecord?>> RetrieveAsync(string sObject, IReadOnlyList<string> ids,
        IReadOnlyCollection<string> fields, CancellationToken ct = default)
    {
        Soql.CheckObjectName(sObject);
        foreach (var f in fields)
        {
            Soql.CheckFieldPath(f);
        }

        var results = new List<SObjectRecord?>(ids.Count);
        foreach (var chunk in ids.Chunk(RetrieveBatchSize))
        {
            var body = new JsonObject
            {
                ["ids"] = new JsonArray(chunk.Select(id => (JsonNode?)JsonValue.Create(id)).ToArray()),
                ["fields"] = new JsonArray(fields.Select(f => (JsonNode?)JsonValue.Create(f)).ToArray()),
            };
            var json = await SendJsonAsync(HttpMethod.Post, $"{DataPath}/composite/sobjects/{sObject}", body, false, ct);
            if (json is not JsonArray array || array.Count != chunk.Length)
            {
                throw new SalesforceApiException(
                    $"Salesforce answered {(json as JsonArray)?.Count ?? 0} records for {chunk.Length} ids of POST /composite/sobjects/{sObject}.");
            }

            results.AddRange(array.Select(n => n is JsonObject o ? ParseRecord(o) : null));
        }

        return results;
    }

    /// <summary>DELETE /composite/sobjects?ids=..&amp;allOrNone=false, 200 ids per call. Results align with <paramref name="ids"/>.</summary>
    public async Task<IReadOnlyList<SObjectSaveResult>> DeleteAsync(IReadOnlyList<string> ids, CancellationToken ct = default)
    {
        var results = new List<SObjectSaveResult>(ids.Count);
        foreach (var chunk in ids.Chunk(CollectionBatchSize))
        {
            if (chunk.Any(id => id.Length == 0 || !id.All(char.IsAsciiLetterOrDigit)))
            {
                throw new ArgumentException("Record ids are alphanumeric.", nameof(ids));
            }

            var json = await SendJsonAsync(HttpMethod.Delete,
                $"{DataPath}/composite/sobjects?ids={string.Join(',', chunk)}&allOrNone=false", null, false, ct);
            if (json is not JsonArray array || array.Count != chunk.Length)
            {
                throw new SalesforceApiException($"Salesforce answered {(json as JsonArray)?.Count ?? 0} results for {chunk.Length} deletes.");
            }

            results.AddRange(array.Select(ParseSaveResult));
        }

        return results;
    }

    /// <summary>GET /sobjects/{sObject}/describe.</summary>
    public async Task<SObjectDescribe> DescribeAsync(string sObject, CancellationToken ct = default)
    {
        Soql.CheckObjectName(sObject);
        var json = await SendJsonAsync(HttpMethod.Get, $"{DataPath}/sobjects/{sObject}/describe", null, false, ct);
        return SObjectDescribe.FromJson(json as JsonObject ?? throw Unexpected("describe"));
    }

    /// <summary>GET /limits.</summary>
    public async Task<OrgLimits> GetLimitsAsync(CancellationToken ct = default)
    {
        var json = await SendJsonAsync(HttpMethod.Get, $"{DataPath}/limits", null, false, ct);
        return OrgLimits.FromJson(json as JsonObject ?? throw Unexpected("limits"));
    }

    private async Task<SoqlPage> GetPageAsync(string relativeUri, CancellationToken ct)
    {
        var json = await SendJsonAsync(HttpMethod.Get, relativeUri, null, false, ct, request =>
            request.Headers.TryAddWithoutValidation("Sforce-Query-Options",
                "batchSize=" + _options.QueryBatchSize.ToString(CultureInfo.InvariantCulture)));
        return ParsePage(json as JsonObject ?? throw Unexpected("query"));
    }

    internal static SoqlPage ParsePage(JsonObject obj)
    {
        var records = obj["records"] is JsonArray array
            ? array.OfType<JsonObject>().Select(ParseRecord).ToArray()
            : [];
        return new SoqlPage(
            (int?)obj["totalSize"] ?? records.Length,
            (bool?)obj["done"] ?? true,
            (string?)obj["nextRecordsUrl"],
            records);
    }

    internal static SObjectRecord ParseRecord(JsonObject obj)
    {
        var fields = new JsonObject();
        string? type = null;
        foreach (var (name, value) in obj)
        {
            if (name == "attributes")
            {
                type = (string?)value?["type"];
                continue;
            }

            fields[name] = value?.DeepClone();
        }

        var id = fields.TryGetPropertyValue("Id", out var idNode) ? (string?)idNode : null;
        return new SObjectRecord(type ?? "", id, fields);
    }

    private async Task<IReadOnlyList<SObjectSaveResult>> SaveInChunksAsync(HttpMethod method, string relativeUri,
        IReadOnlyList<SObjectRecord> records, bool includeId, bool nonIdempotent, CancellationToken ct, bool autoAssign = true)
    {
        var results = new List<SObjectSaveResult>(records.Count);
        foreach (var chunk in records.Chunk(CollectionBatchSize))
        {
            var body = new JsonObject
            {
                ["allOrNone"] = false,
                ["records"] = new JsonArray(chunk.Select(r => (JsonNode?)ToWireRecord(r, includeId)).ToArray()),
            };
            var json = await SendJsonAsync(method, relativeUri, body, nonIdempotent, ct,
                autoAssign ? null : request => request.Headers.TryAddWithoutValidation("Sforce-Auto-Assign", "FALSE"));
            if (json is not JsonArray array || array.Count != chunk.Length)
            {
                // Results are matched to inputs by position; a different count makes that matching unsafe.
                throw new SalesforceApiException(
                    $"Salesforce answered {(json as JsonArray)?.Count ?? 0} results for {chunk.Length} records of {method.Method} {StripQuery(relativeUri)}.");
            }

            results.AddRange(array.Select(ParseSaveResult));
        }

        return results;
    }

    private static JsonObject ToWireRecord(SObjectRecord record, bool includeId)
    {
        var wire = new JsonObject { ["attributes"] = new JsonObject { ["type"] = record.Type } };
        if (includeId)
        {
            wire["id"] = record.Id;
        }

        foreach (var (name, value) in record.Fields)
        {
            if (string.Equals(name, "Id", StringComparison.OrdinalIgnoreCase) || name == "attributes")
            {
                continue;
            }

            wire[name] = value?.DeepClone();
        }

        return wire;
    }

    internal static SObjectSaveResult ParseSaveResult(JsonNode? node)
    {
        var obj = node as JsonObject ?? [];
        return new SObjectSaveResult(
            (string?)obj["id"],
            (bool?)obj["success"] ?? false,
            (bool?)obj["created"],
            SalesforceError.ListFromJson(obj["errors"]));
    }

    private async Task<JsonNode?> SendJsonAsync(HttpMethod method, string relativeUri, JsonNode? body, bool nonIdempotent,
        CancellationToken ct, Action<HttpRequestMessage>? configure = null)
    {
        HttpContent? content = null;
        if (body is not null)
        {
            // ByteArrayContent can be sent again by a retry or a post-401 replay.
            content = new ByteArrayContent(Encoding.UTF8.GetBytes(body.ToJsonString()));
            content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "UTF-8" };
        }

        var (status, _, text) = await SendRawAsync(method, relativeUri, content, "application/json", nonIdempotent, ct, configure);
        if (status == HttpStatusCode.NoContent || string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        try
        {
            return JsonNode.Parse(text);
        }
        catch (JsonException e)
        {
            throw new SalesforceApiException($"Salesforce answered {method.Method} {StripQuery(relativeUri)} with a body that is not JSON.", e);
        }
    }

    /// <summary>Sends one request through the handler chain; a non-success status becomes a <see cref="SalesforceApiException"/>.</summary>
    private async Task<(HttpStatusCode Status, HttpResponseHeaders Headers, string Body)> SendRawAsync(HttpMethod method,
        string relativeUri, HttpContent? content, string accept, bool nonIdempotent, CancellationToken ct,
        Action<HttpRequestMessage>? configure = null)
    {
        using var request = new HttpRequestMessage(method, new Uri(relativeUri, UriKind.Relative)) { Content = content };
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue(accept));
        if (nonIdempotent)
        {
            request.Options.Set(SalesforceRetryPolicy.NonIdempotent, true);
        }

        configure?.Invoke(request);
        HttpResponseMessage response;
        try
        {
            response = await _http.SendAsync(request, HttpCompletionOption.ResponseContentRead, ct);
        }
        catch (Exception e) when (e is HttpRequestException or TimeoutRejectedException && !ct.IsCancellationRequested)
        {
            // Retries (where allowed) are spent by now. A create that failed here may or may not have been applied.
            var outcome = nonIdempotent ? " The write may or may not have been applied; check before sending it again." : "";
            throw new SalesforceApiException(
                $"Salesforce request {method.Method} {StripQuery(relativeUri)} failed: {e.GetType().Name}: {e.Message}{outcome}", e);
        }

        using var _ = response;
        var text = await response.Content.ReadAsStringAsync(ct);
        if (!response.IsSuccessStatusCode)
        {
            throw CreateException(response.StatusCode, method, relativeUri, text);
        }

        return (response.StatusCode, response.Headers, text);
    }

    internal static SalesforceApiException CreateException(HttpStatusCode status, HttpMethod method, string relativeUri, string body)
    {
        IReadOnlyList<SalesforceError> errors = [];
        try
        {
            errors = SalesforceError.ListFromJson(JsonNode.Parse(body));
        }
        catch (JsonException)
        {
            // Proxies and maintenance pages answer HTML; the status says enough.
        }

        var summary = errors.Count == 0
            ? ""
            : ": " + string.Join("; ", errors.Select(e => e.Code + " " + e.Message));
        return new SalesforceApiException(status, errors,
            $"Salesforce answered {(int)status} to {method.Method} {StripQuery(relativeUri)}{summary}");
    }

    // Query strings carry SOQL with customer data; the path alone identifies the call.
    private static string StripQuery(string uri) => "/" + uri.Split('?')[0].TrimStart('/');

    private static SalesforceApiException Unexpected(string what) =>
        new($"Salesforce answered an unexpected JSON shape for {what}.");
}

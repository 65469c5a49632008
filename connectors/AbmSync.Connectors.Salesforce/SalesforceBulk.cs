using System.Globalization;
using System.Net.Http.Headers;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace AbmSync.Connectors.Salesforce;

/// <summary>Bulk API 2.0 ingest operations.</summary>
public enum BulkOperation
{
    Insert,
    Update,
    Upsert,
    Delete,
    HardDelete,
}

/// <summary>Job info as answered by the jobs/query and jobs/ingest resources.</summary>
public sealed record BulkJobInfo(
    string Id,
    string Operation,
    string Object,
    string State,
    long NumberRecordsProcessed,
    long NumberRecordsFailed,
    string? ErrorMessage)
{
    /// <summary>JobComplete, Failed or Aborted: polling stops here.</summary>
    public bool IsTerminal => State is "JobComplete" or "Failed" or "Aborted";

    internal static BulkJobInfo FromJson(JsonNode? node)
    {
        var o = node as JsonObject ?? throw new SalesforceApiException("Salesforce answered an unexpected JSON shape for a bulk job.");
        return new BulkJobInfo(
            (string?)o["id"] ?? throw new SalesforceApiException("Bulk job answer has no id."),
            (string?)o["operation"] ?? "",
            (string?)o["object"] ?? "",
            (string?)o["state"] ?? "",
            ReadLong(o["numberRecordsProcessed"]),
            ReadLong(o["numberRecordsFailed"]),
            (string?)o["errorMessage"]);
    }

    private static long ReadLong(JsonNode? node) => node is JsonValue v && v.GetValueKind() == JsonValueKind.Number ? v.GetValue<long>() : 0;
}

/// <summary>One result set of a query job; <paramref name="NextLocator"/> is null once Salesforce answers the locator "null".</summary>
public sealed record BulkQueryResultPage(IReadOnlyList<SObjectRecord> Records, string? NextLocator);

/// <summary>
/// One row of an ingest job's results. Salesforce does not keep the input order, so <paramref name="Fields"/> carries the
/// row's input columns (e.g. the external id) for the caller to match it to its record.
/// </summary>
public sealed record BulkRecordResult(string? Id, bool Success, bool? Created, string? Error, IReadOnlyDictionary<string, string?> Fields)
{
    /// <summary>The error code before the first colon of sf__Error ("UNABLE_TO_LOCK_ROW:unable to obtain…").</summary>
    public string? ErrorCode => Error is null ? null : Error.Split(':', 2)[0].Trim();
}

/// <summary>Outcome of <see cref="SalesforceClient.BulkIngestAsync"/>: one job per 100 MB of CSV, and every record's result.</summary>
public sealed record BulkIngestResult(IReadOnlyList<BulkJobInfo> Jobs, IReadOnlyList<BulkRecordResult> Results)
{
    public IEnumerable<BulkRecordResult> Failed => Results.Where(r => !r.Success);
}

public sealed partial class SalesforceClient
{
    /// <summary>
    /// Salesforce base64-encodes an upload and caps it at 150 MB, so it advises at most 100 MB of CSV per job.
    /// Internal so tests can force several jobs.
    /// </summary>
    internal int MaxUploadBytes { get; set; } = 100_000_000;

    /// <summary>Runs a Bulk API 2.0 query job and yields its records one result set at a time (all values are strings, as in CSV).</summary>
    public async IAsyncEnumerable<IReadOnlyList<SObjectRecord>> BulkQueryAsync(SoqlQuery query, bool includeDeleted = false,
        int? maxRecordsPerPage = null, [EnumeratorCancellation] CancellationToken ct = default)
    {
        var job = await CreateQueryJobAsync(query, includeDeleted, ct);
        job = await WaitForJobAsync(job.Id, isQuery: true, ct);
        if (job.State != "JobComplete")
        {
            throw new SalesforceApiException($"Bulk query job {job.Id} ended {job.State}: {job.ErrorMessage}");
        }

        string? locator = null;
        do
        {
            var page = await GetQueryResultsAsync(job.Id, query.SObject, locator, maxRecordsPerPage, ct);
            yield return page.Records;
            locator = page.NextLocator;
        }
        while (locator is not null);
    }

    /// <summary>POST /jobs/query.</summary>
    public async Task<BulkJobInfo> CreateQueryJobAsync(SoqlQuery query, bool includeDeleted = false, CancellationToken ct = default)
    {
        var body = new JsonObject
        {
            ["operation"] = includeDeleted ? "queryAll" : "query",
            ["query"] = query.ToSoql(),
            ["contentType"] = "CSV",
            ["columnDelimiter"] = "COMMA",
            ["lineEnding"] = "LF",
        };
        return BulkJobInfo.FromJson(await SendJsonAsync(HttpMethod.Post, $"{DataPath}/jobs/query", body, false, ct));
    }

    /// <summary>GET /jobs/query/{jobId} or /jobs/ingest/{jobId}.</summary>
    public async Task<BulkJobInfo> GetJobAsync(string jobId, bool isQuery, CancellationToken ct = default) =>
        BulkJobInfo.FromJson(await SendJsonAsync(HttpMethod.Get, JobPath(jobId, isQuery), null, false, ct));

    /// <summary>
    /// Polls until the job is terminal (on the injected TimeProvider): after 1 s, then twice as long each time, up to
    /// <see cref="SalesforceOptions.BulkPollInterval"/>. A page's job is often done in a second or two, and waiting
    /// the whole interval for it would hold the page that long; a long job still costs a poll per interval.
    /// </summary>
    public async Task<BulkJobInfo> WaitForJobAsync(string jobId, bool isQuery, CancellationToken ct = default)
    {
        var wait = TimeSpan.FromSeconds(1);
        while (true)
        {
            var job = await GetJobAsync(jobId, isQuery, ct);
            if (job.IsTerminal)
            {
                return job;
            }

            await Task.Delay(wait < _options.BulkPollInterval ? wait : _options.BulkPollInterval, _time, ct);
            wait *= 2;
        }
    }

    /// <summary>GET /jobs/query/{jobId}/results[?locator=..&amp;maxRecords=..]: one CSV result set and the next locator.</summary>
    public async Task<BulkQueryResultPage> GetQueryResultsAsync(string jobId, string sObject, string? locator = null,
        int? maxRecords = null, CancellationToken ct = default)
    {
        var query = new List<string>();
        if (locator is not null)
        {
            query.Add("locator=" + Uri.EscapeDataString(locator));
        }

        if (maxRecords is { } max)
        {
            query.Add("maxRecords=" + max.ToString(CultureInfo.InvariantCulture));
        }

        var uri = JobPath(jobId, isQuery: true) + "/results" + (query.Count > 0 ? "?" + string.Join('&', query) : "");
        var (_, headers, csv) = await SendRawAsync(HttpMethod.Get, uri, null, "text/csv", false, ct);
        var next = headers.TryGetValues("Sforce-Locator", out var values) ? values.FirstOrDefault() : null;
        if (string.IsNullOrEmpty(next) || next == "null")
        {
            next = null;
        }

        var records = ReadCsv(csv).Select(row => ToRecord(sObject, row)).ToArray();
        return new BulkQueryResultPage(records, next);
    }

    /// <summary>
    /// Creates ingest job(s), uploads the records as CSV (null → #N/A), closes, polls and reads successful, failed and
    /// unprocessed results. Records above 100 MB of CSV go into further jobs.
    /// </summary>
    public async Task<BulkIngestResult> BulkIngestAsync(string sObject, BulkOperation operation, IReadOnlyList<SObjectRecord> records,
        string? externalIdField = null, CancellationToken ct = default)
    {
        var jobs = new List<BulkJobInfo>();
        var results = new List<BulkRecordResult>();
        foreach (var csv in ToCsvUploads(records, operation, externalIdField))
        {
            var job = await CreateIngestJobAsync(sObject, operation, externalIdField, ct);
            await UploadIngestDataAsync(job.Id, csv, ct);
            await SetIngestJobStateAsync(job.Id, "UploadComplete", ct);
            job = await WaitForJobAsync(job.Id, isQuery: false, ct);
            jobs.Add(job);
            results.AddRange(await GetIngestResultsAsync(job.Id, ct));
        }

        return new BulkIngestResult(jobs, results);
    }

    /// <summary>POST /jobs/ingest.</summary>
    public async Task<BulkJobInfo> CreateIngestJobAsync(string sObject, BulkOperation operation, string? externalIdField = null,
        CancellationToken ct = default)
    {
        Soql.CheckObjectName(sObject);
        var body = new JsonObject
        {
            ["object"] = sObject,
            ["operation"] = OperationName(operation),
            ["contentType"] = "CSV",
            ["columnDelimiter"] = "COMMA",
            ["lineEnding"] = "LF",
        };
        if (operation == BulkOperation.Upsert)
        {
            body["externalIdFieldName"] = Soql.CheckFieldPath(externalIdField ?? throw new ArgumentException("An upsert job needs an external id field.", nameof(externalIdField)));
        }

        return BulkJobInfo.FromJson(await SendJsonAsync(HttpMethod.Post, $"{DataPath}/jobs/ingest", body, false, ct));
    }

    /// <summary>PUT /jobs/ingest/{jobId}/batches with text/csv. Not retried: a second upload would add the rows twice.</summary>
    public async Task UploadIngestDataAsync(string jobId, string csv, CancellationToken ct = default)
    {
        var content = new ByteArrayContent(Encoding.UTF8.GetBytes(csv));
        content.Headers.ContentType = new MediaTypeHeaderValue("text/csv");
        await SendRawAsync(HttpMethod.Put, JobPath(jobId, isQuery: false) + "/batches", content, "application/json", true, ct);
    }

    /// <summary>
    /// PATCH /jobs/ingest/{jobId} with {"state": "UploadComplete"} (start) or "Aborted". A retried close whose first
    /// attempt did land (it timed out on the way back) is answered INVALIDJOBSTATE; the job then has moved on, and
    /// its current state is the answer rather than a failure.
    /// </summary>
    public async Task<BulkJobInfo> SetIngestJobStateAsync(string jobId, string state, CancellationToken ct = default)
    {
        try
        {
            return BulkJobInfo.FromJson(await SendJsonAsync(HttpMethod.Patch, JobPath(jobId, isQuery: false),
                new JsonObject { ["state"] = state }, false, ct));
        }
        catch (SalesforceApiException e) when (state == "UploadComplete" && e.ErrorCode == "INVALIDJOBSTATE")
        {
            var job = await GetJobAsync(jobId, isQuery: false, ct);
            if (job.State is "UploadComplete" or "InProgress" or "JobComplete" or "Failed")
            {
                return job;
            }
            throw;
        }
    }

    /// <summary>successfulResults, failedResults and unprocessedrecords of a finished ingest job, in that order.</summary>
    public async Task<IReadOnlyList<BulkRecordResult>> GetIngestResultsAsync(string jobId, CancellationToken ct = default)
    {
        var path = JobPath(jobId, isQuery: false);
        var results = new List<BulkRecordResult>();
        var (_, _, ok) = await SendRawAsync(HttpMethod.Get, path + "/successfulResults/", null, "text/csv", false, ct);
        foreach (var row in ReadCsv(ok))
        {
            results.Add(new BulkRecordResult(Take(row, "sf__Id"), true,
                bool.TryParse(Take(row, "sf__Created"), out var created) ? created : null, null, row));
        }

        var (_, _, failed) = await SendRawAsync(HttpMethod.Get, path + "/failedResults/", null, "text/csv", false, ct);
        foreach (var row in ReadCsv(failed))
        {
            results.Add(new BulkRecordResult(Take(row, "sf__Id"), false, null, Take(row, "sf__Error") ?? "UNKNOWN", row));
        }

        var (_, _, unprocessed) = await SendRawAsync(HttpMethod.Get, path + "/unprocessedrecords/", null, "text/csv", false, ct);
        foreach (var row in ReadCsv(unprocessed))
        {
            results.Add(new BulkRecordResult(null, false, null, "UNPROCESSED:the job ended before this record was processed", row));
        }

        return results;
    }

    private string JobPath(string jobId, bool isQuery)
    {
        // Job ids are Salesforce ids (alphanumeric); anything else would change the path.
        if (string.IsNullOrEmpty(jobId) || !jobId.All(char.IsAsciiLetterOrDigit))
        {
            throw new ArgumentException($"'{jobId}' is not a bulk job id.", nameof(jobId));
        }

        return $"{DataPath}/jobs/{(isQuery ? "query" : "ingest")}/{jobId}";
    }

    private static string OperationName(BulkOperation operation) => operation switch
    {
        BulkOperation.Insert => "insert",
        BulkOperation.Update => "update",
        BulkOperation.Upsert => "upsert",
        BulkOperation.Delete => "delete",
        BulkOperation.HardDelete => "hardDelete",
        _ => throw new ArgumentOutOfRangeException(nameof(operation)),
    };

    private static string? Take(Dictionary<string, string?> row, string column)
    {
        row.Remove(column, out var value);
        return string.IsNullOrEmpty(value) ? null : value;
    }

    /// <summary>CSV rows as column → value; Salesforce writes null as an empty field.</summary>
    internal static List<Dictionary<string, string?>> ReadCsv(string csv)
    {
        var lines = Csv.Parse(csv);
        if (lines.Count == 0)
        {
            return [];
        }

        var header = lines[0];
        return lines.Skip(1).Select(line =>
        {
            var row = new Dictionary<string, string?>(StringComparer.Ordinal);
            for (var i = 0; i < header.Length; i++)
            {
                row[header[i]] = i < line.Length && line[i].Length > 0 ? line[i] : null;
            }

            return row;
        }).ToList();
    }

    /// <summary>Dotted columns ("Owner.Email") become nested objects, as in REST answers, so the record getters work alike.</summary>
    private static SObjectRecord ToRecord(string sObject, Dictionary<string, string?> row)
    {
        var fields = new JsonObject();
        foreach (var (column, value) in row)
        {
            var parts = column.Split('.');
            var target = fields;
            for (var i = 0; i < parts.Length - 1; i++)
            {
                if (target[parts[i]] is not JsonObject child)
                {
                    child = [];
                    target[parts[i]] = child;
                }

                target = child;
            }

            target[parts[^1]] = value is null ? null : JsonValue.Create(value);
        }

        return new SObjectRecord(sObject, row.GetValueOrDefault("Id"), fields);
    }

    /// <summary>One CSV per job, each under <see cref="MaxUploadBytes"/>; nested objects become dotted relationship columns.</summary>
    internal IEnumerable<string> ToCsvUploads(IReadOnlyList<SObjectRecord> records, BulkOperation operation, string? externalIdField)
    {
        if (records.Count == 0)
        {
            yield break;
        }

        var needsId = operation is BulkOperation.Update or BulkOperation.Delete or BulkOperation.HardDelete;
        var flat = records.Select(r =>
        {
            var row = new Dictionary<string, string>(StringComparer.Ordinal);
            if (needsId)
            {
                row["Id"] = r.Id ?? throw new ArgumentException($"Every record of a bulk {OperationName(operation)} needs an Id.", nameof(records));
            }

            if (operation is not (BulkOperation.Delete or BulkOperation.HardDelete))
            {
                Flatten(r.Fields, "", row);
            }

            return row;
        }).ToList();
        if (operation == BulkOperation.Upsert && externalIdField is not null && flat.Any(r => !r.ContainsKey(externalIdField)))
        {
            throw new ArgumentException($"Every record of a bulk upsert needs its {externalIdField} value.", nameof(records));
        }

        var columns = flat.SelectMany(r => r.Keys).Distinct(StringComparer.Ordinal).ToArray();
        var header = CsvLine(columns);
        var headerBytes = Encoding.UTF8.GetByteCount(header);
        var body = new StringBuilder(header);
        var bodyBytes = headerBytes;
        var rowsInBody = 0;
        foreach (var row in flat)
        {
            // An absent value is written empty ("leave it"); a null was turned into #N/A ("clear it") by Flatten.
            var line = CsvLine(columns.Select(c => row.TryGetValue(c, out var v) ? v : ""));
            var lineBytes = Encoding.UTF8.GetByteCount(line);
            if (rowsInBody > 0 && bodyBytes + lineBytes > MaxUploadBytes)
            {
                yield return body.ToString();
                body = new StringBuilder(header);
                bodyBytes = headerBytes;
                rowsInBody = 0;
            }

            body.Append(line);
            bodyBytes += lineBytes;
            rowsInBody++;
        }

        yield return body.ToString();
    }

    private static string CsvLine(IEnumerable<string> fields) => Csv.Line(fields);

    private static void Flatten(JsonObject obj, string prefix, Dictionary<string, string> row)
    {
        foreach (var (name, value) in obj)
        {
            if (name is "attributes" || (prefix.Length == 0 && string.Equals(name, "Id", StringComparison.OrdinalIgnoreCase)))
            {
                continue;
            }

            var column = prefix + name;
            row[column] = value switch
            {
                null => "#N/A",
                JsonObject nested => Nested(nested, column + ".", row),
                JsonValue v when v.GetValueKind() == JsonValueKind.String => v.GetValue<string>(),
                JsonValue v when v.GetValueKind() == JsonValueKind.True => "true",
                JsonValue v when v.GetValueKind() == JsonValueKind.False => "false",
                _ => value.ToJsonString(),
            };
            if (value is JsonObject)
            {
                row.Remove(column);
            }
        }

        static string Nested(JsonObject nested, string prefix, Dictionary<string, string> row)
        {
            Flatten(nested, prefix, row);
            return "";
        }
    }
}

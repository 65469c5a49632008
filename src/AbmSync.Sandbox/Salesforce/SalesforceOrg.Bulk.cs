using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace AbmSync.Sandbox.Salesforce;

/// <summary>
/// Bulk API 2.0 query and ingest jobs. Work happens when the job is created (query) or closed (ingest), against a
/// snapshot, and polls report it the way an org does: first <c>InProgress</c>, then <c>JobComplete</c>.
/// </summary>
public sealed partial class SalesforceOrg
{
    const int DefaultMaxRecords = 50_000;
    const int RecordsPerInternalBatch = 10_000;

    readonly ConcurrentDictionary<string, BulkJob> jobs = new(StringComparer.Ordinal);
    long jobSerial;
    long bulkBatchesUsed;
    long bulkQueryJobsUsed;

    long BulkBatchesUsed => Interlocked.Read(ref bulkBatchesUsed);
    long BulkQueryJobsUsed => Interlocked.Read(ref bulkQueryJobsUsed);

    sealed class BulkJob
    {
        public required string Id { get; init; }
        public required bool IsQuery { get; init; }
        public required string Operation { get; init; }
        public required SfObject Object { get; init; }
        public required string CreatedById { get; init; }
        public required DateTimeOffset Created { get; init; }
        public required string Version { get; init; }
        public string? ExternalIdFieldName { get; init; }
        public string LineEnding { get; init; } = "LF";
        public string ColumnDelimiter { get; init; } = "COMMA";
        public string State { get; set; } = "Open";
        public int Polls { get; set; }
        public DateTimeOffset Modified { get; set; }
        public string? ErrorMessage { get; set; }
        public StringBuilder Upload { get; } = new();
        public int Uploads { get; set; }
        // Query: header and rows, all as text.
        public List<string> Columns { get; set; } = [];
        public List<string[]> Rows { get; set; } = [];
        // Ingest: per-row outcome.
        public List<string> InputHeader { get; set; } = [];
        public List<(string[] Row, SaveResult? Result)> Outcomes { get; } = [];
        public int Processed => Outcomes.Count(o => o.Result is not null);
        public int Failed => Outcomes.Count(o => o.Result is { Success: false });
        public char Delimiter => ColumnDelimiter switch { "TAB" => '\t', "PIPE" => '|', "SEMICOLON" => ';', "CARET" => '^', "BACKQUOTE" => '`', _ => ',' };
        public string NewLine => LineEnding == "CRLF" ? "\r\n" : "\n";
    }

    void InitBulk()
    {
    }

    void MapBulk(RouteGroupBuilder api)
    {
        api.MapPost("/jobs/query", CreateQueryJob).Counts(CallKind.Other);
        api.MapGet("/jobs/query/{id}", (string id) => JobInfo(id, query: true, poll: true)).Counts(CallKind.Read);
        api.MapGet("/jobs/query/{id}/results", QueryResults).Counts(CallKind.Read);
        api.MapMethods("/jobs/query/{id}", ["PATCH"], (HttpContext c, string id) => ChangeState(c, id, query: true)).Counts(CallKind.Other);
        api.MapDelete("/jobs/query/{id}", (string id) => DeleteJob(id, query: true)).Counts(CallKind.Other);

        api.MapPost("/jobs/ingest", CreateIngestJob).Counts(CallKind.Other);
        api.MapMethods("/jobs/ingest/{id}/batches", ["PUT"], UploadBatch).Counts(CallKind.Write);
        api.MapMethods("/jobs/ingest/{id}", ["PATCH"], (HttpContext c, string id) => ChangeState(c, id, query: false)).Counts(CallKind.Other);
        api.MapGet("/jobs/ingest/{id}", (string id) => JobInfo(id, query: false, poll: true)).Counts(CallKind.Other);
        api.MapDelete("/jobs/ingest/{id}", (string id) => DeleteJob(id, query: false)).Counts(CallKind.Other);
        api.MapGet("/jobs/ingest/{id}/successfulResults", (string id) => IngestResults(id, ResultKind.Successful)).Counts(CallKind.Other);
        api.MapGet("/jobs/ingest/{id}/failedResults", (string id) => IngestResults(id, ResultKind.Failed)).Counts(CallKind.Other);
        api.MapGet("/jobs/ingest/{id}/unprocessedrecords", (string id) => IngestResults(id, ResultKind.Unprocessed)).Counts(CallKind.Other);
    }

    static readonly string[] Delimiters = ["COMMA", "TAB", "PIPE", "SEMICOLON", "CARET", "BACKQUOTE"];

    string NewJobId() => SalesforceId.Mint("750", Store.Seed, Interlocked.Increment(ref jobSerial));

    async Task<IResult> CreateQueryJob(HttpContext http, string version)
    {
        var body = await SfJson.ReadBody(http.Request) as JsonObject ?? throw new SfRequestException(400, "INVALIDJOB", "The request body must be a JSON object");
        var operation = Claim(body, "operation") ?? "query";
        if (operation is not ("query" or "queryAll"))
        {
            throw new SfRequestException(400, "INVALIDJOB", $"Invalid operation: {operation}. A query job's operation is query or queryAll");
        }
        var soql = Claim(body, "query") ?? throw new SfRequestException(400, "INVALIDJOB", "A query is required");
        var (lineEnding, delimiter) = CsvOptions(body);
        var query = SoqlParser.Parse(soql, Schema, AccessOf(http));
        if (query.CountOnly || query.OrderBy.Count > 0 || query.Offset is not null)
        {
            // Bulk queries refuse aggregates, ORDER BY and OFFSET.
            throw new SfRequestException(400, "API_ERROR", "This query is not supported by Bulk API 2.0: aggregate functions, ORDER BY and OFFSET are not allowed");
        }
        var job = new BulkJob
        {
            Id = NewJobId(), IsQuery = true, Operation = operation, Object = query.From, CreatedById = Caller(http),
            Created = time.GetUtcNow(), Version = version, LineEnding = lineEnding, ColumnDelimiter = delimiter, State = "UploadComplete",
        };
        job.Modified = job.Created;
        job.Columns = [.. query.Select.Select(p => p.Text)];
        lock (Store.Gate)
        {
            var outcome = engine.Run(query, operation == "queryAll");
            foreach (var row in outcome.Rows)
            {
                job.Rows.Add(SoqlEngine.Cells(row));
            }
        }
        Interlocked.Increment(ref bulkQueryJobsUsed);
        jobs[job.Id] = job;
        return SfJson.Result(Info(job));
    }

    static (string LineEnding, string Delimiter) CsvOptions(JsonObject body)
    {
        var contentType = Claim(body, "contentType") ?? "CSV";
        if (contentType != "CSV")
        {
            throw new SfRequestException(400, "INVALIDJOB", $"Unsupported content type: {contentType}");
        }
        var lineEnding = Claim(body, "lineEnding") ?? "LF";
        var delimiter = Claim(body, "columnDelimiter") ?? "COMMA";
        if (lineEnding is not ("LF" or "CRLF") || !Delimiters.Contains(delimiter))
        {
            throw new SfRequestException(400, "INVALIDJOB", $"Invalid lineEnding or columnDelimiter: {lineEnding}, {delimiter}");
        }
        return (lineEnding, delimiter);
    }

    BulkJob Job(string id, bool query) =>
        jobs.TryGetValue(id, out var job) && job.IsQuery == query
            ? job
            : throw new SfRequestException(404, "NOT_FOUND", "The requested resource does not exist");

    JsonObject Info(BulkJob job)
    {
        var json = new JsonObject
        {
            ["id"] = job.Id,
            ["operation"] = job.Operation,
            ["object"] = job.Object.Name,
            ["createdById"] = job.CreatedById,
            ["createdDate"] = SfJson.Value(job.Created),
            ["systemModstamp"] = SfJson.Value(job.Modified),
            ["state"] = job.State,
        };
        if (job.ExternalIdFieldName is not null)
        {
            json["externalIdFieldName"] = job.ExternalIdFieldName;
        }
        json["concurrencyMode"] = "Parallel";
        json["contentType"] = "CSV";
        json["apiVersion"] = double.Parse(job.Version[1..], CultureInfo.InvariantCulture);
        if (!job.IsQuery)
        {
            json["contentUrl"] = $"services/data/{job.Version}/jobs/ingest/{job.Id}/batches";
        }
        json["lineEnding"] = job.LineEnding;
        json["columnDelimiter"] = job.ColumnDelimiter;
        return json;
    }

    IResult JobInfo(string id, bool query, bool poll)
    {
        var job = Job(id, query);
        JsonObject json;
        lock (job)
        {
            if (poll && job.State is "UploadComplete" or "InProgress")
            {
                // Processing has happened already; the first poll sees it running, the next sees it done.
                job.Polls++;
                job.State = job.Polls == 1 ? "InProgress" : "JobComplete";
                job.Modified = time.GetUtcNow();
            }
            json = Info(job);
            if (job.IsQuery)
            {
                json["numberRecordsProcessed"] = job.State == "JobComplete" ? job.Rows.Count : 0;
            }
            else
            {
                json["numberRecordsProcessed"] = job.State == "JobComplete" ? job.Processed : 0;
                json["numberRecordsFailed"] = job.State == "JobComplete" ? job.Failed : 0;
            }
            json["retries"] = 0;
            json["totalProcessingTime"] = job.State == "JobComplete" ? 100 : 0;
            if (job.ErrorMessage is not null)
            {
                json["errorMessage"] = job.ErrorMessage;
            }
        }
        return SfJson.Result(json);
    }

    IResult QueryResults(HttpContext http, string id)
    {
        var job = Job(id, query: true);
        lock (job)
        {
            if (job.State != "JobComplete")
            {
                throw new SfRequestException(400, "INVALIDJOBSTATE", $"Job is not complete: its state is {job.State}");
            }
        }
        var locator = http.Request.Query["locator"].ToString();
        var offset = 0;
        if (locator.Length > 0)
        {
            try
            {
                offset = int.Parse(Encoding.ASCII.GetString(Base64Url(locator)), NumberStyles.None, CultureInfo.InvariantCulture);
            }
            catch (FormatException)
            {
                throw new SfRequestException(400, "INVALIDLOCATOR", $"Invalid locator: {locator}");
            }
            if (offset > job.Rows.Count)
            {
                throw new SfRequestException(400, "INVALIDLOCATOR", $"Invalid locator: {locator}");
            }
        }
        var max = DefaultMaxRecords;
        var maxText = http.Request.Query["maxRecords"].ToString();
        if (maxText.Length > 0 && (!int.TryParse(maxText, NumberStyles.None, CultureInfo.InvariantCulture, out max) || max <= 0))
        {
            throw new SfRequestException(400, "INVALIDMAXRECORDS", $"Invalid maxRecords: {maxText}");
        }
        var end = Math.Min(job.Rows.Count, offset + max);
        var csv = new StringBuilder();
        WriteCsvRow(csv, job.Columns, job.Delimiter, job.NewLine);
        for (var i = offset; i < end; i++)
        {
            WriteCsvRow(csv, job.Rows[i], job.Delimiter, job.NewLine);
        }
        http.Response.Headers["Sforce-NumberOfRecords"] = (end - offset).ToString(CultureInfo.InvariantCulture);
        http.Response.Headers["Sforce-Locator"] = end < job.Rows.Count
            ? Convert.ToBase64String(Encoding.ASCII.GetBytes(end.ToString(CultureInfo.InvariantCulture))).TrimEnd('=').Replace('+', '-').Replace('/', '_')
            : "null";
        return Results.Text(csv.ToString(), "text/csv", Encoding.UTF8);
    }

    static void WriteCsvRow(StringBuilder csv, IEnumerable<string> cells, char delimiter, string newLine)
    {
        var first = true;
        foreach (var cell in cells)
        {
            if (!first)
            {
                csv.Append(delimiter);
            }
            first = false;
            csv.Append('"').Append(cell.Replace("\"", "\"\"", StringComparison.Ordinal)).Append('"');
        }
        csv.Append(newLine);
    }

    async Task<IResult> CreateIngestJob(HttpContext http, string version)
    {
        var body = await SfJson.ReadBody(http.Request) as JsonObject ?? throw new SfRequestException(400, "INVALIDJOB", "The request body must be a JSON object");
        var operation = Claim(body, "operation");
        if (operation is not ("insert" or "update" or "upsert" or "delete" or "hardDelete"))
        {
            throw new SfRequestException(400, "INVALIDJOB", $"Invalid operation: {operation}");
        }
        var objectName = Claim(body, "object") ?? throw new SfRequestException(400, "INVALIDJOB", "The object is required");
        var type = Schema.Find(objectName) is { } found && AccessOf(http).CanRead(found)
            ? found
            : throw new SfRequestException(400, "INVALIDJOB", $"Entity '{objectName}' is not supported by the Bulk API");
        string? externalId = null;
        if (operation == "upsert")
        {
            var name = Claim(body, "externalIdFieldName") ?? throw new SfRequestException(400, "INVALIDJOB", "externalIdFieldName is required for upsert");
            externalId = ExternalIdField(type, name).Name;
        }
        var (lineEnding, delimiter) = CsvOptions(body);
        var job = new BulkJob
        {
            Id = NewJobId(), IsQuery = false, Operation = operation, Object = type, CreatedById = Caller(http), Created = time.GetUtcNow(),
            Version = version, ExternalIdFieldName = externalId, LineEnding = lineEnding, ColumnDelimiter = delimiter,
        };
        job.Modified = job.Created;
        jobs[job.Id] = job;
        return SfJson.Result(Info(job));
    }

    async Task<IResult> UploadBatch(HttpContext http, string id)
    {
        var job = Job(id, query: false);
        if (!(http.Request.ContentType ?? "").StartsWith("text/csv", StringComparison.OrdinalIgnoreCase))
        {
            throw new SfRequestException(415, "UNSUPPORTEDCONTENTTYPE", $"Unsupported content type: {http.Request.ContentType}. Send text/csv");
        }
        using var reader = new StreamReader(http.Request.Body, Encoding.UTF8);
        var text = await reader.ReadToEndAsync(http.RequestAborted);
        lock (job)
        {
            if (job.State != "Open")
            {
                throw new SfRequestException(409, "INVALIDJOBSTATE", $"Job's state is {job.State}; data can be uploaded only while it is Open");
            }
            if (job.Uploads > 0)
            {
                // Bulk API 2.0 takes one upload per job.
                throw new SfRequestException(409, "INVALIDJOBSTATE", "Found multiple contents for job: only one upload is allowed per job");
            }
            job.Uploads++;
            job.Upload.Append(text);
        }
        return Results.StatusCode(201);
    }

    async Task<IResult> ChangeState(HttpContext http, string id, bool query)
    {
        var job = Job(id, query);
        var body = await SfJson.ReadBody(http.Request) as JsonObject ?? throw new SfRequestException(400, "INVALIDJOB", "The request body must be a JSON object");
        var state = Claim(body, "state");
        lock (job)
        {
            switch (state)
            {
                case "UploadComplete" when !query && job.State == "Open":
                    Process(job, Caller(http));
                    break;
                case "Aborted" when job.State is "Open" or "UploadComplete" or "InProgress":
                    job.State = "Aborted";
                    break;
                default:
                    throw new SfRequestException(400, "INVALIDJOBSTATE", $"Cannot change the job's state from {job.State} to {state}");
            }
            job.Modified = time.GetUtcNow();
            return SfJson.Result(Info(job));
        }
    }

    IResult DeleteJob(string id, bool query)
    {
        var job = Job(id, query);
        lock (job)
        {
            if (job.State is not ("JobComplete" or "Aborted" or "Failed"))
            {
                throw new SfRequestException(400, "INVALIDJOBSTATE", $"Cannot delete a job in state {job.State}");
            }
        }
        jobs.TryRemove(id, out _);
        return Results.StatusCode(204);
    }

    /// <summary>Runs every uploaded row through the same validation and writes as the REST API.</summary>
    void Process(BulkJob job, string caller)
    {
        job.State = "UploadComplete";
        List<List<string>> rows;
        try
        {
            rows = ParseCsv(job.Upload.ToString(), job.Delimiter);
        }
        catch (FormatException e)
        {
            job.State = "Failed";
            job.ErrorMessage = $"InvalidBatch : {e.Message}";
            return;
        }
        if (rows.Count == 0)
        {
            job.State = "Failed";
            job.ErrorMessage = "InvalidBatch : No data was uploaded";
            return;
        }
        job.InputHeader = rows[0];
        var fields = new List<SfField?>();
        var refKeys = new List<string?>();
        foreach (var column in rows[0])
        {
            refKeys.Add(null);
            if (string.Equals(column, "Id", StringComparison.OrdinalIgnoreCase))
            {
                fields.Add(null);
                continue;
            }
            var dot = column.IndexOf('.', StringComparison.Ordinal);
            if (dot > 0 && job.Object.Relationship(column[..dot]) is { } lookup)
            {
                // A parent by its external id: "Account.ABM_HubSpot_Id__c".
                fields.Add(lookup);
                refKeys[^1] = column[(dot + 1)..];
                continue;
            }
            // A column the job's creator cannot see is as unknown as a misspelt one.
            var field = job.Object.Field(column);
            if (field is null || !AccessOf(job.CreatedById).CanRead(job.Object, field))
            {
                job.State = "Failed";
                job.ErrorMessage = $"InvalidBatch : Field name not found : {column}";
                return;
            }
            fields.Add(field);
        }
        var idColumn = rows[0].FindIndex(c => string.Equals(c, "Id", StringComparison.OrdinalIgnoreCase));
        if (job.Operation is "update" or "delete" or "hardDelete" && idColumn < 0)
        {
            job.State = "Failed";
            job.ErrorMessage = "InvalidBatch : Field name not found : Id";
            return;
        }
        var key = job.ExternalIdFieldName is null ? null : job.Object.Field(job.ExternalIdFieldName);
        lock (Store.Gate)
        {
            IDisposable? transaction = null;
            var inBatch = 0;
            foreach (var row in rows.Skip(1))
            {
                // Bulk API 2.0 saves in internal batches of 200 records, each one transaction with one timestamp.
                if (inBatch++ % 200 == 0)
                {
                    transaction?.Dispose();
                    transaction = dml.Transaction();
                }
                var cells = row.ToArray();
                SaveResult result;
                try
                {
                    result = IngestRow(job, cells, fields, refKeys, idColumn, key, caller);
                }
                catch (SfRequestException e)
                {
                    result = SaveResult.Fail(null, e.ErrorCode, e.Message, [.. e.Fields ?? []]);
                }
                job.Outcomes.Add((cells, result));
            }
            transaction?.Dispose();
        }
        Interlocked.Add(ref bulkBatchesUsed, Math.Max(1, (rows.Count - 1 + RecordsPerInternalBatch - 1) / RecordsPerInternalBatch));
    }

    SaveResult IngestRow(BulkJob job, string[] cells, List<SfField?> fields, List<string?> refKeys, int idColumn, SfField? key, string caller)
    {
        var id = idColumn >= 0 && idColumn < cells.Length ? cells[idColumn] : null;
        var values = new Dictionary<SfField, object?>();
        for (var i = 0; i < fields.Count && i < cells.Length; i++)
        {
            if (fields[i] is not { } field || cells[i].Length == 0)
            {
                // An empty cell leaves the field as it is; #N/A clears it.
                continue;
            }
            values[field] = cells[i] == "#N/A" ? null : refKeys[i] is { } refKey ? new ExternalRef(refKey, cells[i]) : CsvValue(field, cells[i]);
        }
        var input = new RecordInput(job.Object, id, values);
        var undo = new List<(SfRecord, object?[]?)>();
        switch (job.Operation)
        {
            case "insert":
                return dml.Save(DmlOp.Create, input, null, caller, undo);
            case "update" or "delete" or "hardDelete":
                var target = Store.Get(id);
                if (SalesforceId.Normalize(id) is null)
                {
                    return SaveResult.Fail(null, "MALFORMED_ID", $"Record ID: id value of incorrect type: {id}", "Id");
                }
                if (target is null || target.Type != job.Object)
                {
                    return SaveResult.Fail(SalesforceId.Normalize(id), "INVALID_CROSS_REFERENCE_KEY", "invalid cross reference id");
                }
                var saved = dml.Save(job.Operation == "update" ? DmlOp.Update : DmlOp.Delete, input, target, caller, undo);
                if (saved.Success && job.Operation == "hardDelete")
                {
                    // A hard delete skips the recycle bin: not even queryAll sees the record afterwards.
                    Store.Remove(target);
                }
                return saved;
            default:
                ArgumentNullException.ThrowIfNull(key);
                if (!values.TryGetValue(key, out var raw) || raw is not string value)
                {
                    return SaveResult.Fail(null, "MISSING_ARGUMENT", $"{key.Name} not specified", key.Name);
                }
                var matches = dml.MatchExternalId(job.Object, key, value);
                if (matches.Count > 1)
                {
                    return SaveResult.Fail(null, "DUPLICATE_EXTERNAL_ID",
                        $"{key.Name}: more than one record found for external id field: [{string.Join(", ", matches.Select(m => m.Id))}]", key.Name);
                }
                return dml.Save(matches.Count == 0 ? DmlOp.Create : DmlOp.Update, input, matches.Count == 0 ? null : matches[0], caller, undo);
        }
    }

    static object? CsvValue(SfField field, string text)
    {
        try
        {
            return field.Type switch
            {
                SfType.Boolean => text.ToLowerInvariant() switch
                {
                    "true" or "1" => true,
                    "false" or "0" => false,
                    _ => throw new FormatException(),
                },
                SfType.Int or SfType.Double or SfType.Currency or SfType.Percent => decimal.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture),
                SfType.Date => DateOnly.ParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture),
                SfType.DateTime => Dml.ParseDateTime(text) ?? throw new FormatException(),
                _ => text,
            };
        }
        catch (FormatException)
        {
            throw new SfRequestException(400, "INVALID_TYPE_ON_FIELD_IN_RECORD", $"{field.Label}: value not of required type: {text}", [field.Name]);
        }
    }

    enum ResultKind { Successful, Failed, Unprocessed }

    IResult IngestResults(string id, ResultKind kind)
    {
        var job = Job(id, query: false);
        var csv = new StringBuilder();
        lock (job)
        {
            if (kind != ResultKind.Unprocessed && job.State is "Open" or "UploadComplete" or "InProgress")
            {
                throw new SfRequestException(400, "INVALIDJOBSTATE", $"Results are not available while the job is {job.State}");
            }
            var header = kind switch
            {
                ResultKind.Successful => new[] { "sf__Id", "sf__Created" }.Concat(job.InputHeader),
                ResultKind.Failed => new[] { "sf__Id", "sf__Error" }.Concat(job.InputHeader),
                _ => job.InputHeader,
            };
            WriteCsvRow(csv, header, job.Delimiter, job.NewLine);
            foreach (var (row, result) in job.Outcomes)
            {
                if (kind == ResultKind.Successful && result is { Success: true })
                {
                    WriteCsvRow(csv, new[] { result.Id ?? "", result.Created == true ? "true" : "false" }.Concat(row), job.Delimiter, job.NewLine);
                }
                else if (kind == ResultKind.Failed && result is { Success: false })
                {
                    var e = result.Errors[0];
                    var error = $"{e.StatusCode}:{e.Message}:{string.Join(",", e.Fields)} --";
                    WriteCsvRow(csv, new[] { result.Id ?? "", error }.Concat(row), job.Delimiter, job.NewLine);
                }
                else if (kind == ResultKind.Unprocessed && result is null)
                {
                    WriteCsvRow(csv, row, job.Delimiter, job.NewLine);
                }
            }
            if (kind == ResultKind.Unprocessed && job.Outcomes.Count == 0 && job.Upload.Length > 0 && job.State is "Aborted" or "Failed")
            {
                // Never processed: every uploaded row is unprocessed.
                csv.Clear();
                try
                {
                    foreach (var row in ParseCsv(job.Upload.ToString(), job.Delimiter))
                    {
                        WriteCsvRow(csv, row, job.Delimiter, job.NewLine);
                    }
                }
                catch (FormatException)
                {
                    csv.Append(job.Upload);
                }
            }
        }
        return Results.Text(csv.ToString(), "text/csv", Encoding.UTF8);
    }

    /// <summary>RFC 4180 CSV: quoted cells may hold delimiters, quotes ("") and line breaks; CRLF or LF rows.</summary>
    public static List<List<string>> ParseCsv(string text, char delimiter)
    {
        var rows = new List<List<string>>();
        var row = new List<string>();
        var cell = new StringBuilder();
        var i = 0;
        var quoted = false;
        var rowHasContent = false;
        while (i < text.Length)
        {
            var c = text[i];
            if (quoted)
            {
                if (c == '"')
                {
                    if (i + 1 < text.Length && text[i + 1] == '"')
                    {
                        cell.Append('"');
                        i += 2;
                        continue;
                    }
                    quoted = false;
                    i++;
                    continue;
                }
                cell.Append(c);
                i++;
                continue;
            }
            if (c == '"' && cell.Length == 0)
            {
                quoted = true;
                rowHasContent = true;
                i++;
            }
            else if (c == delimiter)
            {
                row.Add(cell.ToString());
                cell.Clear();
                rowHasContent = true;
                i++;
            }
            else if (c is '\r' or '\n')
            {
                if (rowHasContent || cell.Length > 0)
                {
                    row.Add(cell.ToString());
                    rows.Add(row);
                }
                row = [];
                cell.Clear();
                rowHasContent = false;
                i += c == '\r' && i + 1 < text.Length && text[i + 1] == '\n' ? 2 : 1;
            }
            else if (c == '"')
            {
                throw new FormatException($"Unexpected quote in an unquoted cell, row {rows.Count + 1}");
            }
            else
            {
                cell.Append(c);
                rowHasContent = true;
                i++;
            }
        }
        if (quoted)
        {
            throw new FormatException("Unterminated quoted cell");
        }
        if (rowHasContent || cell.Length > 0)
        {
            row.Add(cell.ToString());
            rows.Add(row);
        }
        if (rows.Count > 1 && rows.Skip(1).Any(r => r.Count != rows[0].Count))
        {
            throw new FormatException("A row has a different number of columns than the header");
        }
        return rows;
    }
}

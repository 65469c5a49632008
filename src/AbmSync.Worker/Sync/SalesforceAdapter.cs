using System.Runtime.CompilerServices;
using System.Text.Json.Nodes;
using AbmSync.Connectors.Salesforce;
using AbmSync.Core.Sync;
using Microsoft.Extensions.Options;

namespace AbmSync.Worker.Sync;

/// <summary>One record's write and how it ended: the id it has (a create's new id) or the error that refused it.</summary>
public sealed record WriteOutcome(string Key, string? Id, bool Success, bool Created, string? Code, string? Message, IReadOnlyList<string> Fields)
{
    /// <summary>On DUPLICATES_DETECTED, the records the org's duplicate rule matched.</summary>
    public IReadOnlyList<string> Duplicates { get; init; } = [];

    public static WriteOutcome Ok(string key, string? id, bool created = false) => new(key, id, true, created, null, null, []);

    public static WriteOutcome Failed(string key, string code, string message, IReadOnlyList<string>? fields = null) =>
        new(key, null, false, false, code, message, fields ?? []);
}

/// <summary>
/// The runner's view of Salesforce for one object pair: read changes in (SystemModstamp, Id) order, read by ids,
/// write in the largest batches the API allows. Above <see cref="SalesforceOptions.BulkThreshold"/> records, reads
/// and writes go through Bulk API 2.0. Knows no ABM rule and no object name beyond what the pair says.
/// </summary>
public sealed class SalesforceAdapter(SalesforceClient salesforce, IOptions<SyncOptions> options, IOptions<SalesforceOptions> salesforceOptions)
{
    /// <summary>Records per page when a Bulk API 2.0 query job reads: large enough that a page's write-back can be one ingest job.</summary>
    public const int BulkPageSize = 50_000;

    /// <summary>Ids per SOQL <c>IN</c> list: keeps the query well under Salesforce's 100,000-character limit.</summary>
    public const int IdsPerQuery = 200;

    /// <summary>
    /// Every record changed at or after <paramref name="since"/> (all when null), a page at a time, with whether the
    /// page came in cursor order (REST) or not (Bulk: the cursor moves once, after the last page).
    /// </summary>
    public async IAsyncEnumerable<(IReadOnlyList<SObjectRecord> Records, bool Ordered)> ReadChangedAsync(
        ObjectPair pair, DateTimeOffset? since, [EnumeratorCancellation] CancellationToken ct)
    {
        // An incremental read asks queryAll: a record deleted since the cursor comes back with IsDeleted = true, so that
        // it leaves the rules' population (and, with the deletes stage, its twin follows its onDelete).
        var includeDeleted = since is not null;
        var query = SoqlQuery.From(pair.SalesforceObject).Select([.. pair.SalesforceFields, .. includeDeleted ? new[] { "IsDeleted" } : []]);
        if (since is { } from)
        {
            query = query.Where(Soql.Field("SystemModstamp").Ge(from));
        }
        var first = await salesforce.QueryAsync(query.OrderBy("SystemModstamp").OrderBy("Id"), includeDeleted, ct: ct);
        if (first.TotalSize > salesforceOptions.Value.BulkThreshold)
        {
            // Bulk API 2.0 query jobs refuse ORDER BY; the bulk read does not rely on order.
            await foreach (var records in salesforce.BulkQueryAsync(query, includeDeleted, maxRecordsPerPage: BulkPageSize, ct: ct))
            {
                // The cursor moves only after the last page, so the pages can be any size: small enough that the
                // next is planned while one writes, as REST pages are (Sync:BulkReadPageSize).
                foreach (var chunk in records.Chunk(options.Value.BulkReadPageSize))
                {
                    yield return (chunk, false);
                }
            }
            yield break;
        }
        var page = first;
        while (true)
        {
            yield return (page.Records, true);
            if (page.Done || page.NextRecordsUrl is null)
            {
                break;
            }
            page = await salesforce.QueryMoreAsync(page.NextRecordsUrl, ct);
        }
    }

    /// <summary>
    /// The id of every live record of the pair's object, filter or not: the sweep that finds links whose Salesforce
    /// record is gone when the deleted records can no longer be asked for. Bulk above the threshold, as for reads.
    /// </summary>
    public async Task<HashSet<string>> ReadAllIdsAsync(ObjectPair pair, CancellationToken ct)
    {
        var ids = new HashSet<string>(StringComparer.Ordinal);
        var query = SoqlQuery.From(pair.SalesforceObject).Select("Id");
        var first = await salesforce.QueryAsync(query, ct: ct);
        if (first.TotalSize > salesforceOptions.Value.BulkThreshold)
        {
            await foreach (var records in salesforce.BulkQueryAsync(query, false, maxRecordsPerPage: BulkPageSize, ct: ct))
            {
                ids.UnionWith(records.Select(r => r.Id!));
            }
            return ids;
        }
        var page = first;
        while (true)
        {
            ids.UnionWith(page.Records.Select(r => r.Id!));
            if (page.Done || page.NextRecordsUrl is null)
            {
                return ids;
            }
            page = await salesforce.QueryMoreAsync(page.NextRecordsUrl, ct);
        }
    }

    /// <param name="includeDeleted">Through queryAll: a record in the recycle bin comes back with IsDeleted (and, merged, its MasterRecordId).</param>
    public async Task<Dictionary<string, SObjectRecord>> ReadByIdsAsync(ObjectPair pair, IReadOnlyCollection<string> ids, CancellationToken ct, bool includeDeleted = false)
    {
        var found = new Dictionary<string, SObjectRecord>(StringComparer.Ordinal);
        foreach (var record in await QueryByChunksAsync(ids, chunk => SoqlQuery.From(pair.SalesforceObject)
            .Select([.. pair.SalesforceFields, .. includeDeleted ? new[] { "IsDeleted" } : []]).Where(Soql.Field("Id").In((IEnumerable<string>)chunk)), includeDeleted, ct))
        {
            found[record.Id!] = record;
        }
        return found;
    }

    /// <summary>One query per 200 distinct values (a SOQL <c>IN</c> list), several in flight; every record they answer.</summary>
    async Task<List<SObjectRecord>> QueryByChunksAsync(IReadOnlyCollection<string> values, Func<string[], SoqlQuery> queryOf, bool includeDeleted, CancellationToken ct)
    {
        var records = new List<SObjectRecord>();
        await Parallel.ForEachAsync(values.Distinct(StringComparer.Ordinal).Chunk(IdsPerQuery),
            new ParallelOptions { MaxDegreeOfParallelism = options.Value.SalesforceBatchesInFlight, CancellationToken = ct }, async (chunk, token) =>
            {
                await foreach (var page in salesforce.QueryPagesAsync(queryOf(chunk), includeDeleted, ct: token))
                {
                    lock (records)
                    {
                        records.AddRange(page.Records);
                    }
                }
            });
        return records;
    }

    /// <summary>
    /// Records whose email is one of <paramref name="emails"/> (Salesforce compares email case-insensitively), keyed by
    /// the email in lower case: the match step for a HubSpot record that has no twin yet.
    /// </summary>
    public async Task<Dictionary<string, List<SObjectRecord>>> ReadByEmailsAsync(ObjectPair pair, string emailField, IReadOnlyCollection<string> emails, CancellationToken ct)
    {
        var found = new Dictionary<string, List<SObjectRecord>>(StringComparer.Ordinal);
        foreach (var chunk in ByQueryLength(emails.Distinct(StringComparer.Ordinal)))
        {
            var query = SoqlQuery.From(pair.SalesforceObject).Select([.. pair.SalesforceFields]).Where(Soql.Field(emailField).In((IEnumerable<string>)chunk));
            await foreach (var page in salesforce.QueryPagesAsync(query, ct: ct))
            {
                foreach (var record in page.Records)
                {
                    if (record.GetString(emailField) is { } email && email.Trim().Length > 0)
                    {
                        var key = email.Trim().ToLowerInvariant();
                        (found.TryGetValue(key, out var list) ? list : found[key] = []).Add(record);
                    }
                }
            }
        }
        return found;
    }

    /// <summary>
    /// Values for <c>IN</c> lists, chunked so that each query's URL stays well under the request-line limits on the
    /// way (Salesforce takes 16,384 characters; common proxies and servers 8,192): emails are longer than ids.
    /// </summary>
    static IEnumerable<string[]> ByQueryLength(IEnumerable<string> values, int budget = 6_000)
    {
        var chunk = new List<string>();
        var length = 0;
        foreach (var value in values)
        {
            var cost = Uri.EscapeDataString(value).Length + 9;
            if (chunk.Count > 0 && (length + cost > budget || chunk.Count == IdsPerQuery))
            {
                yield return [.. chunk];
                chunk.Clear();
                length = 0;
            }
            chunk.Add(value);
            length += cost;
        }
        if (chunk.Count > 0)
        {
            yield return [.. chunk];
        }
    }

    /// <summary>Contact id → the lead converted into it, for the given contacts (Lead.ConvertedContactId).</summary>
    public async Task<Dictionary<string, string>> ReadConvertedLeadsAsync(IReadOnlyCollection<string> contactIds, CancellationToken ct)
    {
        var leads = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var chunk in contactIds.Distinct(StringComparer.Ordinal).Chunk(IdsPerQuery))
        {
            var query = SoqlQuery.From("Lead").Select("Id", "ConvertedContactId")
                .Where(Soql.Field("IsConverted").Eq(true)).Where(Soql.Field("ConvertedContactId").In((IEnumerable<string>)chunk));
            await foreach (var page in salesforce.QueryPagesAsync(query, ct: ct))
            {
                foreach (var record in page.Records)
                {
                    if (record.GetString("ConvertedContactId") is { } contact)
                    {
                        leads.TryAdd(contact, record.Id!);
                    }
                }
            }
        }
        return leads;
    }

    /// <summary>
    /// The record as the planner sees it: every field the pair reads, as canonical text; its last modification and
    /// whether that was us (the integration user); per-field change times where the org's field history has them.
    /// </summary>
    public static SideRecord ToSide(ObjectPair pair, SObjectRecord record, string? integrationUserId = null,
        IReadOnlyDictionary<string, DateTimeOffset>? fieldTimes = null)
    {
        var values = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (var field in pair.SalesforceFields)
        {
            values[field] = Text(record.GetNode(field));
        }
        var byUs = integrationUserId is not null && record.GetString("LastModifiedById") == integrationUserId;
        return new SideRecord(record.Id!, values, ModifiedAt: record.GetDateTime("LastModifiedDate") ?? record.GetDateTime("SystemModstamp"),
            LastModifiedByUs: byUs, FieldTimes: fieldTimes);
    }

    /// <summary>
    /// When each field last changed, from the org's field history (<c>AccountHistory</c>, <c>ContactHistory</c>, …),
    /// for the fields the org tracks. A change by <paramref name="integrationUserId"/> (our own write) is not a
    /// person's change and does not count. An org without history for the object answers nothing: the caller falls
    /// back to LastModifiedDate, or marks the decision uncertain.
    /// </summary>
    public async Task<Dictionary<string, Dictionary<string, DateTimeOffset>>> ReadFieldTimesAsync(
        ObjectPair pair, IReadOnlyCollection<string> ids, IReadOnlyCollection<string> fields, string? integrationUserId, CancellationToken ct)
    {
        var times = new Dictionary<string, Dictionary<string, DateTimeOffset>>(StringComparer.Ordinal);
        if (ids.Count == 0 || fields.Count == 0)
        {
            return times;
        }
        var historyObject = pair.SalesforceObject + "History";
        var parent = pair.SalesforceObject + "Id";
        var byHistoryName = fields.ToDictionary(f => HistoryFieldName(pair.SalesforceObject, f), f => f, StringComparer.OrdinalIgnoreCase);
        try
        {
            foreach (var chunk in ids.Chunk(IdsPerQuery))
            {
                var query = SoqlQuery.From(historyObject).Select(parent, "Field", "CreatedDate", "CreatedById")
                    .Where(Soql.Field(parent).In((IEnumerable<string>)chunk))
                    .Where(Soql.Field("Field").In(byHistoryName.Keys))
                    .OrderBy("CreatedDate", descending: true);
                await foreach (var page in salesforce.QueryPagesAsync(query, ct: ct))
                {
                    foreach (var row in page.Records)
                    {
                        if (row.GetString(parent) is not { } id || row.GetString("Field") is not { } name || !byHistoryName.TryGetValue(name, out var field)
                            || row.GetDateTime("CreatedDate") is not { } at || row.GetString("CreatedById") == integrationUserId)
                        {
                            continue;
                        }
                        var record = times.TryGetValue(id, out var known) ? known : times[id] = new Dictionary<string, DateTimeOffset>(StringComparer.Ordinal);
                        // Newest first: the first row per field is its last change by a person.
                        record.TryAdd(field, at);
                    }
                }
            }
        }
        catch (SalesforceApiException e) when (e.ErrorCode is "INVALID_TYPE" or "INVALID_FIELD")
        {
            // No field history on this object in this org.
        }
        return times;
    }

    /// <summary>The name field history gives a field: an Account's Name is recorded as TextName, a lookup by its relationship.</summary>
    public static string HistoryFieldName(string sObject, string field) => (sObject, field) switch
    {
        ("Account", "Name") => "TextName",
        (_, "OwnerId") => "Owner",
        _ => field,
    };

    /// <summary>A JSON (REST) or text (Bulk CSV) value as invariant text; comparing by kind happens in the planner.</summary>
    static string? Text(JsonNode? node) => node switch
    {
        null => null,
        JsonValue v when v.TryGetValue<string>(out var s) => s.Length == 0 ? null : s,
        JsonValue v when v.TryGetValue<bool>(out var b) => b ? "true" : "false",
        JsonValue v when v.TryGetValue<decimal>(out var d) => FieldValues.Format(d),
        var other => other.ToJsonString(),
    };

    /// <summary>
    /// Updates records (keyed by their Salesforce id). A record refused with a retryable error (a row lock) goes again
    /// in a later batch of the same call, at most <see cref="SyncOptions.RetryableResubmissions"/> times; the HTTP
    /// layer never retries it: one retry owner per failure type.
    /// </summary>
    /// <param name="parentOf">The parent whose row a record's write locks (its account), by record id: batches sharing one are never in flight together.</param>
    public async Task<IReadOnlyList<WriteOutcome>> UpdateAsync(string sObject, IReadOnlyList<(string Id, IReadOnlyDictionary<string, string?> Values)> updates,
        IReadOnlyDictionary<string, FieldKind> kinds, CancellationToken ct, Func<string, string?>? parentOf = null)
    {
        parentOf ??= _ => null;
        var outcomes = new List<WriteOutcome>();
        var pending = updates.Select(u => (u.Id, Record: SObjectRecord.Create(sObject, u.Id,
            u.Values.Select(v => KeyValuePair.Create(v.Key, Typed(kinds.GetValueOrDefault(v.Key, FieldKind.Text), v.Value)))))).ToList();
        if (pending.Count > salesforceOptions.Value.BulkThreshold)
        {
            var result = await salesforce.BulkIngestAsync(sObject, BulkOperation.Update, [.. pending.Select(p => p.Record)], ct: ct);
            var answered = new HashSet<string>(StringComparer.Ordinal);
            var again = new HashSet<string>(StringComparer.Ordinal);
            foreach (var r in result.Results)
            {
                var id = r.Id is { Length: > 0 } ? r.Id : r.Fields.GetValueOrDefault("Id");
                if (id is null || !answered.Add(id))
                {
                    continue;
                }
                if (r.Success)
                {
                    outcomes.Add(WriteOutcome.Ok(id, id));
                }
                else if (r.ErrorCode == "UNABLE_TO_LOCK_ROW")
                {
                    again.Add(id);
                }
                else
                {
                    outcomes.Add(WriteOutcome.Failed(id, r.ErrorCode ?? "UNKNOWN", r.Error ?? "Salesforce refused the record"));
                }
            }
            // Row locks and records the job never answered for go again through collections.
            pending = [.. pending.Where(p => again.Contains(p.Id) || !answered.Contains(p.Id))];
        }
        for (var attempt = 0; pending.Count > 0; attempt++)
        {
            var again = new List<(string Id, SObjectRecord Record)>();
            var last = attempt >= options.Value.RetryableResubmissions;
            await SalesforceBatchScheduler.RunAsync(SalesforceBatchScheduler.Batches(pending, p => parentOf(p.Id), SalesforceClient.CollectionBatchSize),
                p => parentOf(p.Id), options.Value.SalesforceBatchesInFlight, async (chunk, token) =>
                {
                    // A field we carry across is no reason to route a lead again: without the header the org's assignment rule would run.
                    var results = await salesforce.UpdateAsync([.. chunk.Select(c => c.Record)], token, autoAssign: false);
                    lock (outcomes)
                    {
                        for (var i = 0; i < chunk.Length; i++)
                        {
                            var result = results[i];
                            if (result.Success)
                            {
                                outcomes.Add(WriteOutcome.Ok(chunk[i].Id, chunk[i].Id));
                            }
                            else if (result.IsRetryable && !last)
                            {
                                again.Add(chunk[i]);
                            }
                            else
                            {
                                var error = result.Errors.FirstOrDefault() ?? new SalesforceError("UNKNOWN", "Salesforce refused the record without a reason", []);
                                outcomes.Add(WriteOutcome.Failed(chunk[i].Id, error.Code, error.Message, error.Fields));
                            }
                        }
                    }
                }, ct);
            pending = again;
        }
        return outcomes;
    }

    /// <summary>
    /// Creates records from their HubSpot twins by upsert on our external id (<paramref name="pair"/>'s twin id field,
    /// which every record carries): a create replayed after a crash updates the record it made, never a second one.
    /// Where the record sets its owner, <c>Sforce-Auto-Assign: FALSE</c> keeps the org's assignment rule from replacing it.
    /// </summary>
    public async Task<IReadOnlyList<WriteOutcome>> CreateAsync(ObjectPair pair, IReadOnlyList<(string Key, IReadOnlyDictionary<string, string?> Values)> creates,
        IReadOnlyDictionary<string, FieldKind> kinds, CancellationToken ct)
    {
        var outcomes = new List<WriteOutcome>();
        // A new record locks the parent it is created under, as an update does.
        string? ParentOf((string Key, IReadOnlyDictionary<string, string?> Values) c) => pair.ParentIn(c.Values.GetValueOrDefault);
        var batches = creates.GroupBy(c => c.Values.GetValueOrDefault("OwnerId") is not null)
            .SelectMany(g => SalesforceBatchScheduler.Batches(g, ParentOf, SalesforceClient.CollectionBatchSize)).ToList();
        await SalesforceBatchScheduler.RunAsync(batches, ParentOf, options.Value.SalesforceBatchesInFlight, async (chunk, token) =>
        {
            var records = chunk.Select(c => SObjectRecord.Create(pair.SalesforceObject, null,
                c.Values.Where(v => v.Value is not null).Select(v => KeyValuePair.Create(v.Key, Typed(kinds.GetValueOrDefault(v.Key, FieldKind.Text), v.Value))))).ToList();
            // Where the record names its owner, the org's assignment rule must not replace it.
            var ownerSet = chunk[0].Values.GetValueOrDefault("OwnerId") is not null;
            var results = await salesforce.UpsertAsync(pair.SalesforceObject, pair.SalesforceTwinIdField, records, token, autoAssign: !ownerSet);
            lock (outcomes)
            {
                for (var i = 0; i < chunk.Length; i++)
                {
                    var result = results[i];
                    if (result.Success)
                    {
                        outcomes.Add(WriteOutcome.Ok(chunk[i].Key, result.Id, result.Created ?? true));
                        continue;
                    }
                    var error = result.Errors.FirstOrDefault() ?? new SalesforceError("UNKNOWN", "Salesforce refused the record without a reason", []);
                    outcomes.Add(WriteOutcome.Failed(chunk[i].Key, error.Code, error.Message, error.Fields) with { Duplicates = error.DuplicateRecordIds });
                }
            }
        }, ct);
        return outcomes;
    }

    /// <summary>Deletes records by id, 200 per call; each outcome keyed by its id.</summary>
    public async Task<IReadOnlyList<WriteOutcome>> DeleteAsync(IReadOnlyList<string> ids, CancellationToken ct)
    {
        var results = await salesforce.DeleteAsync(ids, ct);
        return [.. ids.Select((id, i) => results[i].Success
            ? WriteOutcome.Ok(id, id)
            : WriteOutcome.Failed(id, results[i].Errors.FirstOrDefault()?.Code ?? "UNKNOWN", results[i].Errors.FirstOrDefault()?.Message ?? "Salesforce refused the delete"))];
    }

    /// <summary>The JSON value Salesforce expects for a field of this kind: numbers and booleans as themselves, the rest as text.</summary>
    static object? Typed(FieldKind kind, string? text) => text is null ? null : kind switch
    {
        FieldKind.Number when decimal.TryParse(text, System.Globalization.NumberStyles.Number, System.Globalization.CultureInfo.InvariantCulture, out var d) => d,
        FieldKind.Boolean when bool.TryParse(text, out var b) => b,
        _ => text,
    };

    /// <summary>What one more page costs in Salesforce calls at most: its write-back batches and the next read.</summary>
    public static int CallsFor(int writes) => 1 + (writes + SalesforceClient.CollectionBatchSize - 1) / SalesforceClient.CollectionBatchSize;

    /// <summary>A link set's child records (an opportunity's contact roles) of these parents, 200 parents per query.</summary>
    public async Task<List<SObjectRecord>> ReadLinkSetAsync(LinkSet set, IReadOnlyCollection<string> parentIds, CancellationToken ct)
    {
        return await QueryByChunksAsync(parentIds, chunk => SoqlQuery.From(set.SalesforceObject).Select("Id", set.ParentField, set.ChildField)
            .Where(Soql.Field(set.ParentField).In((IEnumerable<string>)chunk)), includeDeleted: false, ct);
    }

    /// <summary>
    /// Parents whose link set changed since <paramref name="since"/>: a contact role added, edited or deleted (queryAll)
    /// changes the role's SystemModstamp, not the opportunity's.
    /// </summary>
    public async Task<HashSet<string>> LinkSetChangedSinceAsync(LinkSet set, DateTimeOffset since, CancellationToken ct)
    {
        var parents = new HashSet<string>(StringComparer.Ordinal);
        var query = SoqlQuery.From(set.SalesforceObject).Select(set.ParentField).Where(Soql.Field("SystemModstamp").Ge(since));
        await foreach (var page in salesforce.QueryPagesAsync(query, includeDeleted: true, ct: ct))
        {
            parents.UnionWith(page.Records.Select(r => r.GetString(set.ParentField)).OfType<string>());
        }
        return parents;
    }

    /// <summary>Creates a link set's child records (parent, child), 200 per call; each outcome keyed by "parent/child".</summary>
    public async Task<IReadOnlyList<WriteOutcome>> CreateLinkSetAsync(LinkSet set, IReadOnlyList<(string Parent, string Child)> rows, CancellationToken ct)
    {
        var outcomes = new List<WriteOutcome>();
        foreach (var chunk in rows.Chunk(SalesforceClient.CollectionBatchSize))
        {
            var results = await salesforce.CreateAsync([.. chunk.Select(r => SObjectRecord.Create(set.SalesforceObject, null,
                [KeyValuePair.Create<string, object?>(set.ParentField, r.Parent), KeyValuePair.Create<string, object?>(set.ChildField, r.Child)]))], ct);
            for (var i = 0; i < chunk.Length; i++)
            {
                var key = $"{chunk[i].Parent}/{chunk[i].Child}";
                outcomes.Add(results[i].Success
                    ? WriteOutcome.Ok(key, results[i].Id, created: true)
                    : WriteOutcome.Failed(key, results[i].Errors.FirstOrDefault()?.Code ?? "UNKNOWN", results[i].Errors.FirstOrDefault()?.Message ?? "Salesforce refused the record"));
            }
        }
        return outcomes;
    }
}

using System.Data.Common;
using System.Text.Json;
using AbmSync.Core.Sync;
using Dapper;
using Microsoft.Data.Sqlite;

namespace AbmSync.Worker.State;

/// <summary>What <c>abmsync reconcile --repair</c> changes in the state store besides what its sync run commits.</summary>
public sealed partial class StateStore
{
    /// <summary>
    /// Ends active links whose record is gone on one side: each becomes the tombstone of that side
    /// (<see cref="LinkStatuses.SalesforceDeleted"/> or <see cref="LinkStatuses.HubSpotDeleted"/>), exactly what a sync
    /// that saw the delete leaves. Only links still active change: a run that tombstoned (or re-linked) one meanwhile
    /// knew better. Returns the Salesforce ids whose link changed.
    /// </summary>
    public async Task<IReadOnlyList<string>> TombstoneLinksAsync(string objectName, IReadOnlyList<(string SalesforceId, string Status)> links)
    {
        if (links.Any(l => l.Status is not (LinkStatuses.SalesforceDeleted or LinkStatuses.HubSpotDeleted)))
        {
            throw new ArgumentException("a link is tombstoned as salesforce-deleted or hubspot-deleted", nameof(links));
        }
        var changed = new List<string>();
        if (links.Count == 0)
        {
            return changed;
        }
        await using var connection = Open();
        await using var transaction = await connection.BeginTransactionAsync();
        foreach (var (salesforceId, status) in links)
        {
            if (await connection.ExecuteAsync(
                "UPDATE record_link SET status = @status WHERE object = @objectName AND salesforce_id = @salesforceId AND status = @active",
                new { objectName, salesforceId, status, active = LinkStatuses.Active }, transaction) == 1)
            {
                changed.Add(salesforceId);
            }
        }
        await transaction.CommitAsync();
        return changed;
    }

    /// <summary>
    /// Forgets baselines of one side: the named fields of each record (all of the record's when its list is null), so
    /// that the next run's comparison of those fields starts afresh. The row's hash follows its values. Read and
    /// rewritten under a lock (the row's on PostgreSQL, the file's write lock on SQLite), so that a run committing the
    /// same row meanwhile is never half overwritten. Returns how many records changed.
    /// </summary>
    public async Task<int> ForgetBaselinesAsync(string objectName, string side, IReadOnlyDictionary<string, IReadOnlyCollection<string>?> fieldsByRecord)
    {
        if (fieldsByRecord.Count == 0)
        {
            return 0;
        }
        await using var connection = Open();
        // SQLite: BEGIN IMMEDIATE takes the write lock before the read, so that the read-then-write cannot be
        // interleaved with a page commit (a deferred transaction would fail to upgrade instead). PostgreSQL: FOR UPDATE.
        await using DbTransaction transaction = IsPostgres
            ? await connection.BeginTransactionAsync()
            : ((SqliteConnection)connection).BeginTransaction(deferred: false);
        var changed = 0;
        foreach (var (recordId, fields) in fieldsByRecord)
        {
            var json = await connection.ExecuteScalarAsync<string?>(
                $"SELECT values_json FROM written_values WHERE object = @objectName AND side = @side AND record_id = @recordId{(IsPostgres ? " FOR UPDATE" : "")}",
                new { objectName, side, recordId }, transaction);
            if (json is null)
            {
                continue;
            }
            if (fields is null)
            {
                changed += await connection.ExecuteAsync("DELETE FROM written_values WHERE object = @objectName AND side = @side AND record_id = @recordId",
                    new { objectName, side, recordId }, transaction);
                continue;
            }
            var values = JsonSerializer.Deserialize<Dictionary<string, string>>(json)!;
            if (fields.Count(values.Remove) == 0)
            {
                continue;
            }
            changed += await connection.ExecuteAsync("""
                UPDATE written_values SET values_json = @json, hash = @hash, written_at = @now
                WHERE object = @objectName AND side = @side AND record_id = @recordId
                """, new { objectName, side, recordId, json = JsonSerializer.Serialize(values), hash = FieldValues.Hash(values), now = Now() }, transaction);
        }
        await transaction.CommitAsync();
        return changed;
    }
}

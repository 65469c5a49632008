using Microsoft.AspNetCore.Http;

namespace AbmSync.Sandbox.Salesforce;

/// <summary>
/// Parent row locks, as the platform takes them: a transaction that writes a record locks the record and its parents
/// (a Contact or an Opportunity its Account; a contact role its Opportunity and its Contact) until it ends, and one
/// that needs a row another holds waits, then fails that record with <c>UNABLE_TO_LOCK_ROW</c>. REST writes take
/// them (sObject Collections and single records); Bulk ingest and the in-process person's actions do not.
/// </summary>
public sealed partial class SalesforceOrg
{
    // The lock wait is real time spent on a socket, like the latency it overlaps, not the world clock, which a test
    // may give fake and stopped.
    readonly RowLocks rowLocks = new(TimeProvider.System);

    static readonly Dictionary<string, string[]> ParentFields = new(StringComparer.Ordinal)
    {
        ["Contact"] = ["AccountId"],
        ["Opportunity"] = ["AccountId"],
        ["OpportunityContactRole"] = ["OpportunityId", "ContactId"],
    };

    /// <summary>One record of a write: the id its result names, and the rows it needs.</summary>
    sealed record Locking(string? Id, IReadOnlyList<string> Rows);

    /// <summary>The rows REST writes in flight hold now (in process, for tests that must know a write is under way).</summary>
    public IReadOnlyCollection<string> HeldRows => rowLocks.Held;

    /// <summary>
    /// The rows a write of <paramref name="input"/> to <paramref name="target"/> (null for a create) locks: the
    /// record's own, and its parents, both the one it has and the one it is given when it moves. Callers hold the
    /// store's gate. A parent that does not resolve locks nothing: the save fails on it by its own rule.
    /// </summary>
    Locking RowsOf(RecordInput input, SfRecord? target)
    {
        var rows = new List<string>();
        if (target is not null)
        {
            rows.Add(target.Id);
        }
        foreach (var name in ParentFields.GetValueOrDefault(input.Type.Name) ?? [])
        {
            if (target?[name] is string stored)
            {
                rows.Add(stored);
            }
            if (input.Type.Field(name) is { } field && input.Values.TryGetValue(field, out var given) && ParentId(field, given) is { } parent)
            {
                rows.Add(parent);
            }
        }
        return new Locking(target?.Id, [.. rows.Distinct(StringComparer.Ordinal)]);
    }

    string? ParentId(SfField field, object? given)
    {
        if (given is string id)
        {
            return Store.Get(id) is { } parent ? parent.Id : null;
        }
        if (given is ExternalRef reference && Schema.Target(field) is { } parentType && parentType.Field(reference.KeyField) is { } key
            && (key.ExternalId || key.Type == SfType.Id) && dml.MatchExternalId(parentType, key, reference.Value) is [var match])
        {
            return match.Id;
        }
        return null;
    }

    /// <summary>
    /// Takes the rows a write needs, waiting up to <see cref="SandboxOptions.RowLockWait"/> for those another write
    /// holds, then serves the request's simulated latency while holding them: the delay stands for the time the
    /// transaction runs, so two writes that overlap on the wire overlap in the org.
    /// </summary>
    async Task<RowLocks.Lease> LockRowsAsync(HttpContext http, IEnumerable<Locking> records)
    {
        var lease = await rowLocks.AcquireAsync(records.SelectMany(r => r.Rows), options.RowLockWait, http.RequestAborted);
        try
        {
            await RequestDelay.ServeAsync(http);
        }
        catch
        {
            lease.Dispose();
            throw;
        }
        return lease;
    }

    /// <summary>The refusal of a record whose rows the lease lacks, counted in the stats; null when it may be saved.</summary>
    SaveResult? LockRefusal(RowLocks.Lease lease, Locking record)
    {
        if (lease.Missing(record.Rows) is not { } busy)
        {
            return null;
        }
        stats.RecordRowLock();
        return SaveResult.RowLocked(record.Id, busy);
    }
}

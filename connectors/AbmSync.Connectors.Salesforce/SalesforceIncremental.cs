using System.Runtime.CompilerServices;

namespace AbmSync.Connectors.Salesforce;

/// <summary>Where an incremental read stopped: the last record's SystemModstamp and Id (the sort order).</summary>
public sealed record IncrementalCursor(DateTimeOffset SystemModstamp, string Id);

/// <summary>
/// Remembers the (Id, SystemModstamp) versions already handed out, so re-reading the overlap window yields each version
/// once. Seed it with the versions a previous run saw inside the window when the caller keeps them.
/// </summary>
public sealed class IncrementalDeduplicator
{
    private readonly HashSet<(string Id, DateTimeOffset Modstamp)> _seen = [];

    public int Count => _seen.Count;

    public void Seed(IEnumerable<(string Id, DateTimeOffset SystemModstamp)> versions)
    {
        foreach (var v in versions)
        {
            _seen.Add(v);
        }
    }

    /// <summary>True the first time a record version is offered; records without an Id or SystemModstamp always pass.</summary>
    public bool IsNew(SObjectRecord record)
    {
        var modstamp = record.GetDateTime("SystemModstamp");
        return record.Id is null || modstamp is null || _seen.Add((record.Id, modstamp.Value));
    }

    /// <summary>Forgets versions older than <paramref name="before"/> (outside any future overlap window).</summary>
    public void Prune(DateTimeOffset before) => _seen.RemoveWhere(v => v.Modstamp < before);

    public IReadOnlyCollection<(string Id, DateTimeOffset SystemModstamp)> Versions => _seen;
}

public sealed partial class SalesforceClient
{
    /// <summary>
    /// SELECT fields (plus Id and SystemModstamp) WHERE SystemModstamp &gt;= cursor − overlap [AND filter]
    /// ORDER BY SystemModstamp, Id. Without a cursor it reads everything. Records share timestamps and commit late, so
    /// the window overlaps the last run and the duplicates it brings are dropped by (Id, SystemModstamp).
    /// </summary>
    public static SoqlQuery BuildIncrementalQuery(string sObject, IEnumerable<string> fields, IncrementalCursor? cursor,
        TimeSpan overlap, SoqlCondition? filter = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(overlap, TimeSpan.Zero);
        var query = SoqlQuery.From(sObject).Select("Id", "SystemModstamp").Select([.. fields]);
        if (cursor is not null)
        {
            // SOQL datetime literals have whole seconds: round the lower bound down so nothing in that second is skipped.
            var since = cursor.SystemModstamp - overlap;
            since = new DateTimeOffset(since.UtcDateTime.Ticks - since.UtcDateTime.Ticks % TimeSpan.TicksPerSecond, TimeSpan.Zero);
            query = query.Where(Soql.Field("SystemModstamp").Ge(since));
        }

        if (filter is not null)
        {
            query = query.Where(filter);
        }

        return query.OrderBy("SystemModstamp").OrderBy("Id");
    }

    /// <summary>
    /// Pages of changed records since <paramref name="cursor"/> (minus <paramref name="overlap"/>), each page without the
    /// versions <paramref name="dedup"/> has already seen. Advance the caller's cursor with <see cref="CursorAfter"/> once a page is stored.
    /// </summary>
    public async IAsyncEnumerable<SoqlPage> ReadChangesAsync(string sObject, IEnumerable<string> fields, IncrementalCursor? cursor,
        TimeSpan overlap, IncrementalDeduplicator dedup, SoqlCondition? filter = null, bool includeDeleted = false,
        [EnumeratorCancellation] CancellationToken ct = default)
    {
        var query = BuildIncrementalQuery(sObject, fields, cursor, overlap, filter);
        await foreach (var page in QueryPagesAsync(query, includeDeleted, ct))
        {
            var fresh = page.Records.Where(dedup.IsNew).ToArray();
            yield return page with { Records = fresh };
        }
    }

    /// <summary>
    /// The cursor after a page: the greater of <paramref name="current"/> and the page's last (SystemModstamp, Id), so the
    /// cursor never moves back when the overlap window re-reads older records.
    /// </summary>
    public static IncrementalCursor? CursorAfter(SoqlPage page, IncrementalCursor? current)
    {
        var last = page.Records.LastOrDefault(r => r.Id is not null && r.GetDateTime("SystemModstamp") is not null);
        if (last is null)
        {
            return current;
        }

        var candidate = new IncrementalCursor(last.GetDateTime("SystemModstamp")!.Value, last.Id!);
        if (current is null)
        {
            return candidate;
        }

        var order = candidate.SystemModstamp.CompareTo(current.SystemModstamp);
        return order > 0 || (order == 0 && string.CompareOrdinal(candidate.Id, current.Id) > 0) ? candidate : current;
    }
}

using Dapper;

namespace AbmSync.Worker.State;

/// <summary>
/// What the weekly ABM scorecard reads beyond the current decisions: the ledger over the period (tier moves, stage
/// changes), each record's decision as it stood when the period began (engagement falling), and which accounts had
/// any engagement signal in the period (stalled). Read-only; decided_at and at are ordered as text, as elsewhere.
/// </summary>
public sealed partial class StateStore
{
    /// <summary>Every entry of one kind of one object decided at or after <paramref name="since"/>, in the order decided.</summary>
    public async Task<IReadOnlyList<LedgerEntry>> LedgerSinceAsync(string @object, string kind, DateTimeOffset since)
    {
        await using var connection = Open();
        var rows = await connection.QueryAsync($"""
            SELECT * FROM decision_ledger
            WHERE object = @object AND kind = @kind AND decided_at{TextOrder} >= @since
            ORDER BY id
            """, new { @object, kind, since = Text(since) });
        return [.. rows.Select(ToLedgerEntry)];
    }

    /// <summary>
    /// Each record's decision of a kind as it stood just before <paramref name="before"/> (its latest entry decided
    /// earlier), by record id. Retention keeps a record's latest entry only, so a pruned history answers less, never wrong.
    /// </summary>
    public async Task<IReadOnlyDictionary<string, LedgerEntry>> DecisionsBeforeAsync(string @object, string kind, DateTimeOffset before)
    {
        await using var connection = Open();
        var rows = await connection.QueryAsync($"""
            SELECT l.* FROM decision_ledger l
            JOIN (SELECT MAX(id) AS id FROM decision_ledger
                  WHERE object = @object AND kind = @kind AND decided_at{TextOrder} < @before
                  GROUP BY record_id) earlier ON earlier.id = l.id
            """, new { @object, kind, before = Text(before) });
        return rows.Select(ToLedgerEntry).ToDictionary(e => e.RecordId, StringComparer.Ordinal);
    }

    /// <summary>The Salesforce accounts with at least one engagement signal dated at or after <paramref name="since"/>.</summary>
    public async Task<IReadOnlySet<string>> AccountsEngagedSinceAsync(DateTimeOffset since)
    {
        await using var connection = Open();
        var ids = await connection.QueryAsync<string>($"""
            SELECT DISTINCT account_id FROM engagement_signal
            WHERE account_id IS NOT NULL AND at{TextOrder} >= @since
            """, new { since = Text(since) });
        return ids.ToHashSet(StringComparer.Ordinal);
    }
}

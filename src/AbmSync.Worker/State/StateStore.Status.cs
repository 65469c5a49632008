using System.Text.Json;
using Dapper;

namespace AbmSync.Worker.State;

/// <summary>The drift a reconciliation left for one pair: what the status page shows beside the runs.</summary>
public sealed record ReconcileReport(string Object, bool Repaired, DateTimeOffset FinishedAt, IReadOnlyDictionary<string, int> Drift)
{
    public int Total => Drift.Values.Sum();
}

public sealed partial class StateStore
{
    public async Task SaveReconcileAsync(string objectName, bool repaired, IReadOnlyDictionary<string, int> drift, DateTimeOffset finishedAt)
    {
        await using var connection = Open();
        await connection.ExecuteAsync(
            "INSERT INTO reconcile_report (object, repaired, finished_at, drift) VALUES (@objectName, @repaired, @finishedAt, @drift)",
            new { objectName, repaired, finishedAt = Text(finishedAt), drift = JsonSerializer.Serialize(drift) });
    }

    /// <summary>
    /// Each pair's last reconciliation, by pair. A partitioned reconcile saves one row per partition
    /// (<c>accounts#2/4</c>): when the newest row of a pair is a partition's, the pair's report is the sum of the newest
    /// row of each partition of that count.
    /// </summary>
    public async Task<IReadOnlyDictionary<string, ReconcileReport>> LastReconcilesAsync()
    {
        await using var connection = Open();
        var rows = (await connection.QueryAsync<(string Object, bool Repaired, string FinishedAt, string Drift)>("""
            SELECT r.object, r.repaired, r.finished_at, r.drift FROM reconcile_report r
            WHERE r.id = (SELECT MAX(l.id) FROM reconcile_report l WHERE l.object = r.object)
            """)).Select(r => new ReconcileReport(r.Object, r.Repaired, Parse(r.FinishedAt),
                JsonSerializer.Deserialize<Dictionary<string, int>>(r.Drift) ?? [])).ToList();
        var reports = new Dictionary<string, ReconcileReport>(StringComparer.Ordinal);
        foreach (var pair in rows.GroupBy(r => r.Object.Split('#')[0], StringComparer.Ordinal))
        {
            var newest = pair.MaxBy(r => r.FinishedAt)!;
            if (!newest.Object.Contains('#', StringComparison.Ordinal))
            {
                reports[pair.Key] = newest with { Object = pair.Key };
                continue;
            }
            var count = newest.Object[(newest.Object.IndexOf('/', StringComparison.Ordinal) + 1)..];
            var parts = pair.Where(r => r.Object.EndsWith("/" + count, StringComparison.Ordinal)).ToList();
            var drift = parts.SelectMany(p => p.Drift).GroupBy(d => d.Key, StringComparer.Ordinal)
                .ToDictionary(g => g.Key, g => g.Sum(d => d.Value), StringComparer.Ordinal);
            reports[pair.Key] = new ReconcileReport(pair.Key, parts.All(p => p.Repaired), newest.FinishedAt, drift);
        }
        return reports;
    }

    /// <summary>Dead letters still waiting for a person or a retry (open and parked), per pair.</summary>
    public async Task<IReadOnlyDictionary<string, int>> UnresolvedDeadLettersAsync()
    {
        await using var connection = Open();
        var rows = await connection.QueryAsync<(string Object, long Count)>(
            "SELECT object, COUNT(*) FROM dead_letter WHERE status IN (@open, @parked) GROUP BY object",
            new { open = DeadLetterStatuses.Open, parked = DeadLetterStatuses.Parked });
        return rows.ToDictionary(r => r.Object, r => (int)r.Count, StringComparer.Ordinal);
    }
}

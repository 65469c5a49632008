using Dapper;

namespace AbmSync.Worker.State;

/// <summary>The calls AbmSync made, per system and hour, shared by every process on this database.</summary>
public sealed partial class StateStore
{
    /// <summary>Adds calls to the current hour of a system.</summary>
    public async Task AddApiUsageAsync(string system, long calls)
    {
        if (calls <= 0)
        {
            return;
        }
        var now = time.GetUtcNow();
        var hour = new DateTimeOffset(now.UtcDateTime.Ticks - now.UtcDateTime.Ticks % TimeSpan.TicksPerHour, TimeSpan.Zero);
        await using var connection = Open();
        await connection.ExecuteAsync("""
            INSERT INTO api_usage (system, hour, calls) VALUES (@system, @hour, @calls)
            ON CONFLICT (system, hour) DO UPDATE SET calls = api_usage.calls + excluded.calls
            """, new { system, hour = Text(hour), calls });
    }

    /// <summary>The calls made to a system from the hour that holds <paramref name="since"/> on.</summary>
    public async Task<long> ApiUsageSinceAsync(string system, DateTimeOffset since)
    {
        var hour = new DateTimeOffset(since.UtcDateTime.Ticks - since.UtcDateTime.Ticks % TimeSpan.TicksPerHour, TimeSpan.Zero);
        await using var connection = Open();
        return await connection.ExecuteScalarAsync<long?>(
            $"SELECT SUM(calls) FROM api_usage WHERE system = @system AND hour{TextOrder} >= @hour",
            new { system, hour = Text(hour) }) ?? 0;
    }

    /// <summary>What a run expects to spend, shown beside what it spent.</summary>
    public async Task SetRunEstimateAsync(long runId, long salesforceCalls, long hubSpotCalls)
    {
        await using var connection = Open();
        await connection.ExecuteAsync("UPDATE sync_run SET estimated_salesforce_calls = @salesforceCalls, estimated_hubspot_calls = @hubSpotCalls WHERE id = @runId",
            new { runId, salesforceCalls, hubSpotCalls });
    }

    /// <summary>The calls the last finished run of an object made, its estimate for the next one; null before any.</summary>
    public async Task<(long Salesforce, long HubSpot)?> LastRunCallsAsync(string objectName)
    {
        await using var connection = Open();
        var rows = (await connection.QueryAsync<(long Salesforce, long HubSpot)>("""
            SELECT salesforce_calls, hubspot_calls FROM sync_run
            WHERE object = @objectName AND status IN ('succeeded', 'paused') AND mode NOT LIKE 'dry-run%'
                AND salesforce_calls IS NOT NULL AND hubspot_calls IS NOT NULL
            ORDER BY id DESC LIMIT 1
            """, new { objectName })).ToList();
        return rows.Count == 0 ? null : rows[0];
    }
}

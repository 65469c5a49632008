using System.Runtime.CompilerServices;
using AbmSync.Connectors.HubSpot;
using AbmSync.Core.Sync;

namespace AbmSync.Worker.Sync;

/// <summary>
/// The runner's view of HubSpot for one object pair: read changes in last-modified order (beyond the 10,000 search
/// cap), read by ids, list everything once for matching, create by upsert on our own unique key (a replayed create
/// cannot duplicate) and update linked records by id, each in batches of 100 with per-record outcomes.
/// </summary>
public sealed class HubSpotAdapter(HubSpotClient hubSpot)
{
    public async IAsyncEnumerable<HubSpotChangePage> ReadChangedAsync(ObjectPair pair, DateTimeOffset since, [EnumeratorCancellation] CancellationToken ct)
    {
        await foreach (var page in hubSpot.ReadModifiedAsync(pair.HubSpotObject, [.. pair.HubSpotProperties], since, ct: ct))
        {
            yield return page;
        }
    }

    public async IAsyncEnumerable<IReadOnlyList<HubSpotObject>> ListAllAsync(ObjectPair pair, IReadOnlyCollection<string> extra, [EnumeratorCancellation] CancellationToken ct)
    {
        await foreach (var page in hubSpot.ListAllAsync(pair.HubSpotObject, [.. pair.HubSpotProperties.Concat(extra).Distinct(StringComparer.Ordinal)], ct))
        {
            yield return page.Results;
        }
    }

    /// <summary>Records by id; a merged-away id answers with its survivor (keyed here by the id asked for).</summary>
    public async Task<Dictionary<string, HubSpotObject>> ReadByIdsAsync(ObjectPair pair, IReadOnlyCollection<string> ids, CancellationToken ct)
    {
        var found = new Dictionary<string, HubSpotObject>(StringComparer.Ordinal);
        if (ids.Count == 0)
        {
            return found;
        }
        var result = await hubSpot.BatchReadAsync(pair.HubSpotObject, [.. ids.Distinct(StringComparer.Ordinal)], [.. pair.HubSpotProperties], ct: ct);
        foreach (var outcome in result.Outcomes)
        {
            if (outcome.Record is { } record)
            {
                found[outcome.InputId] = record;
            }
        }
        return found;
    }

    /// <summary>When each property last changed, from its history (newest version first), for records read 50 at a time.</summary>
    public async Task<Dictionary<string, IReadOnlyDictionary<string, DateTimeOffset>>> ReadHistoryAsync(
        ObjectPair pair, IReadOnlyList<string> ids, IReadOnlyCollection<string> properties, CancellationToken ct)
    {
        var times = new Dictionary<string, IReadOnlyDictionary<string, DateTimeOffset>>(StringComparer.Ordinal);
        if (ids.Count == 0)
        {
            return times;
        }
        var result = await hubSpot.BatchReadWithHistoryAsync(pair.HubSpotObject, ids, properties, properties, ct);
        foreach (var outcome in result.Outcomes)
        {
            if (outcome.Record?.History is { } history)
            {
                times[outcome.InputId] = history.Where(h => h.Value.Count > 0)
                    .ToDictionary(h => h.Key, h => h.Value.Max(v => v.Timestamp), StringComparer.Ordinal);
            }
        }
        return times;
    }

    public static SideRecord ToSide(ObjectPair pair, HubSpotObject record)
    {
        var values = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (var property in pair.HubSpotProperties)
        {
            values[property] = record[property] is { Length: > 0 } v ? v : null;
        }
        return new SideRecord(record.Id, values, record.Archived, record.UpdatedAt);
    }

    /// <summary>Creates records by upsert on the pair's own unique property (the Salesforce id): a replay updates, never duplicates.</summary>
    public async Task<IReadOnlyList<WriteOutcome>> CreateAsync(ObjectPair pair, IReadOnlyList<(string Key, IReadOnlyDictionary<string, string?> Values)> creates, CancellationToken ct)
    {
        if (creates.Count == 0)
        {
            return [];
        }
        var result = await hubSpot.BatchUpsertAsync(pair.HubSpotObject, pair.HubSpotTwinIdProperty,
            [.. creates.Select(c => new HubSpotUpsertInput(c.Key, Clearing(c.Values)))], ct);
        return [.. creates.Select((c, i) => Outcome(c.Key, result.Outcomes[i]))];
    }

    public async Task<IReadOnlyList<WriteOutcome>> UpdateAsync(ObjectPair pair, IReadOnlyList<(string Key, string Id, IReadOnlyDictionary<string, string?> Values)> updates, CancellationToken ct)
    {
        if (updates.Count == 0)
        {
            return [];
        }
        var result = await hubSpot.BatchUpdateAsync(pair.HubSpotObject, [.. updates.Select(u => new HubSpotUpdateInput(u.Id, Clearing(u.Values)))], ct);
        return [.. updates.Select((u, i) => Outcome(u.Key, result.Outcomes[i]))];
    }

    /// <summary>HubSpot clears a property with an empty string; the planner's "no value" is null.</summary>
    static Dictionary<string, string?> Clearing(IReadOnlyDictionary<string, string?> values) =>
        values.ToDictionary(v => v.Key, v => (string?)(v.Value ?? ""), StringComparer.Ordinal);

    static WriteOutcome Outcome(string key, HubSpotRecordOutcome outcome) => outcome.Error is { } error
        ? WriteOutcome.Failed(key, error.Category, error.Message)
        : WriteOutcome.Ok(key, outcome.Record?.Id, outcome.IsNew == true);
}

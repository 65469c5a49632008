using System.Globalization;
using System.Runtime.CompilerServices;

namespace AbmSync.Connectors.HubSpot;

/// <summary>
/// One page of an incremental read. <see cref="Watermark"/> is the last-modified time to resume from (inclusive) once
/// the page is processed: every record strictly before it has been delivered.
/// </summary>
public sealed record HubSpotChangePage(IReadOnlyList<HubSpotObject> Records, DateTimeOffset? Watermark);

public sealed partial class HubSpotClient
{
    /// <summary>HubSpot answers 400 to a search paged past this many results.</summary>
    public const int SearchResultCap = 10_000;

    /// <summary>The last-modified property that search can filter and sort on: contacts have their own.</summary>
    public static string LastModifiedProperty(string objectType) =>
        objectType is "contacts" or "0-1" ? "lastmodifieddate" : "hs_lastmodifieddate";

    /// <summary>
    /// Every record of <paramref name="objectType"/> modified at or after <paramref name="since"/> (and at or before
    /// <paramref name="until"/>), in last-modified order, each version once. Search stops at 10,000 results per query,
    /// so the read restarts a new search at the last timestamp seen before the cap; where more than a whole search
    /// shares one timestamp (a bulk import), it pages that instant by hs_object_id. Overlaps are de-duplicated.
    /// </summary>
    public async IAsyncEnumerable<HubSpotChangePage> ReadModifiedAsync(
        string objectType,
        IReadOnlyCollection<string> properties,
        DateTimeOffset since,
        DateTimeOffset? until = null,
        int pageSize = MaxSearchLimit,
        [EnumeratorCancellation] CancellationToken ct = default,
        IReadOnlyList<HubSpotFilter>? where = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(pageSize, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(pageSize, MaxSearchLimit);
        var modified = LastModifiedProperty(objectType);
        var requested = properties.Union([modified, "hs_object_id"], StringComparer.Ordinal).ToList();

        // (id, modified ms) already delivered at or after the window start; older entries are pruned as it moves.
        var delivered = new HashSet<(string Id, long Ms)>();
        var startMs = since.ToUnixTimeMilliseconds();
        var startInclusive = true;
        long? untilMs = until?.ToUnixTimeMilliseconds();

        // Tie mode: the instant tieMs holds more records than one search can page; walk it by hs_object_id.
        long? tieMs = null;
        long tieAfterId = 0;

        while (true)
        {
            // Extra conditions (which records take part) narrow every search, the tie walk and the probe alike.
            var filters = new List<HubSpotFilter>(where ?? []);
            HubSpotSort sort;
            if (tieMs is { } tie)
            {
                filters.Add(new HubSpotFilter(modified, "EQ", Ms(tie)));
                filters.Add(new HubSpotFilter("hs_object_id", "GT", tieAfterId.ToString(CultureInfo.InvariantCulture)));
                sort = new HubSpotSort("hs_object_id");
            }
            else
            {
                filters.Add(new HubSpotFilter(modified, startInclusive ? "GTE" : "GT", Ms(startMs)));
                if (untilMs is { } u)
                {
                    filters.Add(new HubSpotFilter(modified, "LTE", Ms(u)));
                }

                sort = new HubSpotSort(modified);
            }

            string? after = null;
            var readInSearch = 0;
            long searchStartMs = startMs;
            long lastMs = startMs;
            long lastId = tieAfterId;
            var exhausted = false;
            while (true)
            {
                var page = await SearchAsync(objectType, new HubSpotSearchRequest([new HubSpotFilterGroup(filters)], [sort], requested, after, pageSize), ct);
                readInSearch += page.Results.Count;
                var fresh = new List<HubSpotObject>(page.Results.Count);
                foreach (var record in page.Results)
                {
                    var ms = ParseMs(record[modified]) ?? lastMs;
                    lastMs = Math.Max(lastMs, ms);
                    if (long.TryParse(record["hs_object_id"] ?? record.Id, NumberStyles.Integer, CultureInfo.InvariantCulture, out var id))
                    {
                        lastId = Math.Max(lastId, id);
                    }

                    if (delivered.Add((record.Id, ms)))
                    {
                        fresh.Add(record);
                    }
                }

                if (page.NextAfter is null)
                {
                    exhausted = true;
                }

                var watermark = tieMs is { } t ? DateTimeOffset.FromUnixTimeMilliseconds(t) : DateTimeOffset.FromUnixTimeMilliseconds(lastMs);
                if (fresh.Count > 0)
                {
                    yield return new HubSpotChangePage(fresh, watermark);
                }

                if (exhausted || readInSearch + pageSize > SearchResultCap)
                {
                    break;
                }

                after = page.NextAfter;
            }

            if (tieMs is { } instant)
            {
                if (exhausted)
                {
                    // The crowded instant is done: carry on strictly after it.
                    tieMs = null;
                    startMs = instant;
                    startInclusive = false;
                    delivered.RemoveWhere(d => d.Ms <= instant);
                }
                else
                {
                    tieAfterId = lastId;
                }

                continue;
            }

            if (exhausted)
            {
                yield break;
            }

            if (lastMs == searchStartMs)
            {
                // A whole search's worth of records share one instant: restarting at it would read the same ones again.
                tieMs = lastMs;
                tieAfterId = 0;
                continue;
            }

            // Restart at the last instant seen (inclusive: its other records may lie beyond the cap); the overlap is de-duplicated.
            startMs = lastMs;
            startInclusive = true;
            delivered.RemoveWhere(d => d.Ms < startMs);

            // One call asks how many records share that instant. When a whole search can't page them (a bulk import),
            // walk the instant by hs_object_id now, rather than first paging 10,000 of them by time and then again by id.
            var probe = new HubSpotSearchRequest([new HubSpotFilterGroup([.. where ?? [], new HubSpotFilter(modified, "EQ", Ms(lastMs))])],
                [new HubSpotSort("hs_object_id")], ["hs_object_id"], null, 1);
            if ((await SearchAsync(objectType, probe, ct)).Total > SearchResultCap - pageSize)
            {
                tieMs = lastMs;
                tieAfterId = 0;
            }
        }
    }

    private static string Ms(long ms) => ms.ToString(CultureInfo.InvariantCulture);

    /// <summary>Datetime property values come back as ISO-8601 in v3 responses; epoch milliseconds are accepted too.</summary>
    internal static long? ParseMs(string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return null;
        }

        if (long.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var ms))
        {
            return ms;
        }

        return DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var d)
            ? d.ToUnixTimeMilliseconds()
            : null;
    }
}

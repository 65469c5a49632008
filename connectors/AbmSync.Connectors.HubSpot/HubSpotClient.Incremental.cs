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
    /// <paramref name="until"/>), in last-modified order, each version once. Each page is a new search from the last
    /// timestamp seen (keyset paging), which also keeps clear of search's 10,000-result cap; where a whole page shares
    /// one timestamp (a bulk import), it pages that instant by hs_object_id. Overlaps are de-duplicated.
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

            // One page per search, each starting where the last ended (keyset paging). Search's own paging token is
            // an offset into the live result: a record another writer touches meanwhile (a second worker, a person, a
            // workflow) moves to the end, everything after it shifts down by one, and the next offset page would skip
            // a record that never comes back, its modified time being older than the cursor. Restarting at the last
            // instant costs no more calls, only the records at that instant read twice.
            long searchStartMs = tieMs ?? startMs;
            long lastMs = searchStartMs;
            long lastId = tieAfterId;
            var page = await SearchAsync(objectType, new HubSpotSearchRequest([new HubSpotFilterGroup(filters)], [sort], requested, null, pageSize), ct);
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

            var exhausted = page.NextAfter is null;
            var watermark = tieMs is { } t ? DateTimeOffset.FromUnixTimeMilliseconds(t) : DateTimeOffset.FromUnixTimeMilliseconds(lastMs);
            if (fresh.Count > 0)
            {
                yield return new HubSpotChangePage(fresh, watermark);
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
                // A whole page shares one instant: restarting at it would read the same ones again. Walk it by id.
                tieMs = lastMs;
                tieAfterId = 0;
                continue;
            }

            // Restart at the last instant seen (inclusive: its other records may be on the next page); the overlap is de-duplicated.
            startMs = lastMs;
            startInclusive = true;
            delivered.RemoveWhere(d => d.Ms < startMs);
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

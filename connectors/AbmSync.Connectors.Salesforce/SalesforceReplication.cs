using System.Globalization;
using System.Text.Json.Nodes;

namespace AbmSync.Connectors.Salesforce;

/// <summary>One record the <c>deleted</c> replication call reports.</summary>
public sealed record DeletedRecord(string Id, DateTimeOffset DeletedDate);

/// <summary>
/// The answer of <c>GET /sobjects/{S}/deleted/?start=&amp;end=</c>: the records deleted in the window, how far back
/// the org can answer (<see cref="EarliestDateAvailable"/>, about 30 days) and the end it covered (the start of the
/// current minute at most: a record deleted this minute is reported once the minute is over).
/// </summary>
public sealed record DeletedRecords(IReadOnlyList<DeletedRecord> Records, DateTimeOffset? EarliestDateAvailable, DateTimeOffset? LatestDateCovered);

public sealed partial class SalesforceClient
{
    /// <summary>How far back the replication calls reach: a window that starts earlier is refused (INVALID_REPLICATION_DATE).</summary>
    public static readonly TimeSpan ReplicationWindow = TimeSpan.FromDays(30);

    /// <summary>
    /// GET /sobjects/{sObject}/deleted/?start=&amp;end=: every record deleted in the window, also those gone from the
    /// recycle bin (hard-deleted or emptied), which <c>queryAll</c> no longer shows.
    /// </summary>
    public async Task<DeletedRecords> GetDeletedAsync(string sObject, DateTimeOffset start, DateTimeOffset end, CancellationToken ct = default)
    {
        Soql.CheckObjectName(sObject);
        var json = await SendJsonAsync(HttpMethod.Get,
            $"{DataPath}/sobjects/{sObject}/deleted/?start={Uri.EscapeDataString(Iso(start))}&end={Uri.EscapeDataString(Iso(end))}", null, false, ct);
        var obj = json as JsonObject ?? throw Unexpected("deleted");
        var records = obj["deletedRecords"] is JsonArray array
            ? array.OfType<JsonObject>()
                .Where(r => r["id"] is not null)
                .Select(r => new DeletedRecord(r["id"]!.GetValue<string>(), Date(r["deletedDate"]) ?? end))
                .ToArray()
            : [];
        return new DeletedRecords(records, Date(obj["earliestDateAvailable"]), Date(obj["latestDateCovered"]));
    }

    // Salesforce answers "2026-11-30T12:00:00.000+0000"; the offset without a colon is not round-trip ISO.
    private static DateTimeOffset? Date(JsonNode? node) =>
        node?.GetValue<string>() is { } text && DateTimeOffset.TryParse(text.Length > 5 && text[^5] is '+' or '-' ? text.Insert(text.Length - 2, ":") : text,
            CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var date)
            ? date
            : null;

    private static string Iso(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
}

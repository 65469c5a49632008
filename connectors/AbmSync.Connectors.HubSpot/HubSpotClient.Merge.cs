namespace AbmSync.Connectors.HubSpot;

public sealed partial class HubSpotClient
{
    /// <summary>
    /// POST {objects}/{type}/merge: merges <paramref name="objectIdToMerge"/> into <paramref name="primaryObjectId"/>
    /// and answers the merged record. For contacts and companies that is a new record with a new id (both old ids read
    /// as it from then on); its <c>hs_merged_object_ids</c> lists the ids it absorbed. Not idempotent: a retry after a
    /// lost answer would merge again, so a failed call is never replayed here.
    /// </summary>
    public async Task<HubSpotObject> MergeAsync(string objectType, string primaryObjectId, string objectIdToMerge, CancellationToken ct = default)
    {
        using var doc = await SendAsync(HttpMethod.Post, $"{ObjectsPath(objectType)}/merge",
            new { primaryObjectId, objectIdToMerge }, ct, notIdempotent: true);
        return HubSpotJson.ParseObject(doc.RootElement);
    }

    /// <summary>The ids a merged record absorbed (its <c>hs_merged_object_ids</c>), empty for one never merged.</summary>
    public static IReadOnlyList<string> MergedIds(HubSpotObject record) =>
        [.. (record[MergedIdsProperty] ?? string.Empty).Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)];
}

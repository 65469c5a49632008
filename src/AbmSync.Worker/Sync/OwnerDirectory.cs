using AbmSync.Connectors.HubSpot;
using AbmSync.Connectors.Salesforce;
using AbmSync.Worker.State;
using Microsoft.Extensions.Options;

namespace AbmSync.Worker.Sync;

/// <summary>Salesforce users matched to HubSpot owners by email.</summary>
public sealed record OwnerMap(IReadOnlyDictionary<string, OwnerIdentity> BySalesforceUserId)
{
    public string? HubSpotOwnerOf(string salesforceUserId) =>
        BySalesforceUserId.TryGetValue(salesforceUserId, out var o) ? o.HubSpotOwnerId : null;

    // Built once: every two-way owner field of every record asks the way back.
    IReadOnlyDictionary<string, string>? byHubSpotOwnerId;

    /// <summary>The active Salesforce user behind a HubSpot owner, by the same email; null for an owner without one.</summary>
    public string? SalesforceUserOf(string hubSpotOwnerId)
    {
        byHubSpotOwnerId ??= BySalesforceUserId.Values
            .Where(o => o.SalesforceActive && o.HubSpotOwnerId is not null)
            .GroupBy(o => o.HubSpotOwnerId!, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.First().SalesforceUserId, StringComparer.Ordinal);
        return byHubSpotOwnerId.GetValueOrDefault(hubSpotOwnerId);
    }

    public int Matched => BySalesforceUserId.Values.Count(o => o.HubSpotOwnerId is not null);

    /// <summary>Salesforce users without a HubSpot owner of the same email: reported, never guessed.</summary>
    public IReadOnlyList<OwnerIdentity> Unmatched => [.. BySalesforceUserId.Values.Where(o => o.HubSpotOwnerId is null)];
}

/// <summary>
/// The owner identity map: every Salesforce user and the HubSpot owner with the same email (case-insensitive), kept in
/// the state store. Read from both APIs at most once per <see cref="SyncOptions.SchemaCacheDuration"/>.
/// </summary>
public sealed class OwnerDirectory(
    SalesforceClient salesforce, HubSpotClient hubSpot, StateStore store, SyncCache cache, TimeProvider time, IOptions<SyncOptions> options)
{
    public async Task<OwnerMap> GetAsync(CancellationToken ct)
    {
        await cache.OwnersGate.WaitAsync(ct);
        try
        {
            if (cache.Owners is { } c && time.GetUtcNow() - c.At < options.Value.SchemaCacheDuration)
            {
                return c.Map;
            }
            var owners = await hubSpot.ListOwnersAsync(ct: ct);
            var ownerByEmail = owners
                .Where(o => !o.Archived && !string.IsNullOrWhiteSpace(o.Email))
                .GroupBy(o => o.Email!.Trim(), StringComparer.OrdinalIgnoreCase)
                .ToDictionary(g => g.Key, g => g.First().Id, StringComparer.OrdinalIgnoreCase);
            var identities = new Dictionary<string, OwnerIdentity>(StringComparer.Ordinal);
            var query = SoqlQuery.From("User").Select("Id", "Email", "IsActive");
            await foreach (var page in salesforce.QueryPagesAsync(query, ct: ct))
            {
                foreach (var user in page.Records)
                {
                    var email = user.GetString("Email")?.Trim() ?? "";
                    identities[user.Id!] = new OwnerIdentity(user.Id!, email, user.GetBool("IsActive") ?? false,
                        email.Length > 0 ? ownerByEmail.GetValueOrDefault(email) : null);
                }
            }
            await store.SaveOwnerIdentitiesAsync([.. identities.Values]);
            var map = new OwnerMap(identities);
            cache.Owners = (map, time.GetUtcNow());
            return map;
        }
        finally
        {
            cache.OwnersGate.Release();
        }
    }
}

using AbmSync.Connectors.HubSpot;
using AbmSync.Connectors.Salesforce;
using AbmSync.Worker.State;
using AbmSync.Core.Routing;
using Microsoft.Extensions.Options;

namespace AbmSync.Worker.Sync;

/// <summary>Salesforce users matched to HubSpot owners by email.</summary>
/// <param name="Users">
/// The Salesforce users as routing sees them: the role field rules.yaml names (Title) and the HubSpot teams of the
/// owner with the same email. Empty for a map built without the roster.
/// </param>
public sealed record OwnerMap(IReadOnlyDictionary<string, OwnerIdentity> BySalesforceUserId, IReadOnlyDictionary<string, SalesUser>? Users = null)
{
    public IReadOnlyDictionary<string, SalesUser> Roster => Users ?? new Dictionary<string, SalesUser>();

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
/// the state store, with the roster routing reads (each user's role field and HubSpot teams) kept in the rules'
/// snapshot. Read from both APIs at most once per <see cref="SyncOptions.SchemaCacheDuration"/>.
/// </summary>
public sealed class OwnerDirectory(
    SalesforceClient salesforce, HubSpotClient hubSpot, StateStore store, SyncCache cache, TimeProvider time, IOptions<SyncOptions> options,
    SyncConfiguration configuration)
{
    /// <summary>The fields of a user's row in the rules' snapshot.</summary>
    public const string EmailField = "Email", NameField = "Name", ActiveField = "IsActive", RoleField = "Role", TeamsField = "Teams";

    /// <summary>The roster as the rules' snapshot keeps it (for <c>rules diff</c>, which calls no API).</summary>
    public static SalesUser FromSnapshot(RuleSubjectRow row) => new(row.RecordId, row.Fields.GetValueOrDefault(EmailField) ?? "",
        row.Fields.GetValueOrDefault(NameField), row.Fields.GetValueOrDefault(ActiveField) == "true", row.Fields.GetValueOrDefault(RoleField),
        [.. (row.Fields.GetValueOrDefault(TeamsField) ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries)]);

    static RuleSubjectRow ToSnapshot(SalesUser user) => new(StateStore.UsersSubject, user.UserId, new Dictionary<string, string?>
    {
        [EmailField] = user.Email,
        [NameField] = user.Name,
        [ActiveField] = user.Active ? "true" : "false",
        [RoleField] = user.RoleFieldValue,
        [TeamsField] = string.Join(';', user.Teams),
    });

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
            var teamsByEmail = owners
                .Where(o => !o.Archived && !string.IsNullOrWhiteSpace(o.Email))
                .GroupBy(o => o.Email!.Trim(), StringComparer.OrdinalIgnoreCase)
                .ToDictionary(g => g.Key, g => (IReadOnlyList<string>)[.. g.SelectMany(o => o.Teams).Select(t => t.Name).Distinct(StringComparer.Ordinal)], StringComparer.OrdinalIgnoreCase);
            var identities = new Dictionary<string, OwnerIdentity>(StringComparer.Ordinal);
            var users = new Dictionary<string, SalesUser>(StringComparer.Ordinal);
            var roleField = configuration.Rules.Routing?.Roles.UserField;
            var query = SoqlQuery.From("User").Select([.. new[] { "Id", "Email", "IsActive", "Name", roleField }.OfType<string>().Distinct(StringComparer.OrdinalIgnoreCase)]);
            await foreach (var page in salesforce.QueryPagesAsync(query, ct: ct))
            {
                foreach (var user in page.Records)
                {
                    var email = user.GetString("Email")?.Trim() ?? "";
                    identities[user.Id!] = new OwnerIdentity(user.Id!, email, user.GetBool("IsActive") ?? false,
                        email.Length > 0 ? ownerByEmail.GetValueOrDefault(email) : null);
                    users[user.Id!] = new SalesUser(user.Id!, email, user.GetString("Name"), user.GetBool("IsActive") ?? false,
                        roleField is null ? null : user.GetString(roleField), email.Length > 0 ? teamsByEmail.GetValueOrDefault(email) ?? [] : []);
                }
            }
            await store.SaveOwnerIdentitiesAsync([.. identities.Values]);
            await store.ReplaceRuleSubjectsAsync(StateStore.UsersSubject, [.. users.Values.Select(ToSnapshot)]);
            var map = new OwnerMap(identities, users);
            cache.Owners = (map, time.GetUtcNow());
            return map;
        }
        finally
        {
            cache.OwnersGate.Release();
        }
    }
}

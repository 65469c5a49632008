using System.Globalization;
using AbmSync.Connectors.HubSpot;
using AbmSync.Connectors.Salesforce;
using AbmSync.Worker.State;

namespace AbmSync.Worker.Sync;

/// <summary>
/// The state store belongs to one Salesforce org and one HubSpot portal, bound on the first run. Its links, baselines
/// and cursors mean nothing elsewhere: after a sandbox refresh from production, or with settings pointed at another
/// portal, a run stops (exit 3) before it reads or writes a record.
/// </summary>
public sealed class SystemBinding(SalesforceIdentity salesforceIdentity, HubSpotClient hubSpot, StateStore store, SyncCache cache)
{
    /// <summary>Call once a Salesforce call has been made (the org's id comes with the token).</summary>
    public async Task EnsureAsync(bool dryRun, CancellationToken ct)
    {
        if (cache.BoundTo is not null)
        {
            return;
        }
        var org = salesforceIdentity.OrgId ?? throw new InvalidOperationException("the Salesforce org is not known before the first Salesforce call");
        var details = await hubSpot.GetAccountDetailsAsync(ct);
        var portal = details.PortalId.ToString(CultureInfo.InvariantCulture);
        cache.HubSpotTimeZone = Zone(details.TimeZone);
        var (boundOrg, boundPortal) = dryRun
            ? await store.GetSystemBindingAsync() ?? (org, portal)
            : await store.BindSystemsAsync(org, portal);
        var problems = new List<string>();
        if (!SameOrg(boundOrg, org))
        {
            problems.Add($"this state store belongs to Salesforce org {boundOrg}; the settings reach org {org}");
        }
        if (boundPortal != portal)
        {
            problems.Add($"this state store belongs to HubSpot portal {boundPortal}; the settings reach portal {portal}");
        }
        if (problems.Count > 0)
        {
            throw new SetupRequiredException("AbmSync's state", problems,
                "Its links, baselines and cursors belong to the other org or portal (a sandbox refreshed from production?). Point Storage:ConnectionString at a state store for these systems, or a new one.");
        }
        cache.BoundTo = (org, portal);
    }

    /// <summary>The portal's IANA time zone; UTC when it names none this machine knows.</summary>
    static TimeZoneInfo Zone(string? id)
    {
        if (id is { Length: > 0 })
        {
            try
            {
                return TimeZoneInfo.FindSystemTimeZoneById(id);
            }
            catch (Exception e) when (e is TimeZoneNotFoundException or InvalidTimeZoneException)
            {
            }
        }
        return TimeZoneInfo.Utc;
    }

    /// <summary>An org id read as 15 or 18 characters is one org.</summary>
    static bool SameOrg(string a, string b) => string.Equals(a.Length >= 15 ? a[..15] : a, b.Length >= 15 ? b[..15] : b, StringComparison.Ordinal);
}

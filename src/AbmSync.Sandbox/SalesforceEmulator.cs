using AbmSync.Sandbox.Salesforce;
using Microsoft.AspNetCore.Builder;

namespace AbmSync.Sandbox;

/// <summary>
/// The Salesforce org emulator: OAuth token endpoint, REST query and queryAll with cursor paging, sObject Collections,
/// single-record CRUD and upsert, describe, limits and Bulk API 2.0, over the seeded <see cref="SyntheticWorld"/>.
/// Written from the API documentation, never from the connector.
/// </summary>
public sealed class SalesforceEmulator
{
    readonly SalesforceOrg org;

    public SalesforceEmulator(SyntheticWorld world, SandboxOptions options, TimeProvider time)
    {
        org = new SalesforceOrg(world, options, time, Stats, () => BaseUrl);
    }

    public SandboxStats Stats { get; } = new();
    /// <summary>The hold hook of this port, <c>/_sandbox/hold</c> (kill tests).</summary>
    public SandboxHold Hold { get; } = new();
    public Uri? BaseUrl { get; set; }

    /// <summary>The org as seen from inside: its records, ids of the integration and sales-rep users.</summary>
    public SalesforceOrg Org => org;

    /// <summary>Every live record with every field, by object name (docs/architecture.md, "The sandboxes").</summary>
    public object Export() => org.Export();

    public void Map(WebApplication app) => org.Map(app);
}

namespace AbmSync.Worker.Sync;

/// <summary>
/// What a long-running worker remembers between runs: when the live schemas were last checked and the owner map.
/// A singleton, so that the typed HTTP clients around it can stay short-lived as IHttpClientFactory intends.
/// </summary>
public sealed class SyncCache
{
    public SemaphoreSlim SchemaGate { get; } = new(1, 1);
    public DateTimeOffset? SchemaCheckedAt { get; set; }
    /// <summary>Per pair, what its last schema check created in HubSpot: pairs of one sequence check at the same time.</summary>
    public System.Collections.Concurrent.ConcurrentDictionary<string, IReadOnlyList<string>> CreatedHubSpotProperties { get; } = new(StringComparer.Ordinal);
    /// <summary>The org's limits as /limits reported them at the last schema check.</summary>
    public AbmSync.Connectors.Salesforce.OrgLimits? OrgLimits { get; set; }

    /// <summary>Each checked pair's field kinds on both sides.</summary>
    public Dictionary<string, SchemaKinds> Kinds { get; } = new(StringComparer.Ordinal);

    /// <summary>The (org, portal) this process checked the state store's binding against.</summary>
    public (string Org, string Portal)? BoundTo { get; set; }

    /// <summary>The HubSpot portal's time zone (account details), where a Salesforce date meets a HubSpot date-time.</summary>
    public TimeZoneInfo HubSpotTimeZone { get; set; } = TimeZoneInfo.Utc;

    public SemaphoreSlim OwnersGate { get; } = new(1, 1);
    public (OwnerMap Map, DateTimeOffset At)? Owners { get; set; }
}

/// <summary>Field name → kind, per side, as the live schemas say.</summary>
public sealed record SchemaKinds(IReadOnlyDictionary<string, AbmSync.Core.Sync.FieldKind> Salesforce, IReadOnlyDictionary<string, AbmSync.Core.Sync.FieldKind> HubSpot);

using AbmSync.Core.Mapping;

namespace AbmSync.Worker.Sync;

/// <summary>
/// Everything the runner needs to know about one object pair besides its mapping file: the ids each side keeps of
/// its twin, what else the rules read, and which side may create. A new pair is a mapping file and one of these.
/// </summary>
public sealed record ObjectPair(
    string Name,
    ObjectMapping Mapping,
    string SalesforceTwinIdField,
    string HubSpotTwinIdProperty,
    IReadOnlyList<string> SalesforceRuleFields,
    bool CreateInHubSpot,
    bool CreateInSalesforce,
    TierRules? Rules)
{
    public string SalesforceObject => Mapping.SalesforceObject;
    public string HubSpotObject => Mapping.HubSpotObject;

    /// <summary>Salesforce fields every read asks for: the mapping's, the inclusion filter's, the rules' and our twin id.</summary>
    public IReadOnlyList<string> SalesforceFields =>
    [
        .. new[] { "Id", "SystemModstamp", "LastModifiedDate", "LastModifiedById" }
            .Concat(Mapping.Fields.Where(f => f.Direction != SyncDirection.None).Select(f => f.Salesforce))
            .Concat(Mapping.IncludeSalesforce.Select(c => c.Field))
            .Concat(SalesforceRuleFields)
            .Append(SalesforceTwinIdField)
            .Distinct(StringComparer.OrdinalIgnoreCase),
    ];

    /// <summary>HubSpot properties every read asks for: the mapping's, the rules' outputs and our twin id.</summary>
    public IReadOnlyList<string> HubSpotProperties =>
    [
        .. Mapping.Fields.Where(f => f.Direction != SyncDirection.None).Select(f => f.HubSpot)
            .Concat(Rules?.HubSpotProperties ?? [])
            .Append(HubSpotTwinIdProperty)
            .Distinct(StringComparer.Ordinal),
    ];
}

/// <summary>The pairs this version syncs, built from the loaded mapping files.</summary>
public static class ObjectPairs
{
    public const string Accounts = "accounts";

    public static ObjectPair For(string name, SyncConfiguration configuration) => name switch
    {
        Accounts => new ObjectPair(
            Accounts, configuration.Accounts, AbmFields.SalesforceHubSpotId, AbmFields.HubSpotSalesforceId,
            TierRules.SalesforceInputs, CreateInHubSpot: true, CreateInSalesforce: false,
            new TierRules(configuration.TierAssigner)),
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, "no such object pair"),
    };
}

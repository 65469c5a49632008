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

    /// <summary>The fields that are associations on the HubSpot side (a contact's primary company).</summary>
    public IReadOnlyList<FieldMapping> Associations => [.. Mapping.Fields.Where(f => f.Direction != SyncDirection.None && f.IsAssociation)];
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
        .. Mapping.Fields.Where(f => f.Direction != SyncDirection.None && !f.IsAssociation).Select(f => f.HubSpot)
            .Concat(Rules?.HubSpotProperties ?? [])
            .Append(HubSpotTwinIdProperty)
            .Distinct(StringComparer.Ordinal),
    ];
}

/// <summary>The pairs this version syncs, built from the loaded mapping files.</summary>
public static class ObjectPairs
{
    public const string Accounts = "accounts";
    public const string Contacts = "contacts";

    /// <summary>Every pair, parents first: a contact waits for its account's link.</summary>
    public static readonly IReadOnlyList<string> All = [Accounts, Contacts];

    public static ObjectPair For(string name, SyncConfiguration configuration) => name switch
    {
        Accounts => new ObjectPair(
            Accounts, configuration.Accounts, AbmFields.SalesforceHubSpotId, AbmFields.HubSpotSalesforceId,
            TierRules.SalesforceInputs, CreateInHubSpot: true, CreateInSalesforce: false,
            new TierRules(configuration.TierAssigner)),
        Contacts => new ObjectPair(
            Contacts, configuration.Contacts, AbmFields.SalesforceHubSpotId, AbmFields.HubSpotSalesforceId,
            [], CreateInHubSpot: true, CreateInSalesforce: false, Rules: null),
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, "no such object pair"),
    };
}

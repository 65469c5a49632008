using AbmSync.Core.Mapping;

namespace AbmSync.Worker.Sync;

/// <summary>
/// Everything the runner needs to know about one object pair besides its mapping file: the ids each side keeps of
/// its twin, what else the rules read, which side may create, and how it shares its HubSpot object with a sibling
/// pair. A new pair is a mapping file and one of these.
/// </summary>
/// <param name="Sibling">
/// The other pair over the same HubSpot object (contacts and leads both pair with HubSpot contacts): one HubSpot
/// record may be the twin of a record of each, and a record one of them links is never created by the other.
/// </param>
/// <param name="FieldsFollowSibling">
/// While the HubSpot record is also linked in the sibling pair, this pair writes only the twin ids: the fields flow
/// with the sibling's record (a lead and a contact with one email: the contact's values).
/// </param>
/// <param name="CreateInSalesforceUnderParent">
/// A HubSpot record is created in Salesforce by this pair only when its link fields resolve (a contact whose company
/// is linked to an account); one whose parent is not linked is left to the sibling (created as a lead).
/// </param>
/// <param name="CreateInSalesforceOnlyNew">
/// Only HubSpot records created after the pair's first sync are created in Salesforce: a portal's existing deals are
/// not copied into the org as opportunities a second time (deals match by linked id only, never by name).
/// </param>
/// <param name="ExcludePersonAccounts">Where the org has person accounts (<c>IsPersonAccount</c>), they do not take part.</param>
/// <param name="ReadsEngagementCounters">
/// Its HubSpot reads also ask for the contacts' engagement counters, stored as signals with each page: they ride on
/// reads the pair makes anyway.
/// </param>
/// <param name="ConvertedFrom">The lead pair whose converted leads' twins this pair's records take over (match key converted-lead).</param>
public sealed record ObjectPair(
    string Name,
    ObjectMapping Mapping,
    string SalesforceTwinIdField,
    string HubSpotTwinIdProperty,
    IReadOnlyList<string> SalesforceRuleFields,
    bool CreateInHubSpot,
    bool CreateInSalesforce,
    PairRules? Rules,
    string? Sibling = null,
    bool FieldsFollowSibling = false,
    bool CreateInSalesforceUnderParent = false,
    bool ExcludePersonAccounts = false,
    string? ConvertedFrom = null,
    bool CreateInSalesforceOnlyNew = false,
    LinkSet? LinkSet = null,
    bool ReadsEngagementCounters = false)
{
    /// <summary>The Salesforce field that says a record is a person account, in orgs that have them.</summary>
    public const string PersonAccountField = "IsPersonAccount";

    /// <summary>When a HubSpot record was created.</summary>
    public const string CreatedProperty = "createdate";

    /// <summary>On a record merged away in Salesforce: the master that absorbed it.</summary>
    public const string MasterRecordIdField = "MasterRecordId";

    /// <summary>On a HubSpot merge's result: the ids it absorbed, semicolon-separated.</summary>
    public const string HubSpotMergedIdsProperty = "hs_merged_object_ids";

    public string SalesforceObject => Mapping.SalesforceObject;

    /// <summary>Salesforce merges these objects (a loser is deleted with its MasterRecordId); opportunities it never merges.</summary>
    public bool SalesforceMergeable => SalesforceObject is "Account" or "Contact" or "Lead";

    /// <summary>
    /// HubSpot merges these: contacts and companies into a new record with a new id, deals into the primary (which keeps
    /// its id); every merged-away id then reads as the result, whose <c>hs_merged_object_ids</c> lists them.
    /// </summary>
    public bool HubSpotMergeable => HubSpotObject is "contacts" or "companies" or "deals";

    /// <summary>The fields that are associations on the HubSpot side (a contact's primary company).</summary>
    public IReadOnlyList<FieldMapping> Associations => [.. Mapping.Fields.Where(f => f.Direction != SyncDirection.None && f.IsAssociation)];
    public string HubSpotObject => Mapping.HubSpotObject;

    /// <summary>The link fields that point at another pair's records (a contact's AccountId).</summary>
    public IReadOnlyList<FieldMapping> LinkFields => [.. Mapping.Fields.Where(f => f.Transform == FieldTransform.Link && f.Direction != SyncDirection.None)];

    /// <summary>The parent a Salesforce record's write locks (its first link field's value, its account), given how to read a field.</summary>
    public string? ParentIn(Func<string, string?> field) => LinkFields.Select(f => field(f.Salesforce)).FirstOrDefault(v => v is { Length: > 0 });

    /// <summary>Salesforce fields every read asks for: the mapping's, the inclusion filter's, the rules' and our twin id.</summary>
    public IReadOnlyList<string> SalesforceFields =>
    [
        .. new[] { "Id", "SystemModstamp", "LastModifiedDate", "LastModifiedById" }
            .Concat(Mapping.Fields.Where(f => f.Direction != SyncDirection.None).Select(f => f.Salesforce))
            .Concat(Mapping.IncludeSalesforce.Select(c => c.Field))
            .Concat(SalesforceRuleFields)
            .Concat(Rules?.SalesforceInputs ?? [])
            .Concat(SalesforceMergeable ? [MasterRecordIdField] : [])
            .Append(SalesforceTwinIdField)
            .Distinct(StringComparer.OrdinalIgnoreCase),
    ];

    /// <summary>HubSpot properties every read asks for: the mapping's, the filter's, the rules' outputs, our twin id and the sibling's.</summary>
    public IReadOnlyList<string> HubSpotProperties =>
    [
        .. Mapping.Fields.Where(f => f.Direction != SyncDirection.None && !f.IsAssociation).Select(f => f.HubSpot)
            .Concat(Mapping.IncludeHubSpot.Select(c => c.Field))
            .Concat(Rules?.HubSpotProperties ?? [])
            .Append(HubSpotTwinIdProperty)
            .Concat(SiblingTwinIdProperty is { } sibling ? [sibling] : [])
            .Concat(Mapping.Fields.Any(f => f.Pipelines is { Count: > 0 }) ? [FieldMapping.PipelineProperty] : [])
            .Concat(CreateInSalesforceOnlyNew ? [CreatedProperty] : [])
            .Concat(HubSpotMergeable ? [HubSpotMergedIdsProperty] : [])
            .Concat(ReadsEngagementCounters ? EngagementReader.ContactProperties : [])
            .Distinct(StringComparer.Ordinal),
    ];

    /// <summary>The HubSpot property in which the sibling pair keeps its Salesforce id (a lead's, on a contact).</summary>
    public string? SiblingTwinIdProperty => Sibling switch
    {
        ObjectPairs.Contacts => AbmFields.HubSpotSalesforceId,
        ObjectPairs.Leads => AbmFields.HubSpotSalesforceLeadId,
        _ => null,
    };

    /// <summary>
    /// The pair without <paramref name="fields"/>: reads do not name them, the planner neither compares nor writes
    /// them. For <c>whenPresent</c> fields one of the live schemas lacks (CurrencyIsoCode in a single-currency org).
    /// </summary>
    public ObjectPair WithoutFields(IReadOnlyCollection<FieldMapping> fields) => fields.Count == 0 ? this : this with
    {
        Mapping = Mapping with { Fields = [.. Mapping.Fields.Where(f => !fields.Contains(f))] },
    };

    /// <summary>The pair with person accounts left out, for an org that has them (its describe lists IsPersonAccount).</summary>
    public ObjectPair WithoutPersonAccounts() => this with
    {
        Mapping = Mapping with
        {
            IncludeSalesforce =
            [
                .. Mapping.IncludeSalesforce,
                new InclusionCondition(PersonAccountField, InclusionOperator.Equals, ["false"], Mapping.Location),
            ],
        },
    };
}

/// <summary>
/// A record's links to many records of another pair: child records in Salesforce (an opportunity's contact roles,
/// <c>OpportunityContactRole</c> with OpportunityId and ContactId) and associations in HubSpot (a deal's contacts).
/// Only records linked in <paramref name="LinkPair"/> take part; the set is merged both ways (<see cref="Core.Sync.LinkSetPlanner"/>).
/// </summary>
/// <param name="HubSpotAssociationTypeId">The HUBSPOT_DEFINED unlabeled type from this pair's object to the other (deal → contact: 3).</param>
public sealed record LinkSet(string Name, string SalesforceObject, string ParentField, string ChildField, string HubSpotObject, int HubSpotAssociationTypeId, string LinkPair)
{
    /// <summary>The baseline's key among the record's Salesforce baselines.</summary>
    public string BaselineKey => $"{SalesforceObject}.{ChildField}";
}

/// <summary>The pairs this version syncs, built from the loaded mapping files.</summary>
public static class ObjectPairs
{
    public const string Accounts = "accounts";
    public const string Contacts = "contacts";
    public const string Leads = "leads";
    public const string Opportunities = "opportunities";

    /// <summary>
    /// Every pair, in dependency order: a contact waits for its account's link; a lead comes after the contacts, whose
    /// records its HubSpot contacts may already be (the contact's fields win) or become (a converted lead).
    /// </summary>
    public static readonly IReadOnlyList<string> All = [Accounts, Contacts, Leads, Opportunities];

    /// <summary>Not a pair: HubSpot's activities read into engagement signals, which the accounts' rules decide over.</summary>
    public const string Engagement = "engagement";

    /// <summary>What <c>sync --object all</c> runs: the activities first, so that the accounts decide over them, then every pair.</summary>
    public static readonly IReadOnlyList<string> Everything = [Engagement, .. All];

    public static ObjectPair For(string name, SyncConfiguration configuration) => name switch
    {
        Accounts => new ObjectPair(
            Accounts, configuration.Accounts, AbmFields.SalesforceHubSpotId, AbmFields.HubSpotSalesforceId,
            [], CreateInHubSpot: true, CreateInSalesforce: false, AccountRules(configuration), ExcludePersonAccounts: true),
        Contacts => new ObjectPair(
            Contacts, configuration.Contacts, AbmFields.SalesforceHubSpotId, AbmFields.HubSpotSalesforceId,
            [], CreateInHubSpot: true, CreateInSalesforce: true, Rules: PersonRules(Contacts, "contact", configuration, new BuyingRoleRules(configuration.BuyingRoleClassifier)),
            Sibling: Leads, CreateInSalesforceUnderParent: true, ExcludePersonAccounts: true, ConvertedFrom: Leads, ReadsEngagementCounters: true),
        Leads => new ObjectPair(
            Leads, configuration.Leads, AbmFields.SalesforceHubSpotId, AbmFields.HubSpotSalesforceLeadId,
            [], CreateInHubSpot: true, CreateInSalesforce: true, Rules: PersonRules(Leads, "lead", configuration, null),
            Sibling: Contacts, FieldsFollowSibling: true, ReadsEngagementCounters: true),
        Opportunities => new ObjectPair(
            Opportunities, configuration.Opportunities, AbmFields.SalesforceHubSpotId, AbmFields.HubSpotSalesforceId,
            [], CreateInHubSpot: true, CreateInSalesforce: true, Rules: OpportunityPairRules(configuration), CreateInSalesforceUnderParent: true,
            CreateInSalesforceOnlyNew: true,
            LinkSet: new LinkSet("contact roles", "OpportunityContactRole", "OpportunityId", "ContactId", "contacts", HubSpotAssociationTypeId: 3, Contacts)),
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, "no such object pair"),
    };

    /// <summary>The tiers, and where rules.yaml routes, routing first: it decides over the tiers and re-checks their caps.</summary>
    static PairRules AccountRules(SyncConfiguration configuration)
    {
        var tiers = new TierRules(configuration.TierAssigner, configuration.StageAssigner);
        return configuration.OwnerRouter is { } router ? new CombinedRules(new AccountRouting(router, tiers), tiers) : tiers;
    }

    /// <summary>A person's rules: its own (a contact's role), its match to an account, and its owner against the account's where routing is on.</summary>
    static PairRules PersonRules(string pair, string kind, SyncConfiguration configuration, PairRules? own)
    {
        var match = new PersonMatchRules(pair, configuration.Rules.Matching ?? Core.Accounts.MatchingRules.Default);
        PairRules[] parts = configuration.OwnerRouter is { } router
            ? [.. own is null ? [] : new[] { own }, match, new OwnerAlignmentRules(pair, kind, router, match.AccountOf)]
            : [.. own is null ? [] : new[] { own }, match];
        return new CombinedRules(parts);
    }

    static PairRules OpportunityPairRules(SyncConfiguration configuration)
    {
        var influence = new OpportunityRules(configuration.MarketingInfluence);
        return configuration.OwnerRouter is { } router
            ? new CombinedRules(influence, new OwnerAlignmentRules(Opportunities, "opportunity", router,
                s => s.Salesforce?.GetString("AccountId") ?? s.SalesforceWrites?.GetValueOrDefault("AccountId")))
            : influence;
    }
}
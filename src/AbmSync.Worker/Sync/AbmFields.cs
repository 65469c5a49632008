using AbmSync.Connectors.HubSpot;

namespace AbmSync.Worker.Sync;

/// <summary>
/// The fields the engine writes back: the contract between the engine, the SFDX metadata, the HubSpot setup and every
/// test (docs/architecture.md, "The fields AbmSync writes").
/// </summary>
public static class AbmFields
{
    public const string SalesforceTier = "ABM_Tier__c";
    public const string SalesforceScore = "ABM_Score__c";
    public const string SalesforceTierReason = "ABM_Tier_Reason__c";
    public const string SalesforceTierLocked = "ABM_Tier_Locked__c";
    public const string SalesforceHubSpotId = "ABM_HubSpot_Id__c";
    public const string SalesforceEngagementScore = "ABM_Engagement_Score__c";
    public const string SalesforceLastEngaged = "ABM_Last_Engaged__c";
    public const string SalesforceSurge = "ABM_Surge__c";
    public const string SalesforceCoverage = "ABM_Buying_Committee_Coverage__c";
    public const string SalesforceStage = "ABM_Stage__c";
    public const string SalesforceStalled = "ABM_Stalled__c";
    public const string SalesforceRoutingReason = "ABM_Routing_Reason__c";
    public const string SalesforceSdr = "ABM_SDR__c";
    public const string SalesforceMarketer = "ABM_Marketer__c";
    public const string SalesforceMatchedAccount = "ABM_Matched_Account__c";
    public const string SalesforceOwner = "OwnerId";

    public const string HubSpotGroup = "abm";
    public const string HubSpotSalesforceId = "abm_salesforce_id";
    public const string HubSpotSalesforceLeadId = "abm_salesforce_lead_id";
    public const string HubSpotTier = "abm_tier";
    public const string HubSpotScore = "abm_score";
    public const string HubSpotTierReason = "abm_tier_reason";
    public const string HubSpotEngagementScore = "abm_engagement_score";
    public const string HubSpotSurge = "abm_surge";
    public const string HubSpotCoverage = "abm_buying_committee_coverage";
    public const string HubSpotStage = "abm_stage";
    public const string HubSpotStalled = "abm_stalled";
    public const string HubSpotSdr = "abm_sdr_owner_id";
    public const string HubSpotMarketer = "abm_marketer_owner_id";
    public const string HubSpotOwner = "hubspot_owner_id";

    /// <summary>Salesforce Account fields that must exist (the metadata in connectors/salesforce-metadata deploys them).</summary>
    public static readonly IReadOnlyList<string> SalesforceAccountFields =
    [
        SalesforceTier, SalesforceScore, SalesforceTierReason, SalesforceRoutingReason, SalesforceTierLocked, SalesforceSdr,
        SalesforceMarketer, SalesforceEngagementScore, SalesforceCoverage, SalesforceLastEngaged, SalesforceStage,
        SalesforceStalled, SalesforceSurge, SalesforceHubSpotId, "ABM_Strategic__c",
    ];

    /// <summary>Every ABM field per Salesforce object (docs/architecture.md; connectors/salesforce-metadata deploys them).</summary>
    public static readonly IReadOnlyDictionary<string, IReadOnlyList<string>> SalesforceFields =
        new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal)
        {
            ["Account"] = SalesforceAccountFields,
            ["Contact"] = [SalesforceHubSpotId, "ABM_Buying_Role__c"],
            ["Lead"] = [SalesforceHubSpotId, SalesforceMatchedAccount],
            ["Opportunity"] = [SalesforceHubSpotId, "ABM_Marketing_Influenced__c"],
        };

    /// <summary>Salesforce Account fields the engine writes in this stage: each must be updateable by the integration user.</summary>
    public static readonly IReadOnlyList<string> SalesforceAccountWrites =
        [SalesforceTier, SalesforceScore, SalesforceTierReason, SalesforceEngagementScore, SalesforceLastEngaged, SalesforceSurge, SalesforceCoverage, SalesforceStage, SalesforceStalled, SalesforceHubSpotId,
            SalesforceRoutingReason, SalesforceSdr, SalesforceMarketer, SalesforceOwner];

    static HubSpotPropertyDefinition Text(string name, string label, string description, bool unique = false) =>
        new(name, label, "string", "text", HubSpotGroup, description, unique);

    static HubSpotPropertyDefinition Number(string name, string label, string description) =>
        new(name, label, "number", "number", HubSpotGroup, description);

    static HubSpotPropertyDefinition Flag(string name, string label, string description) =>
        new(name, label, "bool", "booleancheckbox", HubSpotGroup, description,
            Options: [new HubSpotPropertyOption("Yes", "true", 0), new HubSpotPropertyOption("No", "false", 1)]);

    static HubSpotPropertyDefinition Choice(string name, string label, string description, params string[] values) =>
        new(name, label, "enumeration", "select", HubSpotGroup, description,
            Options: [.. values.Select((v, i) => new HubSpotPropertyOption(v, v, i))]);

    /// <summary>The ABM properties per HubSpot object type (docs/architecture.md, "The fields AbmSync writes"), created by setup and at the start of every sync.</summary>
    public static readonly IReadOnlyDictionary<string, IReadOnlyList<HubSpotPropertyDefinition>> HubSpotProperties =
        new Dictionary<string, IReadOnlyList<HubSpotPropertyDefinition>>(StringComparer.Ordinal)
        {
            ["companies"] =
            [
                Text(HubSpotSalesforceId, "Salesforce Account ID", "The twin Salesforce Account's id. Set by AbmSync; the key of every upsert.", unique: true),
                Choice(HubSpotTier, "ABM tier", "Target account list tier, set by AbmSync's tiering rules (or pinned by a person in Salesforce).", "Tier 1", "Tier 2", "Tier 3"),
                Number(HubSpotScore, "ABM score", "Tier score 0-100 from ICP fit and engagement, set by AbmSync."),
                Text(HubSpotTierReason, "ABM tier reason", "Why the account has its tier: the criteria that scored. Set by AbmSync."),
                Choice(HubSpotStage, "ABM stage", "Target, Engaged, Opportunity or Customer. Set by AbmSync.", "Target", "Engaged", "Opportunity", "Customer"),
                Flag(HubSpotStalled, "ABM stalled", "No engagement and no opportunity progress for the configured days. Set by AbmSync."),
                Flag(HubSpotSurge, "ABM surge", "Engagement well above the account's usual level. Set by AbmSync."),
                Number(HubSpotEngagementScore, "ABM engagement score", "Decayed engagement of the account's contacts. Set by AbmSync."),
                Number(HubSpotCoverage, "ABM buying committee coverage", "Share of buying roles with an engaged contact, 0-100. Set by AbmSync."),
                // HubSpot-user properties: the portal shows the person and lists their accounts, as it does for the owner.
                HubSpotPropertyDefinition.Owner(HubSpotSdr, "ABM SDR", HubSpotGroup, "The account's SDR in its ABM pod. Set by AbmSync's routing."),
                HubSpotPropertyDefinition.Owner(HubSpotMarketer, "ABM marketer", HubSpotGroup, "The account's ABM marketer in its pod. Set by AbmSync's routing."),
            ],
            ["contacts"] =
            [
                Text(HubSpotSalesforceId, "Salesforce Contact ID", "The twin Salesforce Contact's id. Set by AbmSync.", unique: true),
                Text(HubSpotSalesforceLeadId, "Salesforce Lead ID", "The twin Salesforce Lead's id. Set by AbmSync.", unique: true),
                Choice("abm_buying_role", "ABM buying role", "Buying-committee role inferred from the job title. Set by AbmSync.",
                    "Economic Buyer", "Technical Evaluator", "Champion", "Procurement", "Executive Sponsor"),
            ],
            ["deals"] =
            [
                Text(HubSpotSalesforceId, "Salesforce Opportunity ID", "The twin Salesforce Opportunity's id. Set by AbmSync.", unique: true),
                Flag("abm_marketing_influenced", "ABM marketing influenced", "The account was engaged within the attribution window before the deal was created. Set by AbmSync."),
            ],
        };
}

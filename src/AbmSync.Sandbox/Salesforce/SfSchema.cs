namespace AbmSync.Sandbox.Salesforce;

/// <summary>Field types as describe names them.</summary>
public enum SfType { Id, String, Textarea, Email, Url, Phone, Picklist, Boolean, Int, Double, Currency, Percent, Date, DateTime, Reference, AnyType }

/// <summary>One field of an sObject, with the describe attributes the emulator enforces.</summary>
public sealed record SfField(string Name, string Label, SfType Type)
{
    public int Length { get; init; }
    public int Precision { get; init; }
    public int Scale { get; init; }
    public bool Nillable { get; init; } = true;
    public bool Createable { get; init; } = true;
    public bool Updateable { get; init; } = true;
    public bool ExternalId { get; init; }
    public bool Unique { get; init; }
    public bool Custom => Name.EndsWith("__c", StringComparison.Ordinal);
    public bool Calculated { get; init; }
    public bool DefaultedOnCreate { get; init; }
    /// <summary>Required on create: neither nillable nor defaulted, and written by the caller.</summary>
    public bool Required => !Nillable && !DefaultedOnCreate && Createable;
    public IReadOnlyList<string> ReferenceTo { get; init; } = [];
    public string? RelationshipName { get; init; }
    public bool RestrictedPicklist { get; init; }
    public IReadOnlyList<string> PicklistValues { get; init; } = [];
    /// <summary>The picklist value a new record takes when the caller names none; describe marks it <c>defaultValue: true</c>.</summary>
    public string? DefaultPicklistValue { get; init; }
    /// <summary>The help text the field's metadata deploys (the ABM fields'); null where there is none, as describe has it.</summary>
    public string? InlineHelpText { get; init; }
    /// <summary>Whether the store keeps a value index of the field (unique and external ids always; a duplicate rule's match field).</summary>
    public bool Indexed { get; init; }
    /// <summary>Whether WHERE may name the field; a history object's OldValue/NewValue (anyType) may not.</summary>
    public bool Filterable { get; init; } = true;

    public bool IsText => Type is SfType.Id or SfType.String or SfType.Textarea or SfType.Email or SfType.Url or SfType.Phone or SfType.Picklist or SfType.Reference;
    public bool IsNumber => Type is SfType.Int or SfType.Double or SfType.Currency or SfType.Percent;

    /// <summary>The type name SOQL error messages use ("must be of type dateTime").</summary>
    public string SoapTypeName => Type switch
    {
        SfType.Boolean => "boolean",
        SfType.Int => "integer",
        SfType.Double or SfType.Currency or SfType.Percent => "double",
        SfType.Date => "date",
        SfType.DateTime => "dateTime",
        SfType.Id or SfType.Reference => "id",
        SfType.AnyType => "anyType",
        _ => "string",
    };
}

/// <summary>One sObject type of the org.</summary>
public sealed class SfObject
{
    readonly Dictionary<string, SfField> byName;
    readonly Dictionary<string, SfField> byRelationship;
    readonly Dictionary<string, int> slots;

    public SfObject(string name, string label, string labelPlural, string keyPrefix, IReadOnlyList<SfField> fields, bool writable = true)
    {
        Name = name;
        Label = label;
        LabelPlural = labelPlural;
        KeyPrefix = keyPrefix;
        Fields = fields;
        Writable = writable;
        byName = fields.ToDictionary(f => f.Name, StringComparer.OrdinalIgnoreCase);
        byRelationship = fields.Where(f => f.RelationshipName is not null).ToDictionary(f => f.RelationshipName!, StringComparer.OrdinalIgnoreCase);
        slots = fields.Select((f, i) => (f.Name, i)).ToDictionary(x => x.Name, x => x.i, StringComparer.Ordinal);
    }

    /// <summary>The storage slot of a field by its exact API name; an unknown name is a bug in the emulator.</summary>
    public int IndexOf(string canonicalName) => slots.TryGetValue(canonicalName, out var i)
        ? i
        : throw new KeyNotFoundException($"{Name} has no field {canonicalName}.");

    public bool Has(string canonicalName) => slots.ContainsKey(canonicalName);

    public string Name { get; }
    public string Label { get; }
    public string LabelPlural { get; }
    public string KeyPrefix { get; }
    public IReadOnlyList<SfField> Fields { get; }
    /// <summary>Whether the API may create, update and delete its records (User is read-only here).</summary>
    public bool Writable { get; }
    /// <summary>
    /// The fields the org's "Track Field History" setting tracks, by API name; empty when the object is not tracked.
    /// </summary>
    public IReadOnlyList<string> TrackedFields { get; init; } = [];
    /// <summary>The {Object}History object that records changes to <see cref="TrackedFields"/>.</summary>
    public SfObject? History { get; internal set; }
    /// <summary>On a history object: the object whose changes it records.</summary>
    public SfObject? HistoryParent { get; init; }
    /// <summary>
    /// The object whose permissions govern this one, for a junction object that has none of its own:
    /// OpportunityContactRole follows Opportunity (read with read; create, edit and delete with edit).
    /// </summary>
    public string? AccessFrom { get; init; }

    public SfField? Field(string name) => byName.GetValueOrDefault(name);
    public SfField? Relationship(string name) => byRelationship.GetValueOrDefault(name);
}

/// <summary>The org's schema: the standard objects the worker uses, with the ABM custom fields (docs/architecture.md, "The fields AbmSync writes") installed.</summary>
public sealed class SfSchema
{
    readonly Dictionary<string, SfObject> objects;

    SfSchema(IEnumerable<SfObject> objects) =>
        this.objects = objects.ToDictionary(o => o.Name, StringComparer.OrdinalIgnoreCase);

    public IEnumerable<SfObject> Objects => objects.Values;
    public SfObject? Find(string name) => objects.GetValueOrDefault(name);
    public SfObject? ByPrefix(string id) => objects.Values.FirstOrDefault(o => id.StartsWith(o.KeyPrefix, StringComparison.Ordinal));

    public static readonly string[] TierValues = ["Tier 1", "Tier 2", "Tier 3"];
    public static readonly string[] StageValues = ["Target", "Engaged", "Opportunity", "Customer"];
    public static readonly string[] BuyingRoles = ["Economic Buyer", "Technical Evaluator", "Champion", "Procurement", "Executive Sponsor"];
    public static readonly string[] LeadStatuses = ["Open - Not Contacted", "Working - Contacted", "Closed - Converted", "Closed - Not Converted"];
    public static readonly string[] AccountTypes = ["Prospect", "Customer - Direct", "Customer - Channel", "Channel Partner / Reseller", "Installation Partner", "Technology Partner", "Partner", "Competitor", "Other"];
    public static readonly string[] LeadSources = ["Web", "Phone Inquiry", "Partner Referral", "Purchased List", "Other"];
    public static readonly string[] OpportunityTypes = ["Existing Customer - Upgrade", "Existing Customer - Replacement", "Existing Customer - Downgrade", "New Customer"];
    /// <summary>OpportunityContactRole.Role: the values of the standard picklist as a new org has them.</summary>
    public static readonly string[] ContactRoles = ["Business User", "Decision Maker", "Economic Buyer", "Economic Decision Maker", "Evaluator", "Executive Sponsor", "Influencer", "Technical Buyer", "Other"];

    /// <summary>
    /// The fields this org tracks, as a real org's Setup → Fields → Set History Tracking would (at most 20 an object).
    /// </summary>
    public static readonly string[] AccountTrackedFields = ["Name", "Phone", "Website", "AnnualRevenue", "NumberOfEmployees", "OwnerId", "Industry", "Type"];
    public static readonly string[] ContactTrackedFields = ["Title", "Phone", "Email", "OwnerId", "FirstName", "LastName"];

    /// <summary>The Field value of a change that created the record (the UI shows "Created.").</summary>
    public const string CreatedHistoryField = "created";

    /// <summary>
    /// DataType values the history objects use: Text for text and for the names row of a lookup change, EntityId for
    /// its ids row, DynamicEnum for picklists, Double for numbers other than currency and percent.
    /// </summary>
    public static readonly string[] HistoryDataTypes = ["Boolean", "Currency", "DateOnly", "DateTime", "Double", "DynamicEnum", "Email", "EntityId", "Percent", "Phone", "Text", "Url"];

    /// <param name="personAccounts">
    /// The org has person accounts enabled: Account and Contact carry <c>IsPersonAccount</c>. Without them the field
    /// does not exist at all, as in an org that never enabled the feature (it cannot be turned off once on).
    /// </param>
    /// <param name="currencies">
    /// The org's active currencies, corporate first; empty for a single-currency org. With multi-currency on, every
    /// object that has a currency field (here Account and Opportunity) carries <c>CurrencyIsoCode</c>; without it the
    /// field does not exist at all.
    /// </param>
    public static SfSchema Create(bool personAccounts = false, IReadOnlyList<string>? currencies = null)
    {
        currencies ??= [];
        var account = Account(personAccounts, currencies);
        var contact = Contact(personAccounts);
        account.History = HistoryObject(account, "AccountId");
        contact.History = HistoryObject(contact, "ContactId");
        return new([account, contact, Lead(), Opportunity(currencies), User(), Group(), AssignmentRule(), OpportunityStage(), account.History, contact.History, OpportunityContactRole()]);
    }

    /// <summary>The name of a record's currency in a multi-currency org (the object reference's CurrencyIsoCode).</summary>
    public const string CurrencyField = "CurrencyIsoCode";

    /// <summary>
    /// <c>CurrencyIsoCode</c> as a multi-currency org describes it: a restricted picklist (length 3) of the active
    /// currencies labelled "{Object} Currency", never null, defaulted on create to the corporate currency (the default a
    /// new user's currency takes, which is what the integration user has).
    /// </summary>
    static SfField[] CurrencyIsoCode(string objectLabel, IReadOnlyList<string> currencies) => currencies.Count == 0
        ? []
        : [Picklist(CurrencyField, $"{objectLabel} Currency", currencies, restricted: true) with
        {
            Length = 3,
            Nillable = false,
            DefaultedOnCreate = true,
            DefaultPicklistValue = currencies[0],
        }];

    /// <summary>Checks an org's currency list: ISO 4217-shaped codes (three capital letters), each once.</summary>
    public static void ValidateCurrencies(IReadOnlyList<string> currencies)
    {
        var bad = currencies.FirstOrDefault(c => c.Length != 3 || !c.All(char.IsAsciiLetterUpper));
        if (bad is not null)
        {
            throw new ArgumentException($"'{bad}' is not a currency code: use ISO 4217 codes such as USD, EUR, GBP");
        }
        if (currencies.GroupBy(c => c, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1) is { } twice)
        {
            throw new ArgumentException($"currency {twice.Key} is listed twice");
        }
    }

    /// <summary>
    /// The object a lookup's relationship path traverses to. A polymorphic lookup (Lead.Owner: Group or User) resolves
    /// its fields against User, as SOQL's polymorphic Name object offers the user fields (Name, Email, Username…);
    /// on a queue-owned lead those read the queue's values, or null where a Group has no such field.
    /// </summary>
    public SfObject? Target(SfField reference) =>
        reference.ReferenceTo.Count > 1 && reference.ReferenceTo.Contains("User", StringComparer.Ordinal)
            ? Find("User")
            : reference.ReferenceTo.Select(Find).FirstOrDefault(t => t is not null);

    /// <summary>Group.Type values (the queue is the only kind the org has; the others exist in every org's picklist).</summary>
    public static readonly string[] GroupTypes = ["Regular", "Role", "RoleAndSubordinates", "Organization", "Queue"];

    /// <summary><c>IsPersonAccount</c> on Account and Contact: read-only, set by the platform when a person account is made.</summary>
    static SfField PersonAccountFlag() => ReadOnly(Checkbox("IsPersonAccount", "Is Person Account"));

    /// <summary>
    /// The name a history row gives a tracked field. The platform does not always use the API name: an account's Name
    /// changes are recorded as TextName, and an owner change (OwnerId) as Owner.
    /// </summary>
    public static string HistoryFieldName(SfObject type, SfField field) => (type.Name, field.Name) switch
    {
        ("Account", "Name") => "TextName",
        (_, "OwnerId") => "Owner",
        _ => field.Name,
    };

    /// <summary>The DataType of a history row for a change of <paramref name="field"/> (a lookup's ids row is EntityId).</summary>
    public static string HistoryDataType(SfField field) => field.Type switch
    {
        SfType.Reference or SfType.Id => "EntityId",
        SfType.Picklist => "DynamicEnum",
        SfType.Boolean => "Boolean",
        SfType.Currency => "Currency",
        SfType.Percent => "Percent",
        SfType.Int or SfType.Double => "Double",
        SfType.Date => "DateOnly",
        SfType.DateTime => "DateTime",
        SfType.Email => "Email",
        SfType.Phone => "Phone",
        SfType.Url => "Url",
        _ => "Text",
    };

    /// <summary>
    /// {Object}History as the object reference describes StandardObjectNameHistory: read-only; Field a restricted
    /// picklist; OldValue and NewValue anyType, sortable but not filterable. All history objects share key prefix 017.
    /// </summary>
    static SfObject HistoryObject(SfObject parent, string parentIdField)
    {
        string[] events = [CreatedHistoryField, "feedEvent", "locked", "ownerAccepted", "ownerAssignment", "unlocked"];
        var fieldValues = parent.TrackedFields.Select(n => HistoryFieldName(parent, parent.Field(n)!)).Concat(events).ToArray();
        return new SfObject($"{parent.Name}History", $"{parent.Label} History", $"{parent.Label} History", "017",
        [
            Id(),
            ReadOnly(new SfField("IsDeleted", "Deleted", SfType.Boolean) { Nillable = false }),
            ReadOnly(Ref(parentIdField, $"{parent.Label} ID", parent.Name, parent.Name) with { Nillable = false }),
            ReadOnly(Ref("CreatedById", "Created By ID", "User", "CreatedBy") with { Nillable = false }),
            ReadOnly(new SfField("CreatedDate", "Created Date", SfType.DateTime) { Nillable = false }),
            ReadOnly(Picklist("Field", "Changed Field", fieldValues, restricted: true) with { Nillable = false }),
            ReadOnly(Picklist("DataType", "Data Type", HistoryDataTypes, restricted: true) with { Length = 40 }),
            ReadOnly(new SfField("OldValue", "Old Value", SfType.AnyType) { Length = 255, Filterable = false }),
            ReadOnly(new SfField("NewValue", "New Value", SfType.AnyType) { Length = 255, Filterable = false }),
        ], writable: false)
        {
            HistoryParent = parent,
        };
    }

    static SfField Id() => new("Id", "Record ID", SfType.Id) { Length = 18, Nillable = false, Createable = false, Updateable = false, DefaultedOnCreate = true };
    static SfField Text(string name, string label, int length) => new(name, label, SfType.String) { Length = length };
    static SfField Ref(string name, string label, string target, string relationship) =>
        new(name, label, SfType.Reference) { Length = 18, ReferenceTo = [target], RelationshipName = relationship };
    static SfField ReadOnly(SfField f) => f with { Createable = false, Updateable = false, DefaultedOnCreate = true };
    static SfField Picklist(string name, string label, IReadOnlyList<string> values, bool restricted = false) =>
        new(name, label, SfType.Picklist) { Length = 255, PicklistValues = values, RestrictedPicklist = restricted };
    static SfField Checkbox(string name, string label) => new(name, label, SfType.Boolean) { Nillable = false, DefaultedOnCreate = true };

    /// <summary>Fields every object carries: id, audit fields, soft delete.</summary>
    static IEnumerable<SfField> System(string objectName, bool mergeable = true)
    {
        yield return Id();
        yield return ReadOnly(new SfField("IsDeleted", "Deleted", SfType.Boolean) { Nillable = false });
        if (mergeable)
        {
            yield return ReadOnly(Ref("MasterRecordId", $"Master Record ID", objectName, "MasterRecord"));
        }
        foreach (var field in Audit())
        {
            yield return field;
        }
    }

    /// <summary>Who created and last changed a record, and when.</summary>
    static IEnumerable<SfField> Audit() =>
    [
        ReadOnly(new SfField("CreatedDate", "Created Date", SfType.DateTime) { Nillable = false }),
        ReadOnly(Ref("CreatedById", "Created By ID", "User", "CreatedBy") with { Nillable = false }),
        ReadOnly(new SfField("LastModifiedDate", "Last Modified Date", SfType.DateTime) { Nillable = false }),
        ReadOnly(Ref("LastModifiedById", "Last Modified By ID", "User", "LastModifiedBy") with { Nillable = false }),
        ReadOnly(new SfField("SystemModstamp", "System Modstamp", SfType.DateTime) { Nillable = false }),
    ];

    static SfField Owner(bool queues = false) =>
        Ref("OwnerId", "Owner ID", "User", "Owner") with { Nillable = false, DefaultedOnCreate = true, ReferenceTo = queues ? ["Group", "User"] : ["User"] };

    /// <summary>The link field; <paramref name="counterpart"/> is the HubSpot object it holds the id of.</summary>
    static SfField HubSpotId(string counterpart) => Text("ABM_HubSpot_Id__c", "ABM HubSpot Id", 32) with
    {
        ExternalId = true,
        Unique = true,
        InlineHelpText = $"Id of the matching HubSpot {counterpart}. Set by the AbmSync engine when it links the two records; do not edit, or the link breaks.",
    };

    static SfObject Account(bool personAccounts, IReadOnlyList<string> currencies) => new("Account", "Account", "Accounts", "001",
    [
        .. System("Account"),
        Text("Name", "Account Name", 255) with { Nillable = false },
        Picklist("Type", "Account Type", AccountTypes),
        Ref("ParentId", "Parent Account ID", "Account", "Parent"),
        Text("BillingCity", "Billing City", 40),
        Text("BillingCountry", "Billing Country", 80),
        new SfField("Phone", "Account Phone", SfType.Phone) { Length = 40 },
        new SfField("Website", "Website", SfType.Url) { Length = 255 },
        Picklist("Industry", "Industry", SyntheticWorld.Industries),
        new SfField("AnnualRevenue", "Annual Revenue", SfType.Currency) { Precision = 18, Scale = 0 },
        new SfField("NumberOfEmployees", "Employees", SfType.Int) { Precision = 8 },
        Owner(),
        Picklist("ABM_Tier__c", "ABM Tier", TierValues, restricted: true) with { InlineHelpText = "Tier 1 = strategic (custom plays, executive involvement); Tier 2 = target (segment programs); Tier 3 = opportunistic (always-on nurture). Empty = not on the target list. Set by the AbmSync engine; to pin a tier, tick ABM Tier Locked." },
        new SfField("ABM_Score__c", "ABM Score", SfType.Double) { Precision = 3, Scale = 0, InlineHelpText = "Fit plus engagement score from 0 to 100 that decides the ABM Tier. Set by the AbmSync engine, not by people." },
        Text("ABM_Tier_Reason__c", "ABM Tier Reason", 255) with { InlineHelpText = "Why the account has its ABM Tier: the rules that scored, a tier cap, or a lock. Set by the AbmSync engine, not by people." },
        Text("ABM_Routing_Reason__c", "ABM Routing Reason", 255) with { InlineHelpText = "Why the account has its owner, SDR and marketer: territory, pod and the routing rule that assigned them. Set by the AbmSync engine, not by people." },
        Checkbox("ABM_Tier_Locked__c", "ABM Tier Locked") with { InlineHelpText = "Tick to pin the current ABM Tier: the AbmSync engine then never changes it. Set by people (RevOps or the account team), never by the engine." },
        Checkbox("ABM_Strategic__c", "ABM Strategic") with { InlineHelpText = "Tick when leadership names this a strategic account: the ABM tiering rules count it. Set by people, never by the engine." },
        Ref("ABM_SDR__c", "ABM SDR", "User", "ABM_SDR__r") with { InlineHelpText = "The SDR in this account's ABM pod. Set by the AbmSync engine, not by people." },
        Ref("ABM_Marketer__c", "ABM Marketer", "User", "ABM_Marketer__r") with { InlineHelpText = "The ABM marketer in this account's pod. Set by the AbmSync engine, not by people." },
        new SfField("ABM_Engagement_Score__c", "ABM Engagement Score", SfType.Double) { Precision = 5, Scale = 1, InlineHelpText = "How engaged the account is lately, from its contacts' HubSpot activity, with older activity counting less. Set by the AbmSync engine, not by people." },
        new SfField("ABM_Buying_Committee_Coverage__c", "ABM Buying Committee Coverage", SfType.Percent) { Precision = 3, Scale = 0, InlineHelpText = "Percentage of buying-committee roles with at least one engaged contact at this account. Set by the AbmSync engine, not by people." },
        new SfField("ABM_Last_Engaged__c", "ABM Last Engaged", SfType.DateTime) { InlineHelpText = "When someone at this account last engaged (visit, email click, form, meeting or event). Set by the AbmSync engine, not by people." },
        Picklist("ABM_Stage__c", "ABM Stage", StageValues, restricted: true) with { InlineHelpText = "Where the account stands: Target, Engaged, Opportunity or Customer. Set by the AbmSync engine, not by people." },
        Checkbox("ABM_Stalled__c", "ABM Stalled") with { InlineHelpText = "Ticked when the account shows no engagement and no opportunity progress for the configured number of days. Set by the AbmSync engine, not by people." },
        Checkbox("ABM_Surge__c", "ABM Surge") with { InlineHelpText = "Ticked when engagement at this account suddenly rises well above its usual level. Set by the AbmSync engine, not by people." },
        HubSpotId("company"),
        .. (personAccounts ? [PersonAccountFlag()] : Array.Empty<SfField>()),
        .. CurrencyIsoCode("Account", currencies),
    ])
    {
        TrackedFields = AccountTrackedFields,
    };

    static SfObject Contact(bool personAccounts) => new("Contact", "Contact", "Contacts", "003",
    [
        .. System("Contact"),
        Ref("AccountId", "Account ID", "Account", "Account"),
        Text("LastName", "Last Name", 80) with { Nillable = false },
        Text("FirstName", "First Name", 40),
        ReadOnly(Text("Name", "Full Name", 121) with { Nillable = false }),
        Text("Title", "Title", 128),
        new SfField("Email", "Email", SfType.Email) { Length = 80, Indexed = true },
        new SfField("Phone", "Business Phone", SfType.Phone) { Length = 40 },
        Picklist("LeadSource", "Lead Source", LeadSources),
        Checkbox("HasOptedOutOfEmail", "Email Opt Out"),
        Owner(),
        HubSpotId("contact"),
        Picklist("ABM_Buying_Role__c", "ABM Buying Role", BuyingRoles) with { InlineHelpText = "The contact's role in the buying committee, inferred from the job title. Set by the AbmSync engine, not by people." },
        .. (personAccounts ? [PersonAccountFlag()] : Array.Empty<SfField>()),
    ])
    {
        TrackedFields = ContactTrackedFields,
    };

    static SfObject Lead() => new("Lead", "Lead", "Leads", "00Q",
    [
        .. System("Lead"),
        Text("LastName", "Last Name", 80) with { Nillable = false },
        Text("FirstName", "First Name", 40),
        ReadOnly(Text("Name", "Full Name", 121) with { Nillable = false }),
        Text("Title", "Title", 128),
        Text("Company", "Company", 255) with { Nillable = false },
        new SfField("Email", "Email", SfType.Email) { Length = 80, Indexed = true },
        new SfField("Phone", "Phone", SfType.Phone) { Length = 40 },
        new SfField("Website", "Website", SfType.Url) { Length = 255 },
        Picklist("Status", "Status", LeadStatuses) with { Nillable = false, DefaultedOnCreate = true },
        Picklist("LeadSource", "Lead Source", LeadSources),
        ReadOnly(Checkbox("IsConverted", "Converted")),
        ReadOnly(new SfField("ConvertedDate", "Converted Date", SfType.Date)),
        ReadOnly(Ref("ConvertedAccountId", "Converted Account ID", "Account", "ConvertedAccount")),
        ReadOnly(Ref("ConvertedContactId", "Converted Contact ID", "Contact", "ConvertedContact")),
        ReadOnly(Ref("ConvertedOpportunityId", "Converted Opportunity ID", "Opportunity", "ConvertedOpportunity")),
        Owner(queues: true),
        HubSpotId("contact"),
        Ref("ABM_Matched_Account__c", "ABM Matched Account", "Account", "ABM_Matched_Account__r") with { InlineHelpText = "The account this lead was matched to, by email domain or company name. Set by the AbmSync engine, not by people." },
    ]);

    static SfObject Opportunity(IReadOnlyList<string> currencies) => new("Opportunity", "Opportunity", "Opportunities", "006",
    [
        .. System("Opportunity", mergeable: false),
        Ref("AccountId", "Account ID", "Account", "Account"),
        Text("Name", "Name", 120) with { Nillable = false },
        Picklist("StageName", "Stage", SyntheticWorld.OpportunityStages) with { Nillable = false },
        new SfField("Amount", "Amount", SfType.Currency) { Precision = 18, Scale = 2 },
        new SfField("Probability", "Probability (%)", SfType.Percent) { Precision = 3, Scale = 0 },
        new SfField("CloseDate", "Close Date", SfType.Date) { Nillable = false },
        Picklist("Type", "Opportunity Type", OpportunityTypes),
        Picklist("LeadSource", "Lead Source", LeadSources),
        ReadOnly(Checkbox("IsClosed", "Closed")),
        ReadOnly(Checkbox("IsWon", "Won")),
        ReadOnly(Picklist("ForecastCategoryName", "Forecast Category", ["Omitted", "Pipeline", "Best Case", "Commit", "Closed"])),
        Owner(),
        HubSpotId("deal"),
        Checkbox("ABM_Marketing_Influenced__c", "ABM Marketing Influenced") with { InlineHelpText = "Ticked when the account was engaged within the attribution window before this opportunity was created. Set by the AbmSync engine, not by people." },
        .. CurrencyIsoCode("Opportunity", currencies),
    ]);

    /// <summary>
    /// OpportunityContactRole as the object reference describes it: OpportunityId required and not updateable once
    /// set, ContactId required and updateable, Role a picklist, IsPrimary a checkbox (one primary per opportunity). It
    /// has no owner and no object permissions of its own: "The API applies user access rights to the associated
    /// Opportunity for this object, but not to the associated Contact."
    /// </summary>
    static SfObject OpportunityContactRole() => new("OpportunityContactRole", "Opportunity Contact Role", "Opportunity Contact Roles", "00K",
    [
        .. System("OpportunityContactRole", mergeable: false),
        // Indexed: the platform keeps one primary per opportunity, so a save looks up the opportunity's other roles.
        Ref("OpportunityId", "Opportunity ID", "Opportunity", "Opportunity") with { Nillable = false, Updateable = false, Indexed = true },
        Ref("ContactId", "Contact ID", "Contact", "Contact") with { Nillable = false },
        Picklist("Role", "Role", ContactRoles),
        Checkbox("IsPrimary", "Primary"),
    ])
    {
        AccessFrom = "Opportunity",
    };

    static SfObject User() => new("User", "User", "Users", "005",
    [
        .. System("User", mergeable: false),
        Text("Username", "Username", 80) with { Nillable = false, Unique = true },
        Text("LastName", "Last Name", 80) with { Nillable = false },
        Text("FirstName", "First Name", 40),
        ReadOnly(Text("Name", "Full Name", 121) with { Nillable = false }),
        new SfField("Email", "Email", SfType.Email) { Length = 128, Nillable = false },
        Text("Alias", "Alias", 8) with { Nillable = false },
        Text("Title", "Title", 80),
        Checkbox("IsActive", "Active"),
    ], writable: false);

    /// <summary>
    /// Group as the object reference lists its fields (no IsDeleted: a deleted group is gone). Read-only here, like
    /// User: the org's one queue is set up, not written through the API.
    /// </summary>
    static SfObject Group() => new("Group", "Group", "Groups", "00G",
    [
        Id(),
        Text("Name", "Name", 40) with { Nillable = false },
        Text("DeveloperName", "Developer Name", 80),
        Picklist("Type", "Type", GroupTypes, restricted: true) with { Length = 40, Nillable = false },
        new SfField("Email", "Email", SfType.Email) { Length = 255 },
        Checkbox("DoesSendEmailToMembers", "Send Email to Members"),
        Checkbox("DoesIncludeBosses", "Include Bosses"),
        Ref("OwnerId", "Owner ID", "User", "Owner") with { Nillable = false },
        Ref("RelatedId", "Related ID", "User", "Related"),
        .. Audit(),
    ], writable: false);

    /// <summary>AssignmentRule (Setup → Lead Assignment Rules): which rule is active for which object. Read-only.</summary>
    static SfObject AssignmentRule() => new("AssignmentRule", "Assignment Rule", "Assignment Rules", "01Q",
    [
        Id(),
        Text("Name", "Name", 120),
        Picklist("SobjectType", "SObject Type", ["Case", "Lead"], restricted: true) with { Length = 40 },
        Checkbox("Active", "Active"),
        .. Audit(),
    ], writable: false);

    /// <summary>
    /// OpportunityStage (Setup → Opportunity Stages): one record per value of the Stage picklist, with whether it is
    /// closed and won, its default probability and forecast category, as the object reference describes it. Read-only.
    /// </summary>
    static SfObject OpportunityStage() => new("OpportunityStage", "Opportunity Stage", "Opportunity Stages", "01J",
    [
        Id(),
        Text("MasterLabel", "Master Label", 255) with { Nillable = false },
        Text("ApiName", "Api Name", 255) with { Nillable = false },
        Checkbox("IsActive", "Is Active"),
        new SfField("SortOrder", "Sort Order", SfType.Int) { Precision = 9, Scale = 0 },
        Checkbox("IsClosed", "Is Closed"),
        Checkbox("IsWon", "Is Won"),
        Picklist("ForecastCategory", "Forecast Type", ["Omitted", "Pipeline", "BestCase", "Forecast", "Closed"], restricted: true),
        Picklist("ForecastCategoryName", "Forecast Category Name", ["Omitted", "Pipeline", "Best Case", "Commit", "Closed"], restricted: true),
        new SfField("DefaultProbability", "Probability (%)", SfType.Percent) { Precision = 3, Scale = 0 },
        Text("Description", "Description", 255),
        .. Audit(),
    ], writable: false);

    /// <summary>Derived stage facts of the standard Opportunity stage picklist.</summary>
    public static (bool IsClosed, bool IsWon, int Probability, string Forecast) StageFacts(string stage) => stage switch
    {
        "Closed Won" => (true, true, 100, "Closed"),
        "Closed Lost" => (true, false, 0, "Omitted"),
        "Prospecting" => (false, false, 10, "Pipeline"),
        "Qualification" => (false, false, 10, "Pipeline"),
        "Needs Analysis" => (false, false, 20, "Pipeline"),
        "Value Proposition" => (false, false, 50, "Pipeline"),
        "Id. Decision Makers" => (false, false, 60, "Pipeline"),
        "Perception Analysis" => (false, false, 70, "Pipeline"),
        "Proposal/Price Quote" => (false, false, 75, "Pipeline"),
        "Negotiation/Review" => (false, false, 90, "Commit"),
        _ => (false, false, 10, "Pipeline"),
    };
}

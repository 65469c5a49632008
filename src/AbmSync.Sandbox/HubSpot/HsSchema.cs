using System.Text.Json.Nodes;

namespace AbmSync.Sandbox.HubSpot;

/// <summary>A property option of an enumeration property (HubSpot's <c>Option</c> schema).</summary>
internal sealed record HsOption(string Label, string Value, int DisplayOrder, bool Hidden = false);

/// <summary>One property definition, as the properties API describes it.</summary>
internal sealed class HsProperty
{
    public required string Name { get; set; }
    public required string Label { get; set; }
    public required string Type { get; set; }
    public required string FieldType { get; set; }
    public required string GroupName { get; set; }
    public string Description { get; set; } = "";
    public List<HsOption> Options { get; set; } = [];
    public int DisplayOrder { get; set; } = -1;
    public bool HasUniqueValue { get; init; }
    public bool Hidden { get; set; }
    public bool FormField { get; set; }
    public bool Calculated { get; init; }
    public bool ExternalOptions { get; init; }
    /// <summary>Where an external-options property takes its values: <c>OWNER</c> makes it a HubSpot-user (owner) property.</summary>
    public string? ReferencedObjectType { get; init; }
    public bool HubSpotDefined { get; init; }
    /// <summary>Set by HubSpot only (ids, timestamps, analytics rollups): a write is refused.</summary>
    public bool ReadOnlyValue { get; init; }
    public DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset UpdatedAt { get; set; }
    public bool Archived { get; set; }
    public DateTimeOffset? ArchivedAt { get; set; }

    public JsonObject ToJson()
    {
        var json = new JsonObject
        {
            ["name"] = Name,
            ["label"] = Label,
            ["type"] = Type,
            ["fieldType"] = FieldType,
            ["description"] = Description,
            ["groupName"] = GroupName,
            ["options"] = new JsonArray(Options.Select(o => (JsonNode)new JsonObject
            {
                ["label"] = o.Label,
                ["value"] = o.Value,
                ["displayOrder"] = o.DisplayOrder,
                ["hidden"] = o.Hidden,
            }).ToArray()),
            ["displayOrder"] = DisplayOrder,
            ["calculated"] = Calculated,
            ["externalOptions"] = ExternalOptions,
            ["hasUniqueValue"] = HasUniqueValue,
            ["hidden"] = Hidden,
            ["hubspotDefined"] = HubSpotDefined,
            ["modificationMetadata"] = new JsonObject
            {
                ["archivable"] = !HubSpotDefined,
                ["readOnlyDefinition"] = HubSpotDefined,
                ["readOnlyValue"] = ReadOnlyValue,
            },
            ["formField"] = FormField,
            ["createdAt"] = HsJson.Timestamp(CreatedAt),
            ["updatedAt"] = HsJson.Timestamp(UpdatedAt),
            ["archived"] = Archived,
        };
        if (ArchivedAt is { } archivedAt)
        {
            json["archivedAt"] = HsJson.Timestamp(archivedAt);
        }
        if (ReferencedObjectType is { } referenced)
        {
            json["referencedObjectType"] = referenced;
        }
        return json;
    }
}

/// <summary>A property group.</summary>
internal sealed class HsGroup
{
    public required string Name { get; set; }
    public required string Label { get; set; }
    public int DisplayOrder { get; set; } = -1;
    public bool Archived { get; set; }

    public JsonObject ToJson() => new()
    {
        ["name"] = Name,
        ["label"] = Label,
        ["displayOrder"] = DisplayOrder,
        ["archived"] = Archived,
    };
}

/// <summary>
/// The CRM object types the emulator serves, with their names, type ids and the default properties a fresh portal has.
/// </summary>
internal static class HsSchema
{
    public const string Companies = "companies";
    public const string Contacts = "contacts";
    public const string Deals = "deals";

    /// <summary>
    /// The portal's company currency and its additional currencies (Settings → Currencies), as account-info details
    /// answers them. A deal's <c>deal_currency_code</c> takes only these: HubSpot validates it against the portal's
    /// effective currency codes.
    /// </summary>
    public const string CompanyCurrency = "USD";
    public static readonly string[] AdditionalCurrencies = ["EUR", "GBP"];
    public static IEnumerable<string> Currencies => [CompanyCurrency, .. AdditionalCurrencies];

    /// <summary>The deal property that holds a deal's currency (the currency its amount is in).</summary>
    public const string DealCurrencyProperty = "deal_currency_code";
    public const string Calls = "calls";
    public const string Emails = "emails";
    public const string Meetings = "meetings";
    public const string Notes = "notes";

    public static readonly string[] ObjectTypes = [Companies, Contacts, Deals, Calls, Emails, Meetings, Notes];
    public static readonly string[] Activities = [Calls, Emails, Meetings, Notes];

    // Object type ids from HubSpot's "using object APIs" page; the singular names are accepted too.
    static readonly Dictionary<string, string> Aliases = new(StringComparer.OrdinalIgnoreCase)
    {
        ["companies"] = Companies, ["company"] = Companies, ["0-2"] = Companies,
        ["contacts"] = Contacts, ["contact"] = Contacts, ["0-1"] = Contacts,
        ["deals"] = Deals, ["deal"] = Deals, ["0-3"] = Deals,
        ["calls"] = Calls, ["call"] = Calls, ["0-48"] = Calls,
        ["emails"] = Emails, ["email"] = Emails, ["0-49"] = Emails,
        ["meetings"] = Meetings, ["meeting"] = Meetings, ["0-47"] = Meetings,
        ["notes"] = Notes, ["note"] = Notes, ["0-46"] = Notes,
    };

    public static string? Resolve(string objectType) => Aliases.GetValueOrDefault(objectType);

    public static string TypeId(string type) => type switch
    {
        Contacts => "0-1",
        Companies => "0-2",
        Deals => "0-3",
        Notes => "0-46",
        Meetings => "0-47",
        Calls => "0-48",
        Emails => "0-49",
        _ => type,
    };

    /// <summary>The upper-case singular HubSpot uses in messages ("Could not get some CONTACT objects").</summary>
    public static string Singular(string type) => type switch
    {
        Companies => "COMPANY",
        Contacts => "CONTACT",
        Deals => "DEAL",
        Calls => "CALL",
        Emails => "EMAIL",
        Meetings => "MEETING",
        Notes => "NOTE",
        _ => type.ToUpperInvariant(),
    };

    /// <summary>The property holding the last-modified time: contacts predate the <c>hs_</c> prefix.</summary>
    public static string ModifiedProperty(string type) => type == Contacts ? "lastmodifieddate" : "hs_lastmodifieddate";

    public static string CreatedProperty(string type) => Activities.Contains(type) ? "hs_createdate" : "createdate";

    /// <summary>Properties answered when a read names none.</summary>
    public static string[] DefaultProperties(string type) => type switch
    {
        Companies => ["createdate", "domain", "hs_lastmodifieddate", "hs_object_id", "name"],
        Contacts => ["createdate", "email", "firstname", "hs_object_id", "lastmodifieddate", "lastname"],
        Deals => ["amount", "closedate", "createdate", "dealname", "dealstage", "hs_lastmodifieddate", "hs_object_id", "pipeline"],
        _ => ["hs_createdate", "hs_lastmodifieddate", "hs_object_id", "hs_timestamp"],
    };

    /// <summary>Properties answered on every read besides the requested ones.</summary>
    public static string[] AlwaysProperties(string type) =>
        [CreatedProperty(type), ModifiedProperty(type), "hs_object_id"];

    /// <summary>
    /// HubSpot's default company industry options (the LinkedIn-derived list). Values are the upper-case enum names;
    /// labels are derived from them, which is close to but not exactly HubSpot's wording.
    /// </summary>
    public static readonly string[] Industries =
    [
        "ACCOUNTING", "AIRLINES_AVIATION", "ALTERNATIVE_DISPUTE_RESOLUTION", "ALTERNATIVE_MEDICINE", "ANIMATION",
        "APPAREL_FASHION", "ARCHITECTURE_PLANNING", "ARTS_AND_CRAFTS", "AUTOMOTIVE", "AVIATION_AEROSPACE", "BANKING",
        "BIOTECHNOLOGY", "BROADCAST_MEDIA", "BUILDING_MATERIALS", "BUSINESS_SUPPLIES_AND_EQUIPMENT", "CAPITAL_MARKETS",
        "CHEMICALS", "CIVIC_SOCIAL_ORGANIZATION", "CIVIL_ENGINEERING", "COMMERCIAL_REAL_ESTATE",
        "COMPUTER_NETWORK_SECURITY", "COMPUTER_GAMES", "COMPUTER_HARDWARE", "COMPUTER_NETWORKING", "COMPUTER_SOFTWARE",
        "INTERNET", "CONSTRUCTION", "CONSUMER_ELECTRONICS", "CONSUMER_GOODS", "CONSUMER_SERVICES", "COSMETICS", "DAIRY",
        "DEFENSE_SPACE", "DESIGN", "EDUCATION_MANAGEMENT", "E_LEARNING", "ELECTRICAL_ELECTRONIC_MANUFACTURING",
        "ENTERTAINMENT", "ENVIRONMENTAL_SERVICES", "EVENTS_SERVICES", "EXECUTIVE_OFFICE", "FACILITIES_SERVICES",
        "FARMING", "FINANCIAL_SERVICES", "FINE_ART", "FISHERY", "FOOD_BEVERAGES", "FOOD_PRODUCTION", "FUND_RAISING",
        "FURNITURE", "GAMBLING_CASINOS", "GLASS_CERAMICS_CONCRETE", "GOVERNMENT_ADMINISTRATION", "GOVERNMENT_RELATIONS",
        "GRAPHIC_DESIGN", "HEALTH_WELLNESS_AND_FITNESS", "HIGHER_EDUCATION", "HOSPITAL_HEALTH_CARE", "HOSPITALITY",
        "HUMAN_RESOURCES", "IMPORT_AND_EXPORT", "INDIVIDUAL_FAMILY_SERVICES", "INDUSTRIAL_AUTOMATION",
        "INFORMATION_SERVICES", "INFORMATION_TECHNOLOGY_AND_SERVICES", "INSURANCE", "INTERNATIONAL_AFFAIRS",
        "INTERNATIONAL_TRADE_AND_DEVELOPMENT", "INVESTMENT_BANKING", "INVESTMENT_MANAGEMENT", "JUDICIARY",
        "LAW_ENFORCEMENT", "LAW_PRACTICE", "LEGAL_SERVICES", "LEGISLATIVE_OFFICE", "LEISURE_TRAVEL_TOURISM", "LIBRARIES",
        "LOGISTICS_AND_SUPPLY_CHAIN", "LUXURY_GOODS_JEWELRY", "MACHINERY", "MANAGEMENT_CONSULTING", "MARITIME",
        "MARKET_RESEARCH", "MARKETING_AND_ADVERTISING", "MECHANICAL_OR_INDUSTRIAL_ENGINEERING", "MEDIA_PRODUCTION",
        "MEDICAL_DEVICES", "MEDICAL_PRACTICE", "MENTAL_HEALTH_CARE", "MILITARY", "MINING_METALS",
        "MOTION_PICTURES_AND_FILM", "MUSEUMS_AND_INSTITUTIONS", "MUSIC", "NANOTECHNOLOGY", "NEWSPAPERS",
        "NON_PROFIT_ORGANIZATION_MANAGEMENT", "OIL_ENERGY", "ONLINE_MEDIA", "OUTSOURCING_OFFSHORING",
        "PACKAGE_FREIGHT_DELIVERY", "PACKAGING_AND_CONTAINERS", "PAPER_FOREST_PRODUCTS", "PERFORMING_ARTS",
        "PHARMACEUTICALS", "PHILANTHROPY", "PHOTOGRAPHY", "PLASTICS", "POLITICAL_ORGANIZATION",
        "PRIMARY_SECONDARY_EDUCATION", "PRINTING", "PROFESSIONAL_TRAINING_COACHING", "PROGRAM_DEVELOPMENT",
        "PUBLIC_POLICY", "PUBLIC_RELATIONS_AND_COMMUNICATIONS", "PUBLIC_SAFETY", "PUBLISHING", "RAILROAD_MANUFACTURE",
        "RANCHING", "REAL_ESTATE", "RECREATIONAL_FACILITIES_AND_SERVICES", "RELIGIOUS_INSTITUTIONS",
        "RENEWABLES_ENVIRONMENT", "RESEARCH", "RESTAURANTS", "RETAIL", "SECURITY_AND_INVESTIGATIONS", "SEMICONDUCTORS",
        "SHIPBUILDING", "SPORTING_GOODS", "SPORTS", "STAFFING_AND_RECRUITING", "SUPERMARKETS", "TELECOMMUNICATIONS",
        "TEXTILES", "THINK_TANKS", "TOBACCO", "TRANSLATION_AND_LOCALIZATION", "TRANSPORTATION_TRUCKING_RAILROAD",
        "UTILITIES", "VENTURE_CAPITAL_PRIVATE_EQUITY", "VETERINARY", "WAREHOUSING", "WHOLESALE", "WINE_AND_SPIRITS",
        "WIRELESS", "WRITING_AND_EDITING", "MOBILE_GAMES",
    ];

    /// <summary>How the portal's users filled in HubSpot's industry for each Salesforce industry of the world.</summary>
    public static string IndustryFor(string salesforceIndustry) => salesforceIndustry switch
    {
        "Agriculture" => "FARMING",
        "Apparel" => "APPAREL_FASHION",
        "Banking" => "BANKING",
        "Biotechnology" => "BIOTECHNOLOGY",
        "Chemicals" => "CHEMICALS",
        "Communications" => "TELECOMMUNICATIONS",
        "Construction" => "CONSTRUCTION",
        "Consulting" => "MANAGEMENT_CONSULTING",
        "Education" => "EDUCATION_MANAGEMENT",
        "Electronics" => "CONSUMER_ELECTRONICS",
        "Energy" => "OIL_ENERGY",
        "Engineering" => "CIVIL_ENGINEERING",
        "Entertainment" => "ENTERTAINMENT",
        "Environmental" => "ENVIRONMENTAL_SERVICES",
        "Finance" => "FINANCIAL_SERVICES",
        "Food & Beverage" => "FOOD_BEVERAGES",
        "Government" => "GOVERNMENT_ADMINISTRATION",
        "Healthcare" => "HOSPITAL_HEALTH_CARE",
        "Hospitality" => "HOSPITALITY",
        "Insurance" => "INSURANCE",
        "Machinery" => "MACHINERY",
        "Manufacturing" => "INDUSTRIAL_AUTOMATION",
        "Media" => "ONLINE_MEDIA",
        "Not For Profit" => "NON_PROFIT_ORGANIZATION_MANAGEMENT",
        "Recreation" => "RECREATIONAL_FACILITIES_AND_SERVICES",
        "Retail" => "RETAIL",
        "Shipping" => "PACKAGE_FREIGHT_DELIVERY",
        "Technology" => "COMPUTER_SOFTWARE",
        "Telecommunications" => "TELECOMMUNICATIONS",
        "Transportation" => "TRANSPORTATION_TRUCKING_RAILROAD",
        "Utilities" => "UTILITIES",
        _ => "",
    };

    static string LabelOf(string enumValue)
    {
        var words = enumValue.Split('_', StringSplitOptions.RemoveEmptyEntries)
            .Select(w => w.Length <= 1 ? w : w[0] + w[1..].ToLowerInvariant());
        return string.Join(' ', words);
    }

    /// <summary>The groups and properties a fresh portal has for one object type: HubSpot's defaults, no ABM ones.</summary>
    public static (List<HsGroup> Groups, List<HsProperty> Properties) Defaults(string type, DateTimeOffset createdAt)
    {
        var groups = new List<HsGroup>();
        var props = new List<HsProperty>();
        var order = 0;

        void Group(string name, string label) => groups.Add(new HsGroup { Name = name, Label = label, DisplayOrder = groups.Count });

        void Prop(string name, string label, string propType, string fieldType, string group, bool readOnly = false,
            IEnumerable<HsOption>? options = null, bool calculated = false, bool external = false, bool hidden = false)
        {
            props.Add(new HsProperty
            {
                Name = name,
                Label = label,
                Type = propType,
                FieldType = fieldType,
                GroupName = group,
                Options = options?.ToList() ?? [],
                DisplayOrder = order++,
                ReadOnlyValue = readOnly,
                Calculated = calculated,
                ExternalOptions = external,
                ReferencedObjectType = external ? "OWNER" : null,
                Hidden = hidden,
                FormField = !readOnly && propType != "datetime",
                HubSpotDefined = true,
                CreatedAt = createdAt,
                UpdatedAt = createdAt,
            });
        }

        IEnumerable<HsOption> Opts(params (string Value, string Label)[] values) =>
            values.Select((v, i) => new HsOption(v.Label, v.Value, i));

        var lifecycle = Opts(("subscriber", "Subscriber"), ("lead", "Lead"), ("marketingqualifiedlead", "Marketing Qualified Lead"),
            ("salesqualifiedlead", "Sales Qualified Lead"), ("opportunity", "Opportunity"), ("customer", "Customer"),
            ("evangelist", "Evangelist"), ("other", "Other"));

        // Companies and contacts have the same web analytics properties.
        void WebAnalytics()
        {
            Prop("hs_analytics_num_page_views", "Number of Pageviews", "number", "number", "analyticsinformation", readOnly: true);
            Prop("hs_analytics_num_visits", "Number of Sessions", "number", "number", "analyticsinformation", readOnly: true);
            Prop("hs_analytics_last_visit_timestamp", "Time of Last Session", "datetime", "date", "analyticsinformation", readOnly: true);
        }

        var trueFalse = Opts(("true", "True"), ("false", "False"));

        switch (type)
        {
            case Companies:
                Group("companyinformation", "Company information");
                Group("company_activity", "Company activity");
                Group("analyticsinformation", "Web analytics history");
                Group("salesforceinformation", "Salesforce information");
                Prop("name", "Company name", "string", "text", "companyinformation");
                Prop("domain", "Company Domain Name", "string", "text", "companyinformation");
                Prop("website", "Website URL", "string", "text", "companyinformation");
                Prop("industry", "Industry", "enumeration", "select", "companyinformation",
                    options: Industries.Select((v, i) => new HsOption(LabelOf(v), v, i)));
                Prop("numberofemployees", "Number of Employees", "number", "number", "companyinformation");
                Prop("annualrevenue", "Annual Revenue", "number", "number", "companyinformation");
                Prop("country", "Country/Region", "string", "text", "companyinformation");
                Prop("city", "City", "string", "text", "companyinformation");
                Prop("state", "State/Region", "string", "text", "companyinformation");
                Prop("phone", "Phone Number", "string", "phonenumber", "companyinformation");
                Prop("description", "Description", "string", "textarea", "companyinformation");
                Prop("type", "Type", "enumeration", "select", "companyinformation",
                    options: Opts(("PROSPECT", "Prospect"), ("PARTNER", "Partner"), ("RESELLER", "Reseller"), ("VENDOR", "Vendor"), ("OTHER", "Other")));
                Prop("lifecyclestage", "Lifecycle Stage", "enumeration", "radio", "companyinformation", options: lifecycle);
                Prop("hubspot_owner_id", "Company owner", "enumeration", "select", "companyinformation", external: true);
                Prop("hs_parent_company_id", "Parent Company", "number", "number", "companyinformation", readOnly: true);
                Prop("num_associated_contacts", "Number of Associated Contacts", "number", "number", "companyinformation", readOnly: true, calculated: true);
                Prop("num_associated_deals", "Number of Associated Deals", "number", "number", "companyinformation", readOnly: true, calculated: true);
                Prop("notes_last_updated", "Last Activity Date", "datetime", "date", "company_activity", readOnly: true);
                Prop("notes_last_contacted", "Last Contacted", "datetime", "date", "company_activity", readOnly: true);
                Prop("hs_last_sales_activity_timestamp", "Last Engagement Date", "datetime", "date", "company_activity", readOnly: true);
                Prop("hs_last_booked_meeting_date", "Last Booked Meeting Date", "datetime", "date", "company_activity", readOnly: true);
                Prop("hs_last_logged_call_date", "Last Logged Call Date", "datetime", "date", "company_activity", readOnly: true);
                WebAnalytics();
                break;
            case Contacts:
                Group("contactinformation", "Contact information");
                Group("emailinformation", "Email information");
                Group("conversioninformation", "Conversion information");
                Group("analyticsinformation", "Web analytics history");
                Group("sales_properties", "Sales properties");
                Group("salesforceinformation", "Salesforce information");
                Prop("email", "Email", "string", "text", "contactinformation");
                Prop("firstname", "First Name", "string", "text", "contactinformation");
                Prop("lastname", "Last Name", "string", "text", "contactinformation");
                Prop("jobtitle", "Job Title", "string", "text", "contactinformation");
                Prop("company", "Company Name", "string", "text", "contactinformation");
                Prop("phone", "Phone Number", "string", "phonenumber", "contactinformation");
                Prop("website", "Website URL", "string", "text", "contactinformation");
                Prop("city", "City", "string", "text", "contactinformation");
                Prop("country", "Country/Region", "string", "text", "contactinformation");
                Prop("lifecyclestage", "Lifecycle Stage", "enumeration", "radio", "contactinformation", options: lifecycle);
                Prop("hs_lead_status", "Lead Status", "enumeration", "radio", "sales_properties",
                    options: Opts(("NEW", "New"), ("OPEN", "Open"), ("IN_PROGRESS", "In Progress"), ("OPEN_DEAL", "Open Deal"),
                        ("UNQUALIFIED", "Unqualified"), ("ATTEMPTED_TO_CONTACT", "Attempted to Contact"), ("CONNECTED", "Connected"),
                        ("BAD_TIMING", "Bad Timing")));
                Prop("associatedcompanyid", "Primary Associated Company ID", "number", "number", "contactinformation");
                Prop("hubspot_owner_id", "Contact owner", "enumeration", "select", "sales_properties", external: true);
                Prop("hs_email_last_open_date", "Last marketing email open date", "datetime", "date", "emailinformation", readOnly: true);
                Prop("hs_email_last_click_date", "Last marketing email click date", "datetime", "date", "emailinformation", readOnly: true);
                Prop("hs_email_last_send_date", "Last marketing email send date", "datetime", "date", "emailinformation", readOnly: true);
                Prop("hs_email_open", "Marketing emails opened", "number", "number", "emailinformation", readOnly: true);
                Prop("hs_email_click", "Marketing emails clicked", "number", "number", "emailinformation", readOnly: true);
                Prop("hs_last_sales_activity_timestamp", "Last Engagement Date", "datetime", "date", "sales_properties", readOnly: true);
                Prop("notes_last_updated", "Last Activity Date", "datetime", "date", "sales_properties", readOnly: true);
                Prop("notes_last_contacted", "Last Contacted", "datetime", "date", "sales_properties", readOnly: true);
                Prop("num_conversion_events", "Number of Form Submissions", "number", "number", "conversioninformation", readOnly: true);
                Prop("num_unique_conversion_events", "Number of Unique Forms Submitted", "number", "number", "conversioninformation", readOnly: true);
                Prop("recent_conversion_date", "Recent Conversion Date", "datetime", "date", "conversioninformation", readOnly: true);
                Prop("recent_conversion_event_name", "Recent Conversion", "string", "text", "conversioninformation", readOnly: true);
                Prop("first_conversion_date", "First Conversion Date", "datetime", "date", "conversioninformation", readOnly: true);
                WebAnalytics();
                Prop("hs_lastmodifieddate", "Object last modified date/time", "datetime", "date", "contactinformation", readOnly: true, hidden: true);
                break;
            case Deals:
                Group("dealinformation", "Deal information");
                Group("deal_activity", "Deal activity");
                Group("salesforceinformation", "Salesforce information");
                Prop("dealname", "Deal Name", "string", "text", "dealinformation");
                Prop("amount", "Amount", "number", "number", "dealinformation");
                // The stage property offers every pipeline's stages; which of them a deal may take depends on its pipeline.
                Prop("dealstage", "Deal Stage", "enumeration", "radio", "dealinformation",
                    options: HsPipelines.Deals.SelectMany(p => p.Stages).Select((s, i) => new HsOption(s.Label, s.Id, i)));
                Prop("pipeline", "Pipeline", "enumeration", "select", "dealinformation",
                    options: HsPipelines.Deals.Select(p => new HsOption(p.Label, p.Id, p.DisplayOrder)));
                Prop("closedate", "Close Date", "datetime", "date", "dealinformation");
                Prop("dealtype", "Deal Type", "enumeration", "radio", "dealinformation",
                    options: Opts(("newbusiness", "New Business"), ("existingbusiness", "Existing Business")));
                Prop("description", "Deal Description", "string", "textarea", "dealinformation");
                Prop("hubspot_owner_id", "Deal owner", "enumeration", "select", "dealinformation", external: true);
                Prop("hs_is_closed", "Is Deal Closed?", "bool", "booleancheckbox", "dealinformation", readOnly: true, calculated: true,
                    options: trueFalse);
                Prop("hs_is_closed_won", "Is Closed Won", "bool", "booleancheckbox", "dealinformation", readOnly: true, calculated: true,
                    options: trueFalse);
                Prop("notes_last_updated", "Last Activity Date", "datetime", "date", "deal_activity", readOnly: true);
                Prop("hs_latest_marketing_email_open_date", "Latest marketing email open date", "datetime", "date", "deal_activity", readOnly: true);
                // Listed last so that the other properties keep their display order. Labels are the codes themselves:
                // HubSpot's own option labels are not confirmed here.
                Prop(DealCurrencyProperty, "Currency", "enumeration", "select", "dealinformation",
                    options: Currencies.Select((c, i) => new HsOption(c, c, i)));
                break;
            default:
                Group("engagement", "Engagement");
                Prop("hs_timestamp", "Activity date", "datetime", "date", "engagement");
                Prop("hubspot_owner_id", "Activity assigned to", "enumeration", "select", "engagement", external: true);
                switch (type)
                {
                    case Calls:
                        Prop("hs_call_title", "Call Title", "string", "text", "engagement");
                        Prop("hs_call_direction", "Call direction", "enumeration", "select", "engagement",
                            options: Opts(("INBOUND", "Inbound"), ("OUTBOUND", "Outbound")));
                        Prop("hs_call_duration", "Call duration", "number", "number", "engagement");
                        Prop("hs_call_status", "Call status", "enumeration", "select", "engagement",
                            options: Opts(("COMPLETED", "Completed"), ("NO_ANSWER", "No answer"), ("BUSY", "Busy"), ("FAILED", "Failed")));
                        Prop("hs_call_body", "Call notes", "string", "html", "engagement");
                        break;
                    case Emails:
                        Prop("hs_email_subject", "Email subject", "string", "text", "engagement");
                        Prop("hs_email_direction", "Email direction", "enumeration", "select", "engagement",
                            options: Opts(("EMAIL", "Sent by owner"), ("INCOMING_EMAIL", "Reply from contact"), ("FORWARDED_EMAIL", "Forwarded")));
                        Prop("hs_email_text", "Email body", "string", "textarea", "engagement");
                        Prop("hs_email_status", "Email send status", "enumeration", "select", "engagement",
                            options: Opts(("SENT", "Sent"), ("BOUNCED", "Bounced"), ("FAILED", "Failed"), ("SCHEDULED", "Scheduled"), ("SENDING", "Sending")));
                        break;
                    case Meetings:
                        Prop("hs_meeting_title", "Meeting name", "string", "text", "engagement");
                        Prop("hs_meeting_start_time", "Meeting start time", "datetime", "date", "engagement");
                        Prop("hs_meeting_end_time", "Meeting end time", "datetime", "date", "engagement");
                        Prop("hs_meeting_outcome", "Meeting outcome", "enumeration", "select", "engagement",
                            options: Opts(("SCHEDULED", "Scheduled"), ("COMPLETED", "Completed"), ("RESCHEDULED", "Rescheduled"),
                                ("NO_SHOW", "No show"), ("CANCELED", "Canceled")));
                        Prop("hs_meeting_body", "Meeting description", "string", "html", "engagement");
                        break;
                    case Notes:
                        Prop("hs_note_body", "Note body", "string", "html", "engagement");
                        break;
                }
                break;
        }

        var main = groups[0].Name;
        Prop(CreatedProperty(type), "Create Date", "datetime", "date", main, readOnly: true);
        if (type == Contacts)
        {
            Prop("lastmodifieddate", "Last Modified Date", "datetime", "date", main, readOnly: true);
        }
        else
        {
            Prop("hs_lastmodifieddate", "Last Modified Date", "datetime", "date", main, readOnly: true);
        }
        Prop("hs_object_id", "Record ID", "number", "number", main, readOnly: true);
        if (!Activities.Contains(type))
        {
            Prop("hs_merged_object_ids", "Merged Record IDs", "enumeration", "checkbox", main, readOnly: true, calculated: true);
        }
        return (groups, props);
    }
}

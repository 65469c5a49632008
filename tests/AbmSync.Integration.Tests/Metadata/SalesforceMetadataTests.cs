using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using System.Xml.Linq;

namespace AbmSync.Integration.Tests.Metadata;

/// <summary>
/// The deployable SFDX metadata in connectors/salesforce-metadata against the field contract of docs/architecture.md and against the
/// Salesforce sandbox's describe, which plays an org where that metadata is deployed.
/// </summary>
public sealed partial class SalesforceMetadataTests(SandboxDescribeFixture org) : IClassFixture<SandboxDescribeFixture>
{
    static readonly XNamespace Ns = MetadataSource.Ns;

    /// <summary>The only field a person sets; every other ABM field is the engine's.</summary>
    const string TierLock = "Account.ABM_Tier_Locked__c";

    /// <summary>The fields only people set (the tier lock, the strategic flag): the engine reads them and never writes them.</summary>
    static readonly string[] SetByPeople = [TierLock, "Account.ABM_Strategic__c"];

    /// <summary>Metadata field type → the type describe reports for it.</summary>
    static readonly Dictionary<string, string> DescribeType = new(StringComparer.Ordinal)
    {
        ["Text"] = "string",
        ["Number"] = "double",
        ["Percent"] = "percent",
        ["Checkbox"] = "boolean",
        ["DateTime"] = "datetime",
        ["Picklist"] = "picklist",
        ["Lookup"] = "reference",
    };

    sealed record Contract(string Object, string Name, string Type)
    {
        public int? Length { get; init; }
        public int? Precision { get; init; }
        public int? Scale { get; init; }
        public string[] Values { get; init; } = [];
        public bool Restricted { get; init; }
        public string? ReferenceTo { get; init; }
        public bool ExternalIdUnique { get; init; }
    }

    static Contract HubSpotId(string sobject) => new(sobject, "ABM_HubSpot_Id__c", "Text") { Length = 32, ExternalIdUnique = true };

    /// <summary>The field contract of docs/architecture.md ("The fields AbmSync writes"), transcribed: the test fails when the metadata drifts from it.</summary>
    static readonly Contract[] Design =
    [
        new("Account", "ABM_Tier__c", "Picklist") { Values = ["Tier 1", "Tier 2", "Tier 3"], Restricted = true },
        new("Account", "ABM_Score__c", "Number") { Precision = 3, Scale = 0 },
        new("Account", "ABM_Tier_Reason__c", "Text") { Length = 255 },
        new("Account", "ABM_Routing_Reason__c", "Text") { Length = 255 },
        new("Account", "ABM_Tier_Locked__c", "Checkbox"),
        new("Account", "ABM_Strategic__c", "Checkbox"),
        new("Account", "ABM_SDR__c", "Lookup") { ReferenceTo = "User" },
        new("Account", "ABM_Marketer__c", "Lookup") { ReferenceTo = "User" },
        new("Account", "ABM_Engagement_Score__c", "Number") { Precision = 5, Scale = 1 },
        new("Account", "ABM_Buying_Committee_Coverage__c", "Percent") { Precision = 3, Scale = 0 },
        new("Account", "ABM_Last_Engaged__c", "DateTime"),
        new("Account", "ABM_Stage__c", "Picklist") { Values = ["Target", "Engaged", "Opportunity", "Customer"], Restricted = true },
        new("Account", "ABM_Stalled__c", "Checkbox"),
        new("Account", "ABM_Surge__c", "Checkbox"),
        HubSpotId("Account"),
        HubSpotId("Contact"),
        new("Contact", "ABM_Buying_Role__c", "Picklist") { Values = ["Economic Buyer", "Technical Evaluator", "Champion", "Procurement", "Executive Sponsor"] },
        HubSpotId("Lead"),
        new("Lead", "ABM_Matched_Account__c", "Lookup") { ReferenceTo = "Account" },
        HubSpotId("Opportunity"),
        new("Opportunity", "ABM_Marketing_Influenced__c", "Checkbox"),
    ];

    public static TheoryData<string, string> FieldFiles()
    {
        var data = new TheoryData<string, string>();
        foreach (var f in MetadataSource.Fields)
        {
            data.Add(f.Object, f.FullName);
        }
        return data;
    }

    public static TheoryData<string> Objects() => new(SandboxDescribeFixture.Objects);

    static FieldFile File(string sobject, string name) =>
        MetadataSource.Fields.Single(f => f.Object == sobject && f.FullName == name);

    [Fact]
    public void FieldFiles_AreExactlyTheDesignContract()
    {
        Assert.Equal(
            Design.Select(c => $"{c.Object}.{c.Name}").Order(StringComparer.Ordinal),
            MetadataSource.Fields.Select(f => f.ToString()).Order(StringComparer.Ordinal));

        foreach (var c in Design)
        {
            var file = File(c.Object, c.Name);
            Assert.True(c.Type == file.Type, $"{file}: type {file.Type}, the contract says {c.Type}");
            Assert.True(c.Length == file.Int("length"), $"{file}: length {file.Int("length")}, the contract says {c.Length}");
            Assert.True(c.Precision == file.Int("precision"), $"{file}: precision {file.Int("precision")}, the contract says {c.Precision}");
            Assert.True(c.Scale == file.Int("scale"), $"{file}: scale {file.Int("scale")}, the contract says {c.Scale}");
            Assert.Equal(c.Values, file.PicklistValues.Select(v => v.Element(Ns + "fullName")!.Value));
            Assert.True(c.Restricted == file.RestrictedPicklist, $"{file}: restricted {file.RestrictedPicklist}, the contract says {c.Restricted}");
            Assert.True(c.ReferenceTo == file.Value("referenceTo"), $"{file}: references {file.Value("referenceTo")}, the contract says {c.ReferenceTo}");
            Assert.True(c.ExternalIdUnique == file.Flag("externalId"), $"{file}: externalId {file.Flag("externalId")}");
            Assert.True(c.ExternalIdUnique == file.Flag("unique"), $"{file}: unique {file.Flag("unique")}");
            if (c.ExternalIdUnique)
            {
                // A case-insensitive key: HubSpot ids are digits, and an upsert must not split on case anyway.
                Assert.Equal("false", file.Value("caseSensitive"));
            }
        }
    }

    [Theory]
    [MemberData(nameof(FieldFiles))]
    public void FieldFile_MatchesSandboxDescribe(string sobject, string name)
    {
        var file = File(sobject, name);
        var field = org.Field(sobject, name);
        Assert.True(field is not null, $"the sandbox's {sobject} describe has no field {name}");

        Assert.Equal(DescribeType[file.Type], Str(field, "type"));
        Assert.Equal(file.Value("label"), Str(field, "label"));
        Assert.True(Bool(field, "custom"), $"{file}: describe says custom=false");
        Assert.Equal(file.Flag("externalId"), Bool(field, "externalId"));
        Assert.Equal(file.Flag("unique"), Bool(field, "unique"));
        Assert.Equal(file.Flag("caseSensitive"), Bool(field, "caseSensitive"));

        switch (file.Type)
        {
            case "Text":
                Assert.Equal(file.Int("length"), Int(field, "length"));
                break;
            case "Number" or "Percent":
                Assert.Equal(file.Int("precision"), Int(field, "precision"));
                Assert.Equal(file.Int("scale"), Int(field, "scale"));
                break;
            case "Picklist":
                var values = field["picklistValues"]!.AsArray().Select(v => v!.AsObject()).ToList();
                Assert.Equal(file.PicklistValues.Select(v => v.Element(Ns + "fullName")!.Value), values.Select(v => Str(v, "value")));
                Assert.Equal(file.PicklistValues.Select(v => v.Element(Ns + "label")!.Value), values.Select(v => Str(v, "label")));
                Assert.Equal(file.RestrictedPicklist, Bool(field, "restrictedPicklist"));
                break;
            case "Lookup":
                Assert.Equal([file.Value("referenceTo")!], field["referenceTo"]!.AsArray().Select(r => r!.GetValue<string>()));
                // Describe names the child-to-parent relationship after the field, not after the metadata's
                // relationshipName (that one names the parent's related list).
                Assert.Equal(name[..^"__c".Length] + "__r", Str(field, "relationshipName"));
                break;
            case "Checkbox":
                Assert.Equal(file.Flag("defaultValue"), field["defaultValue"]!.GetValue<bool>());
                Assert.False(Bool(field, "nillable"), $"{file}: a checkbox is never null");
                break;
            case "DateTime":
                break;
            default:
                Assert.Fail($"{file}: no describe mapping for type {file.Type}");
                break;
        }
    }

    [Theory]
    [MemberData(nameof(Objects))]
    public void EveryAbmFieldTheSandboxDescribes_HasAFieldFile(string sobject)
    {
        var described = org.Fields(sobject)
            .Select(f => Str(f, "name"))
            .Where(n => n.StartsWith("ABM_", StringComparison.Ordinal) && n.EndsWith("__c", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal);
        var files = MetadataSource.Fields.Where(f => f.Object == sobject).Select(f => f.FullName).Order(StringComparer.Ordinal);
        Assert.Equal(described, files);
    }

    [Theory]
    [MemberData(nameof(FieldFiles))]
    public void FieldFile_IsDeployableAndSaysWhoSetsIt(string sobject, string name)
    {
        var file = File(sobject, name);
        Assert.Equal(Ns + "CustomField", file.Root.Name);
        Assert.Equal($"{name}.field-meta.xml", Path.GetFileName(file.Path));
        Assert.Matches(ApiName(), name);

        // The Metadata API reads these elements in schema order (fullName, then alphabetical) and rejects a file
        // whose elements are out of order ("invalid at this location").
        var elements = file.Root.Elements().Select(e => e.Name.LocalName).ToList();
        Assert.Equal("fullName", elements[0]);
        Assert.Equal(elements.Skip(1).Order(StringComparer.Ordinal), elements.Skip(1));
        Assert.Equal(elements.Count, elements.Distinct().Count());

        var label = file.Value("label");
        Assert.False(string.IsNullOrWhiteSpace(label), $"{file}: no label");
        Assert.InRange(label!.Length, 1, 40);
        Assert.InRange(file.Value("description")?.Length ?? 0, 20, 1000);
        var help = file.Value("inlineHelpText") ?? "";
        Assert.InRange(help.Length, 20, 510);
        var who = $"{file} help text must say who sets it";
        if (SetByPeople.Contains($"{sobject}.{name}"))
        {
            Assert.True(help.Contains("people", StringComparison.OrdinalIgnoreCase), who);
        }
        else
        {
            Assert.True(help.Contains("AbmSync engine", StringComparison.Ordinal), who);
        }

        // Required fields cannot be granted in a permission set; an ABM field is never required.
        Assert.False(file.Flag("required"), $"{file} is required");

        if (file.Type == "Lookup")
        {
            Assert.Equal("SetNull", file.Value("deleteConstraint"));
            Assert.Matches(ApiName(), file.Value("relationshipName") ?? "");
            Assert.False(string.IsNullOrWhiteSpace(file.Value("relationshipLabel")), $"{file}: no relationshipLabel");
        }
        if (file.Type == "Checkbox")
        {
            Assert.Equal("false", file.Value("defaultValue"));
        }
        foreach (var value in file.PicklistValues)
        {
            Assert.Equal(["fullName", "default", "label"], value.Elements().Select(e => e.Name.LocalName));
            Assert.Equal("false", value.Element(Ns + "default")!.Value);
        }
    }

    [Fact]
    public void RelationshipNames_AreUniquePerParent()
    {
        var lookups = MetadataSource.Fields.Where(f => f.Type == "Lookup").ToList();
        Assert.NotEmpty(lookups);
        Assert.All(lookups.GroupBy(f => f.Value("referenceTo")), parent =>
            Assert.Equal(parent.Count(), parent.Select(f => f.Value("relationshipName")).Distinct(StringComparer.OrdinalIgnoreCase).Count()));
    }

    /// <summary>What the engine writes on each object beyond the ABM fields (required fields such as LastName follow the object).</summary>
    static readonly string[] StandardEdits =
    [
        "Contact.FirstName", "Contact.Title", "Contact.Phone", "Contact.Email", "Contact.AccountId",
        "Lead.FirstName", "Lead.Email", "Lead.Phone", "Lead.Title",
        "Opportunity.AccountId", "Opportunity.Amount",
    ];

    [Fact]
    public void PermissionSet_EditsEveryEngineField_AndOnlyReadsTheTierLock()
    {
        var set = MetadataSource.Load("permissionsets", "ABM_Integration.permissionset-meta.xml");
        Assert.Equal(Ns + "PermissionSet", set.Name);
        Assert.False(string.IsNullOrWhiteSpace(set.Element(Ns + "label")?.Value));
        Assert.InRange(set.Element(Ns + "description")?.Value.Length ?? 0, 1, 255);

        var grants = set.Elements(Ns + "fieldPermissions").ToDictionary(
            p => p.Element(Ns + "field")!.Value,
            p => (Readable: p.Element(Ns + "readable")!.Value == "true", Editable: p.Element(Ns + "editable")!.Value == "true"),
            StringComparer.Ordinal);
        Assert.All(SetByPeople, f => Assert.Equal((true, false), grants[f]));
        Assert.All(MetadataSource.Fields.Select(f => f.ToString()).Where(f => !SetByPeople.Contains(f)),
            f => Assert.True(grants.GetValueOrDefault(f) == (true, true), $"{f} is not read+edit"));
        Assert.All(StandardEdits, f => Assert.True(grants.GetValueOrDefault(f) == (true, true), $"{f} is not read+edit"));

        // A real deploy refuses fieldPermissions on a field the object lacks, on a required field (its access follows
        // the object's), and edit on a field nobody can write.
        var schema = AbmSync.Sandbox.Salesforce.SfSchema.Create();
        Assert.All(grants, g =>
        {
            var (objectName, fieldName) = (g.Key.Split('.')[0], g.Key.Split('.')[1]);
            var type = schema.Find(objectName);
            var field = type?.Field(fieldName);
            Assert.True(field is not null, $"{g.Key}: no such field");
            Assert.True(AbmSync.Sandbox.Salesforce.UserAccess.Governed(type!, field), $"{g.Key} is required or read-only: it cannot be in fieldPermissions");
            Assert.True(g.Value.Readable, $"{g.Key}: edit without read");
        });

        var objects = set.Elements(Ns + "objectPermissions").ToDictionary(p => p.Element(Ns + "object")!.Value, StringComparer.Ordinal);
        Assert.Equal(SandboxDescribeFixture.Objects.Order(StringComparer.Ordinal), objects.Keys.Order(StringComparer.Ordinal));
        Assert.All(objects, o =>
        {
            var p = o.Value;
            Assert.Equal("true", p.Element(Ns + "allowRead")!.Value);
            Assert.Equal("true", p.Element(Ns + "allowEdit")!.Value);
            // The engine creates contacts, leads and opportunities from HubSpot; accounts are created by people.
            Assert.Equal(o.Key is "Contact" or "Lead" or "Opportunity" ? "true" : "false", p.Element(Ns + "allowCreate")!.Value);
            Assert.Equal("false", p.Element(Ns + "allowDelete")!.Value);
            // Modify All would need delete; the integration user never deletes.
            Assert.Equal("false", p.Element(Ns + "modifyAllRecords")!.Value);
        });

        var system = set.Elements(Ns + "userPermissions")
            .Where(p => p.Element(Ns + "enabled")!.Value == "true")
            .Select(p => p.Element(Ns + "name")!.Value);
        // API access, read access to every user (owners, SDRs and marketers are matched by email), and the transfer of
        // accounts, contacts, opportunities and leads that routing's owner assignment is.
        Assert.Equal(["ApiEnabled", "TransferAnyEntity", "TransferAnyLead", "ViewAllUsers"], system.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void IntegrationDescribe_LetsTheEngineWriteAccountName()
    {
        // The engine syncs Name both ways; Name is required, so the object's edit grant is what opens it.
        Assert.True(Bool(org.Field("Account", "Name")!, "updateable"));
        Assert.False(Bool(org.Field("Account", "ABM_Tier_Locked__c")!, "updateable"));
    }

    [Fact]
    public void AccountLayout_IsNewMetadata_AndGroupsTheAbmFieldsTheOrgHas()
    {
        var layouts = Directory.GetFiles(Path.Combine(MetadataSource.DefaultDirectory, "layouts")).Select(Path.GetFileName).ToList();
        Assert.Equal(["Account-ABM Account Layout.layout-meta.xml"], layouts);

        var layout = MetadataSource.Load("layouts", "Account-ABM Account Layout.layout-meta.xml");
        Assert.Equal(Ns + "Layout", layout.Name);
        var fields = layout.Descendants(Ns + "layoutItems").Select(i => i.Element(Ns + "field")!.Value).ToList();
        Assert.Equal(fields.Count, fields.Distinct().Count());
        Assert.All(fields, f => Assert.True(org.Field("Account", f) is not null, $"the layout names {f}, which Account does not have"));
        Assert.Contains("Name", fields);

        var abm = layout.Elements(Ns + "layoutSections").Single(s => s.Element(Ns + "label")?.Value == "ABM");
        var together = abm.Descendants(Ns + "field").Select(f => f.Value).ToHashSet(StringComparer.Ordinal);
        string[] expected =
        [
            "ABM_Tier__c", "ABM_Score__c", "ABM_Tier_Reason__c", "OwnerId", "ABM_SDR__c", "ABM_Marketer__c",
            "ABM_Engagement_Score__c", "ABM_Last_Engaged__c", "ABM_Stage__c", "ABM_Stalled__c", "ABM_Surge__c",
        ];
        Assert.All(expected, f => Assert.Contains(f, together));

        var compact = MetadataSource.Load("objects", "Account", "compactLayouts", "ABM.compactLayout-meta.xml");
        Assert.Equal(Ns + "CompactLayout", compact.Name);
        var compactFields = compact.Elements(Ns + "fields").Select(f => f.Value).ToList();
        Assert.All(compactFields, f => Assert.True(org.Field("Account", f) is not null, $"the compact layout names {f}, which Account does not have"));
        Assert.Superset(new HashSet<string>(["ABM_Tier__c", "ABM_Score__c", "OwnerId", "ABM_Engagement_Score__c"]), compactFields.ToHashSet());
        Assert.InRange(compactFields.Count, 1, 10);
    }

    [Fact]
    public void SfdxProject_DeploysForceAppAtApiVersion66()
    {
        var project = JsonNode.Parse(System.IO.File.ReadAllText(Path.Combine(MetadataSource.ProjectDirectory, "sfdx-project.json")))!;
        Assert.Equal("66.0", project["sourceApiVersion"]!.GetValue<string>());
        var directory = Assert.Single(project["packageDirectories"]!.AsArray())!;
        Assert.Equal("force-app", directory["path"]!.GetValue<string>());
        Assert.True(directory["default"]!.GetValue<bool>());
        Assert.True(Directory.Exists(Path.Combine(MetadataSource.ProjectDirectory, "force-app", "main", "default")));
    }

    static string Str(JsonObject o, string key) => o[key]!.GetValue<string>();
    static bool Bool(JsonObject o, string key) => o[key]!.GetValue<bool>();
    static int Int(JsonObject o, string key) => o[key]!.GetValue<int>();

    /// <summary>A custom API name: a letter first, letters, digits and single underscores, no trailing underscore.</summary>
    [GeneratedRegex("^[A-Za-z](?:[A-Za-z0-9]|_(?!_))*(?:__c)?$")]
    private static partial Regex ApiName();
}

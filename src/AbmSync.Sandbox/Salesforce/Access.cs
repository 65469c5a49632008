using System.Xml.Linq;

namespace AbmSync.Sandbox.Salesforce;

/// <summary>
/// The grants of an SFDX permission set (<c>*.permissionset-meta.xml</c>): object permissions, field permissions and
/// the enabled user permissions, as the Metadata API reads them.
/// </summary>
public sealed record PermissionSet(
    string Name,
    IReadOnlyDictionary<string, ObjectGrant> Objects,
    IReadOnlyDictionary<string, FieldGrant> Fields,
    IReadOnlySet<string> UserPermissions)
{
    static readonly XNamespace Ns = "http://soap.sforce.com/2006/04/metadata";

    /// <summary>The permission set shipped in connectors/salesforce-metadata, embedded in this assembly at build time.</summary>
    public static PermissionSet Integration { get; } = LoadEmbedded("ABM_Integration.permissionset-meta.xml");

    static PermissionSet LoadEmbedded(string name)
    {
        // Embedded rather than read from the repository, so that `abmsync sandbox` plays the shipped grants from any
        // working directory, and a change to the XML is a change to the sandbox at the next build.
        using var stream = typeof(PermissionSet).Assembly.GetManifestResourceStream(name)
            ?? throw new InvalidOperationException($"The Sandbox assembly does not embed {name}");
        return Parse(Path.GetFileName(name).Split('.')[0], XDocument.Load(stream));
    }

    public static PermissionSet Parse(string name, XDocument document)
    {
        var root = document.Root ?? throw new InvalidOperationException($"{name} has no root element");
        static bool Flag(XElement e, string child) => e.Element(Ns + child)?.Value == "true";
        var objects = root.Elements(Ns + "objectPermissions").ToDictionary(
            p => p.Element(Ns + "object")!.Value,
            p => new ObjectGrant(Flag(p, "allowRead"), Flag(p, "allowCreate"), Flag(p, "allowEdit"), Flag(p, "allowDelete")),
            StringComparer.OrdinalIgnoreCase);
        var fields = root.Elements(Ns + "fieldPermissions").ToDictionary(
            p => p.Element(Ns + "field")!.Value,
            p => new FieldGrant(Flag(p, "readable"), Flag(p, "editable")),
            StringComparer.OrdinalIgnoreCase);
        var user = root.Elements(Ns + "userPermissions").Where(p => Flag(p, "enabled")).Select(p => p.Element(Ns + "name")!.Value)
            .ToHashSet(StringComparer.Ordinal);
        return new PermissionSet(name, objects, fields, user);
    }
}

public sealed record ObjectGrant(bool Read, bool Create, bool Edit, bool Delete);

public sealed record FieldGrant(bool Readable, bool Editable);

/// <summary>
/// What one user may see and change: object permissions (CRUD) and field-level security, as the API enforces them
/// for the logged-in user. The sales rep and every other person have <see cref="Full"/> access; the integration user
/// has exactly what <see cref="PermissionSet.Integration"/> grants.
/// </summary>
public sealed class UserAccess
{
    readonly PermissionSet? set;

    UserAccess(PermissionSet? set) => this.set = set;

    /// <summary>Everything the schema allows (an administrator's profile, for the people of the seeded org).</summary>
    public static UserAccess Full { get; } = new(null);

    public static UserAccess Of(PermissionSet set) => new(set);

    public bool IsFull => set is null;

    /// <summary>
    /// Whether field-level security governs the field. Required fields (not nillable, not a checkbox), system and
    /// derived read-only fields are outside FLS: a real deploy refuses fieldPermissions on them, so they follow the
    /// object's permissions. A checkbox is never null yet is FLS-controlled like any optional field. The standard
    /// fields of an object whose access follows another's (OpportunityContactRole's Role and IsPrimary) are outside
    /// it too, as such an object has no permissions of its own to narrow.
    /// </summary>
    public static bool Governed(SfObject type, SfField field) =>
        type.HistoryParent is null && type.AccessFrom is null && type.Writable && (field.Createable || field.Updateable) && (field.Nillable || field.Type == SfType.Boolean);

    ObjectGrant Grant(SfObject type)
    {
        if (set is null)
        {
            return new ObjectGrant(true, type.Writable, type.Writable, type.Writable);
        }
        // A history object is readable exactly when its parent is, as Salesforce shares history with the record.
        var owner = type.HistoryParent ?? type;
        if (!owner.Writable)
        {
            // User: every API user sees the org's users (ViewAllUsers widens sharing, which the sandbox does not model);
            // a permission set cannot grant objectPermissions on User.
            return new ObjectGrant(true, false, false, false);
        }
        if (type.AccessFrom is { } governing)
        {
            // Changing an opportunity's contact roles is editing the opportunity: edit grants all three writes.
            var parent = set.Objects.GetValueOrDefault(governing) ?? new ObjectGrant(false, false, false, false);
            return new ObjectGrant(parent.Read, parent.Edit, parent.Edit, parent.Edit);
        }
        var grant = set.Objects.GetValueOrDefault(owner.Name) ?? new ObjectGrant(false, false, false, false);
        return type.HistoryParent is null ? grant : grant with { Create = false, Edit = false, Delete = false };
    }

    public bool CanRead(SfObject type) => Grant(type).Read;
    public bool CanCreate(SfObject type) => Grant(type).Create;
    public bool CanEdit(SfObject type) => Grant(type).Edit;
    public bool CanDelete(SfObject type) => Grant(type).Delete;

    /// <summary>Whether the user may give another user's record a new owner: Transfer Record, or Transfer Leads for leads.</summary>
    public bool CanTransfer(SfObject type) =>
        set is null || set.UserPermissions.Contains("TransferAnyEntity") || (type.Name == "Lead" && set.UserPermissions.Contains("TransferAnyLead"));

    public bool CanRead(SfObject type, SfField field) =>
        CanRead(type) && (set is null || !Governed(type, field) || FieldGrant(type, field).Readable);

    public bool CanCreate(SfObject type, SfField field) =>
        field.Createable && CanCreate(type) && (set is null || !Governed(type, field) || FieldGrant(type, field).Editable);

    public bool CanUpdate(SfObject type, SfField field) =>
        field.Updateable && CanEdit(type) && (set is null || !Governed(type, field) || FieldGrant(type, field).Editable);

    FieldGrant FieldGrant(SfObject type, SfField field) =>
        set!.Fields.GetValueOrDefault($"{type.Name}.{field.Name}") ?? new FieldGrant(false, false);
}

using System.Globalization;
using System.Text.Json.Nodes;

namespace AbmSync.Sandbox.HubSpot;

/// <summary>Who made a change, as property history reports it.</summary>
internal sealed record HsActor(string SourceType, string SourceId, long? UserId, string? SourceLabel)
{
    /// <summary>The app id the sandbox's integration token belongs to.</summary>
    public const string IntegrationAppId = "4242001";

    public static readonly HsActor Integration = new("INTEGRATION", IntegrationAppId, null, "AbmSync");

    public static HsActor User(long userId) => new("CRM_UI", $"userId:{userId.ToString(CultureInfo.InvariantCulture)}", userId, null);

    public static HsActor Import(string importId) => new("IMPORT", importId, null, null);
}

internal sealed record HsHistoryEntry(string Value, DateTimeOffset Timestamp, HsActor Source);

/// <summary>One CRM record. Property values are kept as the strings the API answers; unset means absent.</summary>
internal sealed class HsRecord
{
    public required string Type { get; init; }
    public required long Id { get; init; }
    public Dictionary<string, string> Props { get; } = new(StringComparer.Ordinal);
    /// <summary>Changes since seeding, newest first. A property never written since seeding has its seed value as history.</summary>
    public Dictionary<string, List<HsHistoryEntry>> History { get; } = new(StringComparer.Ordinal);
    public required HsActor SeedSource { get; init; }
    public required DateTimeOffset SeedTime { get; init; }
    public DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset UpdatedAt { get; set; }
    public bool Archived { get; set; }
    public DateTimeOffset? ArchivedAt { get; set; }

    /// <summary>The HUBSPOT_DEFINED associations an archive removed, put back by a restore where the other record is live.</summary>
    internal List<(string To, long ToId, HsAssocType Type)>? ArchivedLinks { get; set; }

    public string IdText => Id.ToString(CultureInfo.InvariantCulture);

    Dictionary<string, (string Raw, long Ms)>? instants;

    /// <summary>A datetime value as epoch ms, parsed once per stored value: searches compare and sort on it constantly.</summary>
    public long? InstantOf(string name)
    {
        if (!Props.TryGetValue(name, out var raw))
        {
            return null;
        }
        instants ??= new Dictionary<string, (string, long)>(StringComparer.Ordinal);
        if (instants.TryGetValue(name, out var cached) && ReferenceEquals(cached.Raw, raw))
        {
            return cached.Ms;
        }
        if (HsPortal.ParseInstant(raw) is not { } instant)
        {
            return null;
        }
        var ms = instant.ToUnixTimeMilliseconds();
        instants[name] = (raw, ms);
        return ms;
    }

    public IEnumerable<HsHistoryEntry> HistoryOf(string name)
    {
        if (History.TryGetValue(name, out var entries))
        {
            return entries;
        }
        return Props.TryGetValue(name, out var value) ? [new HsHistoryEntry(value, SeedTime, SeedSource)] : [];
    }
}

internal sealed record HsOwner(long Id, string Email, string FirstName, string LastName, long UserId, string Team, long TeamId,
    DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt, bool Archived)
{
    public JsonObject ToJson() => new()
    {
        ["id"] = Id.ToString(CultureInfo.InvariantCulture),
        ["email"] = Email,
        ["type"] = "PERSON",
        ["firstName"] = FirstName,
        ["lastName"] = LastName,
        ["userId"] = UserId,
        ["userIdIncludingInactive"] = UserId,
        ["createdAt"] = HsJson.Timestamp(CreatedAt),
        ["updatedAt"] = HsJson.Timestamp(UpdatedAt),
        ["archived"] = Archived,
        ["teams"] = new JsonArray(new JsonObject
        {
            ["id"] = TeamId.ToString(CultureInfo.InvariantCulture),
            ["name"] = Team,
            ["primary"] = true,
        }),
    };
}

/// <summary>A problem with one property value, in HubSpot's validation-result terms.</summary>
internal sealed record HsIssue(string Property, string Code, string Message);

/// <summary>
/// The portal's state: schemas, records, owners, unique-value indexes, merges and associations. Every member takes the
/// one lock, so callers see a consistent portal; answers are built inside the lock from copies.
/// </summary>
internal sealed class HsPortal(TimeProvider time)
{
    public Lock Sync { get; } = new();
    public TimeProvider Time { get; } = time;
    /// <summary>The Hub ID, which some refusals name (a deal currency the portal does not have).</summary>
    public long PortalId { get; set; }

    public Dictionary<string, SortedDictionary<long, HsRecord>> Records { get; } = HsSchema.ObjectTypes
        .ToDictionary(t => t, _ => new SortedDictionary<long, HsRecord>(), StringComparer.Ordinal);
    public Dictionary<string, Dictionary<string, HsProperty>> Properties { get; } = new(StringComparer.Ordinal);
    public Dictionary<string, Dictionary<string, HsGroup>> Groups { get; } = new(StringComparer.Ordinal);
    public SortedDictionary<long, HsOwner> Owners { get; } = [];
    /// <summary>Unique-value index per type and property: lower-cased value → record id (live records only).</summary>
    readonly Dictionary<string, Dictionary<string, Dictionary<string, long>>> unique = new(StringComparer.Ordinal);
    /// <summary>Merged-away id → surviving id.</summary>
    public Dictionary<string, Dictionary<long, long>> MergedInto { get; } = HsSchema.ObjectTypes
        .ToDictionary(t => t, _ => new Dictionary<long, long>(), StringComparer.Ordinal);
    public HsAssociations Associations { get; } = new();
    /// <summary>Emails GDPR deletion blocklisted: deleted contacts' and the ones asked for that matched no contact (lower-cased).</summary>
    public SortedSet<string> GdprBlocklist { get; } = new(StringComparer.Ordinal);

    readonly Dictionary<string, long> nextId = new(StringComparer.Ordinal)
    {
        [HsSchema.Companies] = 5_000_000_001,
        [HsSchema.Contacts] = 1_000_001,
        [HsSchema.Deals] = 9_000_000_001,
        [HsSchema.Calls] = 40_000_000_001,
        [HsSchema.Emails] = 41_000_000_001,
        [HsSchema.Meetings] = 42_000_000_001,
        [HsSchema.Notes] = 43_000_000_001,
    };

    /// <summary>Record ids per type in ascending order. Ids only grow, so adding appends; lists page from here.</summary>
    readonly Dictionary<string, List<long>> orderedIds = HsSchema.ObjectTypes.ToDictionary(t => t, _ => new List<long>(), StringComparer.Ordinal);

    public DateTimeOffset Now => Time.GetUtcNow();

    public void Add(HsRecord record)
    {
        var ids = orderedIds[record.Type];
        if (ids.Count > 0 && ids[^1] >= record.Id)
        {
            throw new InvalidOperationException($"Record ids must grow: {record.Id} after {ids[^1]}.");
        }
        ids.Add(record.Id);
        Records[record.Type][record.Id] = record;
    }

    public void Remove(HsRecord record)
    {
        var ids = orderedIds[record.Type];
        var at = ids.BinarySearch(record.Id);
        if (at >= 0)
        {
            ids.RemoveAt(at);
        }
        Records[record.Type].Remove(record.Id);
    }

    /// <summary>Records of a type with id at least <paramref name="fromId"/>, in id order, without scanning the ones before.</summary>
    public IEnumerable<HsRecord> From(string type, long? fromId)
    {
        var ids = orderedIds[type];
        var start = 0;
        if (fromId is { } from)
        {
            start = ids.BinarySearch(from);
            if (start < 0)
            {
                start = ~start;
            }
        }
        for (var i = start; i < ids.Count; i++)
        {
            yield return Records[type][ids[i]];
        }
    }

    public long NewId(string type) => nextId[type]++;

    public void InstallDefaults(DateTimeOffset portalCreated)
    {
        foreach (var type in HsSchema.ObjectTypes)
        {
            var (groups, props) = HsSchema.Defaults(type, portalCreated);
            Groups[type] = groups.ToDictionary(g => g.Name, StringComparer.Ordinal);
            Properties[type] = props.ToDictionary(p => p.Name, StringComparer.Ordinal);
            unique[type] = new Dictionary<string, Dictionary<string, long>>(StringComparer.Ordinal);
        }
        // Contacts' email is unique by HubSpot's own rule, though its definition does not say hasUniqueValue.
        unique[HsSchema.Contacts]["email"] = new Dictionary<string, long>(StringComparer.Ordinal);
    }

    public HsProperty? Property(string type, string name) =>
        Properties[type].TryGetValue(name, out var p) && !p.Archived ? p : null;

    public bool IsUnique(string type, string property) => unique[type].ContainsKey(property);

    public void AddUniqueProperty(string type, string property) =>
        unique[type].TryAdd(property, new Dictionary<string, long>(StringComparer.Ordinal));

    static string Key(string value) => value.ToLowerInvariant();

    public long? FindByUnique(string type, string property, string value) =>
        unique[type].TryGetValue(property, out var index) && index.TryGetValue(Key(value), out var id) ? id : null;

    /// <summary>The live record with this id, following merges; null when absent or archived (unless asked).</summary>
    public HsRecord? Find(string type, long id, bool archived = false)
    {
        var seen = 0;
        while (MergedInto[type].TryGetValue(id, out var survivor) && seen++ < 32)
        {
            id = survivor;
        }
        return Records[type].TryGetValue(id, out var record) && record.Archived == archived ? record : null;
    }

    /// <summary>Resolves an input id, either a record id or a unique property's value when <paramref name="idProperty"/> is set.</summary>
    public HsRecord? Resolve(string type, string id, string? idProperty, bool archived = false)
    {
        if (string.IsNullOrEmpty(idProperty) || idProperty == "hs_object_id")
        {
            return long.TryParse(id, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? Find(type, n, archived) : null;
        }
        if (archived)
        {
            return Records[type].Values.FirstOrDefault(r => r.Archived && r.Props.TryGetValue(idProperty, out var v) && Key(v) == Key(id));
        }
        var found = FindByUnique(type, idProperty, id);
        return found is { } foundId ? Find(type, foundId) : null;
    }

    /// <summary>
    /// Checks and normalizes the values of one write. Empty strings (and nulls) clear a value. Issues carry HubSpot's
    /// validation codes; the caller decides whether they fail one input or the whole batch.
    /// </summary>
    public (Dictionary<string, string?> Values, List<HsIssue> Issues) Validate(string type, IReadOnlyDictionary<string, string?> input)
    {
        var values = new Dictionary<string, string?>(StringComparer.Ordinal);
        var issues = new List<HsIssue>();
        foreach (var (name, raw) in input)
        {
            var def = Property(type, name);
            if (def is null)
            {
                issues.Add(new HsIssue(name, "PROPERTY_DOESNT_EXIST", $"Property \"{name}\" does not exist"));
                continue;
            }
            if (def.ReadOnlyValue)
            {
                issues.Add(new HsIssue(name, "READ_ONLY_VALUE", $"\"{name}\" is a read only property; its value cannot be set."));
                continue;
            }
            if (string.IsNullOrEmpty(raw))
            {
                values[name] = null;
                continue;
            }
            var (normalized, issue) = Normalize(type, def, raw);
            if (issue is not null)
            {
                issues.Add(issue);
            }
            else
            {
                values[name] = normalized;
            }
        }
        return (values, issues);
    }

    (string? Value, HsIssue? Issue) Normalize(string type, HsProperty def, string raw)
    {
        var name = def.Name;
        switch (def.Type)
        {
            case "number":
                return decimal.TryParse(raw.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out _)
                    ? (raw.Trim(), null)
                    : (null, new HsIssue(name, "INVALID_DOUBLE", $"{raw} was not a valid number."));
            case "bool":
                return bool.TryParse(raw.Trim(), out var b)
                    ? (b ? "true" : "false", null)
                    : (null, new HsIssue(name, "INVALID_BOOLEAN", $"{raw} was not a valid boolean."));
            case "datetime":
                return ParseInstant(raw) is { } instant
                    ? (HsJson.Timestamp(instant), null)
                    : (null, new HsIssue(name, "INVALID_DATETIME", $"{raw} was not a valid datetime: use epoch milliseconds or ISO 8601."));
            case "date":
                if (DateOnly.TryParseExact(raw, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day))
                {
                    return (day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), null);
                }
                if (long.TryParse(raw, NumberStyles.None, CultureInfo.InvariantCulture, out var ms))
                {
                    var t = DateTimeOffset.FromUnixTimeMilliseconds(ms);
                    return t.TimeOfDay == TimeSpan.Zero
                        ? (t.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), null)
                        : (null, new HsIssue(name, "INVALID_DATE", $"{raw} is at {HsJson.Timestamp(t)} but date properties must be at midnight UTC."));
                }
                return (null, new HsIssue(name, "INVALID_DATE", $"{raw} was not a valid date."));
            case "enumeration":
                if (def.ReferencedObjectType == "OWNER")
                {
                    return long.TryParse(raw, NumberStyles.None, CultureInfo.InvariantCulture, out var owner) && Owners.TryGetValue(owner, out var o) && !o.Archived
                        ? (raw, null)
                        : (null, new HsIssue(name, "INVALID_OPTION", $"{raw} was not one of the allowed options: it is not the id of an active owner."));
                }
                if (type == HsSchema.Deals && name == HsSchema.DealCurrencyProperty && !def.Options.Any(op => op.Value == raw))
                {
                    // HubSpot's developer changelog (deal currency code validation, 2023): only the portal's currencies.
                    return (null, new HsIssue(name, "INVALID_OPTION", $"\"{raw}\" is not a part of the current effective currency codes for portal {PortalId}"));
                }
                var allowed = def.Options.Select(op => op.Value).ToHashSet(StringComparer.Ordinal);
                var parts = def.FieldType == "checkbox" ? raw.Split(';', StringSplitOptions.RemoveEmptyEntries) : [raw];
                var bad = parts.FirstOrDefault(p => !allowed.Contains(p));
                if (bad is not null)
                {
                    var shown = string.Join(", ", def.Options.Take(20).Select(op => $"[label: \"{op.Label}\"\nvalue: \"{op.Value}\"\n]"));
                    return (null, new HsIssue(name, "INVALID_OPTION", $"{bad} was not one of the allowed options: {shown}"));
                }
                return (raw, null);
            default:
                if (type == HsSchema.Contacts && name == "email")
                {
                    var trimmed = raw.Trim();
                    var at = trimmed.IndexOf('@', StringComparison.Ordinal);
                    if (at <= 0 || at != trimmed.LastIndexOf('@') || trimmed.IndexOf('.', at) < 0 || trimmed.Contains(' ', StringComparison.Ordinal))
                    {
                        return (null, new HsIssue(name, "INVALID_EMAIL", $"Email address {raw} is invalid"));
                    }
                    return (trimmed.ToLowerInvariant(), null);
                }
                return raw.Length > 65_536
                    ? (null, new HsIssue(name, "INVALID_LENGTH", $"Value for property {name} is too long (max 65536 characters)."))
                    : (raw, null);
        }
    }

    /// <summary>Epoch milliseconds or ISO 8601, as HubSpot accepts them for datetimes and search filters.</summary>
    public static DateTimeOffset? ParseInstant(string raw)
    {
        if (long.TryParse(raw, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var ms))
        {
            return DateTimeOffset.FromUnixTimeMilliseconds(ms);
        }
        // The form every stored datetime has; the exact parse is much cheaper than the general one.
        if (DateTimeOffset.TryParseExact(raw, "yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture,
            DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var exact))
        {
            return exact;
        }
        return DateTimeOffset.TryParse(raw, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var t)
            ? t
            : null;
    }

    /// <summary>Unique-value conflicts of a write against other records (and earlier inputs of the same batch).</summary>
    public HsIssue? UniqueConflict(string type, IReadOnlyDictionary<string, string?> values, long? selfId, Dictionary<(string, string), int>? batchSeen = null)
    {
        foreach (var (name, value) in values)
        {
            if (value is null || !unique[type].ContainsKey(name))
            {
                continue;
            }
            var other = FindByUnique(type, name, value);
            if (other is { } otherId && otherId != selfId)
            {
                return new HsIssue(name, type == HsSchema.Contacts && name == "email" ? "CONFLICT" : "INVALID_UNIQUE_VALUE",
                    type == HsSchema.Contacts && name == "email"
                        ? $"Contact already exists. Existing ID: {otherId.ToString(CultureInfo.InvariantCulture)}"
                        : $"{value} already has that value on {HsSchema.Singular(type).ToLowerInvariant()} {otherId.ToString(CultureInfo.InvariantCulture)}: property {name} requires unique values");
            }
            if (batchSeen is not null && !batchSeen.TryAdd((name, Key(value)), 1))
            {
                return new HsIssue(name, "INVALID_UNIQUE_VALUE", $"{value} appears more than once in this batch: property {name} requires unique values");
            }
        }
        return null;
    }

    public HsRecord Create(string type, IReadOnlyDictionary<string, string?> values, HsActor actor, long? id = null, DateTimeOffset? at = null)
    {
        var now = at ?? Now;
        var record = new HsRecord
        {
            Type = type,
            Id = id ?? NewId(type),
            SeedSource = actor,
            SeedTime = now,
            CreatedAt = now,
            UpdatedAt = now,
        };
        Add(record);
        var stamp = HsJson.Timestamp(now);
        record.Props["hs_object_id"] = record.IdText;
        record.Props[HsSchema.CreatedProperty(type)] = stamp;
        Apply(record, values, actor, now);
        Touch(record, now);
        return record;
    }

    /// <summary>Writes values, records history, bumps the modified properties and keeps the unique indexes.</summary>
    public void Apply(HsRecord record, IReadOnlyDictionary<string, string?> values, HsActor actor, DateTimeOffset? at = null, bool touch = true)
    {
        var now = at ?? Now;
        var changed = false;
        foreach (var (name, value) in values)
        {
            record.Props.TryGetValue(name, out var old);
            // Writing the value a property already has changes nothing: no history entry, no new modification time.
            if (old == value)
            {
                continue;
            }
            changed = true;
            if (!record.History.ContainsKey(name))
            {
                // First write since seeding: keep the seeded value as the oldest history entry.
                record.History[name] = old is null ? [] : [new HsHistoryEntry(old, record.SeedTime, record.SeedSource)];
            }
            record.History[name].Insert(0, new HsHistoryEntry(value ?? "", now, actor));
            if (record.History[name].Count > 50)
            {
                record.History[name].RemoveAt(record.History[name].Count - 1);
            }
            if (unique[record.Type].TryGetValue(name, out var index))
            {
                if (old is not null && index.TryGetValue(Key(old), out var holder) && holder == record.Id)
                {
                    index.Remove(Key(old));
                }
                if (value is not null && !record.Archived)
                {
                    index[Key(value)] = record.Id;
                }
            }
            if (value is null)
            {
                record.Props.Remove(name);
            }
            else
            {
                record.Props[name] = value;
            }
        }
        if (record.Type == HsSchema.Contacts && values.TryGetValue("associatedcompanyid", out var company))
        {
            // The property and the primary company association are one fact in HubSpot: writing one moves the other.
            SetPrimaryCompany(record, long.TryParse(company, NumberStyles.None, CultureInfo.InvariantCulture, out var companyId) ? companyId : null);
        }
        if (touch && changed)
        {
            Touch(record, now);
        }
    }

    void SetPrimaryCompany(HsRecord contact, long? companyId)
    {
        foreach (var (linked, types) in Associations.Of(HsSchema.Contacts, contact.Id, HsSchema.Companies))
        {
            if (linked != companyId && types.Any(t => t.TypeId == 1))
            {
                Associations.RemoveType(HsSchema.Contacts, contact.Id, HsSchema.Companies, linked, 1);
            }
        }
        if (companyId is { } id && Find(HsSchema.Companies, id) is not null)
        {
            Associations.Add(HsSchema.Contacts, contact.Id, HsSchema.Companies, id, 279);
            Associations.Add(HsSchema.Contacts, contact.Id, HsSchema.Companies, id, 1);
        }
    }

    /// <summary>
    /// Associates two records as the API does, with HubSpot's side effects: the first company of a contact or deal
    /// becomes its primary company (a contact's <c>associatedcompanyid</c> follows), and a new primary replaces the old.
    /// </summary>
    public void Associate(string from, long fromId, string to, long toId, int typeId, HsActor actor, string category = "HUBSPOT_DEFINED")
    {
        var (child, childId, parent, companyId) = from == HsSchema.Companies ? (to, toId, from, fromId) : (from, fromId, to, toId);
        if (parent != HsSchema.Companies || child is not (HsSchema.Contacts or HsSchema.Deals))
        {
            Associations.Add(from, fromId, to, toId, typeId, category);
            return;
        }
        var primary = child == HsSchema.Contacts ? 1 : 5;
        var childTypeId = from == child ? typeId : HsAssociations.Describe(from, to, typeId).Inverse;
        var hasPrimary = Associations.Of(child, childId, HsSchema.Companies).Any(l => l.Types.Any(t => t.TypeId == primary));
        if (childTypeId == primary || !hasPrimary)
        {
            if (child == HsSchema.Contacts && Find(HsSchema.Contacts, childId) is { } contact)
            {
                Apply(contact, new Dictionary<string, string?> { ["associatedcompanyid"] = companyId.ToString(CultureInfo.InvariantCulture) }, actor);
            }
            else
            {
                foreach (var (linked, types) in Associations.Of(child, childId, HsSchema.Companies))
                {
                    if (linked != companyId && types.Any(t => t.TypeId == primary))
                    {
                        Associations.RemoveType(child, childId, HsSchema.Companies, linked, primary);
                    }
                }
                Associations.Add(child, childId, HsSchema.Companies, companyId, primary);
            }
        }
        Associations.Add(from, fromId, to, toId, typeId, category);
    }

    /// <summary>Removes every association between two records; losing its primary company clears a contact's <c>associatedcompanyid</c>.</summary>
    public void Unassociate(string from, long fromId, string to, long toId, HsActor actor)
    {
        var (child, childId, parent, companyId) = from == HsSchema.Companies ? (to, toId, from, fromId) : (from, fromId, to, toId);
        var wasPrimary = parent == HsSchema.Companies && child == HsSchema.Contacts
            && Associations.Of(child, childId, HsSchema.Companies).Any(l => l.ToId == companyId && l.Types.Any(t => t.TypeId == 1));
        Associations.Remove(from, fromId, to, toId);
        if (wasPrimary && Find(HsSchema.Contacts, childId) is { } contact)
        {
            Apply(contact, new Dictionary<string, string?> { ["associatedcompanyid"] = null }, actor);
        }
    }

    public static void Touch(HsRecord record, DateTimeOffset now)
    {
        var stamp = HsJson.Timestamp(now);
        record.UpdatedAt = now;
        record.Props["hs_lastmodifieddate"] = stamp;
        if (record.Type == HsSchema.Contacts)
        {
            record.Props["lastmodifieddate"] = stamp;
        }
    }

    public void Archive(HsRecord record, DateTimeOffset? at = null)
    {
        if (record.Archived)
        {
            return;
        }
        record.Archived = true;
        record.ArchivedAt = at ?? Now;
        record.UpdatedAt = at ?? Now;
        foreach (var (name, index) in unique[record.Type])
        {
            if (record.Props.TryGetValue(name, out var value) && index.TryGetValue(Key(value), out var holder) && holder == record.Id)
            {
                index.Remove(Key(value));
            }
        }
        if (record.Type == HsSchema.Companies)
        {
            foreach (var (contactId, _) in Associations.Of(HsSchema.Companies, record.Id, HsSchema.Contacts))
            {
                if (Find(HsSchema.Contacts, contactId) is { } contact && contact.Props.GetValueOrDefault("associatedcompanyid") == record.IdText)
                {
                    contact.Props.Remove("associatedcompanyid");
                }
            }
        }
        record.ArchivedLinks = [.. HsSchema.ObjectTypes.SelectMany(to => Associations.Of(record.Type, record.Id, to)
            .SelectMany(l => l.Types.Where(t => t.Category == "HUBSPOT_DEFINED").Select(t => (to, l.ToId, t))))];
        Associations.RemoveAll(record.Type, record.Id);
    }

    /// <summary>
    /// Restores an archived record as a person does from the recycle bin (HubSpot offers no API for it): live again
    /// with its id, values and associations (to records still live), modified now. Refused when another live record
    /// now holds one of its unique values (an email).
    /// </summary>
    public void Restore(HsRecord record)
    {
        if (!record.Archived)
        {
            throw new InvalidOperationException($"{record.Type} {record.Id} is not archived.");
        }
        foreach (var (name, index) in unique[record.Type])
        {
            if (record.Props.TryGetValue(name, out var value) && index.TryGetValue(Key(value), out var holder) && holder != record.Id)
            {
                throw new InvalidOperationException($"{record.Type} {record.Id} cannot be restored: {holder} holds its {name} now.");
            }
        }
        record.Archived = false;
        record.ArchivedAt = null;
        foreach (var (name, index) in unique[record.Type])
        {
            if (record.Props.TryGetValue(name, out var value))
            {
                index[Key(value)] = record.Id;
            }
        }
        foreach (var (to, toId, type) in record.ArchivedLinks ?? [])
        {
            if (Find(to, toId) is { } other)
            {
                Associations.Add(record.Type, record.Id, to, toId, type.TypeId, type.Category);
                // A company restored is its contacts' primary company again.
                if (record.Type == HsSchema.Companies && to == HsSchema.Contacts && type.TypeId == 2)
                {
                    other.Props["associatedcompanyid"] = record.IdText;
                }
            }
        }
        record.ArchivedLinks = null;
        Touch(record, Now);
    }

    /// <summary>
    /// Takes a record out of the portal for good, as a merge does with the records it replaces: its unique values and
    /// every association are released, and it is no longer stored. Unlike <see cref="Archive"/> it leaves the values
    /// of other records alone; the caller moves what pointed at it.
    /// </summary>
    public void Retire(HsRecord record, DateTimeOffset at)
    {
        record.Archived = true;
        record.ArchivedAt = at;
        foreach (var (name, index) in unique[record.Type])
        {
            if (record.Props.TryGetValue(name, out var value) && index.TryGetValue(Key(value), out var holder) && holder == record.Id)
            {
                index.Remove(Key(value));
            }
        }
        Associations.RemoveAll(record.Type, record.Id);
        Remove(record);
    }

    public void IndexSeeded(HsRecord record)
    {
        foreach (var (name, index) in unique[record.Type])
        {
            if (!record.Archived && record.Props.TryGetValue(name, out var value))
            {
                index.TryAdd(Key(value), record.Id);
            }
        }
    }

    /// <summary>Rebuilds a newly unique property's index from the live records that hold it.</summary>
    public void IndexUnique(string type, string property)
    {
        AddUniqueProperty(type, property);
        var index = unique[type][property];
        foreach (var record in Records[type].Values.Where(r => !r.Archived))
        {
            if (record.Props.TryGetValue(property, out var value))
            {
                index.TryAdd(Key(value), record.Id);
            }
        }
    }

    /// <summary>The API shape of a record: <c>SimplePublicObject</c>, with history when asked.</summary>
    public JsonObject ToJson(HsRecord record, IReadOnlyCollection<string>? properties, IReadOnlyCollection<string>? withHistory = null, bool all = false)
    {
        var props = new JsonObject();
        if (all)
        {
            foreach (var (name, value) in record.Props.OrderBy(p => p.Key, StringComparer.Ordinal))
            {
                props[name] = value;
            }
        }
        else
        {
            var names = properties is { Count: > 0 }
                ? properties.Concat(HsSchema.AlwaysProperties(record.Type)).Distinct(StringComparer.Ordinal)
                : HsSchema.DefaultProperties(record.Type);
            foreach (var name in names)
            {
                // Requested properties the record lacks answer null; properties the portal lacks are left out.
                if (record.Props.TryGetValue(name, out var value))
                {
                    props[name] = value;
                }
                else if (Property(record.Type, name) is not null)
                {
                    props[name] = null;
                }
            }
        }
        var json = new JsonObject
        {
            ["id"] = record.IdText,
            ["properties"] = props,
            ["createdAt"] = HsJson.Timestamp(record.CreatedAt),
            ["updatedAt"] = HsJson.Timestamp(record.UpdatedAt),
            ["archived"] = record.Archived,
        };
        if (record.ArchivedAt is { } archivedAt)
        {
            json["archivedAt"] = HsJson.Timestamp(archivedAt);
        }
        if (withHistory is { Count: > 0 })
        {
            var history = new JsonObject();
            foreach (var name in withHistory.Distinct(StringComparer.Ordinal))
            {
                if (Property(record.Type, name) is null)
                {
                    continue;
                }
                history[name] = new JsonArray(record.HistoryOf(name).Select(h =>
                {
                    var entry = new JsonObject
                    {
                        ["value"] = h.Value,
                        ["timestamp"] = HsJson.Timestamp(h.Timestamp),
                        ["sourceType"] = h.Source.SourceType,
                        ["sourceId"] = h.Source.SourceId,
                    };
                    if (h.Source.SourceLabel is not null)
                    {
                        entry["sourceLabel"] = h.Source.SourceLabel;
                    }
                    if (h.Source.UserId is { } userId)
                    {
                        entry["updatedByUserId"] = userId;
                    }
                    return (JsonNode)entry;
                }).ToArray());
            }
            json["propertiesWithHistory"] = history;
        }
        return json;
    }
}

namespace AbmSync.Sandbox.HubSpot;

/// <summary>One association type on a link: category, type id and label (null for unlabeled ones).</summary>
internal sealed record HsAssocType(string Category, int TypeId, string? Label);

/// <summary>
/// Associations between records, stored in both directions: writing contact→company 279 also writes company→contact
/// 280, as HubSpot does. Callers hold the portal lock.
/// </summary>
internal sealed class HsAssociations
{
    readonly Dictionary<(string From, long FromId, string To), SortedDictionary<long, List<HsAssocType>>> links = [];

    // HUBSPOT_DEFINED type ids (unlabeled default, and its inverse), from HubSpot's association type table.
    static readonly Dictionary<(string, string), int> Defaults = new()
    {
        [(HsSchema.Contacts, HsSchema.Companies)] = 279, [(HsSchema.Companies, HsSchema.Contacts)] = 280,
        [(HsSchema.Deals, HsSchema.Contacts)] = 3, [(HsSchema.Contacts, HsSchema.Deals)] = 4,
        [(HsSchema.Deals, HsSchema.Companies)] = 341, [(HsSchema.Companies, HsSchema.Deals)] = 342,
        [(HsSchema.Companies, HsSchema.Calls)] = 181, [(HsSchema.Calls, HsSchema.Companies)] = 182,
        [(HsSchema.Contacts, HsSchema.Calls)] = 193, [(HsSchema.Calls, HsSchema.Contacts)] = 194,
        [(HsSchema.Deals, HsSchema.Calls)] = 205, [(HsSchema.Calls, HsSchema.Deals)] = 206,
        [(HsSchema.Companies, HsSchema.Emails)] = 185, [(HsSchema.Emails, HsSchema.Companies)] = 186,
        [(HsSchema.Contacts, HsSchema.Emails)] = 197, [(HsSchema.Emails, HsSchema.Contacts)] = 198,
        [(HsSchema.Deals, HsSchema.Emails)] = 209, [(HsSchema.Emails, HsSchema.Deals)] = 210,
        [(HsSchema.Companies, HsSchema.Meetings)] = 187, [(HsSchema.Meetings, HsSchema.Companies)] = 188,
        [(HsSchema.Contacts, HsSchema.Meetings)] = 199, [(HsSchema.Meetings, HsSchema.Contacts)] = 200,
        [(HsSchema.Deals, HsSchema.Meetings)] = 211, [(HsSchema.Meetings, HsSchema.Deals)] = 212,
        [(HsSchema.Companies, HsSchema.Notes)] = 189, [(HsSchema.Notes, HsSchema.Companies)] = 190,
        [(HsSchema.Contacts, HsSchema.Notes)] = 201, [(HsSchema.Notes, HsSchema.Contacts)] = 202,
        [(HsSchema.Deals, HsSchema.Notes)] = 213, [(HsSchema.Notes, HsSchema.Deals)] = 214,
    };

    // Labelled HUBSPOT_DEFINED types with their inverse: the "Primary" company of a contact and of a deal.
    static readonly Dictionary<(string, string, int), (int Inverse, string Label)> Primary = new()
    {
        [(HsSchema.Contacts, HsSchema.Companies, 1)] = (2, "Primary"),
        [(HsSchema.Companies, HsSchema.Contacts, 2)] = (1, "Primary"),
        [(HsSchema.Deals, HsSchema.Companies, 5)] = (6, "Primary"),
        [(HsSchema.Companies, HsSchema.Deals, 6)] = (5, "Primary"),
    };

    public static int? DefaultType(string from, string to) => Defaults.TryGetValue((from, to), out var id) ? id : null;

    /// <summary>The label, inverse type id and validity of a HUBSPOT_DEFINED type id between two object types.</summary>
    public static (bool Valid, int Inverse, string? Label) Describe(string from, string to, int typeId)
    {
        if (Defaults.TryGetValue((from, to), out var unlabeled) && unlabeled == typeId)
        {
            return (true, Defaults[(to, from)], null);
        }
        return Primary.TryGetValue((from, to, typeId), out var primary) ? (true, primary.Inverse, primary.Label) : (false, 0, null);
    }

    public static IEnumerable<(int TypeId, string Label)> Labels(string from, string to)
    {
        if (DefaultType(from, to) is { } id)
        {
            yield return (id, "");
        }
        foreach (var ((f, t, typeId), (_, label)) in Primary)
        {
            if (f == from && t == to)
            {
                yield return (typeId, label);
            }
        }
    }

    public void Add(string from, long fromId, string to, long toId, int typeId, string category = "HUBSPOT_DEFINED")
    {
        var (_, inverse, label) = Describe(from, to, typeId);
        AddOne(from, fromId, to, toId, new HsAssocType(category, typeId, label));
        AddOne(to, toId, from, fromId, new HsAssocType(category, inverse, label));
    }

    void AddOne(string from, long fromId, string to, long toId, HsAssocType type)
    {
        if (!links.TryGetValue((from, fromId, to), out var targets))
        {
            links[(from, fromId, to)] = targets = [];
        }
        if (!targets.TryGetValue(toId, out var types))
        {
            targets[toId] = types = [];
        }
        if (!types.Contains(type))
        {
            types.Add(type);
        }
    }

    public IReadOnlyList<(long ToId, IReadOnlyList<HsAssocType> Types)> Of(string from, long fromId, string to) =>
        links.TryGetValue((from, fromId, to), out var targets)
            ? targets.Select(t => (t.Key, (IReadOnlyList<HsAssocType>)t.Value.ToList())).ToList()
            : [];

    /// <summary>Removes one association type from a link (and its inverse), leaving the link's other types.</summary>
    public void RemoveType(string from, long fromId, string to, long toId, int typeId)
    {
        var (_, inverse, _) = Describe(from, to, typeId);
        RemoveOne(from, fromId, to, toId, typeId);
        RemoveOne(to, toId, from, fromId, inverse);
    }

    void RemoveOne(string from, long fromId, string to, long toId, int typeId)
    {
        if (links.TryGetValue((from, fromId, to), out var targets) && targets.TryGetValue(toId, out var types))
        {
            types.RemoveAll(t => t.TypeId == typeId);
            if (types.Count == 0)
            {
                targets.Remove(toId);
            }
        }
    }

    /// <summary>Removes every link between two records (all labels, both directions).</summary>
    public bool Remove(string from, long fromId, string to, long toId)
    {
        var removed = links.TryGetValue((from, fromId, to), out var targets) && targets.Remove(toId);
        if (links.TryGetValue((to, toId, from), out var back))
        {
            back.Remove(fromId);
        }
        return removed;
    }

    public void RemoveAll(string type, long id)
    {
        foreach (var key in HsSchema.ObjectTypes.Select(to => (From: type, FromId: id, To: to)).Where(links.ContainsKey).ToList())
        {
            foreach (var toId in links[key].Keys.ToList())
            {
                Remove(type, id, key.To, toId);
            }
            links.Remove(key);
        }
    }

    /// <summary>Moves the links of a merged-away record onto the survivor.</summary>
    public void MoveAll(string type, long fromId, long toId)
    {
        foreach (var key in HsSchema.ObjectTypes.Select(to => (From: type, FromId: fromId, To: to)).Where(links.ContainsKey).ToList())
        {
            foreach (var (target, types) in links[key].ToList())
            {
                foreach (var t in types)
                {
                    if (target != toId)
                    {
                        Add(type, toId, key.To, target, t.TypeId, t.Category);
                    }
                }
            }
        }
        RemoveAll(type, fromId);
    }

    public int Count(string from, long fromId, string to) =>
        links.TryGetValue((from, fromId, to), out var targets) ? targets.Count : 0;

    public IEnumerable<(string From, long FromId, string To, long ToId, HsAssocType Type)> All() =>
        links.SelectMany(l => l.Value.SelectMany(t => t.Value.Select(type => (l.Key.From, l.Key.FromId, l.Key.To, t.Key, type))));
}

using System.Globalization;

namespace AbmSync.Sandbox.HubSpot;

/// <summary>
/// Record merges. Property rule in both forms: the primary's values stand, and values only the merged record has are
/// taken from it, with their history. Both forms list every merged id in <c>hs_merged_object_ids</c> and make every
/// merged id resolve to the result.
/// </summary>
internal static class HsMerge
{
    static readonly HashSet<string> System = new(StringComparer.Ordinal)
    {
        "hs_object_id", "createdate", "hs_createdate", "hs_lastmodifieddate", "lastmodifieddate", "hs_merged_object_ids",
    };

    /// <summary>Whether the API's merge of this type makes a new record (contacts and companies) or keeps the primary's id.</summary>
    public static bool GivesNewId(string type) => type is HsSchema.Contacts or HsSchema.Companies;

    /// <summary>
    /// A merge of contacts or companies as HubSpot does it since its developer changelog "Updated merge functionality
    /// for contacts and companies": "a new record with a new ID will be created for the resulting merged record, with
    /// both records merged into the new one", both previous ids "point to the resulting merged record", the primary's
    /// latest values are the current ones, and "associations from the primary record will be prioritized … excess
    /// 'primary' associations from secondary records will be dropped". The new record is created now (its
    /// <c>createdate</c> is the merge time); the two old records are gone from lists, searches and archived reads.
    /// </summary>
    public static HsRecord MergeIntoNew(HsPortal portal, HsRecord primary, HsRecord merged, HsActor actor)
    {
        var now = portal.Now;
        var type = primary.Type;
        var values = new Dictionary<string, (string Value, HsRecord From)>(StringComparer.Ordinal);
        foreach (var source in new[] { primary, merged })
        {
            foreach (var (name, value) in source.Props.Where(p => !System.Contains(p.Key)))
            {
                values.TryAdd(name, (value, source));
            }
        }
        var mergedIds = Ids(primary).Concat(Ids(merged)).Concat([primary.Id, merged.Id]).Distinct().Order().ToList();
        var links = UnionOfLinks(portal, primary, merged);
        // Contacts whose primary company is one of the two: their associatedcompanyid moves to the new company.
        var employees = type == HsSchema.Companies
            ? links.Where(l => l.To == HsSchema.Contacts && l.Type.TypeId == 2).Select(l => l.ToId).Distinct().ToList()
            : [];

        portal.Retire(primary, now);
        portal.Retire(merged, now);

        var record = new HsRecord
        {
            Type = type,
            Id = portal.NewId(type),
            SeedSource = actor,
            SeedTime = now,
            CreatedAt = now,
            UpdatedAt = now,
        };
        portal.Add(record);
        record.Props["hs_object_id"] = record.IdText;
        record.Props[HsSchema.CreatedProperty(type)] = HsJson.Timestamp(now);
        foreach (var (name, (value, from)) in values)
        {
            record.Props[name] = value;
            // "Property values from both objects will still be merged onto the new object": each value keeps the
            // history of the record it came from.
            record.History[name] = [.. from.HistoryOf(name)];
        }
        record.Props["hs_merged_object_ids"] = string.Join(';', mergedIds.Select(i => i.ToString(CultureInfo.InvariantCulture)));
        HsPortal.Touch(record, now);
        portal.IndexSeeded(record);
        foreach (var old in mergedIds)
        {
            portal.MergedInto[type][old] = record.Id;
        }

        foreach (var (to, toId, linkType) in links)
        {
            portal.Associations.Add(type, record.Id, to, toId, linkType.TypeId, linkType.Category);
        }
        if (type == HsSchema.Companies)
        {
            var newId = record.IdText;
            foreach (var contact in employees.Select(id => portal.Find(HsSchema.Contacts, id)).OfType<HsRecord>())
            {
                portal.Apply(contact, new Dictionary<string, string?> { ["associatedcompanyid"] = newId }, actor, now);
            }
            record.Props["num_associated_contacts"] = portal.Associations.Count(type, record.Id, HsSchema.Contacts).ToString(CultureInfo.InvariantCulture);
            record.Props["num_associated_deals"] = portal.Associations.Count(type, record.Id, HsSchema.Deals).ToString(CultureInfo.InvariantCulture);
        }
        return record;
    }

    /// <summary>
    /// Every association of either record, the primary's first, without the link between the two themselves. A
    /// contact has one primary company: when both had one, the merged contact's is dropped (its unlabeled link stays).
    /// </summary>
    static List<(string To, long ToId, HsAssocType Type)> UnionOfLinks(HsPortal portal, HsRecord primary, HsRecord merged)
    {
        var type = primary.Type;
        var links = new List<(string To, long ToId, HsAssocType Type)>();
        var primaryHasPrimaryCompany = false;
        foreach (var source in new[] { primary, merged })
        {
            foreach (var to in HsSchema.ObjectTypes)
            {
                foreach (var (toId, types) in portal.Associations.Of(type, source.Id, to))
                {
                    if (to == type && (toId == primary.Id || toId == merged.Id))
                    {
                        continue;
                    }
                    foreach (var t in types)
                    {
                        var isPrimaryCompany = type == HsSchema.Contacts && to == HsSchema.Companies && t.TypeId == 1;
                        if (isPrimaryCompany && source == merged && primaryHasPrimaryCompany)
                        {
                            continue;
                        }
                        primaryHasPrimaryCompany |= isPrimaryCompany && source == primary;
                        if (!links.Contains((to, toId, t)))
                        {
                            links.Add((to, toId, t));
                        }
                    }
                }
            }
        }
        return links;
    }

    /// <summary>
    /// A merge that keeps the primary's id: the API's merge of deals (HubSpot's change named contacts and companies
    /// only), and the portal's seeded merges, whose survivors keep the ids the seeded world has always had.
    /// </summary>
    public static HsRecord MergeKeepingPrimaryId(HsPortal portal, HsRecord primary, HsRecord merged, HsActor actor, DateTimeOffset? at = null)
    {
        var values = merged.Props
            .Where(p => !System.Contains(p.Key) && !primary.Props.ContainsKey(p.Key))
            .ToDictionary(p => p.Key, p => (string?)p.Value, StringComparer.Ordinal);

        var mergedIds = Ids(primary).Concat([merged.Id]).Concat(Ids(merged)).Distinct().Order();
        portal.Associations.MoveAll(merged.Type, merged.Id, primary.Id);
        // Frees the merged record's unique values before the survivor takes any of them.
        portal.Archive(merged, at);
        portal.Remove(merged);
        portal.MergedInto[merged.Type][merged.Id] = primary.Id;
        foreach (var old in Ids(merged))
        {
            portal.MergedInto[merged.Type][old] = primary.Id;
        }

        portal.Apply(primary, values, actor, at);
        primary.Props["hs_merged_object_ids"] = string.Join(';', mergedIds.Select(i => i.ToString(CultureInfo.InvariantCulture)));
        HsPortal.Touch(primary, at ?? portal.Now);
        return primary;
    }

    static IEnumerable<long> Ids(HsRecord record) =>
        record.Props.TryGetValue("hs_merged_object_ids", out var ids)
            ? ids.Split(';', StringSplitOptions.RemoveEmptyEntries).Select(i => long.Parse(i, CultureInfo.InvariantCulture))
            : [];
}

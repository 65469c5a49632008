namespace AbmSync.Sandbox.Salesforce;

/// <summary>What a merge did, as the SOAP API's MergeResult reports it: the master, the records merged into it, and the related records it re-parented.</summary>
public sealed record MergeOutcome(string Id, IReadOnlyList<string> MergedRecordIds, IReadOnlyList<string> UpdatedRelatedIds);

public sealed partial class SalesforceOrg
{
    /// <summary>
    /// The lookups a merge moves from a victim to the master, per object: the related records the org has. An
    /// account's contacts, opportunities, child accounts and the leads matched to it; a contact's opportunity contact
    /// roles. A lead has none here. The converted lead's ConvertedAccountId/ConvertedContactId (read-only system fields)
    /// are left as they are.
    /// </summary>
    static readonly Dictionary<string, (string Child, string Field)[]> MergeChildren = new(StringComparer.Ordinal)
    {
        ["Account"] = [("Contact", "AccountId"), ("Opportunity", "AccountId"), ("Account", "ParentId"), ("Lead", "ABM_Matched_Account__c")],
        ["Contact"] = [("OpportunityContactRole", "ContactId")],
        ["Lead"] = [],
    };

    /// <summary>
    /// Merges records as a person does (the Merge button, or the SOAP API's merge(), which the REST API has no
    /// resource for), after the SOAP API guide's merge(): Lead, Contact and Account only, "up to three records …
    /// including the master record", in one transaction. The victims are deleted (IsDeleted, MasterRecordId = the
    /// master, visible through queryAll and the deleted replication call), their related records re-parented to the
    /// master, and the master keeps its own values; every record changed carries one new SystemModstamp and
    /// <paramref name="userId"/> as last modifier. Throws when the org refuses.
    /// </summary>
    public MergeOutcome Merge(string sObject, string masterId, IReadOnlyList<string> victimIds, string userId)
    {
        var type = Schema.Find(sObject);
        if (type is null || !MergeChildren.TryGetValue(type.Name, out var children))
        {
            throw new ArgumentException($"merge() supports Lead, Contact and Account, not {sObject}.", nameof(sObject));
        }
        if (victimIds.Count is < 1 or > 2)
        {
            throw new ArgumentException("Up to three records can be merged in one request, including the master record: give one or two to merge into it.", nameof(victimIds));
        }
        lock (Store.Gate)
        {
            var master = Live(masterId);
            var victims = victimIds.Select(Live).ToList();
            if (victims.Any(v => v == master) || victims.Distinct().Count() != victims.Count)
            {
                throw new ArgumentException("The records to merge must be distinct and must not include the master.", nameof(victimIds));
            }
            if (type.Field("IsPersonAccount") is not null && victims.Any(v => !Equals(v["IsPersonAccount"], master["IsPersonAccount"])))
            {
                throw new InvalidOperationException("A person account can be merged only with person accounts, a business account only with business accounts.");
            }
            if (victims.Prepend(master).FirstOrDefault(r => r["IsConverted"] is true) is { } converted)
            {
                throw new InvalidOperationException($"Lead {converted.Id} is converted: a converted lead cannot be merged.");
            }
            if (type.Name == "Account" && victims.Any(v => master["ParentId"] as string == v.Id))
            {
                throw new InvalidOperationException($"Merging would make account {master.Id} its own parent: the merge would create a circular relationship.");
            }

            var undo = new List<(SfRecord Record, object?[]? Before)>();
            var updated = new List<string>();
            using (dml.Transaction())
            {
                foreach (var victim in victims)
                {
                    foreach (var (childName, field) in children)
                    {
                        var childType = Schema.Find(childName)!;
                        foreach (var child in Store.All(childType).Where(r => !r.IsDeleted && r != victim && r[field] as string == victim.Id).ToList())
                        {
                            dml.SystemUpdate(child, new Dictionary<string, object?> { [field] = master.Id }, userId, undo);
                            updated.Add(child.Id);
                        }
                    }
                    dml.SystemUpdate(victim, new Dictionary<string, object?> { ["IsDeleted"] = true, ["MasterRecordId"] = master.Id }, userId, undo);
                }
                // The master is saved in the merge too, so it is stamped with the same transaction.
                dml.SystemUpdate(master, new Dictionary<string, object?>(), userId, undo);
            }
            return new MergeOutcome(master.Id, [.. victims.Select(v => v.Id)], [.. updated.Distinct(StringComparer.Ordinal)]);
        }

        SfRecord Live(string id) => Store.Get(id) is { } record && record.Type == type && !record.IsDeleted
            ? record
            : throw new ArgumentException($"No live {type.Name} {id}.", nameof(masterId));
    }
}

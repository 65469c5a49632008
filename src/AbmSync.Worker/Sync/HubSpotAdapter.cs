using System.Runtime.CompilerServices;
using AbmSync.Connectors.HubSpot;
using AbmSync.Core.Mapping;
using AbmSync.Core.Sync;

namespace AbmSync.Worker.Sync;

/// <summary>
/// The runner's view of HubSpot for one object pair: read changes in last-modified order (beyond the 10,000 search
/// cap), read by ids, list everything once for matching, create by upsert on our own unique key (a replayed create
/// cannot duplicate) and update linked records by id, each in batches of 100 with per-record outcomes.
/// </summary>
public sealed class HubSpotAdapter(HubSpotClient hubSpot)
{
    /// <param name="onlyIncluded">Only records that pass the mapping's HubSpot filter (searched with it, not filtered after reading).</param>
    /// <param name="withAssociations">False when the caller reads the associations of every page at once afterwards (1,000 records a call).</param>
    public async IAsyncEnumerable<HubSpotChangePage> ReadChangedAsync(ObjectPair pair, DateTimeOffset since, [EnumeratorCancellation] CancellationToken ct, bool onlyIncluded = false,
        bool withAssociations = true)
    {
        var where = onlyIncluded ? Filters(pair.Mapping.IncludeHubSpot) : null;
        await foreach (var page in hubSpot.ReadModifiedAsync(pair.HubSpotObject, [.. pair.HubSpotProperties], since, ct: ct, where: where))
        {
            yield return withAssociations ? page with { Records = await WithAssociationsAsync(pair, page.Records, ct) } : page;
        }
    }

    /// <summary>The mapping's HubSpot filter as search filters: structured values, never filter text built from data.</summary>
    public static IReadOnlyList<HubSpotFilter> Filters(IReadOnlyList<InclusionCondition> conditions) =>
    [
        .. conditions.Select(c => c.Operator switch
        {
            InclusionOperator.In => new HubSpotFilter(c.Field, "IN", Values: c.Values),
            InclusionOperator.NotIn => new HubSpotFilter(c.Field, "NOT_IN", Values: c.Values),
            InclusionOperator.Equals => new HubSpotFilter(c.Field, "EQ", c.Values[0]),
            InclusionOperator.NotEquals => new HubSpotFilter(c.Field, "NEQ", c.Values[0]),
            InclusionOperator.IsNull => new HubSpotFilter(c.Field, "NOT_HAS_PROPERTY"),
            _ => new HubSpotFilter(c.Field, "HAS_PROPERTY"),
        }),
    ];

    /// <param name="withAssociations">
    /// False where only a few of the records will be used (a match index): their associations are read afterwards,
    /// 1,000 a call, for those alone (<see cref="WithAssociationsAsync"/>), not a call per page of 100.
    /// </param>
    public async IAsyncEnumerable<IReadOnlyList<HubSpotObject>> ListAllAsync(ObjectPair pair, IReadOnlyCollection<string> extra, [EnumeratorCancellation] CancellationToken ct,
        bool withAssociations = true)
    {
        await foreach (var page in hubSpot.ListAllAsync(pair.HubSpotObject, [.. pair.HubSpotProperties.Concat(extra).Distinct(StringComparer.Ordinal)], ct))
        {
            yield return withAssociations ? await WithAssociationsAsync(pair, page.Results, ct) : page.Results;
        }
    }

    /// <summary>Every archived (deleted) record of the pair's object, a page of 100 at a time.</summary>
    public async IAsyncEnumerable<IReadOnlyList<HubSpotObject>> ListArchivedAsync(ObjectPair pair, [EnumeratorCancellation] CancellationToken ct)
    {
        await foreach (var page in hubSpot.ListAllAsync(pair.HubSpotObject, [pair.HubSpotTwinIdProperty], ct, archived: true))
        {
            yield return [.. page.Results.Select(r => r with { Archived = true })];
        }
    }

    /// <summary>Archives records by id, 100 per call; the ids HubSpot did not archive come back with why.</summary>
    public async Task<Dictionary<string, string>> ArchiveAsync(ObjectPair pair, IReadOnlyList<string> ids, CancellationToken ct)
    {
        var refused = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var chunk in ids.Chunk(HubSpotClient.MaxBatchSize))
        {
            var result = await hubSpot.BatchArchiveAsync(pair.HubSpotObject, chunk, ct);
            foreach (var outcome in result.Outcomes.Where(o => o.Error is not null))
            {
                refused[outcome.InputId] = $"{outcome.Error!.Category}: {outcome.Error.Message}";
            }
        }
        return refused;
    }

    /// <summary>Records by id; a merged-away id answers with its survivor (keyed here by the id asked for).</summary>
    public async Task<Dictionary<string, HubSpotObject>> ReadByIdsAsync(ObjectPair pair, IReadOnlyCollection<string> ids, CancellationToken ct)
    {
        var found = new Dictionary<string, HubSpotObject>(StringComparer.Ordinal);
        if (ids.Count == 0)
        {
            return found;
        }
        var result = await hubSpot.BatchReadAsync(pair.HubSpotObject, [.. ids.Distinct(StringComparer.Ordinal)], [.. pair.HubSpotProperties], ct: ct);
        var records = await WithAssociationsAsync(pair, [.. result.Outcomes.Where(o => o.Record is not null).Select(o => o.Record!)], ct);
        var byId = records.ToDictionary(r => r.Id, StringComparer.Ordinal);
        foreach (var outcome in result.Outcomes)
        {
            if (outcome.Record is { } record)
            {
                found[outcome.InputId] = byId[record.Id];
            }
        }
        return found;
    }

    /// <summary>
    /// HubSpot's primary association type from one object type to another, as HUBSPOT_DEFINED ids: a contact's primary
    /// company is 1, a deal's 5. The primary is the one a record "belongs to", as a Salesforce parent lookup is.
    /// </summary>
    static int PrimaryTypeId(string from, string to) => (from, to) switch
    {
        ("contacts", "companies") => 1,
        ("deals", "companies") => 5,
        _ => throw new ArgumentOutOfRangeException(nameof(to), $"no primary association from {from} to {to}"),
    };

    static string AssociatedType(FieldMapping field) => field.HubSpot[FieldMapping.AssociationPrefix.Length..];

    /// <summary>
    /// Fills each association field (<c>associations.companies</c>) with the record's primary associated id, read in
    /// batches of 1,000 from the associations API: the planner then sees it as a value like any other. The records come
    /// back in the order given; one given twice (two versions of it) is read once.
    /// </summary>
    public async Task<IReadOnlyList<HubSpotObject>> WithAssociationsAsync(ObjectPair pair, IReadOnlyList<HubSpotObject> records, CancellationToken ct)
    {
        if (pair.Associations.Count == 0 || records.Count == 0)
        {
            return records;
        }
        var associated = records.Select(r => r.Id).Distinct(StringComparer.Ordinal)
            .ToDictionary(id => id, _ => new Dictionary<string, string?>(StringComparer.Ordinal), StringComparer.Ordinal);
        foreach (var field in pair.Associations)
        {
            var to = AssociatedType(field);
            var primary = PrimaryTypeId(pair.HubSpotObject, to);
            foreach (var id in associated.Keys)
            {
                associated[id][field.HubSpot] = null;
            }
            foreach (var associations in await hubSpot.BatchReadAssociationsAsync(pair.HubSpotObject, to, [.. associated.Keys], ct))
            {
                var chosen = associations.To.FirstOrDefault(t => t.Types.Any(type => type.TypeId == primary && type.Category == "HUBSPOT_DEFINED"))
                    ?? associations.To.FirstOrDefault();
                if (associated.TryGetValue(associations.FromId, out var values))
                {
                    values[field.HubSpot] = chosen?.ToId;
                }
            }
        }
        return [.. records.Select(r =>
        {
            var properties = new Dictionary<string, string?>(r.Properties, StringComparer.Ordinal);
            foreach (var (field, value) in associated[r.Id])
            {
                properties[field] = value;
            }
            return r with { Properties = properties };
        })];
    }

    /// <summary>
    /// Makes the association writes of records once they exist: each record's new primary association (a primary
    /// replaces the one before). A blank leaves the record's associations as they are: removing one is a person's
    /// call. Called once for a page's written records, so that a call carries 100 associations, not a batch's few.
    /// Returns the keys whose association write was refused, with why.
    /// </summary>
    public async Task<Dictionary<string, string>> WriteAssociationsAsync(ObjectPair pair, IReadOnlyList<(string Key, string? Id, IReadOnlyDictionary<string, string?> Values)> written, CancellationToken ct)
    {
        var refused = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var field in pair.Associations)
        {
            var pairs = written.Where(w => w.Id is not null && w.Values.TryGetValue(field.HubSpot, out var to) && to is { Length: > 0 })
                .Select(w => (w.Key, Pair: new HubSpotAssociationPair(w.Id!, w.Values[field.HubSpot]!))).ToList();
            if (pairs.Count == 0)
            {
                continue;
            }
            var result = await hubSpot.BatchCreateAssociationsAsync(pair.HubSpotObject, AssociatedType(field), [.. pairs.Select(p => p.Pair)],
                PrimaryTypeId(pair.HubSpotObject, AssociatedType(field)), ct: ct);
            foreach (var error in result.Errors)
            {
                foreach (var p in pairs.Where(p => error.Ids.Contains(p.Pair.FromId) || error.Ids.Contains(p.Pair.ToId)))
                {
                    refused[p.Key] = $"{error.Category}: {error.Message}";
                }
            }
        }
        return refused;
    }

    /// <summary>When each property last changed, from its history (newest version first), for records read 50 at a time.</summary>
    public async Task<Dictionary<string, IReadOnlyDictionary<string, DateTimeOffset>>> ReadHistoryAsync(
        ObjectPair pair, IReadOnlyList<string> ids, IReadOnlyCollection<string> properties, CancellationToken ct)
    {
        var times = new Dictionary<string, IReadOnlyDictionary<string, DateTimeOffset>>(StringComparer.Ordinal);
        if (ids.Count == 0)
        {
            return times;
        }
        var result = await hubSpot.BatchReadWithHistoryAsync(pair.HubSpotObject, ids, properties, properties, ct);
        foreach (var outcome in result.Outcomes)
        {
            if (outcome.Record?.History is { } history)
            {
                times[outcome.InputId] = history.Where(h => h.Value.Count > 0)
                    .ToDictionary(h => h.Key, h => h.Value.Max(v => v.Timestamp), StringComparer.Ordinal);
            }
        }
        return times;
    }

    public static SideRecord ToSide(ObjectPair pair, HubSpotObject record)
    {
        var values = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (var property in pair.HubSpotProperties.Concat(pair.Associations.Select(a => a.HubSpot)))
        {
            values[property] = record[property] is { Length: > 0 } v ? v : null;
        }
        return new SideRecord(record.Id, values, record.Archived, record.UpdatedAt);
    }

    /// <summary>
    /// Creates records by upsert on the pair's own unique property (the Salesforce id): a replay updates, never
    /// duplicates. Association fields are written apart (<see cref="WriteAssociationsAsync"/>), as with updates.
    /// </summary>
    public async Task<IReadOnlyList<WriteOutcome>> CreateAsync(ObjectPair pair, IReadOnlyList<(string Key, IReadOnlyDictionary<string, string?> Values)> creates, CancellationToken ct)
    {
        if (creates.Count == 0)
        {
            return [];
        }
        var result = await hubSpot.BatchUpsertAsync(pair.HubSpotObject, pair.HubSpotTwinIdProperty,
            [.. creates.Select(c => new HubSpotUpsertInput(c.Key, Clearing(pair, c.Values)))], ct);
        return [.. creates.Select((c, i) => Outcome(c.Key, result.Outcomes[i]))];
    }

    public async Task<IReadOnlyList<WriteOutcome>> UpdateAsync(ObjectPair pair, IReadOnlyList<(string Key, string Id, IReadOnlyDictionary<string, string?> Values)> updates, CancellationToken ct)
    {
        if (updates.Count == 0)
        {
            return [];
        }
        var properties = updates.Where(u => Clearing(pair, u.Values).Count > 0).ToList();
        var outcomes = updates.ToDictionary(u => u.Key, u => WriteOutcome.Ok(u.Key, u.Id), StringComparer.Ordinal);
        if (properties.Count > 0)
        {
            var result = await hubSpot.BatchUpdateAsync(pair.HubSpotObject, [.. properties.Select(u => new HubSpotUpdateInput(u.Id, Clearing(pair, u.Values)))], ct);
            for (var i = 0; i < properties.Count; i++)
            {
                outcomes[properties[i].Key] = Outcome(properties[i].Key, result.Outcomes[i]);
            }
        }
        return [.. updates.Select(u => outcomes[u.Key])];
    }

    /// <summary>
    /// The property writes of a record: HubSpot clears a property with an empty string (the planner's "no value" is
    /// null); association fields are not properties and travel through the associations API instead.
    /// </summary>
    static Dictionary<string, string?> Clearing(ObjectPair pair, IReadOnlyDictionary<string, string?> values) =>
        values.Where(v => !v.Key.StartsWith(FieldMapping.AssociationPrefix, StringComparison.Ordinal))
            .ToDictionary(v => v.Key, v => (string?)(v.Value ?? ""), StringComparer.Ordinal);

    static WriteOutcome Outcome(string key, HubSpotRecordOutcome outcome) => outcome.Error is { } error
        ? WriteOutcome.Failed(key, error.Category, error.Message)
        : WriteOutcome.Ok(key, outcome.Record?.Id, outcome.IsNew == true);

    /// <summary>
    /// Merges <paramref name="mergedId"/> into <paramref name="primaryId"/> and answers the id both now read as. A
    /// merge already made (both answer as one record) is not made again: the call is not idempotent.
    /// </summary>
    public async Task<string> MergeAsync(ObjectPair pair, string primaryId, string mergedId, CancellationToken ct)
    {
        var current = await hubSpot.BatchReadAsync(pair.HubSpotObject, [primaryId, mergedId], [ObjectPair.HubSpotMergedIdsProperty], ct: ct);
        var answers = current.Outcomes.Where(o => o.Record is not null).ToDictionary(o => o.InputId, o => o.Record!.Id, StringComparer.Ordinal);
        if (answers.TryGetValue(primaryId, out var a) && answers.TryGetValue(mergedId, out var b) && a == b)
        {
            return a;
        }
        if (!answers.ContainsKey(mergedId))
        {
            // The loser's twin is gone already: nothing to merge, the master keeps its own.
            return answers.GetValueOrDefault(primaryId) ?? primaryId;
        }
        var result = await hubSpot.MergeAsync(pair.HubSpotObject, answers.GetValueOrDefault(primaryId) ?? primaryId, answers[mergedId], ct);
        return result.Id;
    }

    /// <summary>Each record's associated ids of another object type (every association type), 1,000 records per call.</summary>
    public async Task<Dictionary<string, HashSet<string>>> ReadAssociatedAsync(ObjectPair pair, string toType, IReadOnlyCollection<string> ids, CancellationToken ct)
    {
        var found = ids.Distinct(StringComparer.Ordinal).ToDictionary(id => id, _ => new HashSet<string>(StringComparer.Ordinal), StringComparer.Ordinal);
        if (found.Count == 0)
        {
            return found;
        }
        foreach (var associations in await hubSpot.BatchReadAssociationsAsync(pair.HubSpotObject, toType, [.. found.Keys], ct))
        {
            if (found.TryGetValue(associations.FromId, out var set))
            {
                set.UnionWith(associations.To.Select(t => t.ToId));
            }
        }
        return found;
    }

    /// <summary>Associates each pair with the given HUBSPOT_DEFINED type; answers the errors, with the ids they name.</summary>
    public async Task<IReadOnlyList<HubSpotError>> AssociateAsync(ObjectPair pair, string toType, IReadOnlyList<HubSpotAssociationPair> pairs, int typeId, CancellationToken ct) =>
        pairs.Count == 0 ? [] : (await hubSpot.BatchCreateAssociationsAsync(pair.HubSpotObject, toType, pairs, typeId, ct: ct)).Errors;

    /// <summary>Removes every association between each pair; answers the errors.</summary>
    public async Task<IReadOnlyList<HubSpotError>> UnassociateAsync(ObjectPair pair, string toType, IReadOnlyList<HubSpotAssociationPair> pairs, CancellationToken ct) =>
        pairs.Count == 0 ? [] : (await hubSpot.BatchArchiveAssociationsAsync(pair.HubSpotObject, toType, pairs, ct)).Errors;

    /// <summary>Values per IN filter of a search by key: the records that carry one of them are few, so a page of 200 holds them.</summary>
    public const int ValuesPerFilter = 100;

    /// <summary>Filter groups per search (ORed): HubSpot takes five, so one search asks for 500 keys.</summary>
    public const int GroupsPerSearch = 5;

    /// <summary>
    /// What <see cref="SearchByKeysAsync"/> costs at most: a search per five filters of 100 keys, and a further page
    /// per 200 records found beyond the first page of each (<paramref name="records"/> is how many can be found).
    /// </summary>
    public static int KeySearchCalls(int ids, int emails, int records)
    {
        var filters = (ids + ValuesPerFilter - 1) / ValuesPerFilter + (emails + ValuesPerFilter - 1) / ValuesPerFilter;
        var searches = (filters + GroupsPerSearch - 1) / GroupsPerSearch;
        return Math.Max(searches, (records + HubSpotClient.MaxSearchLimit - 1) / HubSpotClient.MaxSearchLimit);
    }

    /// <summary>How many records of the pair's object the portal holds: one search of one record, for its total.</summary>
    public async Task<long> CountAsync(ObjectPair pair, CancellationToken ct) =>
        (await hubSpot.SearchAsync(pair.HubSpotObject, new HubSpotSearchRequest([], [], ["hs_object_id"], null, 1), ct)).Total;

    /// <summary>
    /// The records whose value of a key property is one of its values (HubSpot compares without regard to case), with
    /// the pair's properties: each filter group one property IN 100 values, five groups a search, every page of its
    /// results read. Associations are the caller's to read.
    /// </summary>
    // Results past the first page come in a promised order: by id.
    static readonly HubSpotSort ById = new("hs_object_id");

    public async Task<IReadOnlyList<HubSpotObject>> SearchByKeysAsync(ObjectPair pair, IReadOnlyList<(string Property, IReadOnlyList<string> Values)> keys, CancellationToken ct)
    {
        var found = new Dictionary<string, HubSpotObject>(StringComparer.Ordinal);
        var groups = keys.SelectMany(k => k.Values.Distinct(StringComparer.Ordinal).Chunk(ValuesPerFilter)
            .Select(chunk => new HubSpotFilterGroup([new HubSpotFilter(k.Property, "IN", Values: chunk)]))).ToList();
        foreach (var search in groups.Chunk(GroupsPerSearch))
        {
            string? after = null;
            do
            {
                var page = await hubSpot.SearchAsync(pair.HubSpotObject, new HubSpotSearchRequest([.. search], [ById], [.. pair.HubSpotProperties], after), ct);
                foreach (var record in page.Results)
                {
                    found.TryAdd(record.Id, record);
                }
                after = page.NextAfter;
            }
            while (after is not null);
        }
        return [.. found.Values];
    }
}

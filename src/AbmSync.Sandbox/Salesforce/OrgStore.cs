namespace AbmSync.Sandbox.Salesforce;

/// <summary>One record of the org. Values are string, bool, decimal, DateTimeOffset (UTC), DateOnly or null.</summary>
public sealed class SfRecord(SfObject type, string id, long order)
{
    static readonly object True = true;
    static readonly object False = false;

    // One slot per field of the type, in describe order: a million-record org must stay small and quick to seed.
    object?[] values = new object?[type.Fields.Count];

    public SfObject Type { get; } = type;
    public string Id { get; } = id;
    /// <summary>Insertion order: the order an unordered query answers in.</summary>
    public long Order { get; } = order;

    /// <summary>The store that indexes this record's unique and external id values (set when the record is added).</summary>
    internal OrgStore? Store { get; set; }

    public object? this[string field]
    {
        // Reading a field the type lacks answers null (a Contact has no IsConverted); writing one is a bug.
        get => Type.Has(field) ? values[Type.IndexOf(field)] : null;
        set
        {
            var slot = Type.IndexOf(field);
            var old = values[slot];
            values[slot] = value is bool b ? (b ? True : False) : value;
            Store?.Reindex(this, Type.Fields[slot], old, values[slot]);
        }
    }

    public bool IsDeleted => this["IsDeleted"] is true;

    /// <summary>
    /// When the running org deleted it, for the recycle bin's 15 days; null for a live record and for the seeded
    /// world's own deletions (its merges), which stay in the recycle bin.
    /// </summary>
    public DateTimeOffset? DeletedAt { get; set; }

    /// <summary>A copy of every value, to restore on rollback.</summary>
    public object?[] Snapshot() => (object?[])values.Clone();

    public void Restore(object?[] snapshot)
    {
        var before = values;
        values = (object?[])snapshot.Clone();
        for (var i = 0; i < values.Length; i++)
        {
            Store?.Reindex(this, Type.Fields[i], before[i], values[i]);
        }
    }
}

/// <summary>
/// The org's records. Every access happens under <see cref="Gate"/>: requests run concurrently, and a collection write
/// must see and change the store as one step (allOrNone rolls back as a whole).
/// </summary>
public sealed class OrgStore(SfSchema schema, int seed, TimeProvider time)
{
    readonly Dictionary<string, List<SfRecord>> byType = schema.Objects.ToDictionary(o => o.Name, _ => new List<SfRecord>(), StringComparer.Ordinal);
    readonly Dictionary<string, SfRecord> byId = new(StringComparer.Ordinal);
    readonly Dictionary<string, long> serials = new(StringComparer.Ordinal);
    long order;
    DateTimeOffset lastStamp = DateTimeOffset.MinValue;

    public SfSchema Schema { get; } = schema;
    public object Gate { get; } = new();
    public int Seed { get; } = seed;

    /// <summary>
    /// The next modification stamp: now at millisecond precision, but always later than the last one handed out, so
    /// that readers ordering by SystemModstamp see writes in the order they happened.
    /// </summary>
    public DateTimeOffset NextStamp()
    {
        var now = time.GetUtcNow().ToUniversalTime();
        now = new DateTimeOffset(now.Ticks - now.Ticks % TimeSpan.TicksPerMillisecond, TimeSpan.Zero);
        lastStamp = now > lastStamp ? now : lastStamp.AddMilliseconds(1);
        return lastStamp;
    }

    public DateTimeOffset Now => time.GetUtcNow();

    /// <summary>Notes a seeded stamp so that later writes are stamped after it.</summary>
    public void SawStamp(DateTimeOffset stamp)
    {
        if (stamp > lastStamp)
        {
            lastStamp = stamp;
        }
    }

    public string NewId(SfObject type)
    {
        var serial = serials.GetValueOrDefault(type.KeyPrefix) + 1;
        serials[type.KeyPrefix] = serial;
        return SalesforceId.Mint(type.KeyPrefix, Seed, serial);
    }

    public SfRecord Add(SfObject type, string? id = null)
    {
        var record = new SfRecord(type, id ?? NewId(type), ++order) { Store = this };
        byType[type.Name].Add(record);
        byId[record.Id] = record;
        return record;
    }

    /// <summary>Undoes <see cref="Add"/> (an allOrNone rollback).</summary>
    public void Remove(SfRecord record)
    {
        byType[record.Type.Name].Remove(record);
        byId.Remove(record.Id);
        foreach (var field in record.Type.Fields)
        {
            Reindex(record, field, record[field.Name], null);
        }
    }

    // Unique and external id text values → the records holding them (case-insensitive, as those fields compare), so
    // that a duplicate check or an upsert match is a lookup, not a scan: a 40,000-record ingest must not be quadratic.
    readonly Dictionary<(string Type, string Field), Dictionary<string, HashSet<SfRecord>>> valueIndex = [];

    internal void Reindex(SfRecord record, SfField field, object? old, object? now)
    {
        if (!(field.Unique || field.ExternalId || field.Indexed) || Equals(old, now))
        {
            return;
        }
        var key = (record.Type.Name, field.Name);
        if (!valueIndex.TryGetValue(key, out var index))
        {
            valueIndex[key] = index = new Dictionary<string, HashSet<SfRecord>>(StringComparer.OrdinalIgnoreCase);
        }
        if (old is string before && index.TryGetValue(before, out var holders))
        {
            holders.Remove(record);
            if (holders.Count == 0)
            {
                index.Remove(before);
            }
        }
        if (now is string after)
        {
            if (!index.TryGetValue(after, out var set))
            {
                index[after] = set = [];
            }
            set.Add(record);
        }
    }

    /// <summary>The live records whose unique or external id <paramref name="field"/> holds <paramref name="value"/> (any case).</summary>
    public IEnumerable<SfRecord> WithValue(SfObject type, SfField field, string value) =>
        valueIndex.TryGetValue((type.Name, field.Name), out var index) && index.TryGetValue(value, out var holders)
            ? holders.Where(r => !r.IsDeleted).OrderBy(r => r.Order)
            : [];

    /// <summary>A record by 15- or 18-character id, deleted or not.</summary>
    public SfRecord? Get(string? id)
    {
        if (id is { Length: 18 } && byId.TryGetValue(id, out var exact))
        {
            return exact;
        }
        var full = SalesforceId.Normalize(id);
        return full is null ? null : byId.GetValueOrDefault(full);
    }

    public IReadOnlyList<SfRecord> All(SfObject type) => byType[type.Name];
}

using AbmSync.Connectors.HubSpot;
using AbmSync.Connectors.Salesforce;
using AbmSync.Core.Sync;
using AbmSync.Worker.State;

namespace AbmSync.Worker.Sync;

/// <summary>
/// One record as the rules see it while a page is planned and committed: its ids, the records read, and (once
/// planned) what goes to Salesforce, which for a record created there is all there is of it.
/// </summary>
public sealed record RuleSubject(string? SalesforceId, string? HubSpotId, SObjectRecord? Salesforce, HubSpotObject? HubSpot,
    IReadOnlyDictionary<string, string?>? SalesforceWrites = null);

/// <summary>What a pair's rules decide from, besides the records the run reads: the state store's snapshot as of the run.</summary>
/// <param name="Owners">The owner map and routing's roster as the run read them; null where the rules decide without (a test).</param>
/// <param name="ReadOnly">Rules evaluated for a look only (<c>rules diff</c>, a benchmark): loading them writes nothing to the store.</param>
public sealed record RulesSnapshot(StateStore Store, AccountEngagementBook Engagement, string Pair, DateTimeOffset Now, string RulesHash = "", OwnerMap? Owners = null,
    bool ReadOnly = false);

/// <summary>
/// The rule-owned fields of one pair (the accounts' tiers and engagement, the contacts' buying roles): decided after
/// every read and before any write, written where they differ from the record, and each decision that changed
/// appended to the ledger with the page that writes it. The runner knows only this; each pair's rules are one class.
/// </summary>
public abstract class PairRules
{
    /// <summary>The Salesforce fields the rules read (and so every read of the pair asks for).</summary>
    public abstract IReadOnlyList<string> SalesforceInputs { get; }

    /// <summary>What the rules write on the Salesforce record.</summary>
    public abstract IReadOnlyList<string> SalesforceOutputs { get; }

    /// <summary>What the rules write (and so read) on the HubSpot record.</summary>
    public abstract IReadOnlyList<string> HubSpotProperties { get; }

    /// <summary>Loads what was decided and written before, and whatever else the rules decide over.</summary>
    public abstract Task LoadAsync(RulesSnapshot snapshot);

    /// <summary>
    /// Loads what the rules read of earlier pairs' work (an account's engagement by its linked company): called once
    /// the reads are done and every earlier pair the run depends on has finished, before the first page is planned.
    /// </summary>
    public virtual Task PrepareAsync(RulesSnapshot snapshot) => Task.CompletedTask;

    /// <summary>A record read in this run.</summary>
    public abstract void Observe(SObjectRecord record);

    /// <summary>The record no longer takes part (deleted, or it left the inclusion filter); true when its values must be taken back.</summary>
    public virtual bool Exclude(string salesforceId, string reason) => false;

    /// <summary>Records not read in this run whose decisions changed: the runner reads them by id and writes them.</summary>
    public abstract IEnumerable<string> Moved();

    /// <summary>What the rules own on each side of one record, or null when they own nothing there.</summary>
    public abstract RuleValues? ValuesFor(string salesforceId);

    /// <summary>What the rules own on a record being planned; by default what they decided for its Salesforce id.</summary>
    public virtual RuleValues? ValuesFor(RuleSubject subject) => subject.SalesforceId is { } id ? ValuesFor(id) : null;

    /// <summary>The record's current decision for the decision table, if the rules keep one there.</summary>
    public virtual Decision? ToStored(string salesforceId, long runId, DateTimeOffset now) => null;

    /// <summary>The ledger entries of the record's decisions that differ from the last ones: none on an idle day.</summary>
    public abstract IReadOnlyList<LedgerEntry> LedgerFor(string salesforceId, long runId, DateTimeOffset now, string rulesHash);

    /// <summary>The ledger entries of a record being committed; by default those of its Salesforce id.</summary>
    public virtual IReadOnlyList<LedgerEntry> LedgerFor(RuleSubject subject, long runId, DateTimeOffset now, string rulesHash) =>
        subject.SalesforceId is { } id ? LedgerFor(id, runId, now, rulesHash) : [];

    /// <summary>
    /// The ledger entries that must be committed before the page writes (an owner assignment: a run that stops
    /// after the write, or a job delivered twice, replays it rather than assigning again). The runner appends them,
    /// then calls <see cref="Committed(LedgerEntry)"/>; a dry run does neither.
    /// </summary>
    public virtual IReadOnlyList<LedgerEntry> LedgerBeforeWrite(RuleSubject subject, long runId, DateTimeOffset now, string rulesHash) => [];

    /// <summary>
    /// The decisions over the whole book that must be committed before the run's first page writes (the owner
    /// assignments a round robin made: decided in one pass, their order is part of them, so a run that stops after
    /// some pages must find the rest decided, not deal them again in another order).
    /// </summary>
    public virtual IReadOnlyList<LedgerEntry> LedgerBeforeFirstWrite(long runId, DateTimeOffset now, string rulesHash) => [];

    public virtual void Committed(Decision decision)
    {
    }

    /// <summary>A ledger entry committed with its page: the value it records is now the one written.</summary>
    public abstract void Committed(LedgerEntry entry);

    /// <summary>What the rules decided in this run, in lines for the run's summary (match rate, routing, conflicts).</summary>
    public virtual IReadOnlyList<string> Report() => [];

    /// <summary>This rule, or the part of a combination, of type <typeparamref name="T"/>.</summary>
    public virtual T? Find<T>() where T : PairRules => this as T;
}

/// <summary>
/// Several rules over one pair, as one: inputs and outputs united, each step asked of every part in order, the
/// values merged. A part that depends on another comes first where it must decide first (routing before the tiers
/// whose per-owner caps it re-checks).
/// </summary>
public sealed class CombinedRules(params PairRules[] parts) : PairRules
{
    public IReadOnlyList<PairRules> Parts { get; } = parts;

    public override IReadOnlyList<string> SalesforceInputs => [.. Parts.SelectMany(p => p.SalesforceInputs).Distinct(StringComparer.OrdinalIgnoreCase)];
    public override IReadOnlyList<string> SalesforceOutputs => [.. Parts.SelectMany(p => p.SalesforceOutputs).Distinct(StringComparer.OrdinalIgnoreCase)];
    public override IReadOnlyList<string> HubSpotProperties => [.. Parts.SelectMany(p => p.HubSpotProperties).Distinct(StringComparer.Ordinal)];

    public override async Task LoadAsync(RulesSnapshot snapshot)
    {
        foreach (var part in Parts)
        {
            await part.LoadAsync(snapshot);
        }
    }

    public override async Task PrepareAsync(RulesSnapshot snapshot)
    {
        foreach (var part in Parts)
        {
            await part.PrepareAsync(snapshot);
        }
    }

    public override void Observe(SObjectRecord record)
    {
        foreach (var part in Parts)
        {
            part.Observe(record);
        }
    }

    public override bool Exclude(string salesforceId, string reason)
    {
        var takeBack = false;
        foreach (var part in Parts)
        {
            takeBack |= part.Exclude(salesforceId, reason);
        }
        return takeBack;
    }

    public override IEnumerable<string> Moved() => Parts.SelectMany(p => p.Moved()).Distinct(StringComparer.Ordinal).ToList();

    public override RuleValues? ValuesFor(string salesforceId) => Merge(Parts.Select(p => p.ValuesFor(salesforceId)));

    public override RuleValues? ValuesFor(RuleSubject subject) => Merge(Parts.Select(p => p.ValuesFor(subject)));

    static RuleValues? Merge(IEnumerable<RuleValues?> values)
    {
        Dictionary<string, string?>? salesforce = null;
        Dictionary<string, string?>? hubSpot = null;
        foreach (var v in values.OfType<RuleValues>())
        {
            salesforce ??= new Dictionary<string, string?>(StringComparer.Ordinal);
            hubSpot ??= new Dictionary<string, string?>(StringComparer.Ordinal);
            foreach (var (k, value) in v.Salesforce)
            {
                salesforce[k] = value;
            }
            foreach (var (k, value) in v.HubSpot)
            {
                hubSpot[k] = value;
            }
        }
        return salesforce is null ? null : new RuleValues(salesforce, hubSpot!);
    }

    public override Decision? ToStored(string salesforceId, long runId, DateTimeOffset now) =>
        Parts.Select(p => p.ToStored(salesforceId, runId, now)).FirstOrDefault(d => d is not null);

    public override IReadOnlyList<LedgerEntry> LedgerFor(string salesforceId, long runId, DateTimeOffset now, string rulesHash) =>
        [.. Parts.SelectMany(p => p.LedgerFor(salesforceId, runId, now, rulesHash))];

    public override IReadOnlyList<LedgerEntry> LedgerFor(RuleSubject subject, long runId, DateTimeOffset now, string rulesHash) =>
        [.. Parts.SelectMany(p => p.LedgerFor(subject, runId, now, rulesHash))];

    public override IReadOnlyList<LedgerEntry> LedgerBeforeWrite(RuleSubject subject, long runId, DateTimeOffset now, string rulesHash) =>
        [.. Parts.SelectMany(p => p.LedgerBeforeWrite(subject, runId, now, rulesHash))];

    public override IReadOnlyList<LedgerEntry> LedgerBeforeFirstWrite(long runId, DateTimeOffset now, string rulesHash) =>
        [.. Parts.SelectMany(p => p.LedgerBeforeFirstWrite(runId, now, rulesHash))];

    public override void Committed(Decision decision)
    {
        foreach (var part in Parts)
        {
            part.Committed(decision);
        }
    }

    public override void Committed(LedgerEntry entry)
    {
        foreach (var part in Parts)
        {
            part.Committed(entry);
        }
    }

    public override IReadOnlyList<string> Report() => [.. Parts.SelectMany(p => p.Report())];

    public override T? Find<T>() where T : class => this as T ?? Parts.Select(p => p.Find<T>()).FirstOrDefault(p => p is not null);
}

/// <summary>
/// Rules whose decision is a function of one record (a contact's role, an opportunity's influence): decided where the
/// record is planned and again where it is committed, compared with the ledger's current entry of
/// <see cref="Kind"/>. A linked record without an entry (linked before the rule existed) is read once by id.
/// </summary>
public abstract class RecordRules(string kind) : PairRules
{
    public string Kind { get; } = kind;

    /// <summary>The ledger's current entry per Salesforce id: what was last decided and written.</summary>
    protected Dictionary<string, LedgerEntry> Written { get; } = new(StringComparer.Ordinal);

    HashSet<string> linked = new(StringComparer.Ordinal);

    public override async Task LoadAsync(RulesSnapshot snapshot)
    {
        foreach (var entry in await snapshot.Store.CurrentDecisionsAsync(snapshot.Pair, Kind))
        {
            Written[entry.RecordId] = entry;
        }
        linked = [.. (await snapshot.Store.AllLinksAsync(snapshot.Pair)).Where(l => l.Status == LinkStatuses.Active).Select(l => l.SalesforceId)];
    }

    public override void Observe(SObjectRecord record)
    {
    }

    public override IEnumerable<string> Moved() => linked.Where(id => !Written.ContainsKey(id)).Order(StringComparer.Ordinal);

    // Decided from the record being planned (RuleSubject), never from the id alone.
    public override RuleValues? ValuesFor(string salesforceId) => null;

    public override IReadOnlyList<LedgerEntry> LedgerFor(string salesforceId, long runId, DateTimeOffset now, string rulesHash) => [];

    public override void Committed(LedgerEntry entry)
    {
        // In a combination every part hears every entry: only its own kind is its decision.
        if (entry.Kind == Kind)
        {
            Written[entry.RecordId] = entry;
        }
    }
}


using AbmSync.Worker.Sync;

namespace AbmSync.Bench;

/// <summary>What one pair's run had to do, the bound's inputs: the run summary and, before a first run, the HubSpot object's size.</summary>
/// <param name="FirstRun">No cursor yet: every record of the object is read on each side, and a first run needs no deletes read.</param>
/// <param name="HubSpotObjectCount">The portal's records of the pair's HubSpot object just before the run (search total); 0 when not asked.</param>
public sealed record RunFacts(string Pair, bool FirstRun, SyncSummary Summary, long HubSpotObjectCount);

/// <summary>One named part of the bound: the calls the run made of that kind, the records they carried, and the part's floor.</summary>
/// <param name="Extra">A kind of call the bound does not name: printed beside it, never folded into it.</param>
public sealed record BoundComponent(string Name, long Calls, long Records, long Bound, bool Extra);

/// <summary>
/// The lower bound of one pair's run on one system: each record read once per side and written once per side where it
/// changed, divided by the largest batch or page of the endpoint, plus the named setup calls. bench/README.md ("The
/// call bound") states the same formula; this is the one place it is computed. Kinds of call the bound does not name
/// are kept as extras, so that calls ÷ bound never hides them.
/// </summary>
public sealed record CallBound(Api System, IReadOnlyList<BoundComponent> Components)
{
    // Salesforce: a REST query page, an IN list of ids (the engine's SalesforceAdapter.IdsPerQuery), an sObject
    // Collections call, a Bulk API 2.0 result set (the sandbox's, when no maxRecords is sent) and an ingest job.
    public const int QueryPage = 2_000;
    public const int IdsPerQuery = 200;
    public const int CollectionBatch = 200;
    public const int BulkResultSet = 50_000;
    public const int BulkQueryJobFloor = 2;
    public const int BulkIngestJobCalls = 7;

    // HubSpot: list and batch pages, search pages, association reads, association writes, history reads.
    public const int BatchPage = 100;
    public const int SearchPage = 200;
    public const int AssociationReadBatch = 1_000;
    public const int AssociationWriteBatch = 100;
    public const int HistoryBatch = 50;

    /// <summary>HubSpot's steady rate at the client's tier: 190 requests per rolling 10 s, 19 per second.</summary>
    public const double HubSpotCallsPerSecond = 19;

    public long Calls => Components.Sum(c => c.Calls);

    public long Bound => Components.Where(c => !c.Extra).Sum(c => c.Bound);

    /// <summary>Calls of kinds the bound does not name.</summary>
    public long Extras => Components.Where(c => c.Extra).Sum(c => c.Calls);

    public double Ratio => Bound == 0 ? (Calls == 0 ? 1 : double.PositiveInfinity) : Calls / (double)Bound;

    /// <summary>The rate-limit bound: the bound's HubSpot calls at the steady rate, in seconds (0 for Salesforce, which has a daily allocation, not a rate).</summary>
    public double RateLimitSeconds => System == Api.HubSpot ? Bound / HubSpotCallsPerSecond : 0;

    public static CallBound For(Api system, RunFacts facts, IReadOnlyList<KindCount> counts)
    {
        var made = counts.Where(c => c.System == system).ToDictionary(c => c.Kind);
        long Calls(string kind) => made.TryGetValue(kind, out var k) ? k.Calls : 0;
        long Records(string kind) => made.TryGetValue(kind, out var k) ? k.Records : 0;
        var parts = new List<BoundComponent>();
        void Part(string kind, long bound) => parts.Add(new(kind, Calls(kind), Records(kind), bound, Extra: false));
        // A setup call is needed once where it was not already made (the engine caches describes, tokens and owners
        // per process): counted as made, at most its floor.
        void Setup(string kind, long floor) => Part(kind, Math.Min(Calls(kind), floor));

        var s = facts.Summary;
        var incremental = !facts.FirstRun;
        if (system == Api.Salesforce)
        {
            Setup("setup: token", 1);
            Setup("setup: describe", 1);
            Setup("setup: limits", 1);
            Setup("setup: identity", 1);
            Setup("setup: users (owner map)", 1);
            Setup("setup: OpportunityStage", 1);
            var bulkJobs = Calls("write: bulk ingest (job created)");
            // Above BulkThreshold the read is one Bulk API 2.0 query job (create, one poll, one call per result set),
            // after the REST query whose size chose it.
            var bulkRead = Calls("read (bulk job)") > 0;
            parts.Add(new("read", Calls("read") + Calls("read (bulk job)"), 0, bulkRead
                ? BulkQueryJobFloor + Measure.Ceiling(s.RecordsRead, BulkResultSet)
                : Math.Max(1, Measure.Ceiling(s.RecordsRead, QueryPage)), Extra: false));
            made.Remove("read (bulk job)");
            Part("deleted", incremental ? 1 : 0);
            Part("twins by id", Measure.Ceiling(Records("twins by id"), IdsPerQuery));
            Part("contact roles (by opportunity ids)", Measure.Ceiling(Records("contact roles (by opportunity ids)"), IdsPerQuery));
            Part("contact roles (changes)", incremental && facts.Pair == ObjectPairs.Opportunities ? 1 : 0);
            // Updates (field values, and the HubSpot ids written back) go in collections of 200, or one ingest job above BulkThreshold.
            Part("write: update", bulkJobs > 0 ? 0 : Measure.Ceiling(s.SalesforceUpdated, CollectionBatch));
            Part("write: create/upsert", Measure.Ceiling(s.SalesforceCreated, CollectionBatch));
            parts.Add(new("write: bulk ingest", Calls("write: bulk ingest") + bulkJobs, 0, BulkIngestJobCalls * bulkJobs, Extra: false));
            made.Remove("write: bulk ingest (job created)");
        }
        else
        {
            Setup("setup: properties", 1);
            Setup("setup: schema (groups, group, properties created)", 3);
            Setup("setup: owners", long.MaxValue);
            Setup("setup: pipelines", 1);
            Setup("setup: account details", 1);
            // A first run has no cursor: it lists the object once (100 a page), which gives every change and every match
            // key. Later runs read changes by search (200 a page), at least one call.
            Part("read", facts.FirstRun
                ? Measure.Ceiling(Math.Max(s.HubSpotRead, facts.HubSpotObjectCount), BatchPage)
                : Math.Max(1, Measure.Ceiling(s.HubSpotRead, SearchPage)));
            Part("twins by id", Measure.Ceiling(Records("twins by id"), BatchPage));
            Part("history", Measure.Ceiling(Records("history"), HistoryBatch));
            foreach (var kind in made.Keys.Where(k => k.StartsWith("associations read ", StringComparison.Ordinal)).Order(StringComparer.Ordinal))
            {
                Part(kind, Measure.Ceiling(Records(kind), AssociationReadBatch));
            }
            foreach (var kind in made.Keys.Where(k => k.StartsWith("associations write ", StringComparison.Ordinal)).Order(StringComparer.Ordinal))
            {
                Part(kind, Measure.Ceiling(Records(kind), AssociationWriteBatch));
            }
            Part("write: create/upsert", Measure.Ceiling(s.HubSpotCreated, BatchPage));
            // Updates are the field values and, for each Salesforce record created from HubSpot, its id written back.
            Part("write: update", Measure.Ceiling(s.HubSpotUpdated + s.SalesforceCreated, BatchPage));
        }
        var named = parts.Select(p => p.Name).ToHashSet(StringComparer.Ordinal);
        foreach (var (kind, count) in made.Where(m => !named.Contains(m.Key)).OrderBy(m => m.Key, StringComparer.Ordinal))
        {
            // A kind the classifier did not put in the bound: an extra, whether or not it is named as one.
            parts.Add(new(kind.StartsWith(CallLedger.ExtraPrefix, StringComparison.Ordinal) ? kind[CallLedger.ExtraPrefix.Length..] : kind, count.Calls, count.Records, 0, Extra: true));
        }
        return new CallBound(system, [.. parts.Where(p => p.Calls > 0 || p.Bound > 0)]);
    }

    /// <summary>Several pairs' bounds on one system as one: components of the same name added up.</summary>
    public static CallBound Sum(Api system, IEnumerable<CallBound> bounds) => new(system,
        [.. bounds.SelectMany(b => b.Components).GroupBy(c => (c.Name, c.Extra))
            .Select(g => new BoundComponent(g.Key.Name, g.Sum(c => c.Calls), g.Sum(c => c.Records), g.Sum(c => c.Bound), g.Key.Extra))]);
}

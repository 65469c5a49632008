using System.Runtime.ExceptionServices;
using Microsoft.Extensions.Options;

namespace AbmSync.Worker.Sync;

/// <summary>When a run may read, and when it may read associations and plan its first page.</summary>
public sealed record RunGates(Task ReadsMayStart, Task PagesMayStart)
{
    public static readonly RunGates None = new(Task.CompletedTask, Task.CompletedTask);
}

/// <summary>A run a sequence did not let plan, because an earlier pair it depends on failed.</summary>
public sealed class PrerequisiteFailedException(string pair, Exception cause)
    : Exception($"not planned: the {pair} run it depends on failed ({cause.Message}); the next run reads again from the last committed page", cause);

/// <summary>One pair's end in a sequence: its summary, or what it threw.</summary>
public sealed record PairOutcome(string Pair, SyncSummary? Summary, Exception? Error);

/// <summary>
/// Several pairs synced as one job (<c>sync --object all</c>), in the order given. Every run starts at once; a run
/// reads as soon as no earlier pair still running writes what it reads, and plans its first page once every earlier
/// pair it depends on has finished. So the contacts' listing of HubSpot goes on while the accounts write, and leads
/// and opportunities, which share nothing, plan at the same time. What waits for what follows from the pairs' own
/// description (<see cref="ReadsWaitFor"/>, <see cref="PagesWaitFor"/>), never from their names.
/// </summary>
public sealed class PairSequence(SyncRunner runner, EngagementSync engagement, SyncConfiguration configuration, IOptions<SyncOptions> options)
{
    public async Task<IReadOnlyList<PairOutcome>> RunAsync(IReadOnlyList<string> names, Func<string, SyncRequest> requestFor, CancellationToken ct)
    {
        var outcomes = new List<PairOutcome>();
        if (names.Contains(ObjectPairs.Engagement))
        {
            // The activities are read before any pair starts: the accounts' rules decide over every signal. On its own,
            // engagement is followed by the accounts, whose run writes the engagement that changed.
            outcomes.Add(await EngagementOutcomeAsync(requestFor(ObjectPairs.Engagement), ct));
            // A failed read of the activities does not hold the records back: the accounts decide over the signals stored.
            names = names.Count == 1 ? [ObjectPairs.Accounts] : [.. names.Where(n => n != ObjectPairs.Engagement)];
        }
        var pairs = names.Select(n => ObjectPairs.For(n, configuration)).ToList();
        var runs = new List<Task<SyncSummary>>();
        for (var i = 0; i < pairs.Count; i++)
        {
            var pair = pairs[i];
            var earlier = pairs.Take(i).Select((q, j) => (Pair: q, Run: runs[j])).ToList();
            var together = options.Value.OverlapPairs;
            var gates = new RunGates(
                AfterAsync(earlier.Where(e => !together || ReadsWaitFor(pair, e.Pair))),
                AfterAsync(earlier.Where(e => !together || PagesWaitFor(pair, e.Pair))));
            runs.Add(runner.RunAsync(pair, requestFor(pair.Name), gates, ct));
        }
        for (var i = 0; i < pairs.Count; i++)
        {
            try
            {
                outcomes.Add(new PairOutcome(pairs[i].Name, await runs[i], null));
            }
            catch (Exception e)
            {
                outcomes.Add(new PairOutcome(pairs[i].Name, null, e));
            }
        }
        return outcomes;
    }

    async Task<PairOutcome> EngagementOutcomeAsync(SyncRequest request, CancellationToken ct)
    {
        try
        {
            return new PairOutcome(ObjectPairs.Engagement, await engagement.RunAsync(request with { Object = ObjectPairs.Engagement }, ct), null);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return new PairOutcome(ObjectPairs.Engagement, null, e);
        }
    }

    /// <summary>The summaries in order, or the first failure once every run has ended (as running them one by one would).</summary>
    public static IReadOnlyList<SyncSummary> SummariesOrThrow(IReadOnlyList<PairOutcome> outcomes)
    {
        var failed = outcomes.Where(o => o.Error is not null).Select(o => o.Error!).ToList();
        if (failed.Count > 0)
        {
            ExceptionDispatchInfo.Throw(failed.FirstOrDefault(e => e is not OperationCanceledException) ?? failed[0]);
        }
        return [.. outcomes.Select(o => o.Summary!)];
    }

    static async Task AfterAsync(IEnumerable<(ObjectPair Pair, Task<SyncSummary> Run)> prerequisites)
    {
        foreach (var (pair, run) in prerequisites.ToList())
        {
            try
            {
                await run;
            }
            catch (Exception e)
            {
                throw new PrerequisiteFailedException(pair.Name, e);
            }
        }
    }

    /// <summary>
    /// Whether <paramref name="later"/> must not read before <paramref name="earlier"/> has finished: the earlier pair
    /// writes records of an object the later one reads (one Salesforce object, one HubSpot object, a link set's child
    /// object), or a field of its Salesforce object that the later one reads through a relationship (a contact's
    /// <c>Account.Type</c> waits only if the accounts pair writes Type).
    /// </summary>
    public static bool ReadsWaitFor(ObjectPair later, ObjectPair earlier)
    {
        if (SalesforceObjects(later).Overlaps(SalesforceObjects(earlier)) || later.HubSpotObject == earlier.HubSpotObject)
        {
            return true;
        }
        var written = SalesforceFieldsWritten(earlier);
        return later.SalesforceFields.Select(f => f.Split('.')).Any(parts => parts.Length == 2
            && RelationshipPointsAt(later, parts[0], earlier) && written.Contains(parts[1]));
    }

    /// <summary>
    /// Whether <paramref name="later"/> must not plan before <paramref name="earlier"/> has finished: its reads wait, or
    /// either pair names the other (a link field, a link set, a sibling, converted leads), or the later one's sibling
    /// links to the earlier one (a lead is created only where the contact's account is not linked), or both link to
    /// one parent pair (each Salesforce write locks the parent's row: two such pairs never write at once).
    /// </summary>
    public bool PagesWaitFor(ObjectPair later, ObjectPair earlier) =>
        ReadsWaitFor(later, earlier) || Names(later, earlier) || Names(earlier, later)
        || later.Sibling is { } sibling && sibling != earlier.Name && Names(ObjectPairs.For(sibling, configuration), earlier)
        || later.LinkFields.Select(f => f.LinkPair).Intersect(earlier.LinkFields.Select(f => f.LinkPair)).Any(p => p is not null);

    static bool Names(ObjectPair pair, ObjectPair other) =>
        pair.LinkFields.Any(f => f.LinkPair == other.Name) || pair.LinkSet?.LinkPair == other.Name
        || pair.Sibling == other.Name || pair.ConvertedFrom == other.Name;

    static HashSet<string> SalesforceObjects(ObjectPair pair) =>
        new([pair.SalesforceObject, .. pair.LinkSet is { } set ? [set.SalesforceObject] : Array.Empty<string>()], StringComparer.OrdinalIgnoreCase);

    /// <summary>The fields a pair may write on its Salesforce records: mapped ones flowing there, our twin id, the rules' outputs.</summary>
    static HashSet<string> SalesforceFieldsWritten(ObjectPair pair) => new(
        pair.Mapping.Fields.Where(f => f.FlowsToSalesforce).Select(f => f.Salesforce)
            .Append(pair.SalesforceTwinIdField)
            .Concat(pair.Rules?.SalesforceOutputs ?? []),
        StringComparer.OrdinalIgnoreCase);

    /// <summary>Whether a relationship name in the later pair's fields reaches the earlier pair's object: by its name, or through a link field.</summary>
    static bool RelationshipPointsAt(ObjectPair later, string relationship, ObjectPair earlier) =>
        string.Equals(relationship, earlier.SalesforceObject, StringComparison.OrdinalIgnoreCase)
        || later.LinkFields.Any(f => f.LinkPair == earlier.Name && string.Equals(f.Salesforce, RelationshipField(relationship), StringComparison.OrdinalIgnoreCase));

    /// <summary>The reference field behind a relationship name: Account → AccountId, Partner__r → Partner__c.</summary>
    static string RelationshipField(string relationship) =>
        relationship.EndsWith("__r", StringComparison.OrdinalIgnoreCase) ? relationship[..^3] + "__c" : relationship + "Id";
}

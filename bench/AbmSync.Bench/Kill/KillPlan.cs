namespace AbmSync.Bench.Kill;

/// <summary>How a kill picks its moment.</summary>
public enum KillMode
{
    /// <summary>The sandbox applies the n-th write call and withholds its answer; the worker dies between send and checkpoint.</summary>
    Held,
    /// <summary>After the worker has committed k pages of the pair.</summary>
    Page,
    /// <summary>
    /// A share (per mille) of the time the reference took for the pair, after the worker started it: anywhere, reads
    /// included. A share, not milliseconds, so that one seed plans the same kills on any machine.
    /// </summary>
    Delay,
}

/// <summary>What the uninterrupted reference run did for one pair: its write calls per system, pages and time.</summary>
public sealed record PhaseProfile(string Pair, long SalesforceWrites, long HubSpotWrites, long Pages, TimeSpan Duration)
{
    public long Writes(Api api) => api == Api.Salesforce ? SalesforceWrites : HubSpotWrites;
}

/// <summary>One planned kill: in which pair, how, and its seeded parameter (n-th write call, k-th page, or per mille of the pair's time).</summary>
public sealed record KillSpec(int Number, string Pair, KillMode Mode, int Parameter, Api Port, TimeSpan ReferenceTime)
{
    /// <summary>For a delay kill: its share of the reference's time for the pair.</summary>
    public TimeSpan Delay => ReferenceTime * Parameter / 1000;

    public string Describe() => Mode switch
    {
        KillMode.Held => $"hold {Port}'s write call #{Parameter} after {Pair} starts",
        KillMode.Page => $"after {Pair} page #{Parameter} commits",
        _ => $"{Parameter}‰ of {Pair}'s reference time ({Delay.TotalSeconds.ToString("0.00", System.Globalization.CultureInfo.InvariantCulture)} s) after it starts",
    };
}

/// <summary>
/// The seeded schedule: which pair each kill lands in (parents first, every pair its share, in the order a run goes
/// through them), which kills hold a write call (spread over the pairs), and each parameter, drawn from the share of
/// the pair's work in the reference run that one kill may take. Each resumed run redoes at least the page the kill
/// interrupted, so shares that add up to less than the pair's work leave something for every kill of the pair.
/// </summary>
/// <param name="BulkRun">The resumed run that goes through Bulk API 2.0: 1 is the run after the first kill, the number of kills the final run.</param>
public sealed record KillPlan(IReadOnlyList<KillSpec> Kills, int BulkRun, int Seed)
{
        public static KillPlan Create(int seed, int kills, int held, IReadOnlyList<PhaseProfile> phases)
    {
        if (phases.Count == 0)
        {
            throw new InvalidOperationException("the reference run synced no pair: nothing to kill");
        }
        var random = new Random(seed);
        var pairOf = Enumerable.Range(0, kills).Select(i => phases[i * phases.Count / kills]).ToList();
        var modes = new KillMode?[kills];

        // Held kills need write calls: round-robin over the pairs that write, a seeded kill of each.
        var writing = phases.Where(p => p.SalesforceWrites + p.HubSpotWrites > 0).ToList();
        for (var h = 0; h < held && writing.Count > 0; h++)
        {
            var candidates = Enumerable.Range(0, kills).Where(i => modes[i] is null && pairOf[i] == writing[h % writing.Count]).ToList();
            if (candidates.Count == 0)
            {
                candidates = [.. Enumerable.Range(0, kills).Where(i => modes[i] is null && writing.Contains(pairOf[i]))];
            }
            if (candidates.Count == 0)
            {
                break;
            }
            modes[candidates[random.Next(candidates.Count)]] = KillMode.Held;
        }
        var specs = new List<KillSpec>();
        for (var i = 0; i < kills; i++)
        {
            var phase = pairOf[i];
            var mode = modes[i] ?? (random.Next(2) == 0 ? KillMode.Page : KillMode.Delay);
            var share = pairOf.Count(p => p == phase) + 1;
            var port = Api.HubSpot;
            int parameter;
            switch (mode)
            {
                case KillMode.Held:
                    var ports = new[] { Api.Salesforce, Api.HubSpot }.Where(a => phase.Writes(a) > 0).ToList();
                    port = ports[random.Next(ports.Count)];
                    parameter = 1 + random.Next((int)Math.Max(1, phase.Writes(port) / share));
                    break;
                case KillMode.Page:
                    parameter = 1 + random.Next((int)Math.Max(1, phase.Pages / share));
                    break;
                default:
                    parameter = random.Next(1000 / share);
                    break;
            }
            specs.Add(new KillSpec(i + 1, phase.Pair, mode, parameter, port, phase.Duration));
        }
        return new KillPlan(specs, BulkRun: 1 + random.Next(kills), seed);
    }
}

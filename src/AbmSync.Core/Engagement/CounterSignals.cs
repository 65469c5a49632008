namespace AbmSync.Core.Engagement;

/// <summary>
/// One of a contact's HubSpot counters as read now: its running count (null while HubSpot has never set it) and its
/// companion timestamp, the last time it went up.
/// </summary>
public sealed record CounterReading(string Type, decimal? Value, DateTimeOffset? At);

/// <summary>The signals a read of a contact's counters gives, and the baseline to store for the next read.</summary>
public sealed record CounterRead(IReadOnlyList<EngagementSignal> Signals, IReadOnlyDictionary<string, decimal> Baseline);

/// <summary>
/// Turns HubSpot's running counters into dated signals. HubSpot keeps only a count and the last time, so a rise since
/// the previous read is one signal dated by that last time; the first read of a contact has no previous read and
/// becomes a single backfill of its whole history.
/// </summary>
public static class CounterSignals
{
    /// <param name="readings">One reading per counter type (<see cref="SignalTypes.Counters"/>).</param>
    /// <param name="baseline">Counter type → value at the last read, as returned then; null on the contact's first read.</param>
    public static CounterRead Since(string contactId, string? accountId, IReadOnlyList<CounterReading> readings,
        IReadOnlyDictionary<string, decimal>? baseline, EngagementRules rules)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var reading in readings)
        {
            if (!SignalTypes.Counters.Contains(reading.Type))
            {
                throw new ArgumentException($"'{reading.Type}' is not a counter type; expected one of: {string.Join(", ", SignalTypes.Counters)}", nameof(readings));
            }
            if (!seen.Add(reading.Type))
            {
                throw new ArgumentException($"counter '{reading.Type}' is read twice", nameof(readings));
            }
        }
        // Ordinal order so that the signals and the stored baseline are the same whatever order the properties came in.
        var ordered = readings.OrderBy(r => r.Type, StringComparer.Ordinal).ToList();
        var next = new SortedDictionary<string, decimal>(StringComparer.Ordinal);
        if (baseline is not null)
        {
            foreach (var (type, value) in baseline)
            {
                next[type] = value;
            }
        }
        foreach (var reading in ordered)
        {
            // A null count is not a reading: HubSpot has not set it, so there is nothing to compare or store.
            if (reading.Value is { } value)
            {
                next[reading.Type] = value;
            }
        }

        return baseline is null
            ? new CounterRead(Backfill(contactId, accountId, ordered, rules), next)
            : Increases(contactId, accountId, ordered, baseline, next);
    }

    static CounterRead Increases(string contactId, string? accountId, List<CounterReading> readings,
        IReadOnlyDictionary<string, decimal> baseline, SortedDictionary<string, decimal> next)
    {
        var signals = new List<EngagementSignal>();
        foreach (var reading in readings)
        {
            if (reading.Value is not { } value)
            {
                continue;
            }
            // A counter missing from the baseline had not started: HubSpot leaves it empty until its first event.
            var before = baseline.GetValueOrDefault(reading.Type);
            if (value <= before)
            {
                // Equal: nothing happened. Lower: HubSpot reset it or contacts were merged; the new value is the baseline.
                continue;
            }
            if (reading.At is not { } at)
            {
                // A rise we cannot date is kept for later: the old baseline stays, so the next read with a timestamp counts it.
                next[reading.Type] = before;
                continue;
            }
            signals.Add(new EngagementSignal(reading.Type, at, value - before, contactId, accountId));
        }
        return new CounterRead(signals, next);
    }

    static List<EngagementSignal> Backfill(string contactId, string? accountId, List<CounterReading> readings, EngagementRules rules)
    {
        decimal points = 0;
        DateTimeOffset? newest = null;
        foreach (var reading in readings)
        {
            // History without a date cannot decay, and a counter the rules weigh 0 is not engagement: neither backfills.
            var weight = rules.Weight(reading.Type);
            if (reading is not { Value: > 0 and var value, At: { } at } || weight <= 0)
            {
                continue;
            }
            points += value * weight;
            if (newest is null || at > newest)
            {
                newest = at;
            }
        }
        return newest is { } when && points > 0
            ? [new EngagementSignal(SignalTypes.Backfill, when, points, contactId, accountId)]
            : [];
    }
}

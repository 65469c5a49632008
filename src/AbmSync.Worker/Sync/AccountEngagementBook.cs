using AbmSync.Core.Engagement;
using AbmSync.Worker.State;

namespace AbmSync.Worker.Sync;

/// <summary>
/// Every account's engagement as of the run's day, from the stored signals: the snapshot the account rules decide
/// over. A signal belongs to the Salesforce account it was stored with, or else to the account its HubSpot company
/// is linked to now (a company linked after its activities were read brings them along).
/// </summary>
public sealed class AccountEngagementBook(StateStore store, SyncConfiguration configuration)
{
    /// <summary>
    /// How many half-lives back an evaluation reads: beyond ten, a signal keeps under a thousandth of its weight, which
    /// cannot move a score rounded to a whole number unless the account has thousands of such signals.
    /// </summary>
    const int HalfLivesRead = 10;

    public async Task<IReadOnlyDictionary<string, AccountEngagement>> EvaluateAsync(DateTimeOffset now)
    {
        var scorer = configuration.EngagementScorer;
        var day = new DateTimeOffset(now.UtcDateTime.Date, TimeSpan.Zero);
        // The surge's baseline looks five weeks back whatever the half-life.
        var since = day.AddDays(-Math.Max(35, HalfLivesRead * scorer.Rules.HalfLifeDays));
        var signals = await store.SignalsSinceAsync(since);
        var accountOf = await store.GetLinkedHubSpotIdsAsync(ObjectPairs.Accounts);
        var byAccount = new Dictionary<string, List<EngagementSignal>>(StringComparer.Ordinal);
        var counted = new HashSet<(string Account, string Activity)>();
        foreach (var s in signals)
        {
            var account = s.AccountId ?? (s.CompanyId is { } company ? accountOf.GetValueOrDefault(company) : null);
            // An activity with three of the account's people counts once for the account (each of them is engaged).
            if (account is null || !counted.Add((account, EngagementReader.ActivityKey(s))))
            {
                continue;
            }
            if (!byAccount.TryGetValue(account, out var list))
            {
                byAccount[account] = list = [];
            }
            list.Add(s.ToSignal() with { AccountId = account });
        }
        return byAccount.ToDictionary(a => a.Key, a => scorer.Evaluate(a.Value, now), StringComparer.Ordinal);
    }
}

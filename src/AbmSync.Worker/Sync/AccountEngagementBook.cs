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
    /// <summary>An account's engagement and its buying committee's coverage, as of the run's day.</summary>
    public sealed record AccountSignals(AccountEngagement Engagement, CommitteeCoverageResult Coverage);

    /// <summary>
    /// How many half-lives back an evaluation reads: beyond ten, a signal keeps under a thousandth of its weight, which
    /// cannot move a score rounded to a whole number unless the account has thousands of such signals.
    /// </summary>
    const int HalfLivesRead = 10;

    public async Task<IReadOnlyDictionary<string, AccountSignals>> EvaluateAsync(DateTimeOffset now)
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
            var account = AccountOf(s, accountOf);
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

        // The committee: every contact with a role, by the account it was decided under, engaged by its own latest signal.
        var contactOf = await store.GetLinkedHubSpotIdsAsync(ObjectPairs.Contacts);
        var lastSignal = new Dictionary<string, DateTimeOffset>(StringComparer.Ordinal);
        foreach (var s in signals)
        {
            if (s.ContactId is { } hubSpotContact && contactOf.TryGetValue(hubSpotContact, out var contact)
                && (!lastSignal.TryGetValue(contact, out var at) || s.At > at))
            {
                lastSignal[contact] = s.At;
            }
        }
        var committees = new Dictionary<string, List<CommitteeContact>>(StringComparer.Ordinal);
        foreach (var role in await store.CurrentDecisionsAsync(ObjectPairs.Contacts, BuyingRoleRules.RoleKind))
        {
            if (role.Value is null || BuyingRoleRules.AccountOf(role) is not { } account)
            {
                continue;
            }
            if (!committees.TryGetValue(account, out var members))
            {
                committees[account] = members = [];
            }
            members.Add(new CommitteeContact(role.RecordId, role.Value, lastSignal.TryGetValue(role.RecordId, out var at) ? at : null));
        }
        var coverage = new CommitteeCoverage(configuration.BuyingRoleClassifier.Rules);
        return byAccount.Keys.Union(committees.Keys).ToDictionary(
            id => id,
            id => new AccountSignals(
                byAccount.TryGetValue(id, out var list) ? scorer.Evaluate(list, now) : NotEngaged,
                coverage.Measure(committees.GetValueOrDefault(id) ?? [], now)),
            StringComparer.Ordinal);
    }

    /// <summary>
    /// When each account engaged, oldest first, over the attribution window of the last year and more: what marketing
    /// influence is measured against (an opportunity is influenced by what happened before it was created).
    /// </summary>
    public async Task<IReadOnlyDictionary<string, IReadOnlyList<DateTimeOffset>>> SignalDatesAsync(DateTimeOffset now)
    {
        var days = configuration.Rules.Influence?.AttributionDays ?? InfluenceRules.DefaultAttributionDays;
        var signals = await store.SignalsSinceAsync(now.AddDays(-(days + 366)));
        var accountOf = await store.GetLinkedHubSpotIdsAsync(ObjectPairs.Accounts);
        return signals
            .Select(s => (Account: AccountOf(s, accountOf), s.At))
            .Where(s => s.Account is not null)
            .GroupBy(s => s.Account!, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => (IReadOnlyList<DateTimeOffset>)[.. g.Select(s => s.At).Order()], StringComparer.Ordinal);
    }

    /// <summary>The account a signal belongs to: the one it was stored with, or the one its company is linked to now.</summary>
    static string? AccountOf(StoredSignal signal, IReadOnlyDictionary<string, string> accountOfCompany) =>
        signal.AccountId ?? (signal.CompanyId is { } company ? accountOfCompany.GetValueOrDefault(company) : null);

    /// <summary>An account without a signal: not engaged, and written so (0, never engaged, no surge).</summary>
    public static readonly AccountEngagement NotEngaged = new(0, null, false, 0, 0, "engagement 0: no engagement signals");

    /// <summary>An account none of whose contacts has a buying role: its coverage, as the rules measure an empty committee.</summary>
    public AccountSignals Nothing(DateTimeOffset now) =>
        new(NotEngaged, new CommitteeCoverage(configuration.BuyingRoleClassifier.Rules).Measure([], now));
}

using System.Globalization;
using System.Text.Json.Nodes;
using AbmSync.Connectors.Salesforce;
using AbmSync.Core.Accounts;
using AbmSync.Worker.State;
using AbmSync.Worker.Sync;

namespace AbmSync.Worker.Cli;

/// <summary>
/// <c>abmsync rules diff --rules NEW.yaml</c>: the current and a proposed rules file evaluated over the same snapshot
/// (the rules' inputs of every record as the last sync read them, the ledger's decisions, the engagement signals) at
/// the same moment, and what would change between them: tier transitions, owners, SDRs and marketers reassigned,
/// lead matches gained, lost or moved. No API call, nothing written: a rules change reviewed like a code change.
/// </summary>
public sealed class RulesDiff(StateStore store, SyncConfiguration current, TimeProvider time)
{
    /// <summary>One account as a rules file decides it.</summary>
    public sealed record AccountOutcome(string? Tier, string? Owner, string? Sdr, string? Marketer);

    /// <summary>Everything a rules file decides over the snapshot.</summary>
    public sealed record Outcome(IReadOnlyDictionary<string, AccountOutcome> Accounts, IReadOnlyDictionary<string, AccountMatch> Leads);

    /// <summary>One tier transition of the last comparison, with its examples: what a terminal shows as a table.</summary>
    public sealed record TierTransition(string From, string To, int Count, string Examples);

    /// <summary>The last comparison's tier transitions, and where their lines are in its output (start, count).</summary>
    public IReadOnlyList<TierTransition> Transitions { get; private set; } = [];

    public (int Start, int Count) TransitionLines { get; private set; }

    public async Task<IReadOnlyList<string>> CompareAsync(string proposedPath, int examples = 3)
    {
        var proposed = current.WithRules(proposedPath);
        var now = time.GetUtcNow();
        var names = new Dictionary<string, string>(StringComparer.Ordinal);
        var readFields = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        await foreach (var row in store.RuleSubjectsAsync(ObjectPairs.Accounts))
        {
            names[row.RecordId] = row.Fields.GetValueOrDefault("Name") ?? row.RecordId;
            readFields.UnionWith(row.Fields.Keys);
        }
        var users = new Dictionary<string, string>(StringComparer.Ordinal);
        await foreach (var row in store.RuleSubjectsAsync(StateStore.UsersSubject))
        {
            var user = OwnerDirectory.FromSnapshot(row);
            users[user.UserId] = user.Name is { Length: > 0 } name ? name : user.Email;
        }
        var leadEmails = new Dictionary<string, string?>(StringComparer.Ordinal);
        await foreach (var row in store.RuleSubjectsAsync(ObjectPairs.Leads))
        {
            leadEmails[row.RecordId] = row.Fields.GetValueOrDefault("Email");
        }

        var inv = CultureInfo.InvariantCulture;
        var lines = new List<string>
        {
            string.Create(inv, $"rules diff: {Path.Combine(current.Directory, "rules.yaml")} ({current.RulesHash}) → {proposedPath} ({proposed.RulesHash})"),
            string.Create(inv, $"over the last snapshot: {names.Count} accounts, {leadEmails.Count} leads, {users.Count} users; evaluated at {now:yyyy-MM-dd HH:mm}Z; no API call, nothing written"),
        };
        if (names.Count == 0)
        {
            lines.Add("The state store holds no snapshot yet: run a sync first (abmsync sync --object all).");
            return lines;
        }
        var unread = ObjectPairs.For(ObjectPairs.Accounts, proposed).Rules!.SalesforceInputs
            .Where(f => !readFields.Contains(f) && !f.Contains('.', StringComparison.Ordinal)).Order(StringComparer.Ordinal).ToList();
        if (unread.Count > 0)
        {
            lines.Add($"note: the proposed rules test Account fields the last sync did not read ({string.Join(", ", unread)}); they count as empty here, and a sync with the new rules reads them.");
        }

        var before = await EvaluateAsync(current, now);
        var after = await EvaluateAsync(proposed, now);
        string Account(string id) => $"{names.GetValueOrDefault(id, id)} ({id})";
        string Person(string? id) => id is null ? "no one" : users.GetValueOrDefault(id, id);
        string Tier(string? tier) => tier ?? "no tier";

        var ids = before.Accounts.Keys.Intersect(after.Accounts.Keys, StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        var moves = ids.Where(id => before.Accounts[id].Tier != after.Accounts[id].Tier)
            .GroupBy(id => (From: before.Accounts[id].Tier, To: after.Accounts[id].Tier))
            .OrderBy(g => g.Key.From ?? "~", StringComparer.Ordinal).ThenBy(g => g.Key.To ?? "~", StringComparer.Ordinal).ToList();
        lines.Add(string.Create(inv, $"Tiers: {moves.Sum(g => g.Count())} of {ids.Count} accounts change tier"));
        TransitionLines = (lines.Count, moves.Count);
        Transitions = [.. moves.Select(m => new TierTransition(Tier(m.Key.From), Tier(m.Key.To), m.Count(), string.Join("; ", m.Take(examples).Select(Account))))];
        foreach (var move in Transitions)
        {
            lines.Add(string.Create(inv, $"  {move.From} → {move.To}: {move.Count}  e.g. {move.Examples}"));
        }
        foreach (var (label, pick) in new (string, Func<AccountOutcome, string?>)[] { ("Owners", o => o.Owner), ("SDRs", o => o.Sdr), ("Marketers", o => o.Marketer) })
        {
            var changed = ids.Where(id => pick(before.Accounts[id]) != pick(after.Accounts[id])).ToList();
            lines.Add(string.Create(inv, $"{label}: {changed.Count} reassigned"));
            foreach (var id in changed.Take(examples))
            {
                lines.Add($"  {Account(id)}: {Person(pick(before.Accounts[id]))} → {Person(pick(after.Accounts[id]))}");
            }
            if (changed.Count > examples)
            {
                lines.Add(string.Create(inv, $"  and {changed.Count - examples} more"));
            }
        }
        var onlyBefore = before.Accounts.Keys.Except(after.Accounts.Keys, StringComparer.Ordinal).Count();
        var onlyAfter = after.Accounts.Keys.Except(before.Accounts.Keys, StringComparer.Ordinal).Count();
        if (onlyBefore + onlyAfter > 0)
        {
            lines.Add(string.Create(inv, $"Accounts decided by one file only: {onlyBefore} by the current rules, {onlyAfter} by the proposed"));
        }

        var leads = before.Leads.Keys.Union(after.Leads.Keys, StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        string? MatchOf(Outcome o, string id) => o.Leads.GetValueOrDefault(id)?.AccountId;
        var gained = leads.Where(id => MatchOf(before, id) is null && MatchOf(after, id) is not null).ToList();
        var lost = leads.Where(id => MatchOf(before, id) is not null && MatchOf(after, id) is null).ToList();
        var moved = leads.Where(id => MatchOf(before, id) is { } b && MatchOf(after, id) is { } a && a != b).ToList();
        int Rate(Outcome o) => o.Leads.Values.Count(m => m.Matched);
        lines.Add(string.Create(inv,
            $"Lead matches: {gained.Count} gained, {lost.Count} lost, {moved.Count} moved to another account (matched {Rate(before)} → {Rate(after)} of {leads.Count}; ambiguous {before.Leads.Values.Count(m => m.Ambiguous)} → {after.Leads.Values.Count(m => m.Ambiguous)})"));
        string Lead(string id) => $"{id} {leadEmails.GetValueOrDefault(id) ?? ""}".TrimEnd();
        foreach (var id in gained.Take(examples))
        {
            lines.Add($"  gained: {Lead(id)} → {Account(MatchOf(after, id)!)}: {after.Leads[id].Reason}");
        }
        foreach (var id in lost.Take(examples))
        {
            lines.Add($"  lost: {Lead(id)} was {Account(MatchOf(before, id)!)}: {after.Leads.GetValueOrDefault(id)?.Reason ?? "no longer decided"}");
        }
        foreach (var id in moved.Take(examples))
        {
            lines.Add($"  moved: {Lead(id)} {Account(MatchOf(before, id)!)} → {Account(MatchOf(after, id)!)}");
        }

        // What the next sync changes whatever the file says (time passing, a person's edit since): not the proposal's doing.
        var ledgerTiers = (await store.CurrentDecisionsAsync(ObjectPairs.Accounts, TierRules.Kind)).ToDictionary(e => e.RecordId, e => e.Value, StringComparer.Ordinal);
        var ledgerOwners = (await store.CurrentDecisionsAsync(ObjectPairs.Accounts, AccountRouting.Kind)).ToDictionary(e => e.RecordId, e => e.Value, StringComparer.Ordinal);
        var anyway = before.Accounts.Where(a => (ledgerTiers.TryGetValue(a.Key, out var t) && t != a.Value.Tier) || (ledgerOwners.TryGetValue(a.Key, out var o) && o != a.Value.Owner))
            .Select(a => a.Key).Order(StringComparer.Ordinal).ToList();
        lines.Add(string.Create(inv, $"Under the current rules the next sync changes the tier or owner of {anyway.Count} accounts anyway (time passing, edits since the last sync); they are left out above unless the proposal changes them too."));
        foreach (var id in anyway.Take(examples))
        {
            var (tier, owner) = (ledgerTiers.GetValueOrDefault(id), ledgerOwners.GetValueOrDefault(id));
            var next = before.Accounts[id];
            lines.Add($"  {Account(id)}: {(tier == next.Tier ? Tier(tier) : $"{Tier(tier)} → {Tier(next.Tier)}")}, owner {(owner == next.Owner ? Person(owner) : $"{Person(owner)} → {Person(next.Owner)}")}");
        }
        return lines;
    }

    /// <summary>A rules file's decisions over the snapshot, as a sync starting at <paramref name="now"/> would plan them.</summary>
    public async Task<Outcome> EvaluateAsync(SyncConfiguration configuration, DateTimeOffset now)
    {
        var rules = ObjectPairs.For(ObjectPairs.Accounts, configuration).Rules!;
        var snapshot = new RulesSnapshot(store, new AccountEngagementBook(store, configuration), ObjectPairs.Accounts, now, configuration.RulesHash, ReadOnly: true);
        await rules.LoadAsync(snapshot);
        await rules.PrepareAsync(snapshot);
        // Every account as if read again: the file's criteria and territories decide over what was read last.
        var asRead = new Dictionary<string, AccountOutcome>(StringComparer.Ordinal);
        await foreach (var row in store.RuleSubjectsAsync(ObjectPairs.Accounts))
        {
            asRead[row.RecordId] = new AccountOutcome(null, row.Fields.GetValueOrDefault(AbmFields.SalesforceOwner),
                row.Fields.GetValueOrDefault(AbmFields.SalesforceSdr), row.Fields.GetValueOrDefault(AbmFields.SalesforceMarketer));
            var fields = new JsonObject();
            foreach (var (field, value) in row.Fields)
            {
                fields[field] = value;
            }
            rules.Observe(new SObjectRecord("Account", row.RecordId, fields));
        }
        var tiers = rules.Find<TierRules>()!.Decide();
        var routes = rules.Find<AccountRouting>()?.Decide();
        var accounts = new Dictionary<string, AccountOutcome>(StringComparer.Ordinal);
        foreach (var (id, tier) in tiers)
        {
            // Without routing the people stay as they are on the record: a file that adds routing shows what it moves.
            accounts[id] = routes?.GetValueOrDefault(id) is { } route ? new AccountOutcome(tier.Tier, route.Owner, route.Sdr, route.Marketer)
                : asRead.GetValueOrDefault(id) is { } read ? read with { Tier = tier.Tier }
                : new AccountOutcome(tier.Tier, null, null, null);
        }

        var book = await AccountBook.LoadAsync(store, configuration.Rules.Matching ?? MatchingRules.Default, tiers:
            accounts.ToDictionary(a => a.Key, a => a.Value.Tier, StringComparer.Ordinal));
        var leads = new Dictionary<string, AccountMatch>(StringComparer.Ordinal);
        await foreach (var row in store.RuleSubjectsAsync(ObjectPairs.Leads))
        {
            leads[row.RecordId] = book.Matcher.Match(row.Fields.GetValueOrDefault("Email"), row.Fields.GetValueOrDefault("Company"));
        }
        return new Outcome(accounts, leads);
    }
}

using System.Globalization;
using System.Text.Json;
using AbmSync.Core.Accounts;
using AbmSync.Worker.State;
using AbmSync.Worker.Sync;

namespace AbmSync.Worker.Cli;

/// <summary>
/// <c>abmsync explain ACCOUNT</c>: the chain of decisions about one account, in plain language, from the ledger and
/// the rules' snapshot alone (no API call): tier and why, owner, pod and why, SDR and marketer, buying committee,
/// engagement, stage, matched leads, people whose owner is not the account's, and every change over time.
/// </summary>
public sealed class AccountExplainer(StateStore store)
{
    /// <summary>The account's Salesforce id from a Salesforce id, a HubSpot company id or a website domain; the candidates when a domain names several.</summary>
    public async Task<(string? AccountId, IReadOnlyList<string> Candidates)> ResolveAsync(string key)
    {
        key = key.Trim();
        if ((await store.GetLinksAsync(ObjectPairs.Accounts, [key])).ContainsKey(key))
        {
            return (key, [key]);
        }
        if ((await store.GetLinksByHubSpotIdAsync(ObjectPairs.Accounts, [key])).TryGetValue(key, out var byHubSpot))
        {
            return (byHubSpot.SalesforceId, [byHubSpot.SalesforceId]);
        }
        if ((await store.DecisionHistoryAsync(ObjectPairs.Accounts, key)).Count > 0)
        {
            return (key, [key]);
        }
        if (DomainName.Normalize(key) is { } domain)
        {
            var found = new List<string>();
            await foreach (var row in store.RuleSubjectsAsync(ObjectPairs.Accounts))
            {
                if (DomainName.Normalize(row.Fields.GetValueOrDefault("Website")) == domain)
                {
                    found.Add(row.RecordId);
                }
            }
            return (found.Count == 1 ? found[0] : null, found);
        }
        return (null, []);
    }

    public async Task<IReadOnlyList<string>> ExplainAsync(string accountId)
    {
        var inv = CultureInfo.InvariantCulture;
        var lines = new List<string>();
        var users = new Dictionary<string, string>(StringComparer.Ordinal);
        await foreach (var row in store.RuleSubjectsAsync(StateStore.UsersSubject))
        {
            var u = OwnerDirectory.FromSnapshot(row);
            users[u.UserId] = u.Name is { Length: > 0 } userName ? $"{userName} <{u.Email}>" : u.Email;
        }
        string Person(string? id) => id is null ? "no one" : users.TryGetValue(id, out var who) ? who : id;
        // Reasons written for a record's field name users by id; a person reads names.
        string Named(string? text) => users.Aggregate(text ?? "", (t, u) => t.Replace(u.Key, u.Value.Split(" <")[0], StringComparison.Ordinal));

        RuleSubjectRow? account = null;
        await foreach (var row in store.RuleSubjectsAsync(ObjectPairs.Accounts))
        {
            if (row.RecordId == accountId)
            {
                account = row;
                break;
            }
        }
        var link = (await store.GetLinksAsync(ObjectPairs.Accounts, [accountId])).GetValueOrDefault(accountId);
        var name = account?.Fields.GetValueOrDefault("Name");
        lines.Add($"{name ?? accountId} (Salesforce {accountId}{(link is null ? ", not linked to a HubSpot company" : $", HubSpot company {link.HubSpotId}")}){(account?.Fields.GetValueOrDefault("Website") is { } web ? $", {web}" : "")}");
        if (account is not null)
        {
            var f = account.Fields;
            lines.Add($"  as last read: {Join(f.GetValueOrDefault("Industry"), f.GetValueOrDefault("NumberOfEmployees") is { } e ? $"{e} employees" : null, f.GetValueOrDefault("BillingCity"), f.GetValueOrDefault("BillingCountry"), f.GetValueOrDefault("Type"))}; owner {Person(f.GetValueOrDefault("OwnerId"))}");
        }

        var history = await store.DecisionHistoryAsync(ObjectPairs.Accounts, accountId);
        if (history.Count == 0)
        {
            lines.Add("  AbmSync has decided nothing about this account yet.");
            return lines;
        }
        LedgerEntry? Current(string kind) => history.LastOrDefault(h => h.Kind == kind);

        if (Current(TierRules.Kind) is { } tier)
        {
            lines.Add($"Tier: {tier.Value ?? "no tier"}. {tier.Reason}");
        }
        if (Current(AccountRouting.Kind) is { } routing && AccountRouting.Facts(routing) is { } r)
        {
            lines.Add($"Owner: {Person(r.Owner)}, in pod {r.Pod ?? "none"} (territory {r.Territory ?? "none"}), by rule {r.Rule}. {routing.Reason}");
            lines.Add(r.Sdr is null && r.Marketer is null && Current(TierRules.Kind)?.Value is not ("Tier 1" or "Tier 2")
                ? "  SDR and ABM marketer: none (only Tier 1 and Tier 2 accounts get them)"
                : $"  SDR: {Person(r.Sdr)}; ABM marketer: {Person(r.Marketer)}");
            if (r.Conflicts.Count > 0)
            {
                lines.Add($"  conflicts: {string.Join(", ", r.Conflicts)}");
            }
        }
        else
        {
            lines.Add("Owner: not routed (rules.yaml has no routing, or the account has not been read since it was added).");
        }
        if (Current(TierRules.EngagementKind) is { } engagement)
        {
            lines.Add($"Engagement and committee: {engagement.Reason}");
        }
        var roles = (await store.CurrentDecisionsAsync(ObjectPairs.Contacts, BuyingRoleRules.RoleKind))
            .Where(e => BuyingRoleRules.AccountOf(e) == accountId).ToList();
        if (roles.Count > 0)
        {
            lines.Add($"  buying committee: {roles.Count} contacts; {string.Join(", ", roles.Where(e => e.Value is not null).GroupBy(e => e.Value!).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => $"{BuyingRoleRules.Label(g.Key)} {g.Count()}"))}{(roles.Count(e => e.Value is null) is > 0 and var none ? $", no role {none}" : "")}");
        }
        if (Current(TierRules.StageKind) is { } stage)
        {
            lines.Add($"Stage: {stage.Reason}");
        }
        var matched = (await store.CurrentDecisionsAsync(ObjectPairs.Leads, PersonMatchRules.Kind)).Where(e => e.Value == accountId).ToList();
        var leads = new Dictionary<string, RuleSubjectRow>(StringComparer.Ordinal);
        if (matched.Count > 0)
        {
            var ids = matched.Select(m => m.RecordId).ToHashSet(StringComparer.Ordinal);
            await foreach (var row in store.RuleSubjectsAsync(ObjectPairs.Leads))
            {
                if (ids.Contains(row.RecordId))
                {
                    leads[row.RecordId] = row;
                }
            }
        }
        lines.Add(matched.Count == 0 ? "Matched leads: none." : string.Create(inv, $"Matched leads: {matched.Count}"));
        foreach (var m in matched.Take(10))
        {
            var who = leads.GetValueOrDefault(m.RecordId)?.Fields.GetValueOrDefault("Email") ?? m.RecordId;
            lines.Add($"  {m.RecordId} {who}: {m.Reason}");
        }
        if (matched.Count > 10)
        {
            lines.Add(string.Create(inv, $"  and {matched.Count - 10} more"));
        }
        var ambiguous = (await store.CurrentDecisionsAsync(ObjectPairs.Leads, PersonMatchRules.Kind))
            .Where(e => e.RuleId == MatchRules.Ambiguous && e.Inputs is { } json && json.Contains(accountId, StringComparison.Ordinal)).ToList();
        if (ambiguous.Count > 0)
        {
            lines.Add(string.Create(inv, $"  {ambiguous.Count} more leads could be this account's but tie with another: flagged as ambiguous, not matched"));
        }
        foreach (var (pair, label) in new[] { (ObjectPairs.Contacts, "contacts"), (ObjectPairs.Leads, "leads"), (ObjectPairs.Opportunities, "opportunities") })
        {
            var conflicts = (await store.CurrentDecisionsAsync(pair, OwnerAlignmentRules.Kind))
                .Where(e => e.RuleId != "aligned" && AccountIn(e.Inputs) == accountId)
                .ToList();
            if (conflicts.Count > 0)
            {
                lines.Add($"Owner conflicts among its {label}: {string.Join("; ", conflicts.GroupBy(c => c.RuleId).Select(g => $"{g.Count()} {g.Key}"))}");
                foreach (var c in conflicts.Take(3))
                {
                    lines.Add($"  {Named(c.Reason)}");
                }
            }
        }
        lines.Add("How it changed:");
        foreach (var h in history)
        {
            var value = h.Kind == AccountRouting.Kind ? Person(h.Value) : h.Value ?? "none";
            var before = h.Kind == AccountRouting.Kind ? (h.Previous is null ? null : Person(h.Previous)) : h.Previous;
            lines.Add(string.Create(inv, $"  {h.DecidedAt:yyyy-MM-dd HH:mm} run {h.RunId} {h.Kind}: {(before is null ? "" : $"{before} → ")}{value} ({h.RuleId}) — {h.Reason}"));
        }
        return lines;
    }

    /// <summary>The account an ownership entry was decided against (its inputs' <c>Account</c>).</summary>
    static string? AccountIn(string? inputs)
    {
        if (inputs is null)
        {
            return null;
        }
        using var document = JsonDocument.Parse(inputs);
        return document.RootElement.TryGetProperty("Account", out var account) && account.ValueKind == JsonValueKind.String ? account.GetString() : null;
    }

    static string Join(params string?[] parts) => string.Join(", ", parts.Where(p => !string.IsNullOrWhiteSpace(p)));
}

using System.Runtime.InteropServices;
using System.Globalization;
using System.Text.Json;
using AbmSync.Connectors.Salesforce;
using AbmSync.Core.Accounts;
using AbmSync.Core.Routing;
using AbmSync.Core.Sync;
using AbmSync.Worker.State;

namespace AbmSync.Worker.Sync;

/// <summary>
/// The accounts as the people's rules see them once the accounts' run has finished: each one's owner (routing's
/// decision, committed before its write, over the owner read) and the matcher over their websites and names, tie-broken
/// by tier, open pipeline and contacts as the state store has them.
/// </summary>
public sealed record AccountBook(IReadOnlyDictionary<string, string?> Owners, AccountMatcher Matcher)
{
    /// <param name="contactWithAccount">
    /// Called with the id of every contact the snapshot holds with its account: the contacts' matching needs them,
    /// and this is the one pass over ten million contacts that the book makes anyway.
    /// </param>
    /// <param name="tiers">The tiers to tie-break on where not the ledger's (<c>rules diff</c>: the proposed rules' tiers).</param>
    public static async Task<AccountBook> LoadAsync(StateStore store, MatchingRules rules, Action<string>? contactWithAccount = null,
        IReadOnlyDictionary<string, string?>? tiers = null)
    {
        var routed = await RoutedOwnersAsync(store);
        if (tiers is null)
        {
            var ledger = new Dictionary<string, string?>(StringComparer.Ordinal);
            await foreach (var e in store.CurrentDecisionsStreamAsync(ObjectPairs.Accounts, TierRules.Kind))
            {
                ledger[e.RecordId] = e.Value;
            }
            tiers = ledger;
        }
        var opportunities = await OpportunityRules.ByAccountAsync(store);
        var contacts = new Dictionary<string, int>(StringComparer.Ordinal);
        await foreach (var row in store.RuleSubjectsAsync(ObjectPairs.Contacts))
        {
            if (row.Fields.GetValueOrDefault("AccountId") is { Length: > 0 } account)
            {
                // One lookup per contact: ten million of them.
                CollectionsMarshal.GetValueRefOrAddDefault(contacts, account, out _)++;
                contactWithAccount?.Invoke(row.RecordId);
            }
        }
        var owners = new Dictionary<string, string?>(StringComparer.Ordinal);
        var candidates = new List<MatchCandidate>();
        await foreach (var row in store.RuleSubjectsAsync(ObjectPairs.Accounts))
        {
            var id = row.RecordId;
            owners[id] = routed.TryGetValue(id, out var owner) && owner is not null ? owner : row.Fields.GetValueOrDefault("OwnerId");
            var open = opportunities.GetValueOrDefault(id)?.Where(o => !o.IsClosed).ToList();
            candidates.Add(new MatchCandidate(id, row.Fields.GetValueOrDefault("Website"), row.Fields.GetValueOrDefault("Name"), tiers.GetValueOrDefault(id),
                open is { Count: > 0 } ? open.Sum(o => o.Amount ?? 0) : null, contacts.GetValueOrDefault(id)));
        }
        return new AccountBook(owners, new AccountMatcher(candidates, rules));
    }

    /// <summary>
    /// The owners alone (routing's decision over the owner read), for rules that never match: the same
    /// <see cref="Owners"/> as <see cref="LoadAsync"/>, without the pass over the contacts or the matcher's index.
    /// </summary>
    public static async Task<AccountBook> LoadOwnersAsync(StateStore store)
    {
        var routed = await RoutedOwnersAsync(store);
        var owners = new Dictionary<string, string?>(StringComparer.Ordinal);
        await foreach (var row in store.RuleSubjectsAsync(ObjectPairs.Accounts))
        {
            owners[row.RecordId] = routed.TryGetValue(row.RecordId, out var owner) && owner is not null ? owner : row.Fields.GetValueOrDefault("OwnerId");
        }
        return new AccountBook(owners, Empty.Matcher);
    }

    static async Task<Dictionary<string, string?>> RoutedOwnersAsync(StateStore store)
    {
        var routed = new Dictionary<string, string?>(StringComparer.Ordinal);
        await foreach (var e in store.CurrentDecisionsStreamAsync(ObjectPairs.Accounts, AccountRouting.Kind))
        {
            routed[e.RecordId] = e.Value;
        }
        return routed;
    }

    public static readonly AccountBook Empty = new(new Dictionary<string, string?>(), new AccountMatcher([], MatchingRules.Default));
}

/// <summary>
/// People to their account by email domain, then company name (<see cref="AccountMatcher"/>). A lead's match is
/// written to <c>ABM_Matched_Account__c</c>; a contact already has its account (<c>AccountId</c>), and only one
/// without is matched, for the count. The ledger keeps each person's match (kind <c>match</c>) with the rule and the
/// candidates; the summary prints the match rate and the ambiguous count over every person decided.
/// </summary>
public sealed class PersonMatchRules(string pair, MatchingRules rules) : RecordRules(Kind)
{
    public new const string Kind = "match";

    /// <summary>The rule of a contact that has its account in Salesforce: no match is needed.</summary>
    public const string ByAccount = "account";

    bool Leads => pair == ObjectPairs.Leads;
    AccountBook book = AccountBook.Empty;
    readonly Dictionary<string, string> outcomes = new(StringComparer.Ordinal);
    readonly HashSet<string> decidedThisRun = new(StringComparer.Ordinal);

    public override IReadOnlyList<string> SalesforceInputs =>
        Leads ? ["Email", "Company", AbmFields.SalesforceMatchedAccount] : ["Email", "AccountId"];

    public override IReadOnlyList<string> SalesforceOutputs => Leads ? [AbmFields.SalesforceMatchedAccount] : [];
    public override IReadOnlyList<string> HubSpotProperties => [];

    public override async Task LoadAsync(RulesSnapshot snapshot)
    {
        await base.LoadAsync(snapshot);
        foreach (var (id, entry) in Written)
        {
            outcomes[id] = entry.RuleId ?? MatchRules.None;
        }
    }

    // The accounts' run has committed its snapshot and routing by now (the pair's pages wait for it).
    public override async Task PrepareAsync(RulesSnapshot snapshot)
    {
        // A contact with its account has no ledger entry: the snapshot says who they are, for the book's count. The
        // book reads every contact of the snapshot for its counts, so they are taken in the same pass.
        book = Leads
            ? await AccountBook.LoadAsync(snapshot.Store, rules)
            : await AccountBook.LoadAsync(snapshot.Store, rules, id => outcomes.TryAdd(id, ByAccount));
    }

    // Every person is matched where it is read; none needs reading again for it.
    public override IEnumerable<string> Moved() => [];

    static string? Field(RuleSubject subject, string name) =>
        subject.Salesforce is { } record ? record.GetString(name) : subject.SalesforceWrites?.GetValueOrDefault(name);

    /// <summary>The person's match: a contact's account where it has one, else the matcher's over email and company.</summary>
    public AccountMatch? Decide(RuleSubject subject)
    {
        if (subject.Salesforce is null && subject.SalesforceWrites is null)
        {
            return null;
        }
        if (!Leads && Field(subject, "AccountId") is { Length: > 0 } account)
        {
            return new AccountMatch(account, ByAccount, [account], "the contact's account in Salesforce");
        }
        var email = Field(subject, "Email") ?? subject.HubSpot?["email"];
        var company = Leads ? Field(subject, "Company") ?? subject.HubSpot?["company"] : subject.HubSpot?["company"];
        return book.Matcher.Match(email, company);
    }

    /// <summary>The account a person belongs to, for its owner's alignment: null when unmatched or ambiguous.</summary>
    public string? AccountOf(RuleSubject subject) => Decide(subject)?.AccountId;

    public override RuleValues? ValuesFor(RuleSubject subject)
    {
        if (!Leads || Decide(subject) is not { } match)
        {
            return null;
        }
        return new RuleValues(new Dictionary<string, string?> { [AbmFields.SalesforceMatchedAccount] = match.AccountId }, new Dictionary<string, string?>());
    }

    public override IReadOnlyList<LedgerEntry> LedgerFor(RuleSubject subject, long runId, DateTimeOffset now, string rulesHash)
    {
        if (subject.SalesforceId is not { } id || Decide(subject) is not { } match)
        {
            return [];
        }
        outcomes[id] = match.Rule;
        decidedThisRun.Add(id);
        if (match.Rule == ByAccount)
        {
            // Nothing to explain: the contact's account is Salesforce's own.
            return [];
        }
        var inputs = JsonSerializer.Serialize(new { rule = match.Rule, candidates = match.Candidates });
        Written.TryGetValue(id, out var before);
        if (before is not null && before.Value == match.AccountId && before.Inputs == inputs)
        {
            return [];
        }
        return [new LedgerEntry(0, pair, id, Kind, match.AccountId, before?.Value, match.Reason, inputs, rulesHash, match.Rule, runId, now)];
    }

    public override IReadOnlyList<string> Report()
    {
        if (outcomes.Count == 0)
        {
            return [];
        }
        var by = outcomes.Values.GroupBy(r => r).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
        int Count(string rule) => by.GetValueOrDefault(rule);
        var matched = Count(ByAccount) + Count(MatchRules.Domain) + Count(MatchRules.Subsidiary) + Count(MatchRules.CompanyName);
        var steps = new[] { (ByAccount, "by account"), (MatchRules.Domain, "domain"), (MatchRules.Subsidiary, "subsidiary"), (MatchRules.CompanyName, "company name") }
            .Where(s => Count(s.Item1) > 0).Select(s => string.Create(CultureInfo.InvariantCulture, $"{Count(s.Item1)} {s.Item2}"));
        return [string.Create(CultureInfo.InvariantCulture,
            $"{pair} matched to accounts: {matched}/{outcomes.Count} ({100.0 * matched / outcomes.Count:0.0}%: {string.Join(", ", steps)}); {Count(MatchRules.Ambiguous)} ambiguous, {Count(MatchRules.PersonalDomain)} personal mail, {Count(MatchRules.None)} no match; {decidedThisRun.Count} decided this run")];
    }
}

/// <summary>
/// A contact, lead or opportunity owned by someone other than its account's owner (<see cref="OwnerRouter.CheckRecordOwner"/>):
/// realigned to the account owner or flagged, by the conflict policy. Realigned only where the account owner has a
/// HubSpot owner, since the owner is two-way and the other side must follow; a person's change made after our
/// realignment is held. The ledger keeps each conflict and its resolution (kind <c>ownership</c>).
/// </summary>
public sealed class OwnerAlignmentRules(string pair, string kind, OwnerRouter router, Func<RuleSubject, string?> accountOf) : RecordRules(Kind)
{
    public new const string Kind = "ownership";

    AccountBook book = AccountBook.Empty;
    OwnerMap? owners;
    bool prepared;
    readonly Dictionary<string, string> outcomes = new(StringComparer.Ordinal);

    public override IReadOnlyList<string> SalesforceInputs => kind == "lead" ? [AbmFields.SalesforceOwner] : [AbmFields.SalesforceOwner, "AccountId"];
    public override IReadOnlyList<string> SalesforceOutputs { get; } = [AbmFields.SalesforceOwner];
    public override IReadOnlyList<string> HubSpotProperties { get; } = [AbmFields.HubSpotOwner];

    public override async Task LoadAsync(RulesSnapshot snapshot)
    {
        await base.LoadAsync(snapshot);
        owners = snapshot.Owners;
    }

    public override async Task PrepareAsync(RulesSnapshot snapshot)
    {
        // Only the owners: the person's account comes from the match rules (accountOf), never from this book's matcher.
        book = await AccountBook.LoadOwnersAsync(snapshot.Store);
        prepared = true;
    }

    /// <summary>
    /// Records not read whose account's owner changed since their last decision (routing moved the account): read by
    /// id and aligned. A record flagged before is not read again until its account's owner changes.
    /// </summary>
    public override IEnumerable<string> Moved()
    {
        if (!prepared)
        {
            return [];
        }
        return Written.Values.Where(e => Facts(e) is { Account: { } account } f && book.Owners.TryGetValue(account, out var owner) && owner != f.AccountOwner)
            .Select(e => e.RecordId).Order(StringComparer.Ordinal).ToList();
    }

    sealed record OwnershipFacts(string? Account, string? AccountOwner, string? Owner, string? Conflict, bool Realigned, string? Replaced);

    static OwnershipFacts? Facts(LedgerEntry entry) => entry.Inputs is { } json ? JsonSerializer.Deserialize<OwnershipFacts>(json) : null;

    static string? Field(RuleSubject subject, string name) =>
        subject.Salesforce is { } record ? record.GetString(name) : subject.SalesforceWrites?.GetValueOrDefault(name);

    (OwnershipConflict? Conflict, OwnershipFacts Facts, string Rule)? Decide(RuleSubject subject)
    {
        if (subject.Salesforce is null && subject.SalesforceWrites is null)
        {
            return null;
        }
        var owner = Field(subject, AbmFields.SalesforceOwner);
        var account = accountOf(subject);
        var accountOwner = account is null ? null : book.Owners.GetValueOrDefault(account);
        var before = subject.SalesforceId is { } id && Written.TryGetValue(id, out var entry) ? Facts(entry) : null;
        if (before is { Realigned: true } && owner != before.Owner && owner != before.Replaced && before.Account == account && before.AccountOwner == accountOwner)
        {
            // Someone set this owner after we realigned it, and the account's owner is the one we aligned with: kept.
            var held = new OwnershipConflict(Conflict(kind), subject.SalesforceId!,
                $"ownership hold: {kind} {subject.SalesforceId} was given to {owner ?? "no one"} by a person after AbmSync aligned it with {accountOwner}; kept", false);
            return (held, new OwnershipFacts(account, accountOwner, owner, held.Kind, false, null), RoutingRulesIds.Hold);
        }
        var conflict = router.CheckRecordOwner(kind, subject.SalesforceId ?? "(new)", owner, account, accountOwner);
        // Salesforce refuses an inactive user as a record's owner (INVALID_CROSS_REFERENCE_KEY), and HubSpot needs an
        // owner to carry the change: without both, the conflict is listed for a person instead.
        var cannot = conflict is not { Realigned: true } ? null
            : conflict.SuggestedOwner is not { } suggested ? "no account owner to set"
            : owners?.BySalesforceUserId.GetValueOrDefault(suggested) is { SalesforceActive: false } ? "the account owner is an inactive Salesforce user"
            : owners?.HubSpotOwnerOf(suggested) is null ? "the account owner has no HubSpot owner to set there"
            : null;
        if (conflict is not null && cannot is not null)
        {
            conflict = conflict with
            {
                Realigned = false,
                SuggestedOwner = null,
                Detail = $"{kind} {subject.SalesforceId ?? "(new)"} is owned by {owner ?? "no one"}, not by {accountOwner}, the owner of account {account}; flagged, not realigned: {cannot}",
            };
        }
        var rule = conflict is null ? "aligned" : conflict.Realigned ? RoutingRulesIds.Realigned : RoutingRulesIds.Flagged;
        var result = conflict is { Realigned: true } ? conflict.SuggestedOwner : owner;
        var replaced = conflict is { Realigned: true } ? owner : before is { Realigned: true } && before.Owner == owner ? before.Replaced : null;
        return (conflict, new OwnershipFacts(account, accountOwner, result, conflict?.Kind, conflict?.Realigned ?? before is { Realigned: true } && before.Owner == owner, replaced), rule);
    }

    static string Conflict(string kind) => kind switch
    {
        "contact" => OwnershipConflict.ContactOwner,
        "lead" => OwnershipConflict.LeadOwner,
        _ => OwnershipConflict.OpportunityOwner,
    };

    public override RuleValues? ValuesFor(RuleSubject subject)
    {
        if (Decide(subject) is not { Conflict: { Realigned: true, SuggestedOwner: { } owner } })
        {
            return null;
        }
        var hubSpot = new Dictionary<string, string?>(StringComparer.Ordinal);
        if (owners?.HubSpotOwnerOf(owner) is { } hubSpotOwner)
        {
            hubSpot[AbmFields.HubSpotOwner] = hubSpotOwner;
        }
        return new RuleValues(new Dictionary<string, string?> { [AbmFields.SalesforceOwner] = owner }, hubSpot);
    }

    public override IReadOnlyList<LedgerEntry> LedgerFor(RuleSubject subject, long runId, DateTimeOffset now, string rulesHash)
    {
        if (subject.SalesforceId is not { } id || Decide(subject) is not { } d)
        {
            return [];
        }
        outcomes[id] = d.Rule;
        Written.TryGetValue(id, out var before);
        if (before is null && d.Conflict is null)
        {
            // Aligned from the start: nothing to explain.
            return [];
        }
        var inputs = JsonSerializer.Serialize(d.Facts);
        if (before is not null && before.Inputs == inputs)
        {
            return [];
        }
        var reason = d.Conflict?.Detail ?? $"{kind} {id} is owned by {d.Facts.Owner}, the owner of account {d.Facts.Account}";
        return [new LedgerEntry(0, pair, id, Kind, d.Facts.Owner, before?.Value, reason.Length <= 255 ? reason : reason[..255], inputs, rulesHash, d.Rule, runId, now)];
    }

    public override IReadOnlyList<string> Report()
    {
        var conflicted = outcomes.Values.Where(r => r != "aligned").ToList();
        if (conflicted.Count == 0)
        {
            return [];
        }
        return [string.Create(CultureInfo.InvariantCulture,
            $"{kind} owners not the account owner's, this run: {conflicted.Count(r => r == RoutingRulesIds.Realigned)} realigned, {conflicted.Count(r => r == RoutingRulesIds.Flagged)} flagged, {conflicted.Count(r => r == RoutingRulesIds.Hold)} held (a person's change)")];
    }
}

using System.Globalization;
using AbmSync.Core.Engagement;
using AbmSync.Worker.State;
using AbmSync.Worker.Sync;

namespace AbmSync.Integration.Tests.Sync;

/// <summary>
/// The engagement state on SQLite and on PostgreSQL through the same SQL: signals stored once per source, read back by
/// account or contact since a time, counter baselines, and the append-only decision ledger with its retention.
/// </summary>
public class EngagementStoreTests
{
    static readonly DateTimeOffset Day = new(2026, 12, 1, 8, 0, 0, TimeSpan.Zero);

    const string Engagement = "engagement";

    static StoredSignal Signal(string sourceKey, DateTimeOffset at, string? contactId = null, string? accountId = null, string? companyId = null,
        decimal amount = 1m, string type = SignalTypes.Meeting) => new(sourceKey, type, at, amount, contactId, accountId, companyId);

    static LedgerEntry Entry(string recordId, string kind, string? value, DateTimeOffset decidedAt, string @object = Engagement, string? previous = null,
        long? runId = null) =>
        new(0, @object, recordId, kind, value, previous, $"{kind} is {value}", """{"points":12.5}""", "rules-sha", "rule-1", runId, decidedAt);

    [Theory]
    [InlineData("Sqlite")]
    [InlineData("Postgres")]
    public async Task AddSignals_ReadAgain_AddsNothing_AndASourceTwiceInOneBatchIsStoredOnce(string provider)
    {
        await using var state = await TestStore.CreateAsync(provider);
        var store = state.Store;
        List<StoredSignal> first =
        [
            Signal("meetings/1", Day, contactId: "c1", accountId: "001A"),
            Signal("calls/2", Day.AddHours(1), contactId: "c1", accountId: "001A", type: SignalTypes.Call),
            Signal("meetings/1", Day, contactId: "c1", accountId: "001A"),
        ];

        Assert.Equal(2, await store.AddSignalsAsync(first));
        Assert.Equal(0, await store.AddSignalsAsync(first));
        // The same source read again with other values is still the signal already stored.
        Assert.Equal(1, await store.AddSignalsAsync([Signal("meetings/1", Day.AddDays(1), contactId: "c1", accountId: "001A", amount: 9m),
            Signal("notes/3", Day.AddHours(2), contactId: "c1", accountId: "001A", type: SignalTypes.Note)]));

        var stored = await store.SignalsOfContactsAsync(["c1"], Day.AddDays(-1));
        Assert.Equal(["meetings/1", "calls/2", "notes/3"], stored.Select(s => s.SourceKey));
        Assert.Equal((Day, 1m), (stored[0].At, stored[0].Amount));
    }

    [Theory]
    [InlineData("Sqlite")]
    [InlineData("Postgres")]
    public async Task Signals_SinceFilter_KeepsTheBoundary_DropsOlder_AndOnlyTheAskedAccountsOrContacts(string provider)
    {
        await using var state = await TestStore.CreateAsync(provider);
        var store = state.Store;
        await store.AddSignalsAsync(
        [
            Signal("meetings/old", Day.AddDays(-10), contactId: "c1", accountId: "001A"),
            Signal("meetings/edge", Day.AddDays(-1), contactId: "c2", accountId: "001A"),
            Signal("meetings/now", Day, contactId: "c1", accountId: "001A"),
            Signal("meetings/other", Day, contactId: "c3", accountId: "001B"),
            Signal("meetings/just-before", Day.AddDays(-1).AddTicks(-10), contactId: "c1", accountId: "001A"),
        ]);

        var ofAccount = await store.SignalsOfAccountsAsync(["001A"], Day.AddDays(-1));
        var ofContact = await store.SignalsOfContactsAsync(["c1", "c3"], Day.AddDays(-1));
        var ofNobody = await store.SignalsOfAccountsAsync([], DateTimeOffset.MinValue);

        Assert.Equal(["meetings/edge", "meetings/now"], ofAccount.Select(s => s.SourceKey));
        Assert.Equal(["meetings/now", "meetings/other"], ofContact.Select(s => s.SourceKey));
        Assert.Empty(ofNobody);
        Assert.Equal(5, (await store.SignalsOfAccountsAsync(["001A", "001B"], Day.AddYears(-1))).Count);
    }

    [Theory]
    [InlineData("Sqlite")]
    [InlineData("Postgres")]
    public async Task AttachToAccount_GivesTheCompanysUnattachedSignalsTheAccount_AndLeavesAttachedOnesAlone(string provider)
    {
        await using var state = await TestStore.CreateAsync(provider);
        var store = state.Store;
        await store.AddSignalsAsync(
        [
            Signal("meetings/1", Day, companyId: "901"),
            Signal("meetings/2", Day.AddHours(1), contactId: "c1", companyId: "901"),
            Signal("meetings/3", Day, companyId: "901", accountId: "001X"),
            Signal("meetings/4", Day, companyId: "902"),
        ]);

        Assert.Equal(2, await store.AttachSignalsToAccountAsync("901", "001A"));
        Assert.Equal(0, await store.AttachSignalsToAccountAsync("901", "001A"));

        var attached = await store.SignalsOfAccountsAsync(["001A"], Day.AddDays(-1));
        Assert.Equal(["meetings/1", "meetings/2"], attached.Select(s => s.SourceKey));
        Assert.All(attached, s => Assert.Equal(("901", "001A"), (s.CompanyId, s.AccountId)));
        Assert.Equal("meetings/3", Assert.Single(await store.SignalsOfAccountsAsync(["001X"], Day.AddDays(-1))).SourceKey);
        Assert.Equal("c1", attached[1].ToSignal().ContactId);
        Assert.Equal(new EngagementSignal(SignalTypes.Meeting, Day.AddHours(1), 1m, "c1", "001A"), attached[1].ToSignal());
    }

    [Theory]
    [InlineData("Sqlite")]
    [InlineData("Postgres")]
    public async Task CounterBaselines_Upsert_ReplacesGivenCounters_KeepsOthers_AndAnUnreadContactIsAbsent(string provider)
    {
        await using var state = await TestStore.CreateAsync(provider);
        var store = state.Store;
        await store.SaveCounterBaselinesAsync(new Dictionary<string, IReadOnlyDictionary<string, decimal>>
        {
            ["c1"] = new Dictionary<string, decimal> { [SignalTypes.PageView] = 3m, [SignalTypes.Visit] = 1m },
        });
        await store.SaveCounterBaselinesAsync(new Dictionary<string, IReadOnlyDictionary<string, decimal>>
        {
            ["c1"] = new Dictionary<string, decimal> { [SignalTypes.PageView] = 5m },
            ["c2"] = new Dictionary<string, decimal> { [SignalTypes.EmailOpen] = 40m },
        });

        var baselines = await store.CounterBaselinesAsync(["c1", "c2", "c3"]);

        Assert.Equal(["c1", "c2"], baselines.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(new Dictionary<string, decimal> { [SignalTypes.PageView] = 5m, [SignalTypes.Visit] = 1m }, baselines["c1"]);
        Assert.Equal(new Dictionary<string, decimal> { [SignalTypes.EmailOpen] = 40m }, baselines["c2"]);
    }

    [Theory]
    [InlineData("Sqlite")]
    [InlineData("Postgres")]
    public async Task DecimalAmounts_RoundTripExactly_InSignalsAndBaselines(string provider)
    {
        await using var state = await TestStore.CreateAsync(provider);
        var store = state.Store;
        decimal[] amounts = [0.2m, 12.5m, 0.1m, 0.3m, 1234.5678m, 3m, 0.000001m, 987654.321m];
        await store.AddSignalsAsync([.. amounts.Select((a, i) => Signal($"counter/c1/page-view/{i}", Day.AddMinutes(i), contactId: "c1", amount: a))]);
        await store.SaveCounterBaselinesAsync(new Dictionary<string, IReadOnlyDictionary<string, decimal>>
        {
            ["c1"] = amounts.Select((a, i) => (Type: $"t{i}", Amount: a)).ToDictionary(p => p.Type, p => p.Amount),
        });

        var signals = await store.SignalsOfContactsAsync(["c1"], Day.AddDays(-1));
        var baseline = (await store.CounterBaselinesAsync(["c1"]))["c1"];

        Assert.Equal(amounts, signals.Select(s => s.Amount));
        // Decimal equality ignores scale (12.50 == 12.5): the text shows that nothing like 0.2000000000000000111 came back.
        Assert.Equal(amounts.Select(a => a.ToString(CultureInfo.InvariantCulture)),
            signals.Select(s => s.Amount.ToString(CultureInfo.InvariantCulture)));
        Assert.Equal(amounts, amounts.Select((_, i) => baseline[$"t{i}"]));
    }

    [Theory]
    [InlineData("Sqlite")]
    [InlineData("Postgres")]
    public async Task Ledger_NeverOverwrites_TwoDecisionsAreTwoHistoryRows_AndTheLatestIsCurrent(string provider)
    {
        await using var state = await TestStore.CreateAsync(provider);
        var store = state.Store;
        await store.AppendDecisionsAsync([Entry("001A", "stage", AbmStages.Target, Day, runId: 7)]);
        await store.AppendDecisionsAsync([Entry("001A", "stage", AbmStages.Engaged, Day.AddDays(1), previous: AbmStages.Target)]);
        await store.AppendDecisionsAsync([Entry("001A", "surge", "true", Day.AddDays(1)), Entry("001A", "stage", "Lost", Day, @object: ObjectPairs.Accounts)]);

        var history = await store.DecisionHistoryAsync(Engagement, "001A");
        var current = Assert.Single(await store.CurrentDecisionsAsync(Engagement, "stage"));

        Assert.Equal([("stage", AbmStages.Target, (string?)null), ("stage", AbmStages.Engaged, AbmStages.Target), ("surge", "true", null)],
            history.Select(h => (h.Kind, h.Value, h.Previous)));
        Assert.True(history[0].Id < history[1].Id && history[1].Id < history[2].Id);
        Assert.Equal(history[1], current);
        Assert.Equal((7L, (long?)null), (history[0].RunId!.Value, history[1].RunId));
        Assert.Equal(("stage is Engaged", """{"points":12.5}""", "rules-sha", "rule-1", Day.AddDays(1)),
            (current.Reason, current.Inputs, current.RulesHash, current.RuleId, current.DecidedAt));
        Assert.Equal("Lost", Assert.Single(await store.CurrentDecisionsAsync(ObjectPairs.Accounts, "stage")).Value);
    }

    [Theory]
    [InlineData("Sqlite")]
    [InlineData("Postgres")]
    public async Task CurrentDecisions_AcrossManyRecords_IsEachRecordsLatest_NotAnotherKindsOrObjects(string provider)
    {
        await using var state = await TestStore.CreateAsync(provider);
        var store = state.Store;
        var records = Enumerable.Range(0, 600).Select(i => $"001{i:D5}").ToList();
        // Three rounds, each in another record order, so that the latest entry is never simply the highest record's.
        for (var round = 1; round <= 3; round++)
        {
            var order = round == 2 ? Enumerable.Reverse(records) : records;
            await store.AppendDecisionsAsync([.. order.Where((_, i) => round < 3 || i % 2 == 0).Select(r => Entry(r, "tier", $"{r}:{round}", Day.AddDays(round)))]);
        }
        await store.AppendDecisionsAsync([.. records.Select(r => Entry(r, "engagement", "99", Day.AddDays(4)))]);
        await store.AppendDecisionsAsync([Entry(records[1], "tier", "other-object", Day.AddDays(5), @object: ObjectPairs.Accounts)]);

        var current = await store.CurrentDecisionsAsync(Engagement, "tier");

        Assert.Equal(records, current.Select(c => c.RecordId));
        // Records answered in round 3 (every other one) have it as their latest; the rest still have round 2.
        Assert.Equal(records.Select((r, i) => $"{r}:{(i % 2 == 0 ? 3 : 2)}"), current.Select(c => c.Value));
        Assert.Empty(await store.CurrentDecisionsAsync(Engagement, "coverage"));
    }

    [Theory]
    [InlineData("Sqlite")]
    [InlineData("Postgres")]
    public async Task PruneLedger_RemovesOldReplacedEntries_KeepsTheLatestPerRecordAndKind_HoweverOld(string provider)
    {
        await using var state = await TestStore.CreateAsync(provider);
        var store = state.Store;
        await store.AppendDecisionsAsync(
        [
            Entry("001A", "tier", "1", Day.AddDays(1)),
            Entry("001A", "tier", "2", Day.AddDays(2)),
            Entry("001A", "stage", AbmStages.Target, Day.AddDays(1)),
            Entry("001B", "tier", "1", Day.AddDays(1)),
            Entry("001A", "tier", "3", Day.AddDays(3)),
            Entry("001A", "tier", "4", Day.AddDays(4)),
            Entry("001A", "tier", "accounts", Day.AddDays(1), @object: ObjectPairs.Accounts),
        ]);

        var pruned = await store.PruneLedgerAsync(Day.AddDays(3));

        Assert.Equal(2, pruned);
        // 3 is newer than the cut-off (kept though replaced); stage and 001B are old but current.
        Assert.Equal([("stage", AbmStages.Target), ("tier", "3"), ("tier", "4")],
            (await store.DecisionHistoryAsync(Engagement, "001A")).Select(h => (h.Kind, h.Value!)));
        Assert.Equal("1", Assert.Single(await store.DecisionHistoryAsync(Engagement, "001B")).Value);
        Assert.Equal("accounts", Assert.Single(await store.DecisionHistoryAsync(ObjectPairs.Accounts, "001A")).Value);
        Assert.Equal(1, await store.PruneLedgerAsync(Day.AddYears(1)));
        Assert.Equal([("stage", AbmStages.Target), ("tier", "4")], (await store.DecisionHistoryAsync(Engagement, "001A")).Select(h => (h.Kind, h.Value!)));
        Assert.Equal(0, await store.PruneLedgerAsync(Day.AddYears(1)));
    }

    [Theory]
    [InlineData("Sqlite")]
    [InlineData("Postgres")]
    public async Task PruneSignals_RemovesThoseDatedBefore_AndAPrunedSourceCanBeStoredAgain(string provider)
    {
        await using var state = await TestStore.CreateAsync(provider);
        var store = state.Store;
        await store.AddSignalsAsync(
        [
            Signal("meetings/1", Day.AddDays(-100), accountId: "001A"),
            Signal("meetings/2", Day.AddDays(-91), accountId: "001A"),
            Signal("meetings/3", Day.AddDays(-90), accountId: "001A"),
        ]);

        Assert.Equal(2, await store.PruneSignalsAsync(Day.AddDays(-90)));

        Assert.Equal(["meetings/3"], (await store.SignalsOfAccountsAsync(["001A"], DateTimeOffset.MinValue)).Select(s => s.SourceKey));
        Assert.Equal(1, await store.AddSignalsAsync([Signal("meetings/1", Day.AddDays(-100), accountId: "001A")]));
    }

    [Theory]
    [InlineData("Sqlite")]
    [InlineData("Postgres")]
    public async Task InLists_LongerThanOneChunk_AnswerEveryId(string provider)
    {
        await using var state = await TestStore.CreateAsync(provider);
        var store = state.Store;
        var contacts = Enumerable.Range(0, 1234).Select(i => $"c{i}").ToList();
        await store.AddSignalsAsync([.. contacts.Select((c, i) => Signal($"meetings/{i}", Day.AddSeconds(-i), contactId: c, accountId: $"001{i:D5}"))]);
        await store.SaveCounterBaselinesAsync(contacts.ToDictionary(c => c, c => (IReadOnlyDictionary<string, decimal>)new Dictionary<string, decimal> { [SignalTypes.Visit] = c.Length }));

        var ofContacts = await store.SignalsOfContactsAsync(contacts, Day.AddDays(-1));
        var ofAccounts = await store.SignalsOfAccountsAsync([.. contacts.Select((_, i) => $"001{i:D5}")], Day.AddDays(-1));
        var baselines = await store.CounterBaselinesAsync(contacts);

        Assert.Equal(contacts.Order(StringComparer.Ordinal), ofContacts.Select(s => s.ContactId!).Order(StringComparer.Ordinal));
        // Oldest first across chunks: the last contact's signal is the oldest.
        Assert.Equal("c1233", ofContacts[0].ContactId);
        Assert.Equal(1234, ofAccounts.Select(s => s.AccountId).Distinct().Count());
        Assert.Equal(contacts.Order(StringComparer.Ordinal), baselines.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(5m, baselines["c1233"][SignalTypes.Visit]);
    }

    /// <summary>
    /// A store from before the ledger: its tier decisions get their ledger entries once, and the tiers then derive from
    /// the ledger alone, as the accounts' rules load them.
    /// </summary>
    [Theory]
    [InlineData("Sqlite")]
    [InlineData("Postgres")]
    public async Task BackfillLedger_GivesDecisionsWithoutAnEntryTheirEntryOnce_AndTheTiersDeriveFromIt(string provider)
    {
        await using var state = await TestStore.CreateAsync(provider);
        var store = state.Store;
        var page = new PageCommit(ObjectPairs.Accounts, 1);
        page.Decisions.Add(new Decision(ObjectPairs.Accounts, "001A", TierRules.Kind, "Tier 1", 82, """[{"Name":"target-industry","Points":30}]""", "Tier 1, score 82", "005A", false, 1, Day));
        page.Decisions.Add(new Decision(ObjectPairs.Accounts, "001B", TierRules.Kind, null, null, TierRules.OffListDetail, "Not on the target list", null, false, 1, Day));
        page.Decisions.Add(new Decision(ObjectPairs.Accounts, "001C", TierRules.Kind, "Tier 2", 50, "[]", "Tier 2, locked", "005B", true, 1, Day));
        await store.CommitPageAsync(page);
        await store.AppendDecisionsAsync([Entry("001C", TierRules.Kind, "Tier 2", Day, ObjectPairs.Accounts)]);

        var entryOf = (Decision d) => new LedgerEntry(0, d.Object, d.RecordId, d.Kind, d.Value, null, d.Reason, $"{{\"score\":{d.Score?.ToString(CultureInfo.InvariantCulture) ?? "null"},\"criteria\":{System.Text.Json.JsonSerializer.Serialize(d.Detail)},\"owner\":{System.Text.Json.JsonSerializer.Serialize(d.OwnerId)},\"locked\":{(d.Locked ? "true" : "false")}}}",
            "hash", "before-ledger", d.RunId, d.DecidedAt);
        Assert.Equal(2, await store.BackfillLedgerAsync(ObjectPairs.Accounts, TierRules.Kind, entryOf));
        Assert.Equal(0, await store.BackfillLedgerAsync(ObjectPairs.Accounts, TierRules.Kind, entryOf));

        var current = (await store.CurrentDecisionsAsync(ObjectPairs.Accounts, TierRules.Kind)).Select(TierRules.FromLedger).ToDictionary(d => d.RecordId);
        Assert.Equal(("Tier 1", 82, "005A", false), (current["001A"].Value, current["001A"].Score, current["001A"].OwnerId, current["001A"].Locked));
        Assert.Equal("""[{"Name":"target-industry","Points":30}]""", current["001A"].Detail);
        Assert.Equal((null, TierRules.OffListDetail), (current["001B"].Value, current["001B"].Detail));
        // The one the ledger knew keeps its own entry (not the decision table's).
        Assert.Equal("rule-1", (await store.CurrentDecisionsAsync(ObjectPairs.Accounts, TierRules.Kind)).Single(e => e.RecordId == "001C").RuleId);
    }
}

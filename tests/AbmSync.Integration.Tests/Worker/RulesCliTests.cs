using System.Text.Json;
using System.Text.RegularExpressions;
using AbmSync.Integration.Tests.Sync;
using AbmSync.Worker.State;
using AbmSync.Worker.Sync;
using Microsoft.Data.Sqlite;

namespace AbmSync.Integration.Tests.Worker;

/// <summary>One synced world, settled: the accounts, contacts, leads and opportunities of 120 sandbox accounts.</summary>
public sealed class SyncedWorldFixture : IAsyncLifetime
{
    public SyncHarness Harness { get; private set; } = null!;

    /// <summary>The worker's settings as the executable reads them: the sandboxes' credentials and this world's state file.</summary>
    public Dictionary<string, string> Environment { get; } = new(StringComparer.Ordinal);

    public async Task InitializeAsync()
    {
        Harness = await SyncHarness.StartAsync(accounts: 120, seed: 23);
        await Harness.SyncAllAsync();
        await Harness.EngagementArrivesAsync();
        foreach (var (key, value) in Harness.Sandbox.WorkerSettings())
        {
            Environment["ABMSYNC__" + key.Replace(":", "__", StringComparison.Ordinal)] = value ?? "";
        }
        var settings = (Microsoft.Extensions.Configuration.IConfiguration)Harness.Host.Services.GetService(typeof(Microsoft.Extensions.Configuration.IConfiguration))!;
        Environment["ABMSYNC__Storage__Provider"] = "Sqlite";
        Environment["ABMSYNC__Storage__ConnectionString"] = settings["Storage:ConnectionString"]!;
        Environment["ABMSYNC__Mappings__Directory"] = settings["Mappings:Directory"]!;
    }

    public async Task DisposeAsync() => await Harness.DisposeAsync();
}

/// <summary>
/// <c>abmsync explain</c> and <c>abmsync rules diff</c> through the real executable over a synced world's state: what
/// they print agrees with the ledger, they make no API call, and the diff writes nothing.
/// </summary>
public sealed class RulesCliTests(SyncedWorldFixture world) : IClassFixture<SyncedWorldFixture>
{
    static readonly string ShippedRules = Path.Combine(SyncHarness.RepositoryRoot(), "mappings", "rules.yaml");

    async Task<(int ExitCode, string Output, string Error)> CliAsync(params string[] args) =>
        await CliProcess.RunAsync(world.Environment, Path.GetTempPath(), args);

    async Task<long> ApiCallsAsync() =>
        (await world.Harness.StatsAsync(world.Harness.Sandbox.SalesforceUrl)).Calls + (await world.Harness.StatsAsync(world.Harness.Sandbox.HubSpotUrl)).Calls;

    /// <summary>Every table's row count and the newest row id of each: what "writes nothing" is checked against.</summary>
    async Task<IReadOnlyDictionary<string, string>> RowCountsAsync()
    {
        await using var connection = new SqliteConnection(world.Environment["ABMSYNC__Storage__ConnectionString"]);
        await connection.OpenAsync();
        var tables = new List<string>();
        await using (var list = connection.CreateCommand())
        {
            list.CommandText = "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name";
            await using var reader = await list.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                tables.Add(reader.GetString(0));
            }
        }
        var counts = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var table in tables)
        {
            await using var count = connection.CreateCommand();
            count.CommandText = $"SELECT count(*) || '/' || coalesce(max(rowid), 0) FROM \"{table}\"";
            counts[table] = (string)(await count.ExecuteScalarAsync())!;
        }
        Assert.Contains("decision_ledger", counts.Keys);
        Assert.Contains("rule_subject", counts.Keys);
        return counts;
    }

    static string Tempfile(string yaml)
    {
        var path = Path.Combine(Path.GetTempPath(), $"abmsync-rules-{Guid.NewGuid():N}.yaml");
        File.WriteAllText(path, yaml);
        return path;
    }

    [Fact]
    public async Task Explain_ByIdHubSpotIdOrDomain_TellsTheLedgersTierOwnerPodAndHistory_WithoutAnApiCall()
    {
        var store = world.Harness.Store;
        var routing = await store.CurrentDecisionsAsync(ObjectPairs.Accounts, AccountRouting.Kind);
        var tiers = (await store.CurrentDecisionsAsync(ObjectPairs.Accounts, TierRules.Kind)).ToDictionary(e => e.RecordId, StringComparer.Ordinal);
        // A Tier 1 or Tier 2 account: it has a pod, an SDR and a marketer to tell.
        var entry = routing.Where(r => tiers[r.RecordId].Value is "Tier 1" or "Tier 2").OrderBy(r => r.RecordId, StringComparer.Ordinal).First();
        var facts = AccountRouting.Facts(entry)!;
        var link = (await store.GetLinksAsync(ObjectPairs.Accounts, [entry.RecordId]))[entry.RecordId];
        var users = new Dictionary<string, string?>(StringComparer.Ordinal);
        await foreach (var row in store.RuleSubjectsAsync(StateStore.UsersSubject))
        {
            users[row.RecordId] = row.Fields.GetValueOrDefault("Name");
        }
        await world.Harness.ResetStatsAsync();

        var byId = await CliAsync("explain", entry.RecordId);
        var byHubSpotId = await CliAsync("explain", link.HubSpotId);

        Assert.True(byId.ExitCode == 0, byId.Error + byId.Output);
        var lines = byId.Output.Split('\n', StringSplitOptions.TrimEntries);
        Assert.Contains($"HubSpot company {link.HubSpotId}", lines[0], StringComparison.Ordinal);
        Assert.Contains($"Tier: {tiers[entry.RecordId].Value}. {tiers[entry.RecordId].Reason}", lines);
        var owner = Assert.Single(lines, l => l.StartsWith("Owner:", StringComparison.Ordinal));
        Assert.Contains(users[facts.Owner!]!, owner, StringComparison.Ordinal);
        Assert.Contains($"in pod {facts.Pod}", owner, StringComparison.Ordinal);
        Assert.Contains(entry.Reason, owner, StringComparison.Ordinal);
        var helpers = Assert.Single(lines, l => l.StartsWith("SDR:", StringComparison.Ordinal));
        Assert.Contains(facts.Sdr is null ? "SDR: no one" : $"SDR: {users[facts.Sdr]}", helpers, StringComparison.Ordinal);
        Assert.Contains(facts.Marketer is null ? "marketer: no one" : $"marketer: {users[facts.Marketer]}", helpers, StringComparison.Ordinal);
        // The history: every ledger entry of the account, one line each, after its header.
        var history = lines.SkipWhile(l => l != "How it changed:").Skip(1).Where(l => l.Length > 0).ToList();
        Assert.Equal((await store.DecisionHistoryAsync(ObjectPairs.Accounts, entry.RecordId)).Count, history.Count);
        Assert.Contains(history, h => h.Contains(" routing: ", StringComparison.Ordinal) && h.Contains(entry.Reason, StringComparison.Ordinal));
        Assert.Equal(byId.Output, byHubSpotId.Output);

        // By the website's domain, where exactly one account has it.
        var websites = new List<(string Id, string Domain)>();
        await foreach (var row in store.RuleSubjectsAsync(ObjectPairs.Accounts))
        {
            if (AbmSync.Core.Accounts.DomainName.Normalize(row.Fields.GetValueOrDefault("Website")) is { } domain)
            {
                websites.Add((row.RecordId, domain));
            }
        }
        var unique = websites.GroupBy(w => w.Domain).First(g => g.Count() == 1).Single();
        var byDomain = await CliAsync("explain", unique.Domain);
        Assert.True(byDomain.ExitCode == 0, byDomain.Error);
        Assert.Contains($"Salesforce {unique.Id}", byDomain.Output.Split('\n')[0], StringComparison.Ordinal);
        var unknown = await CliAsync("explain", "no-such-account.example");
        Assert.Equal(1, unknown.ExitCode);
        Assert.Contains("knows no account no-such-account.example", unknown.Output, StringComparison.Ordinal);
        Assert.Equal(0, await ApiCallsAsync());
    }

    [Fact]
    public async Task RulesDiff_OfTheShippedFile_ChangesNothing_AndWritesNothing()
    {
        var before = await RowCountsAsync();
        await world.Harness.ResetStatsAsync();

        var diff = await CliAsync("rules", "diff", "--rules", ShippedRules);

        Assert.True(diff.ExitCode == 0, diff.Error + diff.Output);
        Assert.Matches(@"Tiers: 0 of \d+ accounts change tier", diff.Output);
        Assert.Contains("Owners: 0 reassigned", diff.Output, StringComparison.Ordinal);
        Assert.Contains("SDRs: 0 reassigned", diff.Output, StringComparison.Ordinal);
        Assert.Contains("Marketers: 0 reassigned", diff.Output, StringComparison.Ordinal);
        Assert.Contains("Lead matches: 0 gained, 0 lost, 0 moved", diff.Output, StringComparison.Ordinal);
        Assert.Equal(0, await ApiCallsAsync());
        Assert.Equal(before, await RowCountsAsync());
    }

    [Fact]
    public async Task RulesDiff_ALowerTier2Threshold_MovesTheTier3AccountsScoringAboveIt_NoCompanyNames_LosesTheNameMatches()
    {
        var shipped = await File.ReadAllTextAsync(ShippedRules);
        Assert.Contains("{ tier: Tier 2, minScore: 45, cap: 200 }", shipped, StringComparison.Ordinal);
        Assert.Contains("byCompanyName: true", shipped, StringComparison.Ordinal);
        var proposed = Tempfile(shipped.Replace("{ tier: Tier 2, minScore: 45, cap: 200 }", "{ tier: Tier 2, minScore: 30, cap: 200 }", StringComparison.Ordinal)
            .Replace("byCompanyName: true", "byCompanyName: false", StringComparison.Ordinal));
        var store = world.Harness.Store;
        // Independently of the diff: the ledger's Tier 3 accounts whose score reaches 30, and the leads matched by name.
        var climbing = (await store.CurrentDecisionsAsync(ObjectPairs.Accounts, TierRules.Kind))
            .Where(e => e.Value == "Tier 3" && JsonDocument.Parse(e.Inputs!).RootElement.GetProperty("Score").GetInt32() >= 30)
            .Select(e => e.RecordId).ToHashSet(StringComparer.Ordinal);
        var byName = (await store.CurrentDecisionsAsync(ObjectPairs.Leads, PersonMatchRules.Kind)).Count(e => e.RuleId == "company-name");
        Assert.NotEmpty(climbing);
        Assert.True(byName > 0, "the sandbox has leads matched by company name");
        var before = await RowCountsAsync();

        var diff = await CliAsync("rules", "diff", "--rules", proposed, "--examples", "100");

        Assert.True(diff.ExitCode == 0, diff.Error + diff.Output);
        var transition = Regex.Match(diff.Output, @"Tier 3 → Tier 2: (\d+)  e\.g\. (.*)");
        Assert.True(transition.Success, diff.Output);
        Assert.Equal(climbing.Count, int.Parse(transition.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture));
        Assert.All(climbing, id => Assert.Contains($"({id})", transition.Groups[2].Value, StringComparison.Ordinal));
        Assert.DoesNotContain("Tier 2 → ", diff.Output, StringComparison.Ordinal);
        Assert.Contains($"Lead matches: 0 gained, {byName} lost, 0 moved", diff.Output, StringComparison.Ordinal);
        Assert.Contains("company names are not matched", diff.Output, StringComparison.Ordinal);
        Assert.Equal(before, await RowCountsAsync());
    }

    [Fact]
    public async Task RulesDiff_OfABadFile_FailsWithFileLineAndReason_ExitCode2()
    {
        var shipped = await File.ReadAllTextAsync(ShippedRules);
        var lines = shipped.Split('\n');
        var line = Array.FindIndex(lines, l => l.Contains("{ tier: Tier 1, minScore: 65", StringComparison.Ordinal)) + 1;
        var proposed = Tempfile(shipped.Replace("{ tier: Tier 1, minScore: 65", "{ tier: Tier 1, minScore: sixty-five", StringComparison.Ordinal));

        var diff = await CliAsync("rules", "diff", "--rules", proposed);
        var missing = await CliAsync("rules", "diff", "--rules", proposed + ".gone");

        Assert.Equal(2, diff.ExitCode);
        Assert.Contains($"{proposed}:{line}: minScore must be a whole number", diff.Error, StringComparison.Ordinal);
        Assert.Equal(2, missing.ExitCode);
        Assert.Contains($"{proposed}.gone:1: file not found", missing.Error, StringComparison.Ordinal);
    }
}

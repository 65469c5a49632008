using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using AbmSync.Core.Rules;
using AbmSync.Integration.Tests.Sync;
using AbmSync.Worker.Report;
using AbmSync.Worker.State;
using AbmSync.Worker.Sync;

namespace AbmSync.Integration.Tests.Worker;

/// <summary>
/// A synced world for the scorecard: 120 sandbox accounts, every pair synced and engagement read, then one Tier 1
/// account renamed in Salesforce to a name carrying a script tag and the accounts synced again. The page is written
/// once through the real executable (<c>abmsync report --out</c>) and read by every test.
/// </summary>
public sealed class ScorecardWorldFixture : IAsyncLifetime
{
    public const string HostileName = "<script>alert('abm')</script> Holdings";

    public SyncHarness Harness { get; private set; } = null!;
    public Dictionary<string, string> Environment { get; } = new(StringComparer.Ordinal);
    public string HostileAccountId { get; private set; } = "";
    public string PagePath { get; private set; } = "";
    public string Page { get; private set; } = "";
    public (int ExitCode, string Output, string Error) Written { get; private set; }

    public async Task InitializeAsync()
    {
        Harness = await SyncHarness.StartAsync(accounts: 120, seed: 23);
        await Harness.SyncAllAsync();
        await Harness.EngagementArrivesAsync();
        var tierOne = (await Harness.Store.GetDecisionsAsync(ObjectPairs.Accounts, TierRules.Kind))
            .Where(d => d.Value == Tiers.Tier1).Select(d => d.RecordId).Order(StringComparer.Ordinal).ToList();
        Assert.True(tierOne.Count >= 2, $"the world needs two Tier 1 accounts, has {tierOne.Count}");
        HostileAccountId = tierOne[^1];
        await Harness.EditAccountAsSalesRepAsync(HostileAccountId, new { Name = HostileName });
        var again = await Harness.SyncAsync(new SyncRequest(Object: ObjectPairs.Accounts));
        Assert.Equal("succeeded", again.Status);

        foreach (var (key, value) in Harness.Sandbox.WorkerSettings())
        {
            Environment["ABMSYNC__" + key.Replace(":", "__", StringComparison.Ordinal)] = value ?? "";
        }
        var settings = (Microsoft.Extensions.Configuration.IConfiguration)Harness.Host.Services.GetService(typeof(Microsoft.Extensions.Configuration.IConfiguration))!;
        Environment["ABMSYNC__Storage__Provider"] = "Sqlite";
        Environment["ABMSYNC__Storage__ConnectionString"] = settings["Storage:ConnectionString"]!;
        Environment["ABMSYNC__Mappings__Directory"] = settings["Mappings:Directory"]!;

        PagePath = Path.Combine(Path.GetTempPath(), $"abmsync-scorecard-{Guid.NewGuid():N}.html");
        Written = await CliProcess.RunAsync(Environment, Path.GetTempPath(), "report", "--out", PagePath);
        Page = File.Exists(PagePath) ? await File.ReadAllTextAsync(PagePath) : "";
    }

    public async Task DisposeAsync()
    {
        File.Delete(PagePath);
        await Harness.DisposeAsync();
    }
}

/// <summary>Reads the scorecard's own markup: a chart's bars, a table's rows.</summary>
static class ScorecardMarkup
{
    public sealed record Bar(string Label, decimal Value, decimal Height);

    public static string Chart(string page, string name)
    {
        var match = Regex.Match(page, $"<svg data-chart=\"{Regex.Escape(name)}\".*?</svg>", RegexOptions.Singleline);
        Assert.True(match.Success, $"no chart {name}");
        return match.Value;
    }

    public static IReadOnlyList<Bar> Bars(string svg) =>
        [.. Regex.Matches(svg, "<rect data-label=\"([^\"]*)\" data-value=\"([^\"]*)\"[^>]*? height=\"([^\"]*)\"").Select(m => new Bar(
            WebUtility.HtmlDecode(m.Groups[1].Value),
            decimal.Parse(m.Groups[2].Value, NumberStyles.Float, CultureInfo.InvariantCulture),
            decimal.Parse(m.Groups[3].Value, NumberStyles.Float, CultureInfo.InvariantCulture)))];

    public static string Table(string page, string id)
    {
        var match = Regex.Match(page, $"<table id=\"{Regex.Escape(id)}\">.*?</table>", RegexOptions.Singleline);
        Assert.True(match.Success, $"no table #{id}");
        return match.Value;
    }
}

public sealed class ScorecardTests(ScorecardWorldFixture world) : IClassFixture<ScorecardWorldFixture>
{
    static readonly string[] Charts = ["tiers", "stages", "tier-moves", "engagement", "coverage", "pipeline", "win-rate", "cycle", "influence"];

    [Fact]
    public void ReportOut_WritesTheFile_PrintsItsPath_AndHoldsEveryChart()
    {
        Assert.True(world.Written.ExitCode == 0, world.Written.Output + world.Written.Error);
        Assert.Contains(world.PagePath, world.Written.Output, StringComparison.Ordinal);
        Assert.True(File.Exists(world.PagePath));
        Assert.StartsWith("<!DOCTYPE html>", world.Page, StringComparison.Ordinal);
        Assert.All(Charts, name => Assert.Contains($"<svg data-chart=\"{name}\"", world.Page, StringComparison.Ordinal));
        Assert.Contains("<table id=\"review\">", world.Page, StringComparison.Ordinal);
        Assert.Contains("<table id=\"tier1\">", world.Page, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TiersChart_BarsSumToTheTieredAccountsInTheStore_EachTierItsOwnCount()
    {
        var tiered = (await world.Harness.Store.GetDecisionsAsync(ObjectPairs.Accounts, TierRules.Kind))
            .Where(d => d.Detail != TierRules.OffListDetail && d.Value is not null).ToList();
        var bars = ScorecardMarkup.Bars(ScorecardMarkup.Chart(world.Page, "tiers"));

        Assert.NotEmpty(tiered);
        Assert.Equal(tiered.Count, bars.Sum(b => b.Value));
        Assert.All(bars, b => Assert.Equal(tiered.Count(d => d.Value == b.Label), b.Value));
        // Each bar has its visible label too, not only the data attribute.
        Assert.All(bars, b => Assert.Contains($">{WebUtility.HtmlEncode(b.Label)}</text>", world.Page, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Tier1Table_ListsATier1AccountByName()
    {
        var tierOne = (await world.Harness.Store.GetDecisionsAsync(ObjectPairs.Accounts, TierRules.Kind))
            .Where(d => d.Value == Tiers.Tier1 && d.RecordId != world.HostileAccountId).Select(d => d.RecordId).Order(StringComparer.Ordinal).First();
        string? name = null;
        await foreach (var row in world.Harness.Store.RuleSubjectsAsync(ObjectPairs.Accounts))
        {
            if (row.RecordId == tierOne)
            {
                name = row.Fields["Name"];
            }
        }
        var table = ScorecardMarkup.Table(world.Page, "tier1");

        Assert.False(string.IsNullOrEmpty(name));
        Assert.Contains($"<tr data-account-id=\"{tierOne}\"><td>{WebUtility.HtmlEncode(name)}</td>", table, StringComparison.Ordinal);
        var tier3 = (await world.Harness.Store.GetDecisionsAsync(ObjectPairs.Accounts, TierRules.Kind)).First(d => d.Value == Tiers.Tier3).RecordId;
        Assert.DoesNotContain($"data-account-id=\"{tier3}\"", table, StringComparison.Ordinal);
    }

    [Fact]
    public void Page_IsSelfContained_NoScript_NoRemoteResource_WithTheContentSecurityPolicy()
    {
        Assert.NotEmpty(world.Page);
        Assert.DoesNotContain("<script", world.Page, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("http://", world.Page, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("https://", world.Page, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<link", world.Page, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<img", world.Page, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("@import", world.Page, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotMatch(new Regex(@"\son[a-z]+\s*=", RegexOptions.IgnoreCase), world.Page);
        Assert.Contains("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:\">", world.Page, StringComparison.Ordinal);
    }

    [Fact]
    public void AccountNameWithAScriptTag_IsEncoded_InTheTier1Table()
    {
        var table = ScorecardMarkup.Table(world.Page, "tier1");

        Assert.Contains($"<tr data-account-id=\"{world.HostileAccountId}\"><td>&lt;script&gt;alert(&#39;abm&#39;)&lt;/script&gt; Holdings</td>", table, StringComparison.Ordinal);
        Assert.DoesNotContain(ScorecardWorldFixture.HostileName, world.Page, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TierMovesChart_CountsTheLedgersTierChangesInThePeriod()
    {
        var since = DateTimeOffset.UtcNow.AddDays(-AbmScorecard.DefaultDays);
        var changes = (await world.Harness.Store.LedgerSinceAsync(ObjectPairs.Accounts, TierRules.Kind, since)).Where(e => e.Previous != e.Value).ToList();
        var bars = ScorecardMarkup.Bars(ScorecardMarkup.Chart(world.Page, "tier-moves"));

        Assert.NotEmpty(changes);
        Assert.Equal(changes.Count, bars.Sum(b => b.Value));
        Assert.All(bars, b => Assert.Contains(" → ", b.Label, StringComparison.Ordinal));
        Assert.Equal(changes.Count(e => e.Previous is null && e.Value == Tiers.Tier1), bars.SingleOrDefault(b => b.Label == "no tier → Tier 1")?.Value ?? 0);
    }

    [Fact]
    public async Task ReviewTable_HoldsTier1AndTier2AccountsOnly_EachWithKnownFlagsAndAReason()
    {
        var tiers = (await world.Harness.Store.GetDecisionsAsync(ObjectPairs.Accounts, TierRules.Kind)).ToDictionary(d => d.RecordId, d => d.Value, StringComparer.Ordinal);
        var rows = Regex.Matches(ScorecardMarkup.Table(world.Page, "review"), "<tr data-account-id=\"([^\"]*)\" data-tier=\"([^\"]*)\" data-flags=\"([^\"]*)\">(.*?)</tr>").ToList();

        Assert.NotEmpty(rows);
        Assert.All(rows, row =>
        {
            var id = row.Groups[1].Value;
            Assert.Equal(tiers[id], row.Groups[2].Value);
            Assert.Contains(row.Groups[2].Value, new[] { Tiers.Tier1, Tiers.Tier2 });
            var flags = row.Groups[3].Value.Split('|');
            Assert.NotEmpty(flags);
            Assert.All(flags, f => Assert.Contains(f, new[] { AbmScorecard.Advanced, AbmScorecard.Stalled, AbmScorecard.Intervention }));
            var cells = Regex.Matches(row.Groups[4].Value, "<td>(.*?)</td>").Select(c => c.Groups[1].Value).ToList();
            Assert.Equal(7, cells.Count);
            Assert.False(string.IsNullOrWhiteSpace(cells[^1]), $"{id} has no reason");
        });
        // An account with no SDR in the store's routing is flagged for intervention and says so.
        var routing = (await world.Harness.Store.CurrentDecisionsAsync(ObjectPairs.Accounts, AccountRouting.Kind))
            .Where(e => tiers.GetValueOrDefault(e.RecordId) is Tiers.Tier1 or Tiers.Tier2)
            .FirstOrDefault(e => AccountRouting.Facts(e) is { Sdr: null });
        if (routing is not null)
        {
            var row = rows.Single(r => r.Groups[1].Value == routing.RecordId);
            Assert.Contains(AbmScorecard.Intervention, row.Groups[3].Value.Split('|'));
            Assert.Contains("no SDR", row.Groups[4].Value, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task PipelineChart_SumsTheOpenAmounts_AndThePageStatesTheCurrencyAssumption()
    {
        var facts = (await world.Harness.Store.CurrentDecisionsAsync(ObjectPairs.Opportunities, OpportunityRules.InfluenceKind))
            .Select(OpportunityRules.Facts).OfType<OpportunityFacts>().ToList();
        var open = facts.Where(f => !f.IsClosed && f.Amount is not null).Sum(f => f.Amount!.Value);
        var bars = ScorecardMarkup.Bars(ScorecardMarkup.Chart(world.Page, "pipeline"));
        var winRates = ScorecardMarkup.Bars(ScorecardMarkup.Chart(world.Page, "win-rate"));

        Assert.True(open > 0);
        Assert.Equal(open, bars.Sum(b => b.Value));
        Assert.All(winRates, b => Assert.InRange(b.Value, 0, 100));
        Assert.NotEmpty(ScorecardMarkup.Bars(ScorecardMarkup.Chart(world.Page, "cycle")));
        Assert.Contains("no currency per opportunity", world.Page, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("no-such-directory/scorecard.html")]
    [InlineData("")]
    public async Task UnwritableOut_OneLineError_ExitCode2_NoFile(string relative)
    {
        var directory = Directory.CreateTempSubdirectory("abmsync-scorecard-out-");
        try
        {
            // "" names the directory itself: a path that is a directory cannot be written as a file.
            var target = relative.Length == 0 ? directory.FullName : Path.Combine(directory.FullName, relative);
            var (exit, output, error) = await CliProcess.RunAsync(world.Environment, directory.FullName, "report", "--out", target);

            Assert.Equal(2, exit);
            var line = Assert.Single(error.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
            Assert.StartsWith($"cannot write the scorecard to {target}", line, StringComparison.Ordinal);
            Assert.DoesNotContain("wrote", output, StringComparison.Ordinal);
            Assert.Empty(Directory.GetFiles(directory.FullName, "*", SearchOption.AllDirectories));
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task WithoutOut_PrintsTheRunsAndDeadLetters_AndWritesNoFile()
    {
        var directory = Directory.CreateTempSubdirectory("abmsync-scorecard-text-");
        try
        {
            var (exit, output, error) = await CliProcess.RunAsync(world.Environment, directory.FullName, "report");

            Assert.True(exit == 0, output + error);
            Assert.Matches(new Regex(@"^run \d+ accounts ", RegexOptions.Multiline), output);
            Assert.Contains("dead letters: ", output, StringComparison.Ordinal);
            Assert.DoesNotContain("<html", output, StringComparison.Ordinal);
            Assert.Empty(Directory.GetFileSystemEntries(directory.FullName));
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task SinceBelowOneDay_IsBadInput_ExitCode2()
    {
        var (exit, _, error) = await CliProcess.RunAsync(world.Environment, Path.GetTempPath(), "report", "--out", world.PagePath + ".0", "--since", "0");

        Assert.Equal(2, exit);
        Assert.Contains("--since 0", error, StringComparison.Ordinal);
        Assert.False(File.Exists(world.PagePath + ".0"));
    }
}

/// <summary>The scorecard over a store that holds nothing: every figure says none is recorded, no bar is drawn as if measured.</summary>
public sealed class ScorecardEmptyStoreTests
{
    [Fact]
    public async Task EmptyStore_EveryChartSaysNoneRecorded_AndDrawsNoBar()
    {
        var directory = Directory.CreateTempSubdirectory("abmsync-scorecard-empty-");
        try
        {
            var store = new StateStore("Sqlite", $"Data Source={Path.Combine(directory.FullName, "abmsync.db")};Pooling=False", TimeProvider.System);
            await store.MigrateAsync();
            var page = await new AbmScorecard(store, TimeProvider.System).RenderPageAsync();

            Assert.DoesNotContain("<rect", page, StringComparison.Ordinal);
            Assert.Contains("No tier decisions recorded", ScorecardMarkup.Chart(page, "tiers"), StringComparison.Ordinal);
            Assert.All(new[] { "pipeline", "win-rate", "cycle" }, name =>
                Assert.Contains("No opportunities recorded.", ScorecardMarkup.Chart(page, name), StringComparison.Ordinal));
            Assert.DoesNotContain("data-chart=\"influence\"", page, StringComparison.Ordinal);
            Assert.Contains("No marketing-influence decision is recorded", page, StringComparison.Ordinal);
            Assert.Contains("No Tier 1 accounts recorded.", page, StringComparison.Ordinal);
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }
}

/// <summary><see cref="SvgChart"/> on its own: proportional bars, the none message, encoding.</summary>
public sealed class ScorecardSvgChartTests
{
    [Fact]
    public void BarHeights_AreProportionalToTheValues_TheLargestFillingThePlot()
    {
        var svg = SvgChart.Render("t", "Title", [new("A", 10, "10"), new("B", 40, "40"), new("C", 25, "25"), new("D", 0, "0")], "none");
        var bars = ScorecardMarkup.Bars(svg);

        Assert.Equal(["A", "B", "C", "D"], bars.Select(b => b.Label));
        Assert.Equal([10m, 40m, 25m, 0m], bars.Select(b => b.Value));
        Assert.Equal(SvgChart.PlotHeight, bars[1].Height);
        Assert.Equal(SvgChart.PlotHeight / 4m, bars[0].Height);
        Assert.Equal(SvgChart.PlotHeight * 25m / 40m, bars[2].Height);
        Assert.Equal(0m, bars[3].Height);
        Assert.All(bars.Take(3), b => Assert.Equal(b.Value / 40m, b.Height / SvgChart.PlotHeight));
    }

    [Fact]
    public void NoBars_SaysTheNoneMessage_InTheNamedChart_WithNoRect()
    {
        var svg = SvgChart.Render("pipeline", "Open pipeline", [], "No opportunities recorded.");

        Assert.StartsWith("<svg data-chart=\"pipeline\"", svg, StringComparison.Ordinal);
        Assert.Contains(">No opportunities recorded.</text>", svg, StringComparison.Ordinal);
        Assert.DoesNotContain("<rect", svg, StringComparison.Ordinal);
    }

    [Fact]
    public void LabelsAndDisplays_AreEncoded_AndVisibleAsText()
    {
        var svg = SvgChart.Render("x", "a \"title\"", [new("<b>A&B</b>", 3, "3 <i>")], "none");

        Assert.Contains("data-label=\"&lt;b&gt;A&amp;B&lt;/b&gt;\"", svg, StringComparison.Ordinal);
        Assert.Contains(">&lt;b&gt;A&amp;B&lt;/b&gt;</text>", svg, StringComparison.Ordinal);
        Assert.Contains(">3 &lt;i&gt;</text>", svg, StringComparison.Ordinal);
        Assert.Contains("aria-label=\"a &quot;title&quot;\"", svg, StringComparison.Ordinal);
        Assert.DoesNotContain("<b>", svg, StringComparison.Ordinal);
    }
}

/// <summary>The scorecard's reads on PostgreSQL: a sandbox synced into it gives the figures the store holds there.</summary>
public sealed class ScorecardPostgresTests
{
    [Fact]
    public async Task Postgres_SyncedWorld_ChartsTheStoresTiersMovesAndPipeline()
    {
        await using var database = await PostgresDatabase.CreateAsync();
        var settings = new Dictionary<string, string?> { ["Storage:Provider"] = "Postgres", ["Storage:ConnectionString"] = database.ConnectionString };
        await using var harness = await SyncHarness.StartAsync(accounts: 60, seed: 23, settings: settings);
        await harness.SyncAllAsync();
        await harness.EngagementArrivesAsync();
        var store = harness.Store;
        Assert.Equal("Postgres", store.Provider);

        var scorecard = new AbmScorecard(store, TimeProvider.System);
        var data = await scorecard.GatherAsync();
        var tiered = (await store.GetDecisionsAsync(ObjectPairs.Accounts, TierRules.Kind)).Count(d => d.Detail != TierRules.OffListDetail && d.Value is not null);
        var moves = (await store.LedgerSinceAsync(ObjectPairs.Accounts, TierRules.Kind, data.Since)).Count(e => e.Previous != e.Value);

        Assert.True(tiered > 0);
        Assert.Equal(tiered, data.Tiers.Bars.Sum(b => b.Value));
        Assert.True(moves > 0);
        Assert.Equal(moves, data.TierMoves.Bars.Sum(b => b.Value));
        Assert.NotEmpty(data.Pipeline.Bars);
        Assert.NotNull(data.Influence);
        // A period that starts after every decision holds no move: the text comparison of decided_at is in time order.
        Assert.Empty(await store.LedgerSinceAsync(ObjectPairs.Accounts, TierRules.Kind, DateTimeOffset.UtcNow.AddMinutes(1)));
        Assert.NotEmpty(await store.DecisionsBeforeAsync(ObjectPairs.Accounts, TierRules.EngagementKind, DateTimeOffset.UtcNow.AddMinutes(1)));
        Assert.Empty(await store.DecisionsBeforeAsync(ObjectPairs.Accounts, TierRules.EngagementKind, data.Since));
        Assert.NotEmpty(await store.AccountsEngagedSinceAsync(DateTimeOffset.UtcNow.AddYears(-5)));
        Assert.Empty(await store.AccountsEngagedSinceAsync(DateTimeOffset.UtcNow.AddDays(1)));
        Assert.DoesNotContain("<script", await scorecard.RenderPageAsync(), StringComparison.OrdinalIgnoreCase);
    }
}

using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using AbmSync.Integration.Tests.Sync;
using AbmSync.Sandbox;
using Microsoft.Data.Sqlite;

namespace AbmSync.Integration.Tests.Worker;

/// <summary>
/// What a new user or a careless operator types, run through the real <c>abmsync</c> process: every case ends in one
/// clear line and its documented exit code, never a crash, a hang or a stack trace.
/// </summary>
public sealed class BadInputTests : IDisposable
{
    readonly DirectoryInfo directory = Directory.CreateTempSubdirectory("abmsync-bad-input-");
    readonly string mappings;

    public BadInputTests()
    {
        mappings = Path.Combine(directory.FullName, "mappings");
        Directory.CreateDirectory(mappings);
        var shipped = Path.Combine(SyncHarness.RepositoryRoot(), "mappings");
        foreach (var file in Directory.GetFiles(shipped, "*.yaml"))
        {
            File.Copy(file, Path.Combine(mappings, Path.GetFileName(file)));
        }
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        directory.Delete(recursive: true);
    }

    Dictionary<string, string> Environment(params (string Key, string Value)[] settings)
    {
        var environment = new Dictionary<string, string>
        {
            ["ABMSYNC__Mappings__Directory"] = mappings,
            ["ABMSYNC__Salesforce__LoginUrl"] = "http://127.0.0.1:9",
            ["ABMSYNC__Salesforce__ClientId"] = "client-id",
            ["ABMSYNC__Salesforce__ClientSecret"] = "a-client-secret-that-must-not-leak",
            ["ABMSYNC__HubSpot__BaseUrl"] = "http://127.0.0.1:9",
            ["ABMSYNC__HubSpot__AccessToken"] = "a-hubspot-token-that-must-not-leak",
        };
        foreach (var (key, value) in settings)
        {
            environment[key] = value;
        }
        return environment;
    }

    async Task<(int ExitCode, string Error, TimeSpan Elapsed)> RunAsync(Dictionary<string, string> environment, params string[] args)
    {
        var clock = Stopwatch.StartNew();
        var (exit, output, error) = await CliProcess.RunAsync(environment, directory.FullName, args);
        var all = output + error;
        Assert.DoesNotContain("Unhandled exception", all, StringComparison.Ordinal);
        Assert.DoesNotContain("Stack overflow", all, StringComparison.Ordinal);
        Assert.DoesNotMatch(@"(?m)^\s+at \S+\(", all);
        Assert.DoesNotContain("must-not-leak", all, StringComparison.Ordinal);
        return (exit, error, clock.Elapsed);
    }

    static string[] Lines(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    void WriteAccounts(string yaml) => File.WriteAllText(Path.Combine(mappings, "accounts.yaml"), yaml);

    // ---- mapping and rules files ----

    [Fact]
    public async Task MappingsValidate_CyclicAliasAsMappingKey_FileLineReasonExit2()
    {
        WriteAccounts("version: 1\n? &c [ *c ]\n: x\n");

        var (exit, error, elapsed) = await RunAsync(Environment(), "mappings", "validate");

        Assert.Equal(2, exit);
        Assert.Contains("accounts.yaml:2: anchor '&c' is not allowed", error, StringComparison.Ordinal);
        Assert.True(elapsed < TimeSpan.FromSeconds(20), $"took {elapsed}");
    }

    [Theory]
    [InlineData("mappings", "validate")]
    [InlineData("sync")]
    public async Task AliasBombAsMappingKey_RefusedAtOnce_Exit2(params string[] verb)
    {
        var yaml = "version: 1\na: &a [x, x, x, x, x, x, x, x, x]\n";
        for (var level = 1; level <= 10; level++)
        {
            var previous = (char)('a' + level - 1);
            yaml += $"{(char)('a' + level)}: &{(char)('a' + level)} [{string.Join(", ", Enumerable.Repeat($"*{previous}", 9))}]\n";
        }
        yaml += "? *k\n: boom\n";
        WriteAccounts(yaml);

        var (exit, error, elapsed) = await RunAsync(Environment(), verb);

        Assert.Equal(2, exit);
        Assert.Contains("accounts.yaml:2: anchor '&a' is not allowed", error, StringComparison.Ordinal);
        Assert.True(elapsed < TimeSpan.FromSeconds(20), $"took {elapsed}");
    }

    [Fact]
    public async Task MappingsValidate_UndefinedAlias_ReportsItsOwnLine()
    {
        var lines = File.ReadAllLines(Path.Combine(mappings, "accounts.yaml")).ToList();
        lines.Insert(17, "# a comment before the bad line");
        lines.Add("extra: *nowhere");
        WriteAccounts(string.Join('\n', lines) + "\n");

        var (exit, error, _) = await RunAsync(Environment(), "mappings", "validate");

        Assert.Equal(2, exit);
        Assert.Contains($"accounts.yaml:{lines.Count}: alias '*nowhere' is not allowed", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task MappingsValidate_MissingMappingsDirectory_OneLineExit2()
    {
        var (exit, error, _) = await RunAsync(Environment(("ABMSYNC__Mappings__Directory", Path.Combine(directory.FullName, "no-such-dir"))), "mappings", "validate");

        Assert.Equal(2, exit);
        var line = Assert.Single(Lines(error));
        Assert.Contains("no-such-dir:1: Mappings:Directory does not exist", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task MappingsValidate_AccountsYamlIsADirectory_OneLineExit2()
    {
        File.Delete(Path.Combine(mappings, "accounts.yaml"));
        Directory.CreateDirectory(Path.Combine(mappings, "accounts.yaml"));

        var (exit, error, _) = await RunAsync(Environment(), "mappings", "validate");

        Assert.Equal(2, exit);
        var line = Assert.Single(Lines(error));
        Assert.EndsWith("accounts.yaml:1: is a directory, not a file", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task MappingsValidate_HugeBrokenFile_FirstFiftyProblemsAndACount()
    {
        WriteAccounts("version: 1\n" + string.Concat(Enumerable.Range(0, 150_000).Select(i => $"bad{i}: 1\n")));

        var (exit, error, _) = await RunAsync(Environment(), "mappings", "validate");

        Assert.Equal(2, exit);
        var lines = Lines(error);
        Assert.Equal(51, lines.Length);
        Assert.Contains(lines, l => l.EndsWith("accounts.yaml:2: unknown key 'bad0' in the mapping file; expected one of: version, pair, include, match, onDelete, onMerge, fields", StringComparison.Ordinal));
        Assert.Contains("more problems (the first 50 are listed)", lines[^1], StringComparison.Ordinal);
    }

    [Fact]
    public async Task MappingsValidate_NestingTooDeep_OneLineExit2()
    {
        WriteAccounts("version: 1\nfields: " + new string('[', 100_000) + "\n");

        var (exit, error, _) = await RunAsync(Environment(), "mappings", "validate");

        Assert.Equal(2, exit);
        Assert.Contains("nested more than 32 levels deep", Assert.Single(Lines(error)), StringComparison.Ordinal);
    }

    // ---- settings ----

    [Theory]
    [InlineData("ABMSYNC__Salesforce__LoginUrl", "http://[::1", "settings: Salesforce:LoginUrl must be an absolute URL")]
    [InlineData("ABMSYNC__Salesforce__LoginUrl", "http://127.0.0.1:99999", "settings: Salesforce:LoginUrl must be an absolute URL")]
    [InlineData("ABMSYNC__HubSpot__RequestsPer10Seconds", "abc", "settings: HubSpot:RequestsPer10Seconds must be a whole number")]
    [InlineData("ABMSYNC__Salesforce__AuthFlow", "Magic", "settings: Salesforce:AuthFlow must be one of: ClientCredentials, JwtBearer, RefreshToken")]
    [InlineData("ABMSYNC__Sync__LeaseDuration", "soon", "settings: Sync:LeaseDuration must be a duration")]
    public async Task Sync_SettingThatDoesNotConvert_NamesKeyAndFormExit2(string key, string value, string expected)
    {
        var (exit, error, _) = await RunAsync(Environment((key, value)), "sync");

        Assert.Equal(2, exit);
        var line = Assert.Single(Lines(error));
        Assert.StartsWith(expected, line, StringComparison.Ordinal);
        Assert.DoesNotContain(value, line, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("sync --object bogus", "Argument 'bogus' not recognized", "(abmsync sync --help lists what it takes)")]
    [InlineData("sync --partition 5/2", "a partition is INDEX/COUNT", "(abmsync sync --help lists what it takes)")]
    [InlineData("synk", "Unrecognized command or argument 'synk'", "(abmsync --help lists what it takes)")]
    public async Task Cli_MistypedVerbOrOption_SaysWhatAndWhereToLook_Exit2(string command, string reason, string hint)
    {
        var (exit, error, _) = await RunAsync(Environment(), command.Split(' '));

        Assert.Equal(2, exit);
        var lines = Lines(error);
        Assert.Contains(lines, l => l.Contains(reason, StringComparison.Ordinal));
        Assert.Equal(hint, lines[^1]);
        Assert.True(lines.Length <= 3, error);
    }

    // ---- the state store ----

    [Fact]
    public async Task Report_MalformedConnectionString_NamesProviderExit2()
    {
        var (exit, error, _) = await RunAsync(Environment(("ABMSYNC__Storage__ConnectionString", "Foo=bar;Baz")), "report");

        Assert.Equal(2, exit);
        Assert.StartsWith("settings: Storage:ConnectionString (SQLite):", Assert.Single(Lines(error)), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Report_DataSourceIsADirectory_Exit2()
    {
        var (exit, error, _) = await RunAsync(Environment(("ABMSYNC__Storage__ConnectionString", $"Data Source={mappings}")), "report");

        Assert.Equal(2, exit);
        Assert.Contains("is a directory", Assert.Single(Lines(error)), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Report_DataSourceInMissingDirectory_RefusedNotCreated()
    {
        var missing = Path.Combine(directory.FullName, "typo", "abmsync.db");

        var (exit, error, _) = await RunAsync(Environment(("ABMSYNC__Storage__ConnectionString", $"Data Source={missing}")), "report");

        Assert.Equal(2, exit);
        Assert.Contains("does not exist", Assert.Single(Lines(error)), StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.GetDirectoryName(missing)));
    }

    [Fact]
    public async Task Report_FileThatIsNotADatabase_OneLineExit1()
    {
        var file = Path.Combine(directory.FullName, "not-a-db.db");
        await File.WriteAllTextAsync(file, new string('x', 4096));

        var (exit, error, _) = await RunAsync(Environment(("ABMSYNC__Storage__ConnectionString", $"Data Source={file}")), "report");

        Assert.Equal(1, exit);
        Assert.Equal("state store (SQLite) cannot be used: the file is not a SQLite database", Assert.Single(Lines(error)));
    }

    [Fact]
    public async Task Report_PostgresNotListening_OneLineExit1()
    {
        var port = CliProcess.FreePort();
        var (exit, error, _) = await RunAsync(Environment(
            ("ABMSYNC__Storage__Provider", "Postgres"),
            ("ABMSYNC__Storage__ConnectionString", $"Host=127.0.0.1;Port={port};Username=abmsync;Password=a-db-password-that-must-not-leak;Database=abmsync;Timeout=3")), "report");

        Assert.Equal(1, exit);
        var line = Assert.Single(Lines(error));
        Assert.StartsWith("state store (PostgreSQL) cannot be used:", line, StringComparison.Ordinal);
        Assert.Contains($"127.0.0.1:{port}", line, StringComparison.Ordinal);
    }

    // ---- runs end honestly ----

    [Fact]
    public async Task SetupHubSpot_TransientGatewayErrors_RetriedLikeEveryOtherCall()
    {
        await using var sandbox = await SandboxHost.StartAsync(new SandboxOptions { Accounts = 5, Seed = 3, HubSpotFaults = "502:0.5" });
        var environment = new Dictionary<string, string>(sandbox.WorkerEnvironment)
        {
            ["ABMSYNC__Mappings__Directory"] = mappings,
            // Half the calls fail: enough retries that a call failing every time is a one-in-two-thousand event.
            ["ABMSYNC__HubSpot__MaxRetryAttempts"] = "10",
        };

        var (exit, output, error) = await CliProcess.RunAsync(environment, directory.FullName, "setup", "hubspot");

        Assert.True(exit == 0, output + error);
        Assert.Contains("HubSpot companies: created abm_salesforce_id", output, StringComparison.Ordinal);
        Assert.DoesNotMatch(@"(?m)^\s+at \S+\(", error);
        // The run must have met 502s to prove anything (at this fault rate, all but certain), each retried on one line.
        Assert.Contains("HTTP 502", error, StringComparison.Ordinal);
        Assert.All(Lines(error), l => Assert.Matches(@"HubSpot (GET|POST) /\S+: HTTP 502 .*; retry \d+ of 10 in \d+ ms$", l));
    }

    [Fact]
    public async Task Report_RunWhoseProcessWasKilled_ShowsAbandonedOnceItsLeaseExpired()
    {
        await using var sandbox = await SandboxHost.StartAsync(new SandboxOptions { Accounts = 1500, Seed = 21, Latency = TimeSpan.FromMilliseconds(40) });
        var environment = new Dictionary<string, string>(sandbox.WorkerEnvironment)
        {
            ["ABMSYNC__Mappings__Directory"] = mappings,
            ["ABMSYNC__Salesforce__QueryBatchSize"] = "200",
            ["ABMSYNC__Sync__LeaseDuration"] = "00:00:05",
        };
        using (var sync = CliProcess.Start(environment, directory.FullName, "sync"))
        {
            var deadline = DateTime.UtcNow.AddSeconds(90);
            while (!(await CliProcess.RunAsync(environment, directory.FullName, "report")).Output.Contains(" running ", StringComparison.Ordinal))
            {
                Assert.True(DateTime.UtcNow < deadline, "the run never showed as running");
                await Task.Delay(100);
            }
            sync.Dispose(); // SIGKILL: no chance to record a final status
        }

        await Task.Delay(TimeSpan.FromSeconds(6));
        var (exit, output, _) = await CliProcess.RunAsync(environment, directory.FullName, "report");

        Assert.Equal(0, exit);
        Assert.Matches(@"run 1 accounts incremental abandoned \(its process stopped; last seen alive \d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ\)", output);

        // The dashboard's runs page says the same.
        var port = CliProcess.FreePort();
        environment["ABMSYNC__Worker__DashboardUrl"] = $"http://127.0.0.1:{port}";
        environment["ABMSYNC__Worker__Jobs__sync_all__Cron"] = "";
        DashboardLogins.AddTo(environment);
        using var worker = CliProcess.Start(environment, directory.FullName, "run");
        using var http = new HttpClient();
        http.DefaultRequestHeaders.Authorization = DashboardLogins.AsViewer;
        string? page = null;
        for (var deadline = DateTime.UtcNow.AddSeconds(60); page is null; await Task.Delay(300))
        {
            try
            {
                page = await http.GetStringAsync(new Uri($"http://127.0.0.1:{port}/hangfire/abmsync/runs"));
            }
            catch (HttpRequestException) when (DateTime.UtcNow < deadline)
            {
            }
        }
        Assert.Matches(@"<td class=""abandoned"">abandoned</td><td>[^<]+</td><td>last seen alive \d{4}-", page);
        worker.Interrupt();
        Assert.Equal(0, await worker.WaitAsync(TimeSpan.FromSeconds(30)));
    }

}

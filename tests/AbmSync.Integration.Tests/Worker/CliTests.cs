using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using AbmSync.Integration.Tests.Sync;
using AbmSync.Sandbox;

namespace AbmSync.Integration.Tests.Worker;

public class CliTests
{
    [Fact]
    public async Task MappingsValidate_BadFile_StopsWithFileLineReasonAndExitCode2()
    {
        var directory = Directory.CreateTempSubdirectory("abmsync-mappings-");
        try
        {
            var source = Path.Combine(SyncHarness.RepositoryRoot(), "mappings");
            File.Copy(Path.Combine(source, "rules.yaml"), Path.Combine(directory.FullName, "rules.yaml"));
            File.Copy(Path.Combine(source, "contacts.yaml"), Path.Combine(directory.FullName, "contacts.yaml"));
            File.Copy(Path.Combine(source, "leads.yaml"), Path.Combine(directory.FullName, "leads.yaml"));
            File.Copy(Path.Combine(source, "opportunities.yaml"), Path.Combine(directory.FullName, "opportunities.yaml"));
            var accounts = File.ReadAllLines(Path.Combine(source, "accounts.yaml"));
            var line = Array.FindIndex(accounts, l => l.Contains("hubspot: domain", StringComparison.Ordinal));
            accounts[line] = accounts[line].Replace("transform: domain", "transfrom: domain", StringComparison.Ordinal);
            File.WriteAllLines(Path.Combine(directory.FullName, "accounts.yaml"), accounts);

            var (exit, _, error) = await CliProcess.RunAsync(new Dictionary<string, string> { ["ABMSYNC__Mappings__Directory"] = directory.FullName },
                directory.FullName, "mappings", "validate");

            Assert.Equal(2, exit);
            Assert.Contains($"accounts.yaml:{line + 1}: unknown key 'transfrom'", error, StringComparison.Ordinal);
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task Demo_FromAnyDirectory_SyncsAccountsAndContacts_EachEditCrossesOnce_CountsAgree_Exit0()
    {
        var directory = Directory.CreateTempSubdirectory("abmsync-demo-test-");
        try
        {
            var (exit, output, error) = await CliProcess.RunAsync(
                new Dictionary<string, string> { ["ABMSYNC__Mappings__Directory"] = Path.Combine(SyncHarness.RepositoryRoot(), "mappings") },
                directory.FullName, "demo", "--accounts", "200", "--seed", "7");

            Assert.True(exit == 0, output + error);
            Assert.Contains("Each edit crossed once (the conflict went to the later edit), and the pass after them wrote nothing.", output, StringComparison.Ordinal);
            var rows = output.Split('\n').Where(l => System.Text.RegularExpressions.Regex.IsMatch(l, @"^\d\. ")).ToList();
            Assert.Equal(5, rows.Count);
            Assert.All(rows, r => Assert.EndsWith("yes", r.TrimEnd(), StringComparison.Ordinal));
            Assert.Contains("Contacts run", output, StringComparison.Ordinal);
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task MappingsValidate_ShippedFiles_AreFine()
    {
        var (exit, output, error) = await CliProcess.RunAsync(new Dictionary<string, string>(), SyncHarness.RepositoryRoot(), "mappings", "validate");

        Assert.True(exit == 0, error);
        Assert.Contains("OK", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Sync_WithoutCredentials_SaysWhichSettingIsMissing_WithoutSecrets()
    {
        var directory = Directory.CreateTempSubdirectory("abmsync-cli-");
        try
        {
            var (exit, _, error) = await CliProcess.RunAsync(new Dictionary<string, string>
            {
                ["ABMSYNC__Salesforce__ClientSecret"] = "a-secret-that-must-not-leak",
                ["ABMSYNC__Mappings__Directory"] = Path.Combine(SyncHarness.RepositoryRoot(), "mappings"),
            }, directory.FullName, "sync");

            Assert.Equal(2, exit);
            Assert.Contains("settings:", error, StringComparison.Ordinal);
            Assert.Contains("ClientId", error, StringComparison.Ordinal);
            Assert.DoesNotContain("a-secret-that-must-not-leak", error, StringComparison.Ordinal);
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    [Theory]
    [InlineData("--salesforce-faults", "lock:often", "Bad Salesforce fault 'lock:often'")]
    [InlineData("--hubspot-rate", "fast", "HubSpot rate 'fast'")]
    public async Task Sandbox_BadFaultOrRate_SaysWhichAndExits2(string option, string value, string reason)
    {
        var (exit, _, error) = await CliProcess.RunAsync(new Dictionary<string, string>(), SyncHarness.RepositoryRoot(),
            "sandbox", "--salesforce-port", "0", "--hubspot-port", "0", "--accounts", "5", option, value);

        Assert.Equal(2, exit);
        Assert.Contains(reason, error, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Setup_HubSpotCreatesEveryAbmPropertyOnce_SalesforceFindsEveryField()
    {
        await using var sandbox = await SandboxHost.StartAsync(new SandboxOptions { Accounts = 10, Seed = 3 });
        var environment = new Dictionary<string, string>(sandbox.WorkerEnvironment);
        environment["ABMSYNC__Mappings__Directory"] = Path.Combine(SyncHarness.RepositoryRoot(), "mappings");
        var directory = Directory.CreateTempSubdirectory("abmsync-setup-");
        try
        {
            var first = await CliProcess.RunAsync(environment, directory.FullName, "setup", "hubspot");
            var second = await CliProcess.RunAsync(environment, directory.FullName, "setup", "hubspot");
            var salesforce = await CliProcess.RunAsync(environment, directory.FullName, "setup", "salesforce");

            Assert.True(first.ExitCode == 0, first.Error);
            Assert.Contains("companies: created abm_salesforce_id, abm_tier", first.Output, StringComparison.Ordinal);
            Assert.Contains("deals: created", first.Output, StringComparison.Ordinal);
            Assert.Equal(0, second.ExitCode);
            Assert.DoesNotContain("created", second.Output, StringComparison.Ordinal);
            Assert.Equal(3, second.Output.Split('\n').Count(l => l.Contains("every ABM property is there", StringComparison.Ordinal)));
            Assert.True(salesforce.ExitCode == 0, salesforce.Error);
            Assert.Contains("Salesforce Opportunity: all 2 ABM fields are there.", salesforce.Output, StringComparison.Ordinal);

            using var http = new HttpClient();
            http.DefaultRequestHeaders.Authorization = new("Bearer", SandboxCredentials.HubSpotAccessToken);
            var property = await http.GetStringAsync(new Uri(sandbox.HubSpotUrl, "/crm/v3/properties/companies/abm_salesforce_id"));
            Assert.Contains("\"hasUniqueValue\":true", property.Replace(" ", "", StringComparison.Ordinal), StringComparison.Ordinal);
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task Run_ServesHealthAndDashboardOnLoopbackOnly_RunsScheduledSync_StopsCleanlyOnCtrlC()
    {
        await using var sandbox = await SandboxHost.StartAsync(new SandboxOptions { Accounts = 60, Seed = 5 });
        var directory = Directory.CreateTempSubdirectory("abmsync-run-");
        var port = CliProcess.FreePort();
        var environment = new Dictionary<string, string>(sandbox.WorkerEnvironment);
        environment["ABMSYNC__Worker__DashboardUrl"] = $"http://127.0.0.1:{port}";
        DashboardLogins.QuietJobs(environment);
        DashboardLogins.AddTo(environment);
        environment["ABMSYNC__Worker__Jobs__sync_all__Cron"] = "* * * * *";
        // A job of RevOps' own next to the defaults, in its own time zone.
        environment["ABMSYNC__Worker__Jobs__accounts_monday__Object"] = "accounts";
        environment["ABMSYNC__Worker__Jobs__accounts_monday__Cron"] = "0 6 * * 1";
        environment["ABMSYNC__Worker__Jobs__accounts_monday__TimeZone"] = "Europe/Berlin";
        environment["ABMSYNC__Mappings__Directory"] = Path.Combine(SyncHarness.RepositoryRoot(), "mappings");
        try
        {
            using var worker = CliProcess.Start(environment, directory.FullName, "run");
            using var http = new HttpClient();
            var health = await PollAsync(() => http.GetStringAsync(new Uri($"http://127.0.0.1:{port}/healthz")), TimeSpan.FromSeconds(60), worker);
            Assert.Contains("ok", health, StringComparison.Ordinal);
            http.DefaultRequestHeaders.Authorization = DashboardLogins.AsViewer;
            using var dashboard = await http.GetAsync(new Uri($"http://127.0.0.1:{port}/hangfire"));
            Assert.Equal(HttpStatusCode.OK, dashboard.StatusCode);
            var recurring = await http.GetStringAsync(new Uri($"http://127.0.0.1:{port}/hangfire/recurring"));
            // Every configured job, in one place; the defaults of those left alone.
            foreach (var id in new[] { "sync_all", "reconcile", "retry_dead_letters", "weekly_report", "accounts_monday" })
            {
                Assert.Contains(id, recurring, StringComparison.Ordinal);
            }
            Assert.Contains("Europe/Berlin", recurring, StringComparison.Ordinal);
            Assert.Contains("0 6 * * 1", recurring, StringComparison.Ordinal);

            // Nothing listens beyond loopback: the machine's other addresses refuse the port.
            foreach (var address in OtherAddresses())
            {
                using var client = new TcpClient();
                await Assert.ThrowsAnyAsync<SocketException>(() => client.ConnectAsync(address, port));
            }

            // The recurring job runs the sync (the cron fires within a minute): the state database appears with a run.
            var database = Path.Combine(directory.FullName, "data", "abmsync.db");
            await PollAsync(async () =>
            {
                var (_, output, _) = await CliProcess.RunAsync(new Dictionary<string, string>(), directory.FullName, "report");
                return output.Contains("succeeded", StringComparison.Ordinal) ? output : throw new InvalidOperationException("no run yet");
            }, TimeSpan.FromSeconds(120), worker);

            // The scorecard served live, behind the same sign-in, once the accounts are tiered.
            var report = await PollAsync(async () =>
            {
                var page = await http.GetStringAsync(new Uri($"http://127.0.0.1:{port}/report"));
                return page.Contains("<rect data-label=\"Tier 1\"", StringComparison.Ordinal) ? page : throw new InvalidOperationException("no tiers yet");
            }, TimeSpan.FromSeconds(120), worker);
            Assert.Contains("data-chart=\"tiers\"", report, StringComparison.Ordinal);
            Assert.DoesNotContain("<script", report, StringComparison.OrdinalIgnoreCase);
            using (var anonymous = new HttpClient())
            {
                using var refused = await anonymous.GetAsync(new Uri($"http://127.0.0.1:{port}/report"));
                Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
            }

            worker.Interrupt();
            Assert.Equal(0, await worker.WaitAsync(TimeSpan.FromSeconds(30)));
            Assert.True(File.Exists(database));
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            directory.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task Run_WithPostgres_KeepsJobsAndStateInOneDatabase()
    {
        await using var database = await PostgresDatabase.CreateAsync();
        await using var sandbox = await SandboxHost.StartAsync(new SandboxOptions { Accounts = 20, Seed = 5 });
        var directory = Directory.CreateTempSubdirectory("abmsync-run-pg-");
        var port = CliProcess.FreePort();
        var environment = new Dictionary<string, string>(sandbox.WorkerEnvironment);
        environment["ABMSYNC__Worker__DashboardUrl"] = $"http://127.0.0.1:{port}";
        environment["ABMSYNC__Storage__Provider"] = "Postgres";
        environment["ABMSYNC__Storage__ConnectionString"] = database.ConnectionString;
        environment["ABMSYNC__Mappings__Directory"] = Path.Combine(SyncHarness.RepositoryRoot(), "mappings");
        try
        {
            // A first start with a job that configuration later drops: the second start removes it from the storage.
            var first = new Dictionary<string, string>(environment)
            {
                ["ABMSYNC__Worker__Jobs__leads_hourly__Object"] = "leads",
                ["ABMSYNC__Worker__Jobs__leads_hourly__Cron"] = "0 * * * *",
            };
            foreach (var settings in new[] { first, environment })
            {
                using var worker = CliProcess.Start(settings, directory.FullName, "run");
                using var http = new HttpClient();
                await PollAsync(() => http.GetStringAsync(new Uri($"http://127.0.0.1:{port}/healthz")), TimeSpan.FromSeconds(60), worker);
                worker.Interrupt();
                Assert.Equal(0, await worker.WaitAsync(TimeSpan.FromSeconds(30)));
                Assert.Contains(settings == first ? "leads_hourly" : "Recurring jobs: reconcile, retry_dead_letters, sync_all, weekly_report.", worker.Output, StringComparison.Ordinal);
            }

            await using var connection = new Npgsql.NpgsqlConnection(database.ConnectionString);
            await connection.OpenAsync();
            await using var command = new Npgsql.NpgsqlCommand(
                "SELECT (SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = 'hangfire'), (SELECT COUNT(*) FROM schema_migration), (SELECT COUNT(*) FROM hangfire.set WHERE key = 'recurring-jobs' AND value = 'sync_all'), (SELECT COUNT(*) FROM hangfire.set WHERE key = 'recurring-jobs' AND value = 'leads_hourly')", connection);
            await using var reader = await command.ExecuteReaderAsync();
            Assert.True(await reader.ReadAsync());
            Assert.True(reader.GetInt64(0) > 5, "Hangfire's tables live in the hangfire schema");
            Assert.True(reader.GetInt64(1) >= 2, "every state migration applied");
            Assert.Equal(1, reader.GetInt64(2));
            Assert.Equal(0, reader.GetInt64(3));
            Assert.False(File.Exists(Path.Combine(directory.FullName, "data", "abmsync.db")));
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    static async Task<string> PollAsync(Func<Task<string>> probe, TimeSpan timeout, CliProcess process)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            try
            {
                return await probe();
            }
            catch (Exception) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(500);
            }
            catch (Exception e)
            {
                throw new TimeoutException($"gave up waiting; worker said: {process.Output}\n{process.Error}", e);
            }
        }
    }


    static IEnumerable<IPAddress> OtherAddresses() =>
        NetworkInterface.GetAllNetworkInterfaces()
            .Where(n => n.OperationalStatus == OperationalStatus.Up && n.NetworkInterfaceType != NetworkInterfaceType.Loopback)
            .SelectMany(n => n.GetIPProperties().UnicastAddresses)
            .Select(a => a.Address)
            .Where(a => a.AddressFamily == AddressFamily.InterNetwork && !IPAddress.IsLoopback(a));
}

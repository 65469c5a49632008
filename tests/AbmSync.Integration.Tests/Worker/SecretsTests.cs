using System.Net;
using System.Text.RegularExpressions;
using AbmSync.Integration.Tests.Sync;
using AbmSync.Sandbox;
using Microsoft.Data.Sqlite;
using Xunit.Abstractions;

namespace AbmSync.Integration.Tests.Worker;

/// <summary>
/// Known secret values through a real sync at Trace level with HTTP logging on, Salesforce sessions that expire
/// (401, re-authentication), HubSpot answering 500, a wrong token (401), and the worker's dashboard: not one of them may
/// appear in a log line, a dead letter, a job's arguments or a served page.
/// </summary>
public sealed partial class SecretsTests(ITestOutputHelper output)
{
    [Fact]
    public async Task KnownSecrets_AppearInNoLogLineDeadLetterJobArgumentOrPage_ThroughExpiredSessions500sAndAWrongToken()
    {
        await using var sandbox = await SandboxHost.StartAsync(new SandboxOptions
        {
            Accounts = 120,
            Seed = 21,
            // Sessions expire during the run: the org answers 401 INVALID_SESSION_ID and the client signs in again.
            TokenTtl = TimeSpan.FromSeconds(2),
            // Salesforce refuses some records' writes (UNABLE_TO_LOCK_ROW): they go to the dead-letter table with their reason.
            SalesforceFaults = "lock:0.5",
        });
        var directory = Directory.CreateTempSubdirectory("abmsync-secrets-");
        var secrets = sandbox.WorkerEnvironment
            .Where(kv => kv.Key.Contains("Secret", StringComparison.OrdinalIgnoreCase) || kv.Key.Contains("Token", StringComparison.OrdinalIgnoreCase))
            .Select(kv => kv.Value).Append(DashboardLogins.OperatorPassword).Append(DashboardLogins.ViewerPassword).ToList();
        var wrongToken = "pat-na1-" + Guid.NewGuid();
        secrets.Add(wrongToken);
        Assert.True(secrets.Count >= 5, string.Join(", ", sandbox.WorkerEnvironment.Keys));
        var places = new List<(string Where, string Text)>();
        var environment = new Dictionary<string, string>(sandbox.WorkerEnvironment)
        {
            ["ABMSYNC__Mappings__Directory"] = Path.Combine(SyncHarness.RepositoryRoot(), "mappings"),
            // Trace everywhere, HTTP client logging included (console rules win over the worker's own filters).
            ["ABMSYNC__Logging__Console__LogLevel__Default"] = "Trace",
            ["ABMSYNC__Logging__Console__LogLevel__System.Net.Http.HttpClient"] = "Trace",
            ["ABMSYNC__Sync__RetryableResubmissions"] = "0",
        };
        try
        {
            var (_, syncOut, syncError) = await CliProcess.RunAsync(environment, directory.FullName, "--verbose", "sync", "--object", "all");
            places.AddRange(Lines("sync", syncOut + "\n" + syncError));
            Assert.Contains(places, p => p.Text.Contains("trce:", StringComparison.Ordinal));
            Assert.Contains(places, p => p.Text.Contains("System.Net.Http.HttpClient", StringComparison.Ordinal));

            // HubSpot answering 500 to everything: the run fails, and says so without a secret.
            await using (var failing = await SandboxHost.StartAsync(new SandboxOptions { Accounts = 10, Seed = 21, HubSpotFaults = "500:1" }))
            {
                var failingEnvironment = new Dictionary<string, string>(environment);
                foreach (var (key, value) in failing.WorkerEnvironment)
                {
                    failingEnvironment[key] = value;
                }
                var failingDirectory = directory.CreateSubdirectory("failing").FullName;
                var (failingExit, failingOut, failingError) = await CliProcess.RunAsync(failingEnvironment, failingDirectory, "--verbose", "sync", "--object", "accounts");
                Assert.NotEqual(0, failingExit);
                places.AddRange(Lines("sync against HubSpot's 500s", failingOut + "\n" + failingError));
                Assert.Contains(places, p => p.Text.Contains(" - 500", StringComparison.Ordinal));
            }

            var wrong = new Dictionary<string, string>(environment) { ["ABMSYNC__HubSpot__AccessToken"] = wrongToken };
            var (wrongExit, wrongOut, wrongError) = await CliProcess.RunAsync(wrong, directory.FullName, "--verbose", "sync", "--object", "accounts");
            Assert.NotEqual(0, wrongExit);
            places.AddRange(Lines("sync with a wrong token", wrongOut + "\n" + wrongError));
            Assert.Contains(places, p => p.Text.Contains("401", StringComparison.Ordinal));

            var deadLetters = DeadLetterRows(Path.Combine(directory.FullName, "data", "abmsync.db"));
            Assert.True(deadLetters.Count > 0, "the row locks left no dead letter to search: " + syncError[^Math.Min(3000, syncError.Length)..]);
            places.AddRange(deadLetters.Select((row, i) => ($"dead letter {i}", row)));

            // The worker, its jobs and its pages, after a scheduled run.
            var port = CliProcess.FreePort();
            var run = new Dictionary<string, string>(environment) { ["ABMSYNC__Worker__DashboardUrl"] = $"http://127.0.0.1:{port}" };
            DashboardLogins.QuietJobs(run);
            DashboardLogins.AddTo(run);
            run["ABMSYNC__Worker__Jobs__sync_all__Cron"] = "* * * * *";
            using (var worker = CliProcess.Start(run, directory.FullName, "run"))
            {
                using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
                http.DefaultRequestHeaders.Authorization = DashboardLogins.AsOperator;
                string? jobs = null;
                for (var deadline = DateTime.UtcNow.AddSeconds(150); ; await Task.Delay(1000))
                {
                    Assert.True(DateTime.UtcNow < deadline && !worker.HasExited, "no job ran: " + worker.Error);
                    try
                    {
                        var page = await http.GetStringAsync(new Uri("/hangfire/jobs/succeeded", UriKind.Relative));
                        var failed = await http.GetStringAsync(new Uri("/hangfire/jobs/failed", UriKind.Relative));
                        if (JobLink().IsMatch(page + failed))
                        {
                            jobs = page + failed;
                            break;
                        }
                    }
                    catch (HttpRequestException)
                    {
                    }
                }
                var details = JobLink().Matches(jobs).Select(m => m.Value).Distinct().ToList();
                foreach (var link in details)
                {
                    var page = await http.GetStringAsync(new Uri(link, UriKind.Relative));
                    Assert.Contains("sync_all", page + link, StringComparison.Ordinal);
                    places.Add(($"job arguments {link}", page));
                }
                foreach (var path in new[] { "/hangfire", "/hangfire/recurring", "/hangfire/jobs/succeeded", "/hangfire/jobs/failed", "/hangfire/servers",
                    "/hangfire/abmsync/status", "/hangfire/abmsync/runs", "/report", "/metrics", "/readyz", "/healthz" })
                {
                    using var answer = await http.GetAsync(new Uri(path, UriKind.Relative));
                    places.Add(($"page {path} ({(int)answer.StatusCode})", await answer.Content.ReadAsStringAsync()));
                }
                using (var anonymous = new HttpClient())
                {
                    using var refused = await anonymous.GetAsync(new Uri($"http://127.0.0.1:{port}/hangfire"));
                    places.Add(("page /hangfire without credentials", await refused.Content.ReadAsStringAsync() + refused.Headers));
                }
                worker.Interrupt();
                await worker.WaitAsync(TimeSpan.FromSeconds(40));
                places.AddRange(Lines("worker", worker.Output + "\n" + worker.Error));
            }

            var leaks = places.SelectMany(p => secrets.Where(s => p.Text.Contains(s, StringComparison.Ordinal)).Select(s => $"{p.Where}: {s[..4]}…")).ToList();
            output.WriteLine($"searched {places.Count} places ({places.Count(p => p.Where.StartsWith("dead letter", StringComparison.Ordinal))} dead letters, {places.Count(p => p.Where.StartsWith("job arguments", StringComparison.Ordinal))} job pages, {places.Count(p => p.Where.StartsWith("page", StringComparison.Ordinal))} pages, the rest log lines) for {secrets.Count} secrets");
            Assert.True(leaks.Count == 0, string.Join(Environment.NewLine, leaks));
            // The search found what it was meant to search: job pages and the logs' HTTP lines.
            Assert.Contains(places, p => p.Where.StartsWith("job arguments", StringComparison.Ordinal));
            Assert.True(places.Count > 200, $"only {places.Count} places");
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            directory.Delete(recursive: true);
        }
    }

    static IEnumerable<(string, string)> Lines(string where, string text) =>
        text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select((line, i) => ($"{where} log line {i}", line));

    static List<string> DeadLetterRows(string database)
    {
        using var connection = new SqliteConnection($"Data Source={database};Mode=ReadOnly;Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT * FROM dead_letter";
        using var reader = command.ExecuteReader();
        var rows = new List<string>();
        while (reader.Read())
        {
            rows.Add(string.Join(" | ", Enumerable.Range(0, reader.FieldCount).Select(i => reader.IsDBNull(i) ? "" : Convert.ToString(reader.GetValue(i), System.Globalization.CultureInfo.InvariantCulture))));
        }
        return rows;
    }

    [GeneratedRegex(@"/hangfire/jobs/details/\d+")]
    private static partial Regex JobLink();
}

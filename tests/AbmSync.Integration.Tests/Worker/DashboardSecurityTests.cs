using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using AbmSync.Integration.Tests.Sync;
using AbmSync.Sandbox;

namespace AbmSync.Integration.Tests.Worker;

/// <summary>
/// The local dashboard against what a hostile web page can make a browser send: a foreign Origin, a re-pointed host
/// name (DNS rebinding), a form post without the antiforgery token. The real worker process, over HTTP.
/// </summary>
public sealed partial class DashboardSecurityTests
{
    [Fact]
    public async Task Dashboard_RefusesForeignOriginForeignHostAndTokenlessPosts_AcceptsItsOwnPage()
    {
        await using var sandbox = await SandboxHost.StartAsync(new SandboxOptions { Accounts = 5, Seed = 5 });
        var directory = Directory.CreateTempSubdirectory("abmsync-dashboard-");
        var port = CliProcess.FreePort();
        var root = $"http://127.0.0.1:{port}";
        var environment = DashboardLogins.QuietWorker(sandbox, root);
        try
        {
            using var worker = CliProcess.Start(environment, directory.FullName, "run");
            using var handler = new HttpClientHandler { UseCookies = true, CookieContainer = new CookieContainer() };
            using var http = new HttpClient(handler) { BaseAddress = new Uri(root) };
            http.DefaultRequestHeaders.Authorization = DashboardLogins.AsOperator;
            var deadline = DateTime.UtcNow.AddSeconds(60);
            while (true)
            {
                try
                {
                    (await http.GetAsync(new Uri("/healthz", UriKind.Relative))).EnsureSuccessStatusCode();
                    break;
                }
                catch (HttpRequestException) when (DateTime.UtcNow < deadline)
                {
                    await Task.Delay(300);
                }
            }
            var page = await http.GetStringAsync(new Uri("/hangfire/recurring", UriKind.Relative));
            var token = CsrfToken().Match(page).Groups[1].Value;
            Assert.False(string.IsNullOrEmpty(token), "the dashboard page carries an antiforgery token");

            HttpRequestMessage Trigger(string? origin, string? host, bool withToken)
            {
                var request = new HttpRequestMessage(HttpMethod.Post, "/hangfire/recurring/trigger")
                {
                    Content = new FormUrlEncodedContent([new("jobs[]", "sync_all")]),
                };
                if (origin is not null)
                {
                    request.Headers.Add("Origin", origin);
                }
                if (host is not null)
                {
                    request.Headers.Host = host;
                }
                if (withToken)
                {
                    request.Headers.Add("RequestVerificationToken", token);
                }
                return request;
            }

            using (var foreignOrigin = await http.SendAsync(Trigger("http://evil.example", null, withToken: true)))
            {
                Assert.Equal(HttpStatusCode.Forbidden, foreignOrigin.StatusCode);
            }
            using (var nullOrigin = await http.SendAsync(Trigger("null", null, withToken: true)))
            {
                Assert.Equal(HttpStatusCode.Forbidden, nullOrigin.StatusCode);
            }
            using (var rebound = await http.SendAsync(Trigger(null, $"evil.example:{port}", withToken: true)))
            {
                Assert.Equal(HttpStatusCode.BadRequest, rebound.StatusCode);
            }
            using (var reboundRead = new HttpRequestMessage(HttpMethod.Get, "/hangfire/recurring"))
            {
                reboundRead.Headers.Host = $"attacker.example:{port}";
                using var answer = await http.SendAsync(reboundRead);
                Assert.Equal(HttpStatusCode.BadRequest, answer.StatusCode);
            }
            using (var tokenless = await http.SendAsync(Trigger(root, null, withToken: false)))
            {
                Assert.Equal(HttpStatusCode.Forbidden, tokenless.StatusCode);
            }
            using (var own = await http.SendAsync(Trigger(root, null, withToken: true)))
            {
                Assert.Equal(HttpStatusCode.NoContent, own.StatusCode);
            }
            using (var localhost = new HttpRequestMessage(HttpMethod.Get, "/hangfire/recurring"))
            {
                localhost.Headers.Host = $"localhost:{port}";
                using var answer = await http.SendAsync(localhost);
                Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
            }
            worker.Interrupt();
            Assert.Equal(0, await worker.WaitAsync(TimeSpan.FromSeconds(30)));
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            directory.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task Dashboard_AsksEveryoneForCredentials_LoopbackIncluded_ViewerReadsButMayNotTrigger_OperatorMay()
    {
        await using var sandbox = await SandboxHost.StartAsync(new SandboxOptions { Accounts = 5, Seed = 5 });
        var directory = Directory.CreateTempSubdirectory("abmsync-dashboard-auth-");
        var port = CliProcess.FreePort();
        var root = $"http://127.0.0.1:{port}";
        var environment = DashboardLogins.QuietWorker(sandbox, root);
        try
        {
            using var worker = CliProcess.Start(environment, directory.FullName, "run");
            using var anonymous = new HttpClient { BaseAddress = new Uri(root) };
            await WaitForAsync(anonymous, worker);

            // Every page but the probes answers 401 to a request from this very machine without credentials.
            foreach (var path in new[] { "/", "/hangfire", "/hangfire/recurring", "/hangfire/abmsync/status", "/hangfire/abmsync/runs", "/metrics", "/hangfire/stats" })
            {
                using var answer = await anonymous.GetAsync(new Uri(path, UriKind.Relative));
                Assert.True(answer.StatusCode == HttpStatusCode.Unauthorized, $"{path}: {answer.StatusCode}");
                Assert.Equal("Basic", answer.Headers.WwwAuthenticate.Single().Scheme);
            }
            using (var post = await anonymous.PostAsync(new Uri("/hangfire/recurring/trigger", UriKind.Relative), new FormUrlEncodedContent([new("jobs[]", "sync_all")])))
            {
                Assert.Equal(HttpStatusCode.Unauthorized, post.StatusCode);
            }
            foreach (var (user, password) in new[] { (DashboardLogins.Operator, "wrong"), ("nobody", DashboardLogins.OperatorPassword), (DashboardLogins.Viewer, DashboardLogins.OperatorPassword) })
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, "/hangfire");
                request.Headers.Authorization = DashboardLogins.Basic(user, password);
                using var answer = await anonymous.SendAsync(request);
                Assert.Equal(HttpStatusCode.Unauthorized, answer.StatusCode);
            }
            using (var probe = await anonymous.GetAsync(new Uri("/healthz", UriKind.Relative)))
            {
                Assert.Equal(HttpStatusCode.OK, probe.StatusCode);
            }

            // A viewer reads every page, sees no buttons, and is refused (403) what would change anything.
            using var viewerHandler = new HttpClientHandler { UseCookies = true, CookieContainer = new CookieContainer() };
            using var viewer = new HttpClient(viewerHandler) { BaseAddress = new Uri(root) };
            viewer.DefaultRequestHeaders.Authorization = DashboardLogins.AsViewer;
            var recurring = await viewer.GetStringAsync(new Uri("/hangfire/recurring", UriKind.Relative));
            Assert.Contains("sync_all", recurring, StringComparison.Ordinal);
            Assert.DoesNotContain("js-jobs-list-command", recurring, StringComparison.Ordinal);
            Assert.Contains("AbmSync status", await viewer.GetStringAsync(new Uri("/hangfire/abmsync/status", UriKind.Relative)), StringComparison.Ordinal);
            Assert.Contains("abmsync_", await viewer.GetStringAsync(new Uri("/metrics", UriKind.Relative)), StringComparison.Ordinal);
            var token = CsrfToken().Match(recurring).Groups[1].Value;
            using (var poll = new HttpRequestMessage(HttpMethod.Post, "/hangfire/stats") { Content = new FormUrlEncodedContent([new("metrics[]", "enqueued:count")]) })
            {
                poll.Headers.Add("RequestVerificationToken", token);
                poll.Headers.Add("Origin", root);
                using var stats = await viewer.SendAsync(poll);
                // The dashboard's own poll is a POST that reads.
                Assert.NotEqual(HttpStatusCode.Forbidden, stats.StatusCode);
                Assert.Equal(HttpStatusCode.OK, stats.StatusCode);
            }
            foreach (var path in new[] { "/hangfire/recurring/trigger", "/hangfire/recurring/remove", "/hangfire/jobs/failed/requeue" })
            {
                using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new FormUrlEncodedContent([new("jobs[]", "sync_all")]) };
                request.Headers.Add("RequestVerificationToken", token);
                request.Headers.Add("Origin", root);
                using var answer = await viewer.SendAsync(request);
                Assert.True(answer.StatusCode == HttpStatusCode.Forbidden, $"{path}: {answer.StatusCode}");
            }

            // The operator sees the buttons and triggers the job.
            using var operatorHandler = new HttpClientHandler { UseCookies = true, CookieContainer = new CookieContainer() };
            using var operatorClient = new HttpClient(operatorHandler) { BaseAddress = new Uri(root) };
            operatorClient.DefaultRequestHeaders.Authorization = DashboardLogins.AsOperator;
            var operatorPage = await operatorClient.GetStringAsync(new Uri("/hangfire/recurring", UriKind.Relative));
            Assert.Contains("js-jobs-list-command", operatorPage, StringComparison.Ordinal);
            using (var trigger = new HttpRequestMessage(HttpMethod.Post, "/hangfire/recurring/trigger") { Content = new FormUrlEncodedContent([new("jobs[]", "reconcile")]) })
            {
                trigger.Headers.Add("RequestVerificationToken", CsrfToken().Match(operatorPage).Groups[1].Value);
                trigger.Headers.Add("Origin", root);
                using var answer = await operatorClient.SendAsync(trigger);
                Assert.Equal(HttpStatusCode.NoContent, answer.StatusCode);
            }
            worker.Interrupt();
            Assert.Equal(0, await worker.WaitAsync(TimeSpan.FromSeconds(30)));
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            directory.Delete(recursive: true);
        }
    }

    static async Task WaitForAsync(HttpClient http, CliProcess worker)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            try
            {
                (await http.GetAsync(new Uri("/healthz", UriKind.Relative))).EnsureSuccessStatusCode();
                return;
            }
            catch (HttpRequestException) when (DateTime.UtcNow < deadline && !worker.HasExited)
            {
                await Task.Delay(300);
            }
        }
    }

    [GeneratedRegex("name=\"csrf-token\" content=\"([^\"]+)\"")]
    private static partial Regex CsrfToken();

}

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
        var port = FreePort();
        var root = $"http://127.0.0.1:{port}";
        var environment = new Dictionary<string, string>(sandbox.WorkerEnvironment)
        {
            ["ABMSYNC__Worker__DashboardUrl"] = root,
            ["ABMSYNC__Worker__SyncAccountsCron"] = "0 0 1 1 *",
            ["ABMSYNC__Mappings__Directory"] = Path.Combine(SyncHarness.RepositoryRoot(), "mappings"),
        };
        try
        {
            using var worker = CliProcess.Start(environment, directory.FullName, "run");
            using var handler = new HttpClientHandler { UseCookies = true, CookieContainer = new CookieContainer() };
            using var http = new HttpClient(handler) { BaseAddress = new Uri(root) };
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
                    Content = new FormUrlEncodedContent([new("jobs[]", "sync-accounts")]),
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

    [GeneratedRegex("name=\"csrf-token\" content=\"([^\"]+)\"")]
    private static partial Regex CsrfToken();

    static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

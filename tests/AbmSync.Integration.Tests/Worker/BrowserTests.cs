using System.Globalization;
using System.Net;
using System.Net.Sockets;
using AbmSync.Integration.Tests.Sync;
using AbmSync.Sandbox;
using Microsoft.Playwright;

namespace AbmSync.Integration.Tests.Worker;

/// <summary>
/// One real worker (`abmsync run`) on a sandbox, its sync_all every minute, and Debian's Chromium driven by Playwright:
/// started once for all the browser tests because a worker and a browser each take seconds to start and a first sync
/// up to a minute to come.
/// </summary>
public sealed class BrowserWorkerFixture : IAsyncLifetime
{
    /// <summary>The system's browser: Playwright's own browser builds cannot be downloaded here, and CI installs this one (scripts/test.sh).</summary>
    public const string ChromiumPath = "/usr/bin/chromium";

    SandboxHost? sandbox;
    DirectoryInfo? directory;
    CliProcess? worker;
    IPlaywright? playwright;
    int disposed;

    public string Root { get; private set; } = "";
    public IBrowser Browser { get; private set; } = null!;
    public SandboxHost Sandbox => sandbox!;
    public CliProcess Worker => worker!;
    public string ScreenshotDirectory { get; } = Path.Combine(AppContext.BaseDirectory, "screenshots");

    public async Task InitializeAsync()
    {
        // A missing browser is a failed test, not a skipped one: checked first, before anything slow starts.
        if (!File.Exists(ChromiumPath))
        {
            throw new InvalidOperationException($"Chromium is not installed at {ChromiumPath}: the browser tests need it (scripts/test.sh installs it with apt-get install -y chromium).");
        }
        Directory.CreateDirectory(ScreenshotDirectory);
        try
        {
            await StartAsync();
        }
        catch
        {
            // xunit does not dispose a fixture whose start failed: no worker or sandbox is left behind.
            await DisposeAsync();
            throw;
        }
    }

    async Task StartAsync()
    {
        // Enough accounts that the scorecard has accounts in every tier, Tier 1 included.
        sandbox = await SandboxHost.StartAsync(new SandboxOptions { Accounts = 60, Seed = 5 });
        directory = Directory.CreateTempSubdirectory("abmsync-browser-");
        var port = CliProcess.FreePort();
        Root = $"http://127.0.0.1:{port}";
        var environment = new Dictionary<string, string>(sandbox.WorkerEnvironment)
        {
            ["ABMSYNC__Worker__DashboardUrl"] = Root,
            ["ABMSYNC__Mappings__Directory"] = Path.Combine(SyncHarness.RepositoryRoot(), "mappings"),
        };
        DashboardLogins.QuietJobs(environment);
        DashboardLogins.AddTo(environment);
        // After QuietJobs, so that this one job fires (within a minute) and the others stay quiet.
        environment["ABMSYNC__Worker__Jobs__sync_all__Cron"] = "* * * * *";
        worker = CliProcess.Start(environment, directory.FullName, "run");

        using var http = new HttpClient();
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            try
            {
                (await http.GetAsync(new Uri($"{Root}/healthz"))).EnsureSuccessStatusCode();
                break;
            }
            catch (HttpRequestException) when (DateTime.UtcNow < deadline && !worker.HasExited)
            {
                await Task.Delay(300);
            }
            catch (HttpRequestException e)
            {
                throw new InvalidOperationException($"the worker did not come up (exited: {worker.HasExited}):\n{worker.Output}\n{worker.Error}", e);
            }
        }

        playwright = await Playwright.CreateAsync();
        Browser = await playwright.Chromium.LaunchAsync(new() { ExecutablePath = ChromiumPath, Headless = true, Args = ["--no-sandbox"] });
    }

    /// <summary>A fresh browser profile, signed in as <paramref name="user"/> (HTTP Basic) or as nobody.</summary>
    public Task<IBrowserContext> NewContextAsync(string? user = null, string? password = null) =>
        Browser.NewContextAsync(new()
        {
            BaseURL = Root,
            HttpCredentials = user is null ? null : new HttpCredentials { Username = user, Password = password! },
            ViewportSize = new() { Width = 1280, Height = 900 },
        });

    /// <summary>A full-page screenshot under the test output, checked to be a real image and not an empty file.</summary>
    public async Task<string> ScreenshotAsync(IPage page, string name)
    {
        var path = Path.Combine(ScreenshotDirectory, name + ".png");
        // A file left by an earlier run must not pass for this one's.
        File.Delete(path);
        await page.ScreenshotAsync(new() { Path = path, FullPage = true });
        Assert.True(File.Exists(path), $"{path} was written");
        Assert.True(new FileInfo(path).Length > 1024, $"{path} is more than 1 KB");
        return path;
    }

    /// <summary>Stops everything started, once: also called when the start failed half-way.</summary>
    public async Task DisposeAsync()
    {
        if (Interlocked.Exchange(ref disposed, 1) == 1)
        {
            return;
        }
        if (Browser is not null)
        {
            await Browser.CloseAsync();
        }
        playwright?.Dispose();
        if (worker is not null)
        {
            if (!worker.HasExited)
            {
                // Ctrl+C first, so that the worker closes its state database; killed below if it hangs.
                worker.Interrupt();
                try
                {
                    await worker.WaitAsync(TimeSpan.FromSeconds(30));
                }
                catch (OperationCanceledException)
                {
                }
            }
            worker.Dispose();
        }
        if (sandbox is not null)
        {
            await sandbox.DisposeAsync();
        }
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        directory?.Delete(recursive: true);
    }

}

/// <summary>
/// The dashboard, the status page and the ABM scorecard as a person sees them in a real (headless) browser: what is
/// shown, which buttons there are, and what a click does; a full-page screenshot of every page visited.
/// </summary>
public sealed class BrowserTests(BrowserWorkerFixture fixture) : IClassFixture<BrowserWorkerFixture>
{
    // Long enough for the minute cron to fire and the first sync of 60 accounts to finish on a busy machine.
    static readonly TimeSpan FirstSync = TimeSpan.FromMinutes(2);

    [Fact]
    public async Task Dashboard_WithoutCredentials_Answers401_AndShowsNoDashboard()
    {
        // The browser's first request carries no credentials; the worker answers 401 with a Basic challenge. A context
        // with none at all cannot show that page (headless Chromium has no sign-in prompt, so Playwright fails the
        // navigation with ERR_INVALID_AUTH_CREDENTIALS), so the challenge is answered with an empty user and password,
        // refused again, and then cancelled: what a person sees who dismisses the prompt.
        await using (var bare = await fixture.NewContextAsync())
        {
            var challenge = await bare.APIRequest.GetAsync("/hangfire", new() { MaxRedirects = 0 });
            Assert.Equal(401, challenge.Status);
            Assert.StartsWith("Basic", challenge.Headers["www-authenticate"], StringComparison.Ordinal);
        }
        await using var context = await fixture.NewContextAsync("", "");
        var page = await context.NewPageAsync();

        var response = await page.GotoAsync("/hangfire");

        Assert.NotNull(response);
        Assert.Equal(401, response.Status);
        await fixture.ScreenshotAsync(page, "dashboard-401");
        Assert.DoesNotContain("Hangfire", await page.TitleAsync(), StringComparison.OrdinalIgnoreCase);
        // What shows instead: the worker's own refusal, telling whom to sign in as.
        await Assertions.Expect(page.GetByText("401 Unauthorized")).ToBeVisibleAsync();
        Assert.Equal(0, await page.Locator(".navbar-brand").CountAsync());
        Assert.Equal(0, await page.Locator("h1.page-header").CountAsync());
        Assert.Equal(0, await page.GetByText("Recurring Jobs").CountAsync());
    }

    [Fact]
    public async Task Dashboard_AsViewer_Loads_ListsSyncAll_HasNoTriggerButton_AndATriggerPostFromThePageIs403()
    {
        await using var context = await fixture.NewContextAsync(DashboardLogins.Viewer, DashboardLogins.ViewerPassword);
        var page = await context.NewPageAsync();

        var dashboard = await page.GotoAsync("/hangfire");
        Assert.Equal(200, dashboard!.Status);
        await Assertions.Expect(page.Locator(".navbar-brand", new() { HasText = "Hangfire Dashboard" })).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("h1.page-header")).ToBeVisibleAsync();
        Assert.Contains("Hangfire", await page.TitleAsync(), StringComparison.Ordinal);
        await fixture.ScreenshotAsync(page, "dashboard-viewer");

        var recurring = await page.GotoAsync("/hangfire/recurring");
        Assert.Equal(200, recurring!.Status);
        var syncAll = page.Locator("table tbody tr", new() { HasText = "sync_all" });
        await Assertions.Expect(syncAll.First).ToBeVisibleAsync();
        // What the viewer sees: no button that would change anything (whatever the HTML might hide).
        Assert.False(await page.GetByRole(AriaRole.Button, new() { Name = "Trigger now" }).IsVisibleAsync());
        Assert.Equal(0, await page.GetByRole(AriaRole.Button, new() { Name = "Trigger now" }).CountAsync());
        await fixture.ScreenshotAsync(page, "recurring-viewer");

        // The same post the operator's button makes, from the viewer's page with its own antiforgery token: refused for
        // the role (403), while the dashboard's own reading poll from the same page passes (so the token and the
        // sign-in are good, and the 403 is the role's).
        var statuses = await page.EvaluateAsync<int[]>(@"async () => {
            const token = document.querySelector('meta[name=csrf-token]').content;
            const header = document.querySelector('meta[name=csrf-header]')?.content || 'RequestVerificationToken';
            const post = async (path, body) => (await fetch(path, {
                method: 'POST',
                headers: { [header]: token, 'Content-Type': 'application/x-www-form-urlencoded' },
                body,
            })).status;
            return [await post('/hangfire/recurring/trigger', 'jobs%5B%5D=sync_all'), await post('/hangfire/stats', 'metrics%5B%5D=enqueued%3Acount')];
        }");
        Assert.Equal(403, statuses[0]);
        Assert.Equal(200, statuses[1]);
    }

    [Fact]
    public async Task Recurring_AsOperator_ShowsTriggerNow_AndTriggeringReconcileRunsIt()
    {
        await using var context = await fixture.NewContextAsync(DashboardLogins.Operator, DashboardLogins.OperatorPassword);
        var page = await context.NewPageAsync();

        var recurring = await page.GotoAsync("/hangfire/recurring");
        Assert.Equal(200, recurring!.Status);
        var trigger = page.GetByRole(AriaRole.Button, new() { Name = "Trigger now" });
        await Assertions.Expect(trigger).ToBeVisibleAsync();
        await fixture.ScreenshotAsync(page, "recurring-operator");

        // Its cron is 1 January: before the click the reconcile job has never run.
        var reconcile = page.Locator("table tbody tr", new() { Has = page.Locator("td:nth-child(2)", new() { HasTextRegex = new("^reconcile$") }) });
        var lastExecution = reconcile.Locator("td:nth-child(7)");
        Assert.Equal("N/A", (await lastExecution.InnerTextAsync()).Trim());
        await reconcile.Locator("input.js-jobs-list-checkbox").CheckAsync();
        await Assertions.Expect(trigger).ToBeEnabledAsync();
        // The click posts the command, and the dashboard then reloads the list by itself.
        var triggered = page.WaitForResponseAsync(r => r.Url.EndsWith("/hangfire/recurring/trigger", StringComparison.Ordinal));
        var reloaded = page.WaitForResponseAsync(r => r.Request.IsNavigationRequest && r.Url.EndsWith("/hangfire/recurring", StringComparison.Ordinal));
        await trigger.ClickAsync();
        Assert.Equal(204, (await triggered).Status);
        Assert.Equal(200, (await reloaded).Status);
        await page.WaitForLoadStateAsync(LoadState.Load);

        // Reloaded again (as a person presses F5) until the reconcile row shows its last execution: a state label where
        // "N/A" stood.
        await ReloadUntilAsync(page, "/hangfire/recurring", async () => await lastExecution.Locator(".label").CountAsync() > 0, TimeSpan.FromSeconds(60));
        await fixture.ScreenshotAsync(page, "recurring-operator-triggered");
        await Assertions.Expect(lastExecution.Locator(".label")).ToBeVisibleAsync();
        Assert.NotEqual("N/A", (await lastExecution.InnerTextAsync()).Trim());

        // And the run is listed under Jobs > Succeeded, by the job's name on the Recurring jobs page.
        var succeeded = page.Locator("table tbody tr", new() { HasText = "reconcile all" });
        await ReloadUntilAsync(page, "/hangfire/jobs/succeeded", async () => await succeeded.CountAsync() > 0, TimeSpan.FromSeconds(60));
        await Assertions.Expect(succeeded.First).ToBeVisibleAsync();
        await fixture.ScreenshotAsync(page, "jobs-succeeded-operator");
    }

    [Fact]
    public async Task StatusPage_AsViewer_ShowsTheAccountsPair_WithASucceededRun()
    {
        await using var context = await fixture.NewContextAsync(DashboardLogins.Viewer, DashboardLogins.ViewerPassword);
        var page = await context.NewPageAsync();

        var accounts = page.Locator("section[data-pair=accounts]");
        var succeeded = accounts.Locator("tr[data-run] td:nth-child(3)", new() { HasTextRegex = new("^succeeded$") });
        await ReloadUntilAsync(page, "/hangfire/abmsync/status", async () => await succeeded.CountAsync() > 0, FirstSync);
        await fixture.ScreenshotAsync(page, "status");

        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "AbmSync status", Exact = true })).ToBeVisibleAsync();
        await Assertions.Expect(accounts).ToBeVisibleAsync();
        Assert.True(await succeeded.CountAsync() >= 1, $"a succeeded accounts run within {FirstSync}; the page showed: {await accounts.InnerTextAsync()}\n{fixture.Worker.Error}");
        await Assertions.Expect(succeeded.First).ToBeVisibleAsync();
        Assert.Equal("succeeded", (await succeeded.First.InnerTextAsync()).Trim());
    }

    [Fact]
    public async Task Report_AsViewer_DrawsTierBars_AndListsANamedTier1AccountOfTheOrg()
    {
        await using var context = await fixture.NewContextAsync(DashboardLogins.Viewer, DashboardLogins.ViewerPassword);
        var page = await context.NewPageAsync();

        var bars = page.Locator("svg[data-chart=tiers] rect[data-label]");
        var tierOne = page.Locator("table#tier1 tbody tr");
        await ReloadUntilAsync(page, "/report", async () => await bars.CountAsync() > 0 && await tierOne.CountAsync() > 0, FirstSync);
        await fixture.ScreenshotAsync(page, "report");

        // The tier chart as drawn: bars on screen, each of a tier that has accounts standing above the axis.
        await Assertions.Expect(page.Locator("svg[data-chart=tiers]")).ToBeVisibleAsync();
        var count = await bars.CountAsync();
        Assert.True(count >= 1, "the tiers chart has bars");
        for (var i = 0; i < count; i++)
        {
            var bar = bars.Nth(i);
            var label = await bar.GetAttributeAsync("data-label");
            var value = decimal.Parse(await bar.GetAttributeAsync("data-value") ?? "0", CultureInfo.InvariantCulture);
            var box = await bar.BoundingBoxAsync();
            Assert.True(box is not null, $"bar {label} is laid out");
            Assert.True(value > 0, $"tier {label} has accounts (value {value})");
            Assert.True(box.Height > 0 && box.Width > 0, $"bar {label} ({value}) is drawn: {box.Width}x{box.Height}");
        }

        // A Tier 1 account by name, one the org really has: the first row's name cell as shown.
        Assert.True(await tierOne.CountAsync() >= 1, "the Tier 1 table lists an account");
        await Assertions.Expect(tierOne.First).ToBeVisibleAsync();
        var name = (await tierOne.First.Locator("td").First.InnerTextAsync()).Trim();
        Assert.False(string.IsNullOrEmpty(name), "the first Tier 1 account has a name");
        var orgAccounts = fixture.Sandbox.Salesforce.Org.Export()["Account"]!.AsArray()
            .Select(a => a?["Name"]?.GetValue<string>())
            .ToHashSet(StringComparer.Ordinal);
        Assert.Contains(name, orgAccounts);
    }

    /// <summary>
    /// Opens <paramref name="path"/> and opens it again every second or so until <paramref name="done"/> holds, the
    /// time is up or the worker has died: pages that show what a job did, the way a person waits for them. Every load
    /// must be a 200; whether it got there is for the caller to assert.
    /// </summary>
    async Task ReloadUntilAsync(IPage page, string path, Func<Task<bool>> done, TimeSpan within)
    {
        var deadline = DateTime.UtcNow + within;
        while (true)
        {
            IResponse? response;
            try
            {
                response = await page.GotoAsync(path);
            }
            catch (PlaywrightException e) when (e.Message.Contains("interrupted by another navigation", StringComparison.Ordinal) && DateTime.UtcNow < deadline)
            {
                // The dashboard's own script reloaded the page at the same moment (after a command, it reloads the
                // list): let that load finish, then look again.
                await page.WaitForLoadStateAsync(LoadState.Load);
                continue;
            }
            Assert.True(response is { Status: 200 }, $"{path}: {response?.Status}");
            if (await done() || DateTime.UtcNow > deadline || fixture.Worker.HasExited)
            {
                return;
            }
            await Task.Delay(1000);
        }
    }
}

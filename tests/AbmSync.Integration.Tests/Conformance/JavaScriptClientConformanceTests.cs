using System.Diagnostics;
using System.Text;
using AbmSync.Sandbox;

namespace AbmSync.Integration.Tests.Conformance;

/// <summary>
/// Proof of fidelity (issues 3 §9 and 4 §9): the widely used JavaScript clients, unchanged, against the sandbox over
/// real HTTP. The checks live in tests/conformance/*.mjs; a failure prints every check, so the output names the
/// sandbox deviation.
/// </summary>
public sealed class JavaScriptClientConformanceTests
{
    static readonly SandboxOptions Options = new() { Accounts = 2500, Seed = 11 };

    [Fact]
    public async Task Jsforce_LogsInQueriesDescribesAndWritesThroughCollections_AgainstSalesforceSandbox()
    {
        await using var sandbox = await SandboxHost.StartAsync(Options);
        var config = sandbox.EnvironmentLines.ToDictionary(l => l.Key, l => l.Value, StringComparer.Ordinal);

        var result = await ConformanceScript.RunAsync("salesforce.mjs", new Dictionary<string, string>
        {
            ["SF_LOGIN_URL"] = config["ABMSYNC__Salesforce__LoginUrl"],
            // The sales rep's client: the script creates and deletes Accounts, which the integration user's permission
            // set does not grant; it checks the protocol, not permissions (tests/AbmSync.Sandbox.Tests check those).
            ["SF_CLIENT_ID"] = config["SANDBOX_HUMAN_SALESFORCE_CLIENT_ID"],
            ["SF_CLIENT_SECRET"] = config["SANDBOX_HUMAN_SALESFORCE_CLIENT_SECRET"],
            // What a connected app's admin holds: the key behind the uploaded certificate, and a refresh token.
            ["SF_JWT_PRIVATE_KEY"] = sandbox.Salesforce.Org.JwtPrivateKeyPem
                ?? throw new InvalidOperationException("The sandbox made no JWT key pair of its own."),
            ["SF_REFRESH_TOKEN"] = sandbox.Salesforce.Org.SalesRepRefreshToken,
        });

        Assert.True(result.ExitCode == 0, $"jsforce conformance failed (exit {result.ExitCode}):\n{result.Output}");
        Assert.DoesNotContain("not configured", result.Output, StringComparison.Ordinal);
        Assert.Contains("salesforce conformance OK", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task HubSpotNodeClient_ListsUpsertsSearchesReadsAssociationsAndCreatesProperties_AgainstHubSpotSandbox()
    {
        await using var sandbox = await SandboxHost.StartAsync(Options);
        var config = sandbox.EnvironmentLines.ToDictionary(l => l.Key, l => l.Value, StringComparer.Ordinal);

        var result = await ConformanceScript.RunAsync("hubspot.mjs", new Dictionary<string, string>
        {
            ["HS_BASE_URL"] = config["ABMSYNC__HubSpot__BaseUrl"],
            ["HS_ACCESS_TOKEN"] = config["ABMSYNC__HubSpot__AccessToken"],
            ["HS_OAUTH_CLIENT_ID"] = HubSpotEmulator.OAuthClientId,
            ["HS_OAUTH_CLIENT_SECRET"] = HubSpotEmulator.OAuthClientSecret,
            ["HS_REFRESH_TOKEN"] = HubSpotEmulator.OAuthRefreshToken,
        });

        Assert.True(result.ExitCode == 0, $"@hubspot/api-client conformance failed (exit {result.ExitCode}):\n{result.Output}");
        Assert.DoesNotContain("not configured", result.Output, StringComparison.Ordinal);
        Assert.Contains("hubspot conformance OK", result.Output, StringComparison.Ordinal);
    }
}

/// <summary>Runs a Node script of tests/conformance, installing its packages from the lock file first when needed.</summary>
static class ConformanceScript
{
    static readonly SemaphoreSlim InstallLock = new(1, 1);
    static readonly TimeSpan InstallTimeout = TimeSpan.FromMinutes(5);
    static readonly TimeSpan ScriptTimeout = TimeSpan.FromMinutes(5);

    public static async Task<(int ExitCode, string Output)> RunAsync(string script, IReadOnlyDictionary<string, string> environment)
    {
        var directory = Path.Combine(RepositoryRoot(), "tests", "conformance");
        await EnsurePackagesAsync(directory);
        // Shared while the script runs: an install (exclusive) elsewhere waits instead of deleting node_modules under it.
        using var running = await AcquireFileLockAsync(LockPath, FileShare.ReadWrite, InstallTimeout);
        return await RunProcessAsync("node", [script], directory, environment, ScriptTimeout);
    }

    /// <summary>
    /// An flock(2) lock file: exclusive for `npm ci`, shared while a script runs. `flock` on the same path (for example
    /// around scripts/test.sh's `npm ci`) takes part in it.
    /// </summary>
    static string LockPath => Path.Combine(Path.GetTempPath(), "abmsync-conformance-npm.lock");

    // scripts/test.sh runs `npm ci` before `dotnet test`; this makes a bare `dotnet test` work as well. Two test
    // processes may get here at once (two test runs on one checkout), and a second `npm ci` deletes node_modules
    // under the first, so the install holds the lock file exclusively.
    static async Task EnsurePackagesAsync(string directory)
    {
        await InstallLock.WaitAsync();
        try
        {
            using var installing = await AcquireFileLockAsync(LockPath, FileShare.None, InstallTimeout);
            if (Installed(directory))
            {
                return;
            }
            var install = await RunProcessAsync("npm", ["ci", "--no-audit", "--no-fund", "--loglevel=error"], directory,
                new Dictionary<string, string>(), InstallTimeout);
            Assert.True(install.ExitCode == 0, $"npm ci in {directory} failed (exit {install.ExitCode}):\n{install.Output}");
            Assert.True(Installed(directory), $"npm ci in {directory} exited 0 but the clients are not installed:\n{install.Output}");
        }
        finally
        {
            InstallLock.Release();
        }
    }

    // npm writes node_modules/.package-lock.json when an install completes; a package folder alone may be half extracted.
    static bool Installed(string directory) =>
        File.Exists(Path.Combine(directory, "node_modules", ".package-lock.json"))
        && File.Exists(Path.Combine(directory, "node_modules", "jsforce", "package.json"))
        && File.Exists(Path.Combine(directory, "node_modules", "@hubspot", "api-client", "package.json"));

    static async Task<FileStream> AcquireFileLockAsync(string path, FileShare share, TimeSpan timeout)
    {
        var waited = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                // On Unix, FileShare.None takes flock(LOCK_EX) and other share modes flock(LOCK_SH), held until disposal.
                return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, share);
            }
            catch (IOException) when (waited.Elapsed < timeout)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(500));
            }
        }
    }

    static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "AbmSync.sln")))
            {
                return dir.FullName;
            }
        }
        throw new InvalidOperationException($"No AbmSync.sln above {AppContext.BaseDirectory}.");
    }

    static async Task<(int ExitCode, string Output)> RunProcessAsync(
        string fileName, IReadOnlyList<string> args, string workingDirectory, IReadOnlyDictionary<string, string> environment, TimeSpan timeout)
    {
        var info = new ProcessStartInfo(fileName)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }
        foreach (var (key, value) in environment)
        {
            info.Environment[key] = value;
        }
        // One buffer for both streams keeps the script's lines and any Node warning in the order they happened.
        var output = new StringBuilder();
        using var process = new Process { StartInfo = info };
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) { lock (output) { output.AppendLine(e.Data); } } };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { lock (output) { output.AppendLine(e.Data); } } };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            lock (output)
            {
                return (-1, $"{output}\n[timed out after {timeout.TotalSeconds:0} s: {fileName} {string.Join(' ', args)}]");
            }
        }
        // The parameterless wait drains the asynchronous output readers.
        process.WaitForExit();
        lock (output)
        {
            return (process.ExitCode, output.ToString());
        }
    }
}

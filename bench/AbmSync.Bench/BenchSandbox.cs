using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using AbmSync.Sandbox;

namespace AbmSync.Bench;

/// <summary>Which emulator a stats call addresses.</summary>
public enum Api { Salesforce, HubSpot }

/// <summary>The sandbox's <c>GET /_sandbox/stats</c> answer.</summary>
/// <param name="RowLocks">Salesforce records refused UNABLE_TO_LOCK_ROW because another write in flight held their parent's row.</param>
public sealed record SandboxStatsSnapshot(long Calls, long Reads, long Writes, long Throttled, IReadOnlyDictionary<string, long> ByEndpoint, long RowLocks = 0);

/// <summary>
/// The two emulators for one benchmark, either in a child process of this executable (the default, so that the
/// client's memory and the emulator's are measured apart) or in this process.
/// </summary>
public sealed class BenchSandbox : IAsyncDisposable
{
    /// <summary>The hidden verb the child process runs.</summary>
    public const string ServeVerb = "serve-sandbox";
    const string ReadyLine = "SANDBOX_READY";

    readonly SandboxHost? inProcess;
    readonly Process? child;
    readonly HttpClient probe = new() { Timeout = TimeSpan.FromMinutes(5) };

    BenchSandbox(SandboxHost? inProcess, Process? child, IReadOnlyList<KeyValuePair<string, string>> environmentLines, TimeSpan seedTime)
    {
        this.inProcess = inProcess;
        this.child = child;
        EnvironmentLines = environmentLines;
        SeedTime = seedTime;
        SalesforceUrl = new Uri(Line("ABMSYNC__Salesforce__LoginUrl"));
        HubSpotUrl = new Uri(Line("ABMSYNC__HubSpot__BaseUrl"));
    }

    public Uri SalesforceUrl { get; }
    public Uri HubSpotUrl { get; }
    public IReadOnlyList<KeyValuePair<string, string>> EnvironmentLines { get; }

    /// <summary>From the start of the sandbox (process start included) until both ports listened.</summary>
    public TimeSpan SeedTime { get; }

    public bool IsChildProcess => child is not null;

    /// <summary>The child's resident set now, or null in process (where the bench's own figure includes it).</summary>
    public long? ResidentBytes => child is null ? null : ProcMemory.Resident(child.Id);

    /// <summary>The child's peak resident set since it started (VmHWM), or null in process.</summary>
    public long? PeakResidentBytes => child is null ? null : ProcMemory.Peak(child.Id);

    /// <summary>The worker's configuration keys for this sandbox (<c>Salesforce:LoginUrl</c>, ...).</summary>
    public Dictionary<string, string?> Settings() => EnvironmentLines
        .Where(l => l.Key.StartsWith("ABMSYNC__", StringComparison.Ordinal))
        .ToDictionary(l => l.Key["ABMSYNC__".Length..].Replace("__", ":", StringComparison.Ordinal), l => (string?)l.Value, StringComparer.OrdinalIgnoreCase);

    string Line(string key) => EnvironmentLines.First(l => l.Key == key).Value;

    public static async Task<BenchSandbox> StartAsync(SandboxOptions options, bool inProcess, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        if (inProcess)
        {
            var host = await SandboxHost.StartAsync(options, cancellationToken: ct);
            return new BenchSandbox(host, null, host.EnvironmentLines, clock.Elapsed);
        }

        var start = new ProcessStartInfo
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        var self = Environment.ProcessPath ?? throw new InvalidOperationException("The bench cannot find its own executable to start the sandbox.");
        start.FileName = self;
        if (string.Equals(Path.GetFileNameWithoutExtension(self), "dotnet", StringComparison.OrdinalIgnoreCase))
        {
            // Started as `dotnet AbmSync.Bench.dll`: the child needs the assembly path too.
            start.ArgumentList.Add(typeof(BenchSandbox).Assembly.Location);
        }
        start.ArgumentList.Add(ServeVerb);
        foreach (var arg in ToArguments(options))
        {
            start.ArgumentList.Add(arg);
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("The sandbox process did not start.");
        try
        {
            var lines = new List<KeyValuePair<string, string>>();
            while (true)
            {
                var line = await process.StandardOutput.ReadLineAsync(ct)
                    ?? throw new InvalidOperationException($"The sandbox process ended before it was ready (exit code {(process.HasExited ? process.ExitCode : -1)}).");
                if (line == ReadyLine)
                {
                    break;
                }
                var eq = line.IndexOf('=', StringComparison.Ordinal);
                if (eq > 0)
                {
                    lines.Add(new(line[..eq], line[(eq + 1)..]));
                }
            }
            return new BenchSandbox(null, process, lines, clock.Elapsed);
        }
        catch
        {
            process.Kill(entireProcessTree: true);
            process.Dispose();
            throw;
        }
    }

    static IEnumerable<string> ToArguments(SandboxOptions o)
    {
        yield return "--accounts";
        yield return o.Accounts.ToString(CultureInfo.InvariantCulture);
        yield return "--seed";
        yield return o.Seed.ToString(CultureInfo.InvariantCulture);
        yield return "--hubspot-rate";
        yield return o.HubSpotRate;
        yield return "--latency-ms";
        yield return ((int)o.Latency.TotalMilliseconds).ToString(CultureInfo.InvariantCulture);
        yield return "--jitter-ms";
        yield return ((int)o.LatencyJitter.TotalMilliseconds).ToString(CultureInfo.InvariantCulture);
        yield return "--salesforce-daily-limit";
        yield return o.SalesforceDailyLimit.ToString(CultureInfo.InvariantCulture);
        if (!o.SeedHubSpot)
        {
            yield return "--empty-portal";
        }
    }

    /// <summary>The child's side: start the emulators, print the contract's lines, run until standard input closes.</summary>
    public static async Task<int> ServeAsync(SandboxOptions options, CancellationToken ct)
    {
        await using var host = await SandboxHost.StartAsync(options, cancellationToken: ct);
        foreach (var (key, value) in host.EnvironmentLines)
        {
            Console.Out.WriteLine($"{key}={value}");
        }
        Console.Out.WriteLine(ReadyLine);
        await Console.Out.FlushAsync(ct);
        // The parent closes our standard input when it is done (or dies); either way we stop.
        await Console.In.ReadToEndAsync(ct);
        return 0;
    }

    Uri Base(Api api) => api == Api.Salesforce ? SalesforceUrl : HubSpotUrl;

    public async Task ResetStatsAsync(CancellationToken ct)
    {
        foreach (var api in new[] { Api.Salesforce, Api.HubSpot })
        {
            using var response = await probe.PostAsync(new Uri(Base(api), "/_sandbox/stats/reset"), null, ct);
            response.EnsureSuccessStatusCode();
        }
    }

    public async Task<SandboxStatsSnapshot> StatsAsync(Api api, CancellationToken ct)
    {
        using var stats = JsonDocument.Parse(await probe.GetStringAsync(new Uri(Base(api), "/_sandbox/stats"), ct));
        var root = stats.RootElement;
        var byEndpoint = root.GetProperty("byEndpoint").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetInt64(), StringComparer.Ordinal);
        return new SandboxStatsSnapshot(root.GetProperty("calls").GetInt64(), root.GetProperty("reads").GetInt64(),
            root.GetProperty("writes").GetInt64(), root.GetProperty("throttled").GetInt64(), byEndpoint,
            root.TryGetProperty("rowLocks", out var rowLocks) ? rowLocks.GetInt64() : 0);
    }

    public async ValueTask DisposeAsync()
    {
        probe.Dispose();
        if (inProcess is not null)
        {
            await inProcess.DisposeAsync();
        }
        if (child is not null)
        {
            child.StandardInput.Close();
            using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            try
            {
                await child.WaitForExitAsync(wait.Token);
            }
            catch (OperationCanceledException)
            {
                child.Kill(entireProcessTree: true);
            }
            child.Dispose();
        }
    }
}

/// <summary>Resident memory from /proc (Linux); null where /proc is not there.</summary>
public static class ProcMemory
{
    public static long? Resident(int pid) => Read(pid, "VmRSS:");

    public static long? Peak(int pid) => Read(pid, "VmHWM:");

    static long? Read(int pid, string key)
    {
        try
        {
            foreach (var line in File.ReadLines($"/proc/{pid}/status"))
            {
                if (line.StartsWith(key, StringComparison.Ordinal))
                {
                    var kb = line[key.Length..].Trim().Split(' ')[0];
                    return long.Parse(kb, CultureInfo.InvariantCulture) * 1024;
                }
            }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
        return null;
    }
}

/// <summary>Samples resident memory of this process and of the sandbox child while a step runs, keeping the maximum.</summary>
public sealed class MemorySampler : IAsyncDisposable
{
    readonly BenchSandbox sandbox;
    readonly CancellationTokenSource stop = new();
    readonly Task loop;

    public MemorySampler(BenchSandbox sandbox)
    {
        this.sandbox = sandbox;
        Sample();
        loop = Task.Run(async () =>
        {
            using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(50));
            try
            {
                while (await timer.WaitForNextTickAsync(stop.Token))
                {
                    Sample();
                }
            }
            catch (OperationCanceledException)
            {
            }
        });
    }

    public long PeakBench { get; private set; }
    public long PeakSandbox { get; private set; }

    void Sample()
    {
        PeakBench = Math.Max(PeakBench, Environment.WorkingSet);
        if (sandbox.ResidentBytes is { } s)
        {
            PeakSandbox = Math.Max(PeakSandbox, s);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await stop.CancelAsync();
        await loop;
        Sample();
        stop.Dispose();
    }
}

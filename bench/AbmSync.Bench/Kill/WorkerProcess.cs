using System.Diagnostics;
using System.Text;

namespace AbmSync.Bench.Kill;

/// <summary>
/// The built <c>abmsync</c> in a child process (<c>dotnet abmsync.dll …</c>), with only the given <c>ABMSYNC__</c>
/// settings and its own working directory, so that its SQLite state is <c>data/abmsync.db</c> there. Killing it is
/// SIGKILL: no handler runs, nothing is flushed, as when a machine loses power or the OOM killer strikes.
/// </summary>
public sealed class WorkerProcess : IDisposable
{
    readonly Process process;
    readonly StringBuilder stdout = new();
    readonly StringBuilder stderr = new();

    WorkerProcess(Process process)
    {
        this.process = process;
    }

    /// <summary>The worker next to this assembly: the bench and the integration tests both reference the worker project.</summary>
    public static string WorkerDll => Path.Combine(AppContext.BaseDirectory, "abmsync.dll");

    public string Output { get { lock (stdout) { return stdout.ToString(); } } }
    public string Error { get { lock (stderr) { return stderr.ToString(); } } }
    public bool HasExited => process.HasExited;
    public int ExitCode => process.ExitCode;

    public static WorkerProcess Start(IReadOnlyDictionary<string, string> environment, string workingDirectory, params string[] args)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(WorkerDll);
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }
        // Settings from whoever started the harness must not leak into the worker: both worlds run the same settings.
        foreach (var key in info.Environment.Keys.Where(k => k.StartsWith("ABMSYNC__", StringComparison.OrdinalIgnoreCase)).ToList())
        {
            info.Environment.Remove(key);
        }
        foreach (var (key, value) in environment)
        {
            info.Environment[key] = value;
        }
        var process = new Process { StartInfo = info };
        var worker = new WorkerProcess(process);
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) { lock (worker.stdout) { worker.stdout.AppendLine(e.Data); } } };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { lock (worker.stderr) { worker.stderr.AppendLine(e.Data); } } };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return worker;
    }

    /// <summary>The exit code, or null when the worker still runs after <paramref name="timeout"/>.</summary>
    public async Task<int?> WaitAsync(TimeSpan timeout, CancellationToken ct)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(ct);
        limit.CancelAfter(timeout);
        try
        {
            await process.WaitForExitAsync(limit.Token);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return null;
        }
        // The parameterless wait also drains the redirected output.
        process.WaitForExit();
        return process.ExitCode;
    }

    /// <summary>SIGKILL, then waits for the process to be gone. Answers its exit code (137 when the signal killed it).</summary>
    public int Kill()
    {
        try
        {
            process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // It exited on its own between the check and the signal.
        }
        process.WaitForExit();
        return process.ExitCode;
    }

    public void Dispose()
    {
        if (!process.HasExited)
        {
            Kill();
        }
        process.Dispose();
    }
}

using System.Diagnostics;
using System.Globalization;

namespace AbmSync.Worker.Sync;

/// <summary>The lease holder names a process: "host/pid/run n".</summary>
internal static class RunLease
{
    /// <summary>
    /// A holder on this host whose process is gone. Only trusted when this process can see the holder's PID space: a
    /// container shares a host name with its siblings but not their PIDs, so "no such process" there proves nothing.
    /// A holder whose PID exists is never dead, even if it is another program now: the lease then simply expires.
    /// </summary>
    public static bool IsDeadLocalHolder(string holder)
    {
        var parts = holder.Split('/');
        if (parts.Length < 2 || parts[0] != Environment.MachineName || !int.TryParse(parts[1], NumberStyles.Integer, CultureInfo.InvariantCulture, out var pid))
        {
            return false;
        }
        if (pid == Environment.ProcessId || !SharesPidNamespace(parts))
        {
            return false;
        }
        try
        {
            using var process = Process.GetProcessById(pid);
            return process.HasExited;
        }
        catch (ArgumentException)
        {
            return true;
        }
    }

    /// <summary>The PID namespace of this process, as Linux names it (<c>pid:[4026531836]</c>); null elsewhere.</summary>
    public static string? PidNamespace()
    {
        try
        {
            // The link's text ("pid:[4026531836]") names the namespace; it holds no '/', which the holder uses as separator.
            return OperatingSystem.IsLinux() ? new FileInfo("/proc/self/ns/pid").LinkTarget : null;
        }
        catch (IOException)
        {
            return null;
        }
    }

    /// <summary>A holder written as "host/pid/run n/pidns" shares ours when the namespaces match; an old holder without one does not.</summary>
    static bool SharesPidNamespace(string[] parts) =>
        parts.Length >= 4 && PidNamespace() is { } mine && parts[3] == mine;

    public static string Holder(long runId) => $"{State.StateStore.Worker}/run {runId}/{PidNamespace() ?? "?"}";
}

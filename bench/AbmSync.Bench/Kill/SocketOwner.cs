using System.Globalization;

namespace AbmSync.Bench.Kill;

/// <summary>
/// Which local process owns the TCP connection that leaves from a given port (Linux: <c>/proc/net/tcp*</c> and each
/// candidate's <c>/proc/PID/fd</c>). With several workers on one machine, the sandbox's hold names the port of the
/// held call; this names the worker to kill.
/// </summary>
public static class SocketOwner
{
    public static int? ProcessOf(int localPort, IEnumerable<int> candidates)
    {
        var sockets = new HashSet<string>(StringComparer.Ordinal);
        foreach (var table in new[] { "/proc/net/tcp", "/proc/net/tcp6" })
        {
            if (!File.Exists(table))
            {
                continue;
            }
            // sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode ...
            foreach (var line in File.ReadLines(table).Skip(1))
            {
                var columns = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                if (columns.Length > 9 && int.TryParse(columns[1].AsSpan(columns[1].LastIndexOf(':') + 1), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var port) && port == localPort)
                {
                    sockets.Add($"socket:[{columns[9]}]");
                }
            }
        }
        foreach (var pid in candidates)
        {
            try
            {
                if (Directory.EnumerateFiles($"/proc/{pid}/fd").Any(fd => new FileInfo(fd).LinkTarget is { } target && sockets.Contains(target)))
                {
                    return pid;
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Gone, or not ours to look at: not the owner.
            }
        }
        return null;
    }
}

using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace AbmSync.Worker;

/// <summary>Where AbmSync keeps its own state (section <c>Storage</c>).</summary>
public sealed class StorageOptions
{
    public const string Section = "Storage";

    /// <summary><c>Sqlite</c> (embedded, the default) or <c>Postgres</c> (production, shared by several workers).</summary>
    [Required]
    public string Provider { get; set; } = "Sqlite";

    [Required]
    public string ConnectionString { get; set; } = "Data Source=data/abmsync.db";

    // A PostgreSQL connection string may carry a password: never print it.
    public override string ToString() => $"StorageOptions {{ Provider = {Provider} }}";
}

internal sealed class StorageOptionsValidator : IValidateOptions<StorageOptions>
{
    public ValidateOptionsResult Validate(string? name, StorageOptions options) => options.Provider switch
    {
        "Sqlite" => ValidateOptionsResult.Success,
        "Postgres" => ValidateOptionsResult.Success,
        _ => ValidateOptionsResult.Fail($"Storage:Provider must be 'Sqlite' or 'Postgres', not '{options.Provider}'."),
    };
}

/// <summary>Where the mapping and rules files live (section <c>Mappings</c>).</summary>
public sealed class MappingsOptions
{
    public const string Section = "Mappings";

    [Required]
    public string Directory { get; set; } = "mappings";
}

/// <summary>How runs read and write (section <c>Sync</c>).</summary>
public sealed class SyncOptions
{
    public const string Section = "Sync";

    /// <summary>
    /// How far before the saved cursor an incremental read starts again. Records share timestamps and commit late;
    /// re-reading a window and skipping what was already processed loses nothing.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "1.00:00:00")]
    public TimeSpan CursorOverlap { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>How long the schema check (describe, properties) and the owner directory stay valid in a long-running worker.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "1.00:00:00")]
    public TimeSpan SchemaCacheDuration { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>
    /// How long a run's lease lasts without renewal; renewed every third of it while the run lives. A worker that
    /// dies frees its object for the others after at most this long.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:05", "01:00:00")]
    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>Times a record failing with a retryable error (UNABLE_TO_LOCK_ROW) is re-submitted within a run.</summary>
    [Range(0, 5)]
    public int RetryableResubmissions { get; set; } = 2;
}

/// <summary>The worker's recurring jobs and dashboard (section <c>Worker</c>).</summary>
public sealed class WorkerOptions
{
    public const string Section = "Worker";

    /// <summary>Cron of the recurring <c>sync-accounts</c> job; empty disables it.</summary>
    public string? SyncAccountsCron { get; set; } = "*/5 * * * *";

    /// <summary>
    /// The dashboard and health endpoint's address. Loopback only until the dashboard has authentication: nothing may
    /// listen beyond this machine.
    /// </summary>
    [Required]
    public Uri DashboardUrl { get; set; } = new("http://127.0.0.1:5080");

    /// <summary>
    /// Host names the dashboard answers to (the <c>Host</c> header, without port). Any other name is refused, so that a
    /// web page whose name was re-pointed at 127.0.0.1 (DNS rebinding) cannot reach it. Loopback names by default.
    /// </summary>
    public string[] AllowedHosts { get; set; } = ["127.0.0.1", "localhost", "[::1]"];
}

internal sealed class WorkerOptionsValidator : IValidateOptions<WorkerOptions>
{
    public ValidateOptionsResult Validate(string? name, WorkerOptions options)
    {
        var failures = new List<string>();
        if (!options.DashboardUrl.IsAbsoluteUri || !options.DashboardUrl.IsLoopback || options.DashboardUrl.Host == "localhost")
        {
            failures.Add($"Worker:DashboardUrl must be a loopback IP address (e.g. http://127.0.0.1:5080) until the dashboard has authentication; '{options.DashboardUrl}' is not.");
        }
        if (options.AllowedHosts is not { Length: > 0 } || options.AllowedHosts.Any(h => string.IsNullOrWhiteSpace(h) || h == "*" || h.Contains(':', StringComparison.Ordinal) && !h.StartsWith('[')))
        {
            failures.Add("Worker:AllowedHosts must list host names without ports (such as 127.0.0.1, localhost); '*' is not allowed.");
        }
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}

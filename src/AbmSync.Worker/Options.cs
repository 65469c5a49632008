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
public sealed class SyncOptions : IValidatableObject
{
    public const string Section = "Sync";

    /// <summary>
    /// How far before the saved cursor an incremental read starts again. Records share timestamps and commit late;
    /// re-reading a window and skipping what was already processed loses nothing.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "1.00:00:00")]
    public TimeSpan CursorOverlap { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>
    /// How long the decision ledger keeps an entry that a later one of the same record and kind replaced (a
    /// record's current decision is kept however old). At least 30 days: explain and backtests read the history.
    /// </summary>
    [Range(typeof(TimeSpan), "30.00:00:00", "3650.00:00:00")]
    public TimeSpan LedgerRetention { get; set; } = TimeSpan.FromDays(730);

    /// <summary>
    /// How long engagement signals are kept. At least 400 days: the engagement rules read ten half-lives back and
    /// marketing influence a year and its attribution window.
    /// </summary>
    [Range(typeof(TimeSpan), "400.00:00:00", "3650.00:00:00")]
    public TimeSpan SignalRetention { get; set; } = TimeSpan.FromDays(730);

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

    /// <summary>
    /// The share of the org's daily API allocation AbmSync's own calls may take, counted in the state store across
    /// every run and process on it (a rolling 24 hours, as Salesforce counts). Salesforce:DailyApiShare is the other
    /// check: how far the org's use by every client may go (the reserve left to other integrations).
    /// </summary>
    [Range(0.01, 1.0)]
    public double SalesforceCallShare { get; set; } = 0.5;

    /// <summary>The share of the portal's daily allocation AbmSync's own calls may take, across every process (the day starts at the portal's midnight).</summary>
    [Range(0.01, 1.0)]
    public double HubSpotCallShare { get; set; } = 0.5;

    /// <summary>
    /// HubSpot write batches of one page in flight at once. The rate limiter still keeps every call inside HubSpot's
    /// 10-second window; the page commits once all of them have answered, as before.
    /// </summary>
    [Range(1, 16)]
    public int HubSpotWritesInFlight { get; set; } = 4;

    /// <summary>
    /// Salesforce batches of one page in flight at once: writes of 200 records and reads of 200 ids. Two write batches
    /// with children of one parent never go together (the child's write locks the parent's row); Salesforce limits
    /// only long-running requests (25 at once), and a collections call of 200 is not one.
    /// </summary>
    [Range(1, 10)]
    public int SalesforceBatchesInFlight { get; set; } = 4;

    /// <summary>
    /// Plan the next page (resolve its links, read its twins) while a page writes. Planning only reads, so a kill
    /// still loses at most the page being written, and pages commit in order. Off: one page at a time.
    /// </summary>
    public bool PlanAhead { get; set; } = true;

    /// <summary>
    /// In a sync of several pairs, run them together where the pairs allow (<see cref="Sync.PairSequence"/>): a pair
    /// reads while earlier ones write what it does not read, and plans with those it shares nothing with. Off: one
    /// pair after another.
    /// </summary>
    public bool OverlapPairs { get; set; } = true;

    /// <summary>
    /// Records per page of a Bulk API 2.0 read. Its cursor moves once, after the last page, so its pages can be any
    /// size: small ones let the next page be planned while one writes; one larger than Salesforce:BulkThreshold
    /// writes back through one Bulk ingest job (fewer calls, one after another).
    /// </summary>
    [Range(200, 1_000_000)]
    public int BulkReadPageSize { get; set; } = 5_000;

    /// <summary>
    /// How long a dead letter waits before a run tries its record again: the first step after its first failure, the
    /// second after its second, and so on; the failure after the last step parks it until a person runs
    /// <c>abmsync dead-letters retry</c>. Unset, <see cref="DefaultDeadLetterBackoff"/>. In settings, one duration
    /// per index: <c>Sync:DeadLetterBackoff:0 = 00:01:00</c>, or a JSON array. A record waiting for its parent's link
    /// (<c>WAITING_FOR_PARENT</c>) has not failed: it is tried every run and never parked.
    /// </summary>
    // Nullable rather than defaulted: the configuration binder appends a bound array to a default one instead of replacing it.
    public TimeSpan[]? DeadLetterBackoff { get; set; }

    /// <summary>
    /// The next run at once (a row lock or a timeout is usually gone by then), then 5 minutes, 15 minutes and an hour;
    /// parked at the 5th failure. Under the worker's default five-minute cron this is a retry on the next run, the one
    /// after, then after 15 minutes and an hour.
    /// </summary>
    public static IReadOnlyList<TimeSpan> DefaultDeadLetterBackoff { get; } =
        [TimeSpan.Zero, TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(15), TimeSpan.FromHours(1)];

    /// <summary>The schedule in force: <see cref="DeadLetterBackoff"/>, or the default when it is not set.</summary>
    public IReadOnlyList<TimeSpan> DeadLetterSchedule => DeadLetterBackoff ?? DefaultDeadLetterBackoff;

    /// <summary>Most steps a schedule may have: past this, a record that never goes through is retried for days.</summary>
    public const int MaxDeadLetterSteps = 20;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (DeadLetterBackoff is not { } steps)
        {
            yield break;
        }
        if (steps.Length is 0 or > MaxDeadLetterSteps)
        {
            yield return new ValidationResult(
                $"Sync:DeadLetterBackoff must list 1 to {MaxDeadLetterSteps} durations (each failure's wait before the next try; the failure after the last parks the record), not {steps.Length}.",
                [nameof(DeadLetterBackoff)]);
            yield break;
        }
        for (var i = 0; i < steps.Length; i++)
        {
            if (steps[i] < TimeSpan.Zero || steps[i] > TimeSpan.FromDays(7))
            {
                yield return new ValidationResult($"Sync:DeadLetterBackoff:{i} must be between 00:00:00 and 7.00:00:00.", [nameof(DeadLetterBackoff)]);
            }
            else if (i > 0 && steps[i] < steps[i - 1])
            {
                // A wait that shrinks is almost certainly a typo (00:15:00 for 01:50:00), and never a backoff.
                yield return new ValidationResult($"Sync:DeadLetterBackoff:{i} must be at least as long as the step before it.", [nameof(DeadLetterBackoff)]);
            }
        }
    }
}

/// <summary>The worker's recurring jobs, dashboard and its users (section <c>Worker</c>).</summary>
public sealed class WorkerOptions
{
    public const string Section = "Worker";

    /// <summary>
    /// The dashboard, status page and health endpoints' address. Loopback by default; anything else must be https,
    /// or plain http behind a reverse proxy that terminates TLS (<see cref="BehindReverseProxy"/>).
    /// </summary>
    [Required]
    public Uri DashboardUrl { get; set; } = new("http://127.0.0.1:5080");

    /// <summary>
    /// Host names the dashboard answers to (the <c>Host</c> header, without port). Any other name is refused, so that a
    /// web page whose name was re-pointed at 127.0.0.1 (DNS rebinding) cannot reach it. Loopback names by default.
    /// </summary>
    public string[] AllowedHosts { get; set; } = ["127.0.0.1", "localhost", "[::1]"];

    /// <summary>
    /// A reverse proxy terminates TLS in front of the worker, so a plain-http, non-loopback <see cref="DashboardUrl"/>
    /// is allowed. Every request still needs credentials: behind a proxy every request looks local.
    /// </summary>
    public bool BehindReverseProxy { get; set; }

    /// <summary>Jobs this process runs at once. Each sync job holds its pair's lease, so two never write the same pair.</summary>
    [Range(1, 64)]
    public int JobWorkers { get; set; } = 2;

    /// <summary>
    /// How long a job taken by a worker that died (killed, its machine lost) stays invisible before another worker
    /// takes it again, on PostgreSQL. A live worker renews it every fifth of this while its job runs. It must outlast
    /// <c>Sync:LeaseDuration</c>, or the job comes back while the dead worker's pair lease still holds and is skipped.
    /// </summary>
    public TimeSpan JobInvisibilityTimeout { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// The recurring jobs by id (letters, digits and underscores: <c>ABMSYNC__Worker__Jobs__sync_all__Cron</c>). The
    /// defaults below are merged with configuration; an empty <c>Cron</c> switches a job off.
    /// </summary>
    public Dictionary<string, ScheduledJob> Jobs { get; set; } = new(StringComparer.Ordinal)
    {
        ["sync_all"] = new() { Kind = JobKinds.Sync, Object = "all", Cron = "*/5 * * * *" },
        ["reconcile"] = new() { Kind = JobKinds.Reconcile, Object = "all", Cron = "0 3 * * *", Repair = true },
        ["retry_dead_letters"] = new() { Kind = JobKinds.RetryDeadLetters, Object = "all", Cron = "30 * * * *" },
        ["weekly_report"] = new() { Kind = JobKinds.Report, Cron = "0 7 * * 1" },
    };

    /// <summary>Who may sign in to the dashboard, by user name. Nobody by default: every page then answers 401.</summary>
    public Dictionary<string, DashboardUser> Users { get; set; } = new(StringComparer.Ordinal);
}

/// <summary>A dashboard user: the role and an ASP.NET Core <c>PasswordHasher</c> hash (<c>abmsync users hash-password</c>).</summary>
public sealed class DashboardUser
{
    /// <summary><c>operator</c> (trigger, retry, delete) or <c>viewer</c> (read only).</summary>
    public string Role { get; set; } = DashboardRoles.Viewer;

    public string PasswordHash { get; set; } = "";
}

public static class DashboardRoles
{
    public const string Operator = "operator";
    public const string Viewer = "viewer";
}

public static class JobKinds
{
    public const string Sync = "sync";
    public const string Reconcile = "reconcile";
    public const string RetryDeadLetters = "retry-dead-letters";
    public const string Report = "report";

    public static IReadOnlyList<string> All { get; } = [Sync, Reconcile, RetryDeadLetters, Report];
}

/// <summary>One recurring job: what it runs, on which pair, and when.</summary>
public sealed class ScheduledJob
{
    /// <summary>One of <see cref="JobKinds.All"/>.</summary>
    public string Kind { get; set; } = JobKinds.Sync;

    /// <summary>A pair (accounts, contacts, ...) or <c>all</c>.</summary>
    public string Object { get; set; } = "all";

    /// <summary>Five-field cron; empty switches the job off.</summary>
    public string? Cron { get; set; }

    /// <summary>The cron's time zone, an IANA id such as <c>Europe/Berlin</c>; UTC by default.</summary>
    public string TimeZone { get; set; } = "UTC";

    /// <summary>A sync job reads everything, not only what changed since its cursor.</summary>
    public bool Full { get; set; }

    /// <summary>A reconcile job repairs what it finds (as <c>abmsync reconcile --repair</c>) rather than only reporting it.</summary>
    public bool Repair { get; set; } = true;

    /// <summary>
    /// A sync or reconcile of one pair split into this many jobs, each owning the records whose Salesforce id hashes to
    /// it (a HubSpot record without one: its HubSpot id), so that several workers share one large pair.
    /// </summary>
    [Range(1, 64)]
    public int Partitions { get; set; } = 1;

    /// <summary>A report job's file: the ABM scorecard page; <c>{date}</c> becomes the day it ran (yyyy-MM-dd).</summary>
    public string Out { get; set; } = "reports/abm-scorecard-{date}.html";

    /// <summary>A report job's period in days.</summary>
    public int Days { get; set; } = Report.AbmScorecard.DefaultDays;
}

internal sealed class WorkerOptionsValidator(Microsoft.Extensions.Configuration.IConfiguration configuration) : IValidateOptions<WorkerOptions>
{
    public ValidateOptionsResult Validate(string? name, WorkerOptions options)
    {
        var failures = new List<string>();
        var url = options.DashboardUrl;
        if (!url.IsAbsoluteUri || url.Scheme is not ("http" or "https"))
        {
            failures.Add($"Worker:DashboardUrl must be an absolute http or https address, not '{url}'.");
        }
        else if (url.Scheme == "http" && !(url.IsLoopback && url.Host != "localhost") && !options.BehindReverseProxy)
        {
            failures.Add($"Worker:DashboardUrl '{url}' would send passwords in clear text beyond this machine: use a loopback IP address (http://127.0.0.1:5080), https, or set Worker:BehindReverseProxy when a proxy terminates TLS in front of it.");
        }
        if (options.AllowedHosts is not { Length: > 0 } || options.AllowedHosts.Any(h => string.IsNullOrWhiteSpace(h) || h == "*" || h.Contains(':', StringComparison.Ordinal) && !h.StartsWith('[')))
        {
            failures.Add("Worker:AllowedHosts must list host names without ports (such as 127.0.0.1, localhost); '*' is not allowed.");
        }
        // Settings of earlier versions would otherwise be ignored without a word, and the job they named never run.
        if (configuration["Worker:SyncAccountsCron"] is not null)
        {
            failures.Add("Worker:SyncAccountsCron is no longer read: set Worker:Jobs:<id>:Cron (for example Worker:Jobs:sync_all:Cron) instead.");
        }
        if (configuration.GetSection("Reconcile").GetChildren().Any())
        {
            failures.Add("The Reconcile section is no longer read: set Worker:Jobs:reconcile:Cron, :Object and :Repair instead.");
        }
        var lease = Microsoft.Extensions.Configuration.ConfigurationBinder.Get<SyncOptions>(configuration.GetSection(SyncOptions.Section))?.LeaseDuration ?? new SyncOptions().LeaseDuration;
        if (options.JobInvisibilityTimeout < TimeSpan.FromSeconds(30) || options.JobInvisibilityTimeout > TimeSpan.FromHours(24))
        {
            failures.Add($"Worker:JobInvisibilityTimeout must be 30 seconds to 24 hours, not {options.JobInvisibilityTimeout}.");
        }
        else if (options.JobInvisibilityTimeout <= lease)
        {
            failures.Add($"Worker:JobInvisibilityTimeout ({options.JobInvisibilityTimeout}) must be longer than Sync:LeaseDuration ({lease}): a dead worker's job would come back while its lease still holds, and be skipped.");
        }
        foreach (var (id, job) in options.Jobs)
        {
            failures.AddRange(JobFailures(id, job));
        }
        foreach (var (user, account) in options.Users)
        {
            if (string.IsNullOrWhiteSpace(user) || user.Contains(':', StringComparison.Ordinal))
            {
                failures.Add($"Worker:Users: '{user}' is not a user name (no colon, not empty).");
            }
            if (account.Role is not (DashboardRoles.Operator or DashboardRoles.Viewer))
            {
                failures.Add($"Worker:Users:{user}:Role must be '{DashboardRoles.Operator}' or '{DashboardRoles.Viewer}', not '{account.Role}'.");
            }
            if (!Dashboard.DashboardUsers.IsPasswordHash(account.PasswordHash))
            {
                // The value itself is never quoted: it might be a password someone pasted in place of its hash.
                failures.Add($"Worker:Users:{user}:PasswordHash is not a PasswordHasher hash: make one with 'abmsync users hash-password'.");
            }
        }
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    static IEnumerable<string> JobFailures(string id, ScheduledJob job)
    {
        var key = $"Worker:Jobs:{id}";
        if (id.Length == 0 || !id.All(c => char.IsAsciiLetterOrDigit(c) || c == '_'))
        {
            yield return $"{key}: a job id is letters, digits and underscores, not '{id}'.";
        }
        if (!JobKinds.All.Contains(job.Kind))
        {
            yield return $"{key}:Kind must be one of {string.Join(", ", JobKinds.All)}, not '{job.Kind}'.";
        }
        if (job.Object != "all" && !Sync.ObjectPairs.All.Contains(job.Object))
        {
            yield return $"{key}:Object must be one of {string.Join(", ", Sync.ObjectPairs.All)} or all, not '{job.Object}'.";
        }
        // Hangfire parses the expression only when the job is registered, after the host started: a typo is caught here
        // instead, as a settings problem. Five fields of cron characters; Hangfire's parser has the last word.
        if (job.Cron is { Length: > 0 } cron
            && (cron.Split(' ', StringSplitOptions.RemoveEmptyEntries) is not { Length: 5 } fields
                || fields.Any(f => !f.All(c => char.IsAsciiLetterOrDigit(c) || c is '*' or ',' or '-' or '/' or '?' or '#'))))
        {
            yield return $"{key}:Cron must be a cron expression of five fields such as '0 3 * * *' (or empty to switch the job off), not '{cron}'.";
        }
        if (!TimeZoneInfo.TryFindSystemTimeZoneById(job.TimeZone, out _))
        {
            yield return $"{key}:TimeZone must be a time zone id such as UTC or Europe/Berlin, not '{job.TimeZone}'.";
        }
        if (job.Kind == JobKinds.Report && (string.IsNullOrWhiteSpace(job.Out) || job.Days < 1))
        {
            yield return $"{key}: a report job needs Out (a file path) and Days of 1 or more.";
        }
        if (job.Partitions is < 1 or > 64)
        {
            yield return $"{key}:Partitions must be 1 to 64, not {job.Partitions}.";
        }
        else if (job.Partitions > 1 && (job.Kind is not (JobKinds.Sync or JobKinds.Reconcile) || job.Object == "all"))
        {
            yield return $"{key}:Partitions splits a sync or reconcile of one pair; a {job.Kind} job of {job.Object} runs whole.";
        }
    }
}

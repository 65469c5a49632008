using System.CommandLine;
using AbmSync.Worker.Dashboard;
using AbmSync.Worker.Jobs;
using AbmSync.Worker.State;
using AbmSync.Worker.Sync;
using Hangfire;
using Hangfire.InMemory;
using Hangfire.PostgreSql;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Prometheus;

namespace AbmSync.Worker.Cli;

/// <summary><c>abmsync run</c>: the hosted worker with the recurring jobs, the dashboard, the status page, probes and metrics.</summary>
public static class RunCommand
{
    public static Command Create(Option<bool> verbose)
    {
        var urls = new Option<string?>("--urls") { Description = "Where the dashboard listens (Worker:DashboardUrl; loopback by default, else https or Worker:BehindReverseProxy)" };
        var command = new Command("run", "Run the worker: recurring jobs from Worker:Jobs, the dashboard (HTTP Basic, Worker:Users), /healthz, /readyz and /metrics.");
        command.Options.Add(urls);
        command.SetAction((parse, ct) => AbmSyncCli.Guard(async () =>
        {
            var overrides = parse.GetValue(urls) is { Length: > 0 } url ? new Dictionary<string, string?> { ["Worker:DashboardUrl"] = url } : null;
            var app = Build(parse.GetValue(verbose), overrides);
            // Fail on bad settings or mappings now, before the server takes jobs.
            _ = app.Services.GetRequiredService<SyncConfiguration>();
            var worker = app.Services.GetRequiredService<IOptions<WorkerOptions>>().Value;
            await app.Services.GetRequiredService<StateStore>().MigrateAsync(ct);
            await app.StartAsync(ct);
            var jobs = app.Services.GetRequiredService<JobSchedule>().Register(worker.Jobs);
            var output = parse.InvocationConfiguration.Output;
            output.WriteLine($"AbmSync worker running. Dashboard {new Uri(worker.DashboardUrl, "/hangfire")}, status {new Uri(worker.DashboardUrl, "/hangfire" + StatusPage.Path)}, probes {new Uri(worker.DashboardUrl, "/healthz")} and /readyz, metrics /metrics.");
            output.WriteLine($"Recurring jobs: {(jobs.Count == 0 ? "none" : string.Join(", ", jobs))}. Ctrl+C stops.");
            if (worker.Users.Count == 0)
            {
                parse.InvocationConfiguration.Error.WriteLine("No dashboard users (Worker:Users): every page but /healthz and /readyz answers 401. Make a password hash with 'abmsync users hash-password'.");
            }
            await app.WaitForShutdownAsync(ct);
            return ExitCodes.Success;
        }));
        return command;
    }

    public static WebApplication Build(bool verbose, IReadOnlyDictionary<string, string?>? overrides)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ContentRootPath = Directory.GetCurrentDirectory(), Args = [] });
        builder.Configuration.AddAbmSyncConfiguration(overrides);
        builder.Logging.AddAbmSyncLogging(verbose);
        builder.Services.AddAbmSync();
        builder.Services.AddTransient<AbmSyncJobs>();
        builder.Services.AddTransient<JobSchedule>();
        builder.Services.AddSingleton<DashboardUsers>();
        builder.Services.AddAbmSyncHealthChecks();
        var storage = builder.Configuration.GetSection(StorageOptions.Section).Get<StorageOptions>() ?? new StorageOptions();
        var workerSettings = builder.Configuration.GetSection(WorkerOptions.Section).Get<WorkerOptions>() ?? new WorkerOptions();
        builder.Services.AddHangfire(c =>
        {
            c.SetDataCompatibilityLevel(CompatibilityLevel.Version_180)
                .UseSimpleAssemblyNameTypeSerializer()
                .UseRecommendedSerializerSettings();
            if (storage.Provider == "Postgres")
            {
                // Jobs and our state in one database, shared by every worker. A killed worker's job comes back after
                // minutes, not the default half hour: the sliding timeout is renewed while a job runs. Correctness never
                // rests on Hangfire running a job once: runs take their pair's lease, checkpoint and write idempotently.
                // Long polling (LISTEN/NOTIFY) starts an enqueued job, such as a partition, at once rather than at the
                // next 15-second poll.
                c.UsePostgreSqlStorage(o => o.UseNpgsqlConnection(storage.ConnectionString), new PostgreSqlStorageOptions
                {
                    SchemaName = "hangfire",
                    PrepareSchemaIfNecessary = true,
                    UseSlidingInvisibilityTimeout = true,
                    InvisibilityTimeout = workerSettings.JobInvisibilityTimeout,
                    EnableLongPolling = true,
                });
            }
            else
            {
                c.UseInMemoryStorage(new InMemoryStorageOptions());
            }
        });
        builder.Services.AddHangfireServer(o =>
        {
            o.WorkerCount = workerSettings.JobWorkers;
            // A stop cancels the running jobs' tokens; their runs end at the next page boundary (SyncRunner.StopGrace).
            o.ShutdownTimeout = TimeSpan.FromSeconds(25);
        });
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(28));

        // Hangfire's dashboard checks the antiforgery token on every POST once the service exists.
        builder.Services.AddAntiforgery(o => o.Cookie.Name = "abmsync-antiforgery");
        builder.Services.AddHostFiltering(o =>
        {
            o.AllowedHosts = [.. workerSettings.AllowedHosts];
            o.AllowEmptyHosts = false;
            o.IncludeFailureMessage = false;
        });
        // The validator allows only loopback, https, or a proxy in front: a password never crosses a network in clear.
        builder.WebHost.UseUrls(workerSettings.DashboardUrl.GetLeftPart(UriPartial.Authority));

        var app = builder.Build();
        app.UseHostFiltering();
        app.UseMiddleware<CrossSiteGuard>();
        app.UseMiddleware<DashboardAuthentication>();
        app.MapAbmSyncHealth();
        app.MapGet("/", () => Results.Redirect("/hangfire" + StatusPage.Path));
        app.MapGet("/report", async (HttpContext context, Report.AbmScorecard scorecard, int? days) =>
        {
            // The page is self-contained; the header says so to the browser as well as its own meta tag.
            context.Response.Headers.ContentSecurityPolicy = "default-src 'none'; style-src 'unsafe-inline'; img-src data:";
            return Results.Content(await scorecard.RenderPageAsync(days is >= 1 and <= 366 ? days.Value : Report.AbmScorecard.DefaultDays), "text/html; charset=utf-8");
        });

        var registry = Metrics.NewCustomRegistry();
        var metrics = app.Services.GetRequiredService<AbmSyncMetrics>();
        registry.AddBeforeCollectCallback(async ct =>
        {
            using var scope = app.Services.CreateScope();
            await metrics.RefreshAsync(scope.ServiceProvider.GetRequiredService<StateStore>(), scope.ServiceProvider.GetRequiredService<ApiBudgets>());
        });
        var adapter = MeterAdapter.StartListening(new MeterAdapterOptions
        {
            InstrumentFilterPredicate = instrument => instrument.Meter.Name == AbmSyncMetrics.MeterName,
            Registry = registry,
            // The adapter writes its figures through this factory, not the registry above, unless told.
            MetricFactory = Metrics.WithCustomRegistry(registry),
        });
        app.Lifetime.ApplicationStopped.Register(adapter.Dispose);
        app.MapMetrics("/metrics", registry);

        RunsPage.Register();
        StatusPage.Register();
        app.MapHangfireDashboard("/hangfire", new DashboardOptions
        {
            Authorization = [new SignedInFilter()],
            IsReadOnlyFunc = SignedInFilter.IsViewer,
            DisplayStorageConnectionString = false,
        });
        return app;
    }
}

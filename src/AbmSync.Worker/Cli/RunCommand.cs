using System.CommandLine;
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

namespace AbmSync.Worker.Cli;

/// <summary><c>abmsync run</c>: the hosted worker with recurring jobs, the Hangfire dashboard and a health endpoint.</summary>
public static class RunCommand
{
    public static Command Create(Option<bool> verbose)
    {
        var command = new Command("run", "Run the worker: recurring sync jobs from configuration, dashboard and /healthz on loopback.");
        command.SetAction((parse, ct) => AbmSyncCli.Guard(async () =>
        {
            var app = Build(parse.GetValue(verbose), null);
            // Fail on bad settings or mappings now, before the server takes jobs.
            _ = app.Services.GetRequiredService<SyncConfiguration>();
            await app.Services.GetRequiredService<StateStore>().MigrateAsync(ct);
            await app.StartAsync(ct);
            var url = app.Services.GetRequiredService<IOptions<WorkerOptions>>().Value.DashboardUrl;
            parse.InvocationConfiguration.Output.WriteLine($"AbmSync worker running. Dashboard {new Uri(url, "/hangfire")}, health {new Uri(url, "/healthz")}. Ctrl+C stops.");
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
        builder.Services.AddTransient<SyncAccountsJob>();
        builder.Services.AddTransient<Reconciler>();
        builder.Services.AddTransient<ReconcileJob>();
        var storage = builder.Configuration.GetSection(StorageOptions.Section).Get<StorageOptions>() ?? new StorageOptions();
        builder.Services.AddHangfire(c =>
        {
            c.SetDataCompatibilityLevel(CompatibilityLevel.Version_180)
                .UseSimpleAssemblyNameTypeSerializer()
                .UseRecommendedSerializerSettings();
            if (storage.Provider == "Postgres")
            {
                // Jobs and our state in one database. A killed worker's job comes back after minutes, not the default
                // half hour: the sliding timeout is renewed while a job runs. Correctness never rests on Hangfire
                // running a job once: runs are checkpointed and every write is idempotent.
                c.UsePostgreSqlStorage(o => o.UseNpgsqlConnection(storage.ConnectionString), new PostgreSqlStorageOptions
                {
                    SchemaName = "hangfire",
                    PrepareSchemaIfNecessary = true,
                    UseSlidingInvisibilityTimeout = true,
                    InvisibilityTimeout = TimeSpan.FromMinutes(5),
                });
            }
            else
            {
                c.UseInMemoryStorage(new InMemoryStorageOptions());
            }
        });
        builder.Services.AddHangfireServer(o => o.WorkerCount = 2);

        var workerSettings = builder.Configuration.GetSection(WorkerOptions.Section).Get<WorkerOptions>() ?? new WorkerOptions();
        var dashboard = workerSettings.DashboardUrl;
        // Hangfire's dashboard checks the antiforgery token on every POST once the service exists.
        builder.Services.AddAntiforgery(o => o.Cookie.Name = "abmsync-antiforgery");
        builder.Services.AddHostFiltering(o =>
        {
            o.AllowedHosts = [.. workerSettings.AllowedHosts];
            o.AllowEmptyHosts = false;
            o.IncludeFailureMessage = false;
        });
        // Loopback only (WorkerOptionsValidator refuses anything else): the dashboard has no authentication yet.
        builder.WebHost.UseUrls(dashboard.GetLeftPart(UriPartial.Authority));

        var app = builder.Build();
        app.UseHostFiltering();
        app.UseMiddleware<Dashboard.CrossSiteGuard>();
        app.MapGet("/healthz", HealthEndpoint.CheckAsync);
        Dashboard.RunsPage.Register();
        app.MapHangfireDashboard("/hangfire", new DashboardOptions
        {
            // Hangfire's default filter allows local requests only; kept explicit so a proxy never widens it.
            Authorization = [new Hangfire.Dashboard.LocalRequestsOnlyAuthorizationFilter()],
            DisplayStorageConnectionString = false,
        });

        var worker = app.Services.GetRequiredService<IOptions<WorkerOptions>>().Value;
        var recurring = app.Services.GetRequiredService<IRecurringJobManager>();
        if (string.IsNullOrWhiteSpace(worker.SyncAccountsCron))
        {
            recurring.RemoveIfExists(SyncAccountsJob.RecurringJobId);
        }
        else
        {
            recurring.AddOrUpdate<SyncAccountsJob>(SyncAccountsJob.RecurringJobId, job => job.RunAsync(false, CancellationToken.None), worker.SyncAccountsCron);
        }
        var reconcile = app.Services.GetRequiredService<IOptions<ReconcileOptions>>().Value;
        if (string.IsNullOrWhiteSpace(reconcile.Cron))
        {
            recurring.RemoveIfExists(ReconcileJob.RecurringJobId);
        }
        else
        {
            recurring.AddOrUpdate<ReconcileJob>(ReconcileJob.RecurringJobId, job => job.RunAsync(CancellationToken.None), reconcile.Cron);
        }
        return app;
    }
}

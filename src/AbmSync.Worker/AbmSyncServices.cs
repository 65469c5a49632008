using AbmSync.Connectors.HubSpot;
using AbmSync.Worker.State;
using AbmSync.Worker.Sync;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AbmSync.Worker;

/// <summary>The worker's composition: configuration sources, options, connectors, state, sync.</summary>
public static class AbmSyncServices
{
    /// <summary>Environment variables <c>ABMSYNC__Section__Key</c> override appsettings.json.</summary>
    public const string EnvironmentPrefix = "ABMSYNC__";

    public static void AddAbmSyncConfiguration(this IConfigurationBuilder configuration, IReadOnlyDictionary<string, string?>? overrides)
    {
        configuration.AddEnvironmentVariables(EnvironmentPrefix);
        if (overrides is not null)
        {
            configuration.AddInMemoryCollection(overrides);
        }
    }

    public static void AddAbmSyncLogging(this ILoggingBuilder logging, bool verbose)
    {
        logging.ClearProviders();
        logging.AddSimpleConsole(o =>
        {
            o.SingleLine = true;
            o.TimestampFormat = "HH:mm:ss ";
        });
        // Logs go to standard error: standard output is the command's own answer (a summary, a plan, JSON for scripts).
        logging.Services.Configure<Microsoft.Extensions.Logging.Console.ConsoleLoggerOptions>(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
        // The console belongs to the command's own output; logs speak up for warnings unless asked to say more.
        logging.SetMinimumLevel(verbose ? LogLevel.Information : LogLevel.Warning);
        logging.AddFilter("System.Net.Http.HttpClient", verbose ? LogLevel.Information : LogLevel.Warning);
        logging.AddFilter("Microsoft", LogLevel.Warning);
        // A host that fails to start says why through the command's own error output; its log line would repeat it with a stack trace.
        logging.AddFilter("Microsoft.Extensions.Hosting.Internal.Host", LogLevel.None);
        logging.AddFilter("Hangfire", LogLevel.Warning);
        // Polly's own telemetry prints every retry with the exception's frames; the connectors log one line per retry instead.
        logging.AddFilter("Polly", LogLevel.None);
    }

    public static IServiceCollection AddAbmSync(this IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.AddOptions<StorageOptions>().BindConfiguration(StorageOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<IValidateOptions<StorageOptions>, StorageOptionsValidator>();
        services.AddOptions<MappingsOptions>().BindConfiguration(MappingsOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<SyncOptions>().BindConfiguration(SyncOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<WorkerOptions>().BindConfiguration(WorkerOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<IValidateOptions<WorkerOptions>, WorkerOptionsValidator>();

        services.AddSalesforceConnector();
        services.AddHubSpotConnector();

        services.AddSingleton(sp =>
        {
            var storage = sp.GetRequiredService<IOptions<StorageOptions>>().Value;
            return new StateStore(storage.Provider, storage.ConnectionString, sp.GetRequiredService<TimeProvider>(),
                sp.GetRequiredService<IOptions<SyncOptions>>().Value.DeadLetterSchedule);
        });
        services.AddSingleton<SyncConfiguration>();
        services.AddSingleton<AbmSyncMetrics>();
        services.AddSingleton<RunProgress>();
        services.AddTransient<Dashboard.ApiBudgets>();
        services.AddTransient<Reconciler>();
        services.AddSingleton<SyncCache>();
        services.AddTransient<EngagementReader>();
        services.AddTransient<AccountEngagementBook>();
        services.AddTransient<EngagementSync>();
        services.AddTransient<AbmScoreboard>();
        services.AddTransient<AbmSync.Worker.Report.AbmScorecard>();
        services.AddTransient<SchemaGuard>();
        services.AddTransient<SystemBinding>();
        services.AddTransient<OwnerDirectory>();
        services.AddTransient<SyncRunner>();
        services.AddTransient<PairSequence>();
        services.AddTransient<SalesforceAdapter>();
        services.AddTransient<HubSpotAdapter>();
        return services;
    }

    /// <summary>A host for one CLI verb: everything but the job server and dashboard.</summary>
    /// <param name="time">The clock, where a test moves it (the sandbox's and the worker's must agree); the system's by default.</param>
    public static IHost BuildCommandHost(IReadOnlyDictionary<string, string?>? overrides = null, bool verbose = false, TimeProvider? time = null)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
        {
            ContentRootPath = Directory.GetCurrentDirectory(),
            Args = [],
        });
        builder.Configuration.AddAbmSyncConfiguration(overrides);
        builder.Logging.AddAbmSyncLogging(verbose);
        if (time is not null)
        {
            builder.Services.AddSingleton(time);
        }
        builder.Services.AddAbmSync();
        return builder.Build();
    }
}

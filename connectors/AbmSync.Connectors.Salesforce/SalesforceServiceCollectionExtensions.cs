using AbmSync.Connectors.Salesforce;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Polly;

namespace Microsoft.Extensions.DependencyInjection;

public static class SalesforceServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="SalesforceOptions"/> (validated at start), the typed client <see cref="SalesforceClient"/> and
    /// the singleton <see cref="SalesforceCallCounter"/>. Handler order, outermost first: auth (token, 401 → one
    /// re-auth + one replay) → retry/timeout → call counting (every wire attempt) → network.
    /// </summary>
    public static IHttpClientBuilder AddSalesforceConnector(this IServiceCollection services, string configSection = SalesforceOptions.DefaultSection)
    {
        services.AddOptions<SalesforceOptions>()
            .BindConfiguration(configSection)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<SalesforceOptions>, SalesforceOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<SalesforceCallCounter>();
        services.TryAddSingleton<SalesforceTokenCache>();
        services.TryAddSingleton<SalesforceIdentity>();
        services.TryAddTransient<SalesforceAuthHandler>();
        services.TryAddTransient<SalesforceCallCountingHandler>();
        services.TryAddTransient<SalesforceDeadlineHandler>();

        var builder = services
            .AddHttpClient<SalesforceClient>(http =>
            {
                http.BaseAddress = SalesforceAuthHandler.Placeholder;
                // Polly's per-attempt timeout owns time limits; HttpClient's own 100 s would cut retries short.
                http.Timeout = Timeout.InfiniteTimeSpan;
            })
            .ConfigurePrimaryHttpMessageHandler(sp => new SocketsHttpHandler
            {
                ConnectTimeout = sp.GetRequiredService<IOptions<SalesforceOptions>>().Value.ConnectTimeout,
                // DNS changes (an instance move) are picked up by new connections.
                PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            })
            .AddHttpMessageHandler<SalesforceDeadlineHandler>()
            .AddHttpMessageHandler<SalesforceAuthHandler>()
            // The bearer token travels in a header: no header value may reach a log, whatever the log level.
            .RedactLoggedHeaders(static _ => true);

        builder.AddResilienceHandler("salesforce", (pipeline, context) =>
        {
            var options = context.ServiceProvider.GetRequiredService<IOptions<SalesforceOptions>>().Value;
            var time = context.ServiceProvider.GetRequiredService<TimeProvider>();
            var retryLogger = context.ServiceProvider.GetRequiredService<ILoggerFactory>().CreateLogger("AbmSync.Connectors.Salesforce.Retry");
            pipeline.TimeProvider = time;
            pipeline
                .AddRetry(new HttpRetryStrategyOptions
                {
                    MaxRetryAttempts = Math.Max(1, options.MaxRetryAttempts),
                    BackoffType = DelayBackoffType.Exponential,
                    UseJitter = true,
                    Delay = options.RetryBaseDelay,
                    ShouldRetryAfterHeader = false,
                    ShouldHandle = args => ValueTask.FromResult(
                        options.MaxRetryAttempts > 0 && SalesforceRetryPolicy.ShouldRetry(args.Context, args.Outcome, options, time)),
                    DelayGenerator = args => ValueTask.FromResult(
                        args.Outcome.Result is { } response ? SalesforceRetryPolicy.RetryAfter(response, time) : null),
                    OnRetry = args =>
                    {
                        SalesforceRetryPolicy.LogRetry(retryLogger, args, options.MaxRetryAttempts);
                        return ValueTask.CompletedTask;
                    },
                })
                .AddTimeout(options.AttemptTimeout);
        });

        builder.AddHttpMessageHandler<SalesforceCallCountingHandler>();
        return builder;
    }
}

using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Polly;

namespace AbmSync.Connectors.HubSpot;

public static class HubSpotServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="HubSpotClient"/> (typed client) with its options (validated at start), bearer/OAuth handler,
    /// retry pipeline, client-side rate limiter and the <see cref="HubSpotCallCounter"/> singleton.
    /// </summary>
    public static IHttpClientBuilder AddHubSpotConnector(this IServiceCollection services, string configSection = HubSpotOptions.SectionName)
    {
        services.AddOptions<HubSpotOptions>()
            .BindConfiguration(configSection)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<HubSpotOptions>, HubSpotOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<HubSpotCallCounter>();
        services.TryAddSingleton<HubSpotRateLimiter>();
        services.TryAddSingleton<HubSpotTokenProvider>();
        services.TryAddTransient<HubSpotAuthHandler>();
        services.TryAddTransient<HubSpotRateLimitHandler>();
        services.TryAddTransient<HubSpotCountingHandler>();
        services.TryAddTransient<HubSpotDeadlineHandler>();

        // The token endpoint is counted like any other HubSpot call, but never retried or throttled here.
        // Header values (the bearer token) never reach logs, whatever the log level.
        services.AddHttpClient(HubSpotTokenProvider.OAuthClientName, (sp, http) =>
                http.Timeout = sp.GetRequiredService<IOptions<HubSpotOptions>>().Value.AttemptTimeout)
            .ConfigurePrimaryHttpMessageHandler(PrimaryHandler)
            .RedactLoggedHeaders(_ => true)
            .AddHttpMessageHandler<HubSpotCountingHandler>();

        var builder = services.AddHttpClient<HubSpotClient>((sp, http) =>
            {
                http.BaseAddress = sp.GetRequiredService<IOptions<HubSpotOptions>>().Value.BaseUrl;

                // The resilience pipeline owns timeouts (per attempt); HttpClient's own would cut a Retry-After wait short.
                http.Timeout = Timeout.InfiniteTimeSpan;
            })
            .ConfigurePrimaryHttpMessageHandler(PrimaryHandler)
            .RedactLoggedHeaders(_ => true)
            .AddHttpMessageHandler<HubSpotDeadlineHandler>()
            .AddHttpMessageHandler<HubSpotAuthHandler>();

        builder.AddResilienceHandler("hubspot", (pipeline, context) =>
        {
            var options = context.ServiceProvider.GetRequiredService<IOptions<HubSpotOptions>>().Value;
            var time = context.ServiceProvider.GetRequiredService<TimeProvider>();
            var retryLogger = context.ServiceProvider.GetRequiredService<ILoggerFactory>().CreateLogger("AbmSync.Connectors.HubSpot.Retry");
            pipeline.AddRetry(HubSpotRetry.CreateOptions(options.MaxRetryAttempts, time, retryLogger));
            pipeline.AddTimeout(options.AttemptTimeout);
        });

        builder.AddHttpMessageHandler<HubSpotRateLimitHandler>()
            .AddHttpMessageHandler<HubSpotCountingHandler>();
        return builder;
    }

    static SocketsHttpHandler PrimaryHandler(IServiceProvider sp) => new()
    {
        ConnectTimeout = sp.GetRequiredService<IOptions<HubSpotOptions>>().Value.ConnectTimeout,
        PooledConnectionLifetime = TimeSpan.FromMinutes(5),
    };
}

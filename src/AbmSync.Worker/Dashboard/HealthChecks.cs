using AbmSync.Connectors.HubSpot;
using AbmSync.Connectors.Salesforce;
using AbmSync.Core.Mapping;
using AbmSync.Worker.State;
using AbmSync.Worker.Sync;
using Hangfire;
using Hangfire.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace AbmSync.Worker.Dashboard;

/// <summary>
/// <c>/healthz</c>: the process is alive and answers. <c>/readyz</c>: it could do its work: the state store answers at
/// the schema this build needs, the mappings loaded, Hangfire's storage answers, and both APIs accept our credentials.
/// The API checks cost a call each, so their answer is kept for five minutes: a probe every few seconds must not spend
/// the day's allocation. Both endpoints are open (a load balancer has no password) and show status alone: the name
/// of each check and ok or failed, never a reason, which could carry a host name or an org's error text.
/// </summary>
public static class HealthChecks
{
    public const string Ready = "ready";
    static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(10);

    public static IServiceCollection AddAbmSyncHealthChecks(this IServiceCollection services)
    {
        services.AddSingleton<ApiCredentialChecks>();
        services.AddHealthChecks()
            .AddCheck<StateStoreCheck>("stateStore", tags: [Ready], timeout: ProbeTimeout)
            .AddCheck<MappingsCheck>("mappings", tags: [Ready])
            .AddCheck<JobStorageCheck>("jobStorage", tags: [Ready], timeout: ProbeTimeout)
            .AddCheck<SalesforceCheck>("salesforce", tags: [Ready], timeout: ProbeTimeout)
            .AddCheck<HubSpotCheck>("hubspot", tags: [Ready], timeout: ProbeTimeout);
        return services;
    }

    public static void MapAbmSyncHealth(this WebApplication app)
    {
        app.MapGet("/healthz", () => Results.Json(new { status = "ok" }));
        app.MapHealthChecks("/readyz", new HealthCheckOptions
        {
            Predicate = check => check.Tags.Contains(Ready),
            ResultStatusCodes =
            {
                [HealthStatus.Healthy] = StatusCodes.Status200OK,
                [HealthStatus.Degraded] = StatusCodes.Status503ServiceUnavailable,
                [HealthStatus.Unhealthy] = StatusCodes.Status503ServiceUnavailable,
            },
            ResponseWriter = (context, report) =>
            {
                context.Response.ContentType = "application/json; charset=utf-8";
                context.Response.Headers.CacheControl = "no-store";
                var checks = report.Entries.ToDictionary(e => e.Key, e => e.Value.Status == HealthStatus.Healthy ? "ok" : "failed");
                return context.Response.WriteAsJsonAsync(new { status = report.Status == HealthStatus.Healthy ? "ok" : "failed", checks });
            },
        });
    }

    sealed class StateStoreCheck(StateStore store) : IHealthCheck
    {
        public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            try
            {
                // Opening a connection blocks (Npgsql's connect, SQLite's open): off the request thread, so the timeout holds.
                var version = await Task.Run(() => store.ProbeAsync(cancellationToken), cancellationToken);
                return version >= store.LatestSchemaVersion ? HealthCheckResult.Healthy() : HealthCheckResult.Unhealthy("schema behind this build");
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                return HealthCheckResult.Unhealthy(e.GetType().Name);
            }
        }
    }

    sealed class MappingsCheck(IServiceProvider services) : IHealthCheck
    {
        public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            try
            {
                // A singleton, built (and validated) when the worker started: this fails only if it never loaded.
                _ = services.GetRequiredService<SyncConfiguration>();
                return Task.FromResult(HealthCheckResult.Healthy());
            }
            catch (ConfigurationFileException)
            {
                return Task.FromResult(HealthCheckResult.Unhealthy("mappings"));
            }
        }
    }

    sealed class JobStorageCheck(JobStorage storage) : IHealthCheck
    {
        public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            try
            {
                await Task.Run(() =>
                {
                    using var connection = storage.GetConnection();
                    _ = connection.GetRecurringJobs().Count;
                }, cancellationToken);
                return HealthCheckResult.Healthy();
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                return HealthCheckResult.Unhealthy(e.GetType().Name);
            }
        }
    }

    sealed class SalesforceCheck(ApiCredentialChecks checks, SalesforceClient client) : IHealthCheck
    {
        public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
            checks.CheckAsync(Side.Salesforce, async ct => _ = await client.GetLimitsAsync(ct), cancellationToken);
    }

    sealed class HubSpotCheck(ApiCredentialChecks checks, HubSpotClient client) : IHealthCheck
    {
        public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
            checks.CheckAsync(Side.HubSpot, async ct => _ = await client.GetAccountDetailsAsync(ct), cancellationToken);
    }
}

/// <summary>Each API's last credential check and when it ran; one call per system per <see cref="Interval"/> at most.</summary>
internal sealed class ApiCredentialChecks(TimeProvider time)
{
    public static readonly TimeSpan Interval = TimeSpan.FromMinutes(5);
    readonly Dictionary<string, (DateTimeOffset At, HealthCheckResult Result)> last = new(StringComparer.Ordinal);
    readonly SemaphoreSlim gate = new(1, 1);

    public async Task<HealthCheckResult> CheckAsync(string system, Func<CancellationToken, Task> call, CancellationToken ct)
    {
        // One probe at a time asks: concurrent probes wait for its answer instead of each spending a call.
        await gate.WaitAsync(ct);
        try
        {
            var now = time.GetUtcNow();
            if (last.TryGetValue(system, out var seen) && now - seen.At < Interval)
            {
                return seen.Result;
            }
            HealthCheckResult result;
            try
            {
                await call(ct);
                result = HealthCheckResult.Healthy();
            }
            catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
            {
                result = HealthCheckResult.Unhealthy(e.GetType().Name);
            }
            last[system] = (now, result);
            return result;
        }
        finally
        {
            gate.Release();
        }
    }
}

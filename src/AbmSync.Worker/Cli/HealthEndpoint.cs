using AbmSync.Core.Mapping;
using AbmSync.Worker.State;
using AbmSync.Worker.Sync;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace AbmSync.Worker.Cli;

/// <summary>
/// <c>/healthz</c>: 200 only while the worker could run a sync, that is while the state store answers at the schema
/// this build needs and the mappings are loaded; else 503 naming the check that failed. Nothing in it may carry a
/// secret: store failures are <see cref="StateStoreException"/> texts, which never quote the connection string.
/// </summary>
public static class HealthEndpoint
{
    /// <summary>A store that hangs is as unhealthy as one that refuses; a prober should not wait longer than this.</summary>
    static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(5);

    // Two parameters, so that minimal APIs bind it as a handler whose IResult they execute: a one-parameter
    // HttpContext method returning a Task would convert to a RequestDelegate and answer an empty 200.
    public static async Task<IResult> CheckAsync(HttpContext context, CancellationToken ct)
    {
        var services = context.RequestServices;
        var checks = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["stateStore"] = await StateStoreAsync(services.GetRequiredService<StateStore>(), ct),
            ["mappings"] = Mappings(services),
        };
        var healthy = checks.Values.All(v => v == "ok");
        return Results.Json(new { status = healthy ? "ok" : "unhealthy", checks },
            statusCode: healthy ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable);
    }

    static async Task<string> StateStoreAsync(StateStore store, CancellationToken ct)
    {
        try
        {
            // Opening a connection blocks (Npgsql's connect, SQLite's open): off the request thread, so the timeout holds.
            var version = await Task.Run(() => store.ProbeAsync(ct), ct).WaitAsync(ProbeTimeout, ct);
            return version >= store.LatestSchemaVersion
                ? "ok"
                : $"failed: the schema is at version {version}, this build needs {store.LatestSchemaVersion}";
        }
        catch (StateStoreException e)
        {
            return "failed: " + e.Message;
        }
        catch (TimeoutException)
        {
            return $"failed: no answer within {ProbeTimeout.TotalSeconds:0} s";
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Any other text could quote a setting: the type says enough to start looking.
            return "failed: " + e.GetType().Name;
        }
    }

    static string Mappings(IServiceProvider services)
    {
        try
        {
            // A singleton: built (and validated) when the worker started; this fails only if it never loaded.
            _ = services.GetRequiredService<SyncConfiguration>();
            return "ok";
        }
        catch (ConfigurationFileException e)
        {
            return "failed: " + e.Message;
        }
        catch (Exception e)
        {
            return "failed: " + e.GetType().Name;
        }
    }
}

using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace AbmSync.Sandbox;

/// <summary>
/// Runs the Salesforce and HubSpot emulators over real HTTP on loopback, each on its own port, both seeded from one
/// <see cref="SyntheticWorld"/>.
/// </summary>
public sealed class SandboxHost : IAsyncDisposable
{
    readonly WebApplication salesforceApp;
    readonly WebApplication hubSpotApp;

    SandboxHost(WebApplication salesforceApp, WebApplication hubSpotApp, SalesforceEmulator salesforce, HubSpotEmulator hubSpot)
    {
        this.salesforceApp = salesforceApp;
        this.hubSpotApp = hubSpotApp;
        Salesforce = salesforce;
        HubSpot = hubSpot;
        SalesforceUrl = BoundAddress(salesforceApp);
        HubSpotUrl = BoundAddress(hubSpotApp);
    }

    public Uri SalesforceUrl { get; }
    public Uri HubSpotUrl { get; }
    public SalesforceEmulator Salesforce { get; }
    public HubSpotEmulator HubSpot { get; }

    /// <summary>
    /// The lines the sandbox contract (docs/architecture.md, "The sandboxes") promises, in order: the worker's configuration for this
    /// sandbox, then the sales rep's credentials that tests use to make a person's edits.
    /// </summary>
    public IReadOnlyList<KeyValuePair<string, string>> EnvironmentLines =>
    [
        new("ABMSYNC__Salesforce__LoginUrl", SalesforceUrl.GetLeftPart(UriPartial.Authority)),
        new("ABMSYNC__Salesforce__ClientId", SandboxCredentials.SalesforceClientId),
        new("ABMSYNC__Salesforce__ClientSecret", SandboxCredentials.SalesforceClientSecret),
        new("ABMSYNC__HubSpot__BaseUrl", HubSpotUrl.GetLeftPart(UriPartial.Authority)),
        new("ABMSYNC__HubSpot__AccessToken", SandboxCredentials.HubSpotAccessToken),
        new("SANDBOX_HUMAN_SALESFORCE_CLIENT_ID", SandboxCredentials.SalesforceHumanClientId),
        new("SANDBOX_HUMAN_SALESFORCE_CLIENT_SECRET", SandboxCredentials.SalesforceHumanClientSecret),
        new("SANDBOX_HUMAN_HUBSPOT_TOKEN", SandboxCredentials.HubSpotHumanToken),
    ];

    /// <summary>The <c>ABMSYNC__</c> lines alone: the environment a worker process needs to sync against this sandbox.</summary>
    public IReadOnlyDictionary<string, string> WorkerEnvironment =>
        EnvironmentLines.Where(l => l.Key.StartsWith(WorkerPrefix, StringComparison.Ordinal)).ToDictionary(l => l.Key, l => l.Value, StringComparer.Ordinal);

    /// <summary>The same settings as configuration keys (<c>Salesforce:LoginUrl</c>, …), for a worker host in this process.</summary>
    public Dictionary<string, string?> WorkerSettings() =>
        WorkerEnvironment.ToDictionary(l => l.Key[WorkerPrefix.Length..].Replace("__", ":", StringComparison.Ordinal), l => (string?)l.Value, StringComparer.Ordinal);

    const string WorkerPrefix = "ABMSYNC__";

    /// <summary>
    /// Edits a record the way a sales rep would: the rep's own credentials, the public REST API, so that the org
    /// records the rep as last modifier. Throws with the org's answer when the edit is refused. Like a person's edit in
    /// the UI (whose "assign using active assignment rule" box is unticked by default), it runs no assignment rule.
    /// </summary>
    public async Task EditAsSalesRepAsync(string sObject, string id, object fields, CancellationToken cancellationToken = default) =>
        await AsSalesRepAsync(HttpMethod.Patch, $"sobjects/{sObject}/{id}", fields, $"the sales rep's edit of {sObject} {id}", cancellationToken);

    /// <summary>Creates a record as a sales rep would (their credentials, the REST API); answers its new id.</summary>
    public async Task<string> CreateAsSalesRepAsync(string sObject, object fields, CancellationToken cancellationToken = default)
    {
        var answer = await AsSalesRepAsync(HttpMethod.Post, $"sobjects/{sObject}", fields, $"the sales rep's new {sObject}", cancellationToken);
        using var created = System.Text.Json.JsonDocument.Parse(answer);
        return created.RootElement.GetProperty("id").GetString()!;
    }

    /// <summary>Deletes a record as a sales rep would.</summary>
    public async Task DeleteAsSalesRepAsync(string sObject, string id, CancellationToken cancellationToken = default) =>
        await AsSalesRepAsync(HttpMethod.Delete, $"sobjects/{sObject}/{id}", null, $"the sales rep's delete of {sObject} {id}", cancellationToken);

    /// <summary>
    /// Converts a lead as the sales rep would with the Convert button: a contact from the lead under
    /// <paramref name="accountId"/> (or under a new account named after the lead's Company when null), and the lead
    /// marked converted, all with the rep as last modifier (<see cref="Salesforce.SalesforceOrg.ConvertLead"/>). In
    /// process, because the REST API has no lead-convert resource; so it is no API call in the stats.
    /// </summary>
    public Task<Salesforce.LeadConversion> ConvertLeadAsSalesRepAsync(string leadId, string? accountId, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult(Salesforce.Org.ConvertLead(leadId, accountId, Salesforce.Org.SalesRepUserId));
    }

    /// <summary>
    /// Merges Accounts, Contacts or Leads as the sales rep would with the Merge button: <paramref name="loserIds"/>
    /// (one or two) are deleted into <paramref name="masterId"/>, with MasterRecordId set, and their related records
    /// move to the master, all with the rep as last modifier (<see cref="Salesforce.SalesforceOrg.Merge"/>). In process,
    /// because merge is a SOAP call the REST API has no resource for; so it is no API call in the stats.
    /// </summary>
    public Task<Salesforce.MergeOutcome> MergeAsSalesRepAsync(string sObject, string masterId, IReadOnlyList<string> loserIds, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult(Salesforce.Org.Merge(sObject, masterId, loserIds, Salesforce.Org.SalesRepUserId));
    }

    /// <summary>Restores a deleted record from the recycle bin as the sales rep would (in process, like a merge: undelete is a SOAP call).</summary>
    public Task UndeleteAsSalesRepAsync(string id, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        Salesforce.Org.Undelete(id, Salesforce.Org.SalesRepUserId);
        return Task.CompletedTask;
    }

    /// <summary>Restores an archived HubSpot record as a marketer would from the recycle bin (in process: HubSpot has no API for it).</summary>
    public Task RestoreAsMarketerAsync(string objectType, string id, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        HubSpot.Restore(objectType, id);
        return Task.CompletedTask;
    }

    async Task<string> AsSalesRepAsync(HttpMethod method, string resource, object? body, string what, CancellationToken cancellationToken)
    {
        using var http = new HttpClient();
        using var tokenResponse = await http.PostAsync(new Uri(SalesforceUrl, "/services/oauth2/token"), new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "client_credentials",
            ["client_id"] = SandboxCredentials.SalesforceHumanClientId,
            ["client_secret"] = SandboxCredentials.SalesforceHumanClientSecret,
        }), cancellationToken);
        tokenResponse.EnsureSuccessStatusCode();
        using var token = System.Text.Json.JsonDocument.Parse(await tokenResponse.Content.ReadAsStringAsync(cancellationToken));
        var instance = new Uri(token.RootElement.GetProperty("instance_url").GetString()!);
        using var request = new HttpRequestMessage(method, new Uri(instance, $"/services/data/v66.0/{resource}"))
        {
            Content = body is null ? null : System.Net.Http.Json.JsonContent.Create(body),
        };
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token.RootElement.GetProperty("access_token").GetString());
        // A person's save in the UI, not an integration's: the lead assignment rule would otherwise take the lead away.
        request.Headers.Add("Sforce-Auto-Assign", "FALSE");
        using var response = await http.SendAsync(request, cancellationToken);
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"{what} was refused: {(int)response.StatusCode} {text}");
        }
        return text;
    }

    /// <summary>
    /// Edits a HubSpot record the way a marketer would: a person's token, the public CRM API, so that the property
    /// history names that person as the source. Throws with the portal's answer when the edit is refused.
    /// </summary>
    public async Task EditAsMarketerAsync(string objectType, string id, IReadOnlyDictionary<string, string> properties, CancellationToken cancellationToken = default)
    {
        using var http = new HttpClient();
        using var edit = new HttpRequestMessage(HttpMethod.Patch, new Uri(HubSpotUrl, $"/crm/v3/objects/{objectType}/{id}"))
        {
            Content = System.Net.Http.Json.JsonContent.Create(new { properties }),
        };
        edit.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", SandboxCredentials.HubSpotHumanToken);
        using var response = await http.SendAsync(edit, cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"the marketer's edit of {objectType} {id} was refused: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(cancellationToken)}");
        }
    }

    public static async Task<SandboxHost> StartAsync(SandboxOptions options, TimeProvider? time = null, CancellationToken cancellationToken = default)
    {
        time ??= TimeProvider.System;
        var world = SyntheticWorld.Generate(options.Seed, options.Accounts);
        var salesforce = new SalesforceEmulator(world, options, time);
        var portalWorld = options.SeedHubSpot ? world : new SyntheticWorld { Seed = world.Seed, Reps = world.Reps, Businesses = [], People = [], Deals = [] };
        var hubSpot = new HubSpotEmulator(portalWorld, options, time);

        // One generator per port, each seeded from the world's seed, so that the two ports' draws do not depend on
        // how their requests interleave.
        var salesforceLatency = new SandboxLatency(options.Latency, options.LatencyJitter, unchecked(options.Seed * 31 + 1));
        var hubSpotLatency = new SandboxLatency(options.Latency, options.LatencyJitter, unchecked(options.Seed * 31 + 2));
        var salesforceApp = Build(options.SalesforcePort, salesforceLatency, salesforce.Stats, salesforce.Hold, salesforce.Export, salesforce.Map);
        var hubSpotApp = Build(options.HubSpotPort, hubSpotLatency, hubSpot.Stats, hubSpot.Hold, hubSpot.Export, hubSpot.Map);
        await salesforceApp.StartAsync(cancellationToken);
        try
        {
            await hubSpotApp.StartAsync(cancellationToken);
        }
        catch
        {
            await salesforceApp.DisposeAsync();
            throw;
        }
        var host = new SandboxHost(salesforceApp, hubSpotApp, salesforce, hubSpot);
        salesforce.BaseUrl = host.SalesforceUrl;
        hubSpot.BaseUrl = host.HubSpotUrl;
        return host;
    }

    static WebApplication Build(int port, SandboxLatency latency, SandboxStats stats, SandboxHold hold, Func<object> export, Action<WebApplication> map)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, port));
        builder.Services.AddRouting();
        var app = builder.Build();

        app.UseRouting();
        // After routing, so that an endpoint that must serve its delay at a point of its own (a Salesforce write,
        // holding its row locks) can say so; every other answer waits here, before its handler.
        app.Use(async (context, next) =>
        {
            if (!latency.IsNone && !context.Request.Path.StartsWithSegments("/_sandbox"))
            {
                var delay = latency.ForRequest();
                if (context.GetEndpoint()?.Metadata.GetMetadata<DelayInHandlerMetadata>() is not null)
                {
                    context.Features.Set(delay);
                }
                else
                {
                    await delay.ServeAsync(context.RequestAborted);
                }
            }
            await next(context);
        });
        // Counted after routing, so the key is the route template, and before the handler, so a failed call counts too.
        // The hold hook counts the same writes, so "the n-th write" means what the stats say it means.
        app.Use(async (context, next) =>
        {
            if (context.GetEndpoint() is RouteEndpoint endpoint && !context.Request.Path.StartsWithSegments("/_sandbox"))
            {
                var kind = endpoint.Metadata.GetMetadata<CallKindMetadata>()?.Kind ?? CallKind.Other;
                var key = $"{context.Request.Method} /{endpoint.RoutePattern.RawText?.TrimStart('/')}";
                stats.Record(key, kind);
                if (kind == CallKind.Write)
                {
                    await hold.InvokeWrite(context, key, next);
                    CountThrottled(context, stats);
                    return;
                }
            }
            else if (!context.Request.Path.StartsWithSegments("/_sandbox"))
            {
                stats.Record($"{context.Request.Method} (unmatched)", CallKind.Other);
            }
            await next(context);
            CountThrottled(context, stats);
        });

        app.MapGet("/_sandbox/stats", () => Results.Json(stats.Snapshot()));
        app.MapPost("/_sandbox/stats/reset", () =>
        {
            stats.Reset();
            return Results.Json(stats.Snapshot());
        });
        app.MapGet("/_sandbox/export", () => Results.Json(export()));
        MapHold(app, hold);
        map(app);
        return app;
    }

    static void CountThrottled(HttpContext context, SandboxStats stats)
    {
        if (context.Response.StatusCode == StatusCodes.Status429TooManyRequests)
        {
            stats.RecordThrottled();
        }
    }

    /// <summary>The hold hook's surface: arm, state, release, disarm (<see cref="SandboxHold"/>).</summary>
    static void MapHold(WebApplication app, SandboxHold hold)
    {
        app.MapGet("/_sandbox/hold", () => Results.Json(hold.Snapshot()));
        app.MapPost("/_sandbox/hold", async (HttpRequest request) =>
        {
            int? afterWrites = null;
            try
            {
                var body = await System.Text.Json.Nodes.JsonNode.ParseAsync(request.Body, cancellationToken: request.HttpContext.RequestAborted);
                if (body is System.Text.Json.Nodes.JsonObject json && json["afterWrites"] is System.Text.Json.Nodes.JsonValue value && value.TryGetValue<int>(out var n))
                {
                    afterWrites = n;
                }
            }
            catch (System.Text.Json.JsonException)
            {
            }
            if (afterWrites is not >= 1)
            {
                return Results.Json(new { error = "The body must be {\"afterWrites\": n} with a whole number n of at least 1." }, statusCode: 400);
            }
            return hold.Arm(afterWrites.Value)
                ? Results.Json(hold.Snapshot())
                : Results.Json(new { error = "A call is held (or being executed to be held): release it, or DELETE /_sandbox/hold, first." }, statusCode: 409);
        });
        app.MapPost("/_sandbox/hold/release", () => hold.Release()
            ? Results.Json(hold.Snapshot())
            : Results.Json(new { error = "No call is held." }, statusCode: 409));
        app.MapDelete("/_sandbox/hold", () =>
        {
            hold.Disarm();
            return Results.Json(hold.Snapshot());
        });
        // Stopping the sandbox must not wait on a held call: release it so the server can drain.
        app.Lifetime.ApplicationStopping.Register(hold.Disarm);
    }

    static Uri BoundAddress(WebApplication app)
    {
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new Uri(address.Replace("[::]", "127.0.0.1", StringComparison.Ordinal));
    }

    public async ValueTask DisposeAsync()
    {
        await salesforceApp.DisposeAsync();
        await hubSpotApp.DisposeAsync();
    }
}

/// <summary>Tags an endpoint with how the stats count it.</summary>
public static class CallKindEndpointExtensions
{
    public static TBuilder Counts<TBuilder>(this TBuilder builder, CallKind kind) where TBuilder : IEndpointConventionBuilder
    {
        builder.WithMetadata(new CallKindMetadata(kind));
        return builder;
    }
}

using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using AbmSync.Sandbox.HubSpot;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace AbmSync.Sandbox;

/// <summary>
/// The HubSpot portal emulator: CRM objects (v3 and date-versioned paths), search, properties, owners, associations
/// v4, deal pipelines and OAuth, seeded from the synthetic world, written from HubSpot's API documentation.
/// </summary>
public sealed partial class HubSpotEmulator
{
    /// <summary>The sandbox OAuth app (refresh-token grant). Sandbox credentials, not secrets of any real system.</summary>
    public const string OAuthClientId = "sandbox-hubspot-oauth-client";
    public const string OAuthClientSecret = "sandbox-hubspot-oauth-secret";
    public const string OAuthRefreshToken = "sandbox-hubspot-refresh-token";

    readonly HsPortal portal;
    readonly HsOAuth oauth;
    readonly HsGate gate;

    public HubSpotEmulator(SyntheticWorld world, SandboxOptions options, TimeProvider time)
    {
        portal = new HsPortal(time);
        HsSeed.Seed(portal, world);
        // One portal per seed, as one org per seed: a state store pointed at another seed's portal sees another portal.
        PortalId = 40_000_000 + Math.Abs(world.Seed % 10_000_000);
        portal.PortalId = PortalId;
        var human = HsSeed.HumanRep(world);
        HumanOwnerId = HsSeed.OwnerId(human).ToString(CultureInfo.InvariantCulture);
        HumanUserId = HsSeed.UserId(human);
        HumanEmail = human.Email;
        oauth = new HsOAuth(time);
        gate = new HsGate(options, time, oauth, HsActor.User(HumanUserId));
    }

    public SandboxStats Stats { get; } = new();
    /// <summary>The hold hook of this port, <c>/_sandbox/hold</c> (kill tests).</summary>
    public SandboxHold Hold { get; } = new();

    /// <summary>The portal's id (Hub ID), as account-info details answers it.</summary>
    public long PortalId { get; }
    public Uri? BaseUrl { get; set; }

    /// <summary>The owner id of the rep behind <see cref="SandboxCredentials.HubSpotHumanToken"/>.</summary>
    public string HumanOwnerId { get; }
    /// <summary>The user id property history shows for edits made with the sales-rep token.</summary>
    public long HumanUserId { get; }
    public string HumanEmail { get; }
    /// <summary>The app id property history shows (as <c>sourceId</c>, source type INTEGRATION) for the integration token's writes.</summary>
    public static string IntegrationAppId => HsActor.IntegrationAppId;

    /// <summary>
    /// The instant of the seeded bulk import: about a third of the seeded contacts carry exactly this
    /// <c>lastmodifieddate</c> (and <c>hs_lastmodifieddate</c>), with property history source IMPORT.
    /// </summary>
    public static DateTimeOffset BulkImportAt => HsSeed.BulkImportAt;

    /// <summary>How long OAuth access tokens live (HubSpot's usual 30 minutes by default).</summary>
    public TimeSpan OAuthAccessTokenLifetime
    {
        get => oauth.AccessTokenLifetime;
        set => oauth.AccessTokenLifetime = value;
    }

    [GeneratedRegex(@"^\d{4}-\d{2}$")]
    private static partial Regex VersionPattern();

    /// <summary>
    /// Restores an archived record as a marketer does from the recycle bin, within its 90 days (<see cref="HsPortal.Restore"/>).
    /// In process: HubSpot has no API for it.
    /// </summary>
    public void Restore(string objectType, string id)
    {
        lock (portal.Sync)
        {
            var type = HsSchema.Resolve(objectType) ?? throw new ArgumentException($"no object type {objectType}", nameof(objectType));
            var record = portal.Find(type, long.Parse(id, CultureInfo.InvariantCulture), archived: true)
                ?? throw new ArgumentException($"no archived {type} {id}", nameof(id));
            if (record.ArchivedAt is { } at && at < portal.Now - TimeSpan.FromDays(90))
            {
                throw new InvalidOperationException($"{type} {id} was archived more than 90 days ago: it is gone for good.");
            }
            portal.Restore(record);
        }
    }

    public object Export()
    {
        lock (portal.Sync)
        {
            var export = new JsonObject();
            foreach (var type in HsSchema.ObjectTypes)
            {
                export[type] = new JsonArray(portal.Records[type].Values.Select(r => (JsonNode)portal.ToJson(r, null, all: true)).ToArray());
            }
            export["owners"] = new JsonArray(portal.Owners.Values.Select(o => (JsonNode)o.ToJson()).ToArray());
            export["merges"] = new JsonObject(HsSchema.ObjectTypes.Select(t => KeyValuePair.Create(t,
                (JsonNode?)new JsonObject(portal.MergedInto[t].OrderBy(m => m.Key).Select(m => KeyValuePair.Create(
                    m.Key.ToString(CultureInfo.InvariantCulture), (JsonNode?)m.Value.ToString(CultureInfo.InvariantCulture)))))));
            export["gdprBlocklist"] = new JsonArray(portal.GdprBlocklist.Select(e => (JsonNode)e).ToArray());
            export["associations"] = new JsonArray(portal.Associations.All()
                .Where(a => string.CompareOrdinal(a.From, a.To) < 0)
                .OrderBy(a => a.From, StringComparer.Ordinal).ThenBy(a => a.FromId).ThenBy(a => a.To, StringComparer.Ordinal).ThenBy(a => a.ToId)
                .Select(a => (JsonNode)new JsonObject
                {
                    ["from"] = a.From,
                    ["fromId"] = a.FromId.ToString(CultureInfo.InvariantCulture),
                    ["to"] = a.To,
                    ["toId"] = a.ToId.ToString(CultureInfo.InvariantCulture),
                    ["category"] = a.Type.Category,
                    ["typeId"] = a.Type.TypeId,
                }).ToArray());
            return export;
        }
    }

    public void Map(WebApplication app)
    {
        app.Use(gate.Invoke);

        var objects = new HsObjectsApi(portal, () => BaseUrl);
        var properties = new HsPropertiesApi(portal);
        objects.Map(app.MapGroup("/crm/v3/objects"));
        objects.Map(Versioned(app.MapGroup("/crm/objects/{version}")));
        properties.Map(app.MapGroup("/crm/v3/properties"));
        properties.Map(Versioned(app.MapGroup("/crm/properties/{version}")));
        // The Pipelines spec has a date-versioned family too: /crm/pipelines/2026-03/{objectType}.
        var pipelines = new HsPipelinesApi();
        pipelines.Map(app.MapGroup("/crm/v3/pipelines"));
        pipelines.Map(Versioned(app.MapGroup("/crm/pipelines/{version}")));
        var owners = new HsOwnersApi(portal);
        owners.Map(app.MapGroup("/crm/v3/owners"));
        owners.Map(Versioned(app.MapGroup("/crm/owners/{version}")));
        var associations = new HsAssociationsApi(portal);
        associations.Map(app.MapGroup("/crm/v4/objects"), app.MapGroup("/crm/v4/associations"));
        // Date-versioned: per-record association routes live under the objects path, batch ones under /crm/associations.
        associations.Map(Versioned(app.MapGroup("/crm/objects/{version}")), Versioned(app.MapGroup("/crm/associations/{version}")));
        associations.MapSchema(app);
        app.MapPost("/oauth/v1/token", (HttpRequest request) => oauth.Token(request)).Counts(CallKind.Other);
        // Account information: GET /account-info/v3/details, or /account-info/{yyyy-mm}/details.
        app.MapGet("/account-info/v3/details", AccountDetails).Counts(CallKind.Read);
        Versioned(app.MapGroup("/account-info/{version}")).MapGet("/details", AccountDetails).Counts(CallKind.Read);
    }

    /// <summary>The portal's account details: its id, time zone and currencies.</summary>
    IResult AccountDetails() => Results.Json(new JsonObject
    {
        ["portalId"] = PortalId,
        ["accountType"] = "SANDBOX",
        ["timeZone"] = "America/New_York",
        ["companyCurrency"] = HsSchema.CompanyCurrency,
        ["additionalCurrencies"] = new JsonArray([.. HsSchema.AdditionalCurrencies.Select(c => (JsonNode)c)]),
        ["utcOffset"] = "-05:00",
        ["utcOffsetMilliseconds"] = -18_000_000,
        ["uiDomain"] = "app.hubspot.com",
        ["dataHostingLocation"] = "na1",
    });

    /// <summary>Date-versioned paths exist only for versions shaped like <c>2026-03</c>; anything else is not a route.</summary>
    static RouteGroupBuilder Versioned(RouteGroupBuilder group)
    {
        group.AddEndpointFilter(async (context, next) =>
            context.HttpContext.GetRouteValue("version") is string version && VersionPattern().IsMatch(version)
                ? await next(context)
                : Results.StatusCode(404));
        return group;
    }
}

using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace AbmSync.Sandbox.Salesforce;

/// <summary>The emulated org: its store, sessions, API allocation, query cursors and HTTP endpoints.</summary>
public sealed partial class SalesforceOrg
{
    const string UserKey = "sf.user";
    const int MaxCollection = 200;
    static readonly TimeSpan CursorIdle = TimeSpan.FromMinutes(15);

    readonly SandboxOptions options;
    readonly TimeProvider time;
    readonly SandboxStats stats;
    readonly Func<Uri?> baseUrl;
    readonly ConcurrentDictionary<string, Session> sessions = new(StringComparer.Ordinal);
    readonly ConcurrentDictionary<string, Cursor> cursors = new(StringComparer.Ordinal);
    readonly Faults faults;
    readonly Dml dml;
    readonly UserAccess integrationAccess;
    readonly SoqlEngine engine;
    readonly object usageGate = new();
    long apiUsed;
    DateTimeOffset usageWindowStart;
    long cursorSerial;
    long tokenSerial;

    sealed record Session(string UserId, DateTimeOffset Expires);
    sealed record Cursor(SoqlEngine.Outcome Outcome, int BatchSize)
    {
        public DateTimeOffset LastUsed { get; set; }
    }

    public SalesforceOrg(SyntheticWorld world, SandboxOptions options, TimeProvider time, SandboxStats stats, Func<Uri?> baseUrl)
    {
        this.options = options;
        this.time = time;
        this.stats = stats;
        this.baseUrl = baseUrl;
        ArgumentOutOfRangeException.ThrowIfNegative(options.PersonAccounts);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.RowLockWait, TimeSpan.Zero);
        SfSchema.ValidateCurrencies(options.Currencies);
        Schema = SfSchema.Create(personAccounts: options.PersonAccounts > 0, currencies: options.Currencies);
        Store = new OrgStore(Schema, world.Seed, time);
        var seeded = OrgSeeder.Seed(Store, world, options.PersonAccounts, options.Currencies);
        IntegrationUserId = seeded.IntegrationUserId;
        SalesRepUserId = seeded.SalesRepUserId;
        OrgId = seeded.OrgId;
        LeadAssignment = seeded.LeadAssignment;
        faults = Faults.Parse(options.SalesforceFaults, world.Seed);
        integrationAccess = UserAccess.Of(PermissionSet.Integration);
        dml = new Dml(Store, faults.Lock > 0 ? () => faults.Roll(faults.Lock) ? 1 : 0 : null, AccessOf, LeadAssignment);
        engine = new SoqlEngine(Store, time);
        usageWindowStart = time.GetUtcNow();
        InitAuth(options.SalesforceJwtCertificatePath);
        InitBulk();
    }

    public SfSchema Schema { get; }
    public OrgStore Store { get; }
    public string IntegrationUserId { get; }
    /// <summary>The active account executive whose client credentials the sandbox hands to tests.</summary>
    public string SalesRepUserId { get; }
    public string OrgId { get; }
    /// <summary>The active lead assignment rule (an AssignmentRule id) and the Lead Intake queue it gives leads to (a Group id).</summary>
    public OrgRules.LeadAssignmentRule LeadAssignment { get; }
    /// <summary>The ids <c>lock:p</c> refused with UNABLE_TO_LOCK_ROW, once per refusal (in process only, not over HTTP).</summary>
    public IReadOnlyList<string> InjectedRowLocks => dml.InjectedLocks;
    public long ApiUsed => Interlocked.Read(ref apiUsed);

    /// <summary>The integration user has exactly the shipped ABM_Integration permission set; people have full access.</summary>
    public UserAccess AccessOf(string userId) => userId == IntegrationUserId ? integrationAccess : UserAccess.Full;

    UserAccess AccessOf(HttpContext http) => AccessOf(Caller(http));

    /// <summary>
    /// <c>Sforce-Duplicate-Rule-Header: allowSave=true</c> saves through a duplicate rule whose action allows saving
    /// with an alert (the org's rules do); the other fields of the header (includeRecordDetails, runAsCurrentUser) are read and ignored.
    /// </summary>
    static bool AllowDuplicates(HttpContext http)
    {
        foreach (var part in http.Request.Headers["Sforce-Duplicate-Rule-Header"].ToString().Split(';', ','))
        {
            var kv = part.Split('=', 2, StringSplitOptions.TrimEntries);
            if (kv.Length == 2 && string.Equals(kv[0], "allowSave", StringComparison.OrdinalIgnoreCase))
            {
                return string.Equals(kv[1], "true", StringComparison.OrdinalIgnoreCase);
            }
        }
        return false;
    }

    /// <summary><c>Sforce-Auto-Assign</c> on a REST write: the active assignment rule runs unless it says FALSE.</summary>
    static bool AutoAssign(HttpContext http) => OrgRules.AutoAssign(http.Request.Headers["Sforce-Auto-Assign"].ToString());

    public JsonObject Export()
    {
        lock (Store.Gate)
        {
            var export = new JsonObject();
            foreach (var type in new[] { "Account", "Contact", "Lead", "Opportunity", "OpportunityContactRole", "User", "Group", "AssignmentRule" })
            {
                var sObject = Schema.Find(type)!;
                var list = new JsonArray();
                foreach (var record in Store.All(sObject).Where(r => !r.IsDeleted))
                {
                    var json = new JsonObject();
                    foreach (var field in sObject.Fields)
                    {
                        json[field.Name] = SfJson.Value(record[field.Name]);
                    }
                    list.Add(json);
                }
                export[type] = list;
            }
            return export;
        }
    }

    public void Map(WebApplication app)
    {
        app.MapPost("/services/oauth2/token", (Func<HttpContext, Task<IResult>>)Token).Counts(CallKind.Other);
        app.MapGet("/services/data", Versions).Counts(CallKind.Other);
        // The identity URL of every token answer (OAuth "id"): who the token's user is. Not a data API call.
        app.MapGet("/id/{orgId}/{userId}", Identity).Counts(CallKind.Other);

        var api = app.MapGroup("/services/data/{version}");
        api.AddEndpointFilter(Guard);
        api.MapGet("/", Resources).Counts(CallKind.Other);
        api.MapGet("/limits", Limits).Counts(CallKind.Read);
        api.MapGet("/query", (HttpContext c, string version) => Query(c, version, includeDeleted: false)).Counts(CallKind.Read);
        api.MapGet("/queryAll", (HttpContext c, string version) => Query(c, version, includeDeleted: true)).Counts(CallKind.Read);
        api.MapGet("/query/{locator}", QueryMore).Counts(CallKind.Read);
        api.MapGet("/queryAll/{locator}", QueryMore).Counts(CallKind.Read);
        api.MapGet("/sobjects", DescribeGlobal).Counts(CallKind.Read);
        api.MapGet("/sobjects/{sobject}/describe", Describe).Counts(CallKind.Read);
        api.MapGet("/sobjects/{sobject}/updated", (HttpContext c, string sobject) => Replication(c, sobject, deleted: false)).Counts(CallKind.Read);
        api.MapGet("/sobjects/{sobject}/deleted", (HttpContext c, string sobject) => Replication(c, sobject, deleted: true)).Counts(CallKind.Read);
        // REST writes hold their row locks across the request's latency, so they serve it themselves (SalesforceOrg.Locks.cs).
        api.MapPost("/sobjects/{sobject}", CreateOne).Counts(CallKind.Write).DelaysInHandler();
        api.MapGet("/sobjects/{sobject}/{id}", GetOne).Counts(CallKind.Read);
        api.MapMethods("/sobjects/{sobject}/{id}", ["PATCH"], UpdateOne).Counts(CallKind.Write).DelaysInHandler();
        api.MapDelete("/sobjects/{sobject}/{id}", DeleteOne).Counts(CallKind.Write).DelaysInHandler();
        api.MapMethods("/sobjects/{sobject}/{field}/{value}", ["PATCH"], UpsertOne).Counts(CallKind.Write).DelaysInHandler();
        api.MapPost("/composite/sobjects", (HttpContext c, string version) => CollectionSave(c, version, DmlOp.Create, null, null)).Counts(CallKind.Write).DelaysInHandler();
        api.MapMethods("/composite/sobjects", ["PATCH"], (HttpContext c, string version) => CollectionSave(c, version, DmlOp.Update, null, null)).Counts(CallKind.Write).DelaysInHandler();
        api.MapMethods("/composite/sobjects/{sobject}/{field}", ["PATCH"], (HttpContext c, string version, string sobject, string field) => CollectionSave(c, version, DmlOp.Upsert, sobject, field)).Counts(CallKind.Write).DelaysInHandler();
        api.MapDelete("/composite/sobjects", CollectionDelete).Counts(CallKind.Write).DelaysInHandler();
        api.MapGet("/composite/sobjects/{sobject}", CollectionRead).Counts(CallKind.Read);
        api.MapPost("/composite/sobjects/{sobject}", CollectionRead).Counts(CallKind.Read);
        MapBulk(api);
        // An unknown resource answers the API's JSON 404, not the web server's empty one.
        api.MapFallback(() => SfJson.Error(404, "NOT_FOUND", "The requested resource does not exist")).Counts(CallKind.Other);
    }

    [GeneratedRegex(@"^v\d{2,3}\.\d$")]
    private static partial Regex VersionPattern();

    async ValueTask<object?> Guard(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var answer = await Checked(context, next);
        // A write that serves its own latency (while holding its row locks) and ended before it took them, refused
        // here or by a bad body, has not served it yet: every answer waits once.
        await RequestDelay.ServeAsync(context.HttpContext);
        return answer;
    }

    /// <summary>Version, session, allocation and injected faults, in the order the platform checks them.</summary>
    async ValueTask<object?> Checked(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        var version = http.Request.RouteValues["version"] as string ?? "";
        if (!VersionPattern().IsMatch(version))
        {
            return SfJson.Error(404, "NOT_FOUND", "The requested resource does not exist");
        }
        if (Authenticate(http) is not { } userId)
        {
            return SfJson.Error(401, "INVALID_SESSION_ID", "Session expired or invalid");
        }
        http.Items[UserKey] = userId;
        var (used, allowed) = CountCall();
        http.Response.Headers["Sforce-Limit-Info"] = $"api-usage={used}/{options.SalesforceDailyLimit}";
        if (!allowed)
        {
            stats.RecordThrottled();
            return SfJson.Error(403, "REQUEST_LIMIT_EXCEEDED", "TotalRequests Limit exceeded.");
        }
        if (faults.Unavailable > 0 && faults.Roll(faults.Unavailable))
        {
            return SfJson.Error(503, "SERVER_UNAVAILABLE", "Server temporarily unavailable. Please try again later.");
        }
        try
        {
            return await next(context);
        }
        catch (SfRequestException e)
        {
            return SfJson.Error(e);
        }
    }

    (long Used, bool Allowed) CountCall()
    {
        lock (usageGate)
        {
            var now = time.GetUtcNow();
            // A rolling 24 hours, simplified to a window that restarts a day after it began.
            if (now - usageWindowStart >= TimeSpan.FromDays(1))
            {
                usageWindowStart = now;
                Interlocked.Exchange(ref apiUsed, 0);
            }
            if (apiUsed >= options.SalesforceDailyLimit)
            {
                return (apiUsed, false);
            }
            return (Interlocked.Increment(ref apiUsed), true);
        }
    }

    string? Authenticate(HttpContext http)
    {
        var header = http.Request.Headers.Authorization.ToString();
        string? token = null;
        if (header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            token = header[7..].Trim();
        }
        else if (header.StartsWith("OAuth ", StringComparison.OrdinalIgnoreCase))
        {
            token = header[6..].Trim();
        }
        if (token is null || !sessions.TryGetValue(token, out var session))
        {
            return null;
        }
        if (time.GetUtcNow() >= session.Expires)
        {
            sessions.TryRemove(token, out _);
            return null;
        }
        return session.UserId;
    }

    static string Caller(HttpContext http) => (string)http.Items[UserKey]!;

    // ---------------------------------------------------------------- auth

    async Task<IResult> Token(HttpContext http)
    {
        if (!http.Request.HasFormContentType)
        {
            return OAuthError("invalid_request", "invalid request: the body must be application/x-www-form-urlencoded");
        }
        var form = await http.Request.ReadFormAsync(http.RequestAborted);
        var grant = form["grant_type"].ToString();
        return grant switch
        {
            "client_credentials" => ClientCredentials(http, form),
            "urn:ietf:params:oauth:grant-type:jwt-bearer" => JwtBearer(form),
            "refresh_token" => RefreshToken(http, form),
            "" => OAuthError("unsupported_grant_type", "grant type not supported"),
            _ => OAuthError("unsupported_grant_type", "grant type not supported"),
        };
    }

    IResult ClientCredentials(HttpContext http, IFormCollection form)
    {
        var (clientId, secret) = ClientAuth(http, form);
        var userId = ClientUser(clientId);
        if (userId is null)
        {
            return OAuthError("invalid_client_id", "client identifier invalid");
        }
        if (!FixedEquals(secret, SecretOf(clientId!)))
        {
            return OAuthError("invalid_client", "invalid client credentials");
        }
        return IssueToken(userId, clientId!, refresh: false);
    }

    static (string? ClientId, string? Secret) ClientAuth(HttpContext http, IFormCollection form)
    {
        var header = http.Request.Headers.Authorization.ToString();
        if (header.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase))
        {
            try
            {
                var decoded = Encoding.UTF8.GetString(Convert.FromBase64String(header[6..].Trim()));
                var colon = decoded.IndexOf(':', StringComparison.Ordinal);
                if (colon > 0)
                {
                    return (Uri.UnescapeDataString(decoded[..colon]), Uri.UnescapeDataString(decoded[(colon + 1)..]));
                }
            }
            catch (FormatException)
            {
                return (null, null);
            }
        }
        return (form["client_id"].ToString(), form["client_secret"].ToString());
    }

    string? ClientUser(string? clientId) => clientId switch
    {
        SandboxCredentials.SalesforceClientId => IntegrationUserId,
        SandboxCredentials.SalesforceHumanClientId => SalesRepUserId,
        _ => null,
    };

    static string SecretOf(string clientId) => clientId == SandboxCredentials.SalesforceClientId
        ? SandboxCredentials.SalesforceClientSecret
        : SandboxCredentials.SalesforceHumanClientSecret;

    static bool FixedEquals(string? a, string b) =>
        a is not null && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(a), Encoding.UTF8.GetBytes(b));

    /// <summary>
    /// GET on the identity URL with the access token: the user's identity, as Salesforce's Identity URL answers it.
    /// A missing or expired token answers 403 Bad_OAuth_Token, another user's or org's URL 403 Bad_Id (plain text).
    /// </summary>
    IResult Identity(HttpContext http, string orgId, string userId)
    {
        if (Authenticate(http) is not { } tokenUser)
        {
            return Results.Text("Bad_OAuth_Token", "text/plain", statusCode: 403);
        }
        var user = Store.Get(userId);
        if (orgId != OrgId || tokenUser != userId || user is null)
        {
            return Results.Text("Bad_Id", "text/plain", statusCode: 403);
        }
        var instance = InstanceUrl;
        var version = "66.0";
        string? Text(string field) => user[field] as string;
        var urls = new JsonObject
        {
            ["enterprise"] = $"{instance}/services/Soap/c/{version}/{OrgId[..15]}",
            ["metadata"] = $"{instance}/services/Soap/m/{version}/{OrgId[..15]}",
            ["partner"] = $"{instance}/services/Soap/u/{version}/{OrgId[..15]}",
            ["rest"] = $"{instance}/services/data/v{{version}}/",
            ["sobjects"] = $"{instance}/services/data/v{{version}}/sobjects/",
            ["search"] = $"{instance}/services/data/v{{version}}/search/",
            ["query"] = $"{instance}/services/data/v{{version}}/query/",
            ["recent"] = $"{instance}/services/data/v{{version}}/recent/",
            ["profile"] = $"{instance}/{userId}",
            ["custom_domain"] = instance,
        };
        return Results.Json(new JsonObject
        {
            ["id"] = $"{instance}/id/{OrgId}/{userId}",
            ["asserted_user"] = true,
            ["user_id"] = userId,
            ["organization_id"] = OrgId,
            ["username"] = Text("Username"),
            ["nick_name"] = Text("Username")?.Split('@')[0],
            ["display_name"] = Text("Name"),
            ["email"] = Text("Email"),
            ["email_verified"] = true,
            ["first_name"] = Text("FirstName"),
            ["last_name"] = Text("LastName"),
            ["timezone"] = "GMT",
            ["active"] = user["IsActive"] as bool? ?? true,
            ["user_type"] = "STANDARD",
            ["language"] = "en_US",
            ["locale"] = "en_US",
            ["utcOffset"] = 0,
            ["last_modified_date"] = SfJson.Value(user["LastModifiedDate"]),
            ["is_app_installed"] = true,
            ["urls"] = urls,
        });
    }

    IResult IssueToken(string userId, string clientId, bool refresh, string? refreshToken = null)
    {
        var now = time.GetUtcNow();
        var serial = Interlocked.Increment(ref tokenSerial);
        var token = $"{OrgId[..15]}!AQ{Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes($"{OrgId}/{userId}/{serial}/{now.UtcTicks}")))}";
        sessions[token] = new Session(userId, now + options.TokenTtl);
        var instance = InstanceUrl;
        var identity = $"{instance}/id/{OrgId}/{userId}";
        var issuedAt = now.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture);
        var signature = Convert.ToBase64String(HMACSHA256.HashData(Encoding.UTF8.GetBytes(SecretOf(clientId)), Encoding.UTF8.GetBytes(identity + issuedAt)));
        var body = new JsonObject
        {
            ["access_token"] = token,
            ["signature"] = signature,
            ["scope"] = refresh ? "refresh_token api" : "api",
            ["instance_url"] = instance,
            ["id"] = identity,
            ["token_type"] = "Bearer",
            ["issued_at"] = issuedAt,
        };
        if (refreshToken is not null)
        {
            body["refresh_token"] = refreshToken;
        }
        return SfJson.Result(body);
    }

    string InstanceUrl => (baseUrl()?.GetLeftPart(UriPartial.Authority)) ?? "http://127.0.0.1";

    static IResult OAuthError(string error, string description) =>
        SfJson.Result(new JsonObject { ["error"] = error, ["error_description"] = description }, 400);

    /// <summary>Makes a session directly, for tests that need a token without a round trip.</summary>
    public string CreateSession(string userId)
    {
        var token = $"{OrgId[..15]}!test{Interlocked.Increment(ref tokenSerial)}";
        sessions[token] = new Session(userId, time.GetUtcNow() + options.TokenTtl);
        return token;
    }

    // ---------------------------------------------------------------- discovery

    static readonly (string Label, string Version)[] Releases =
    [
        ("Spring '25", "63.0"), ("Summer '25", "64.0"), ("Winter '26", "65.0"), ("Spring '26", "66.0"), ("Summer '26", "67.0"),
    ];

    static IResult Versions() => SfJson.Result(new JsonArray([.. Releases.Select(r => (JsonNode)new JsonObject
    {
        ["label"] = r.Label,
        ["url"] = $"/services/data/v{r.Version}",
        ["version"] = r.Version,
    })]));

    static IResult Resources(string version)
    {
        var resources = new JsonObject();
        foreach (var name in new[] { "sobjects", "query", "queryAll", "limits", "composite", "jobs" })
        {
            resources[name] = $"/services/data/{version}/{name}";
        }
        return SfJson.Result(resources);
    }

    IResult Limits()
    {
        var used = ApiUsed;
        JsonObject Entry(long max, long remaining) => new() { ["Max"] = max, ["Remaining"] = remaining };
        return SfJson.Result(new JsonObject
        {
            ["DailyApiRequests"] = Entry(options.SalesforceDailyLimit, Math.Max(0, options.SalesforceDailyLimit - used)),
            ["DailyBulkApiBatches"] = Entry(15000, 15000 - BulkBatchesUsed),
            ["DailyBulkV2QueryJobs"] = Entry(10000, 10000 - BulkQueryJobsUsed),
            ["DailyBulkV2QueryFileStorageMB"] = Entry(976562, 976562),
            ["ConcurrentAsyncGetReportInstances"] = Entry(200, 200),
            ["DataStorageMB"] = Entry(1024, 1000),
            ["HourlyODataCallout"] = Entry(10000, 10000),
        });
    }

    IResult DescribeGlobal(HttpContext http, string version)
    {
        var access = AccessOf(http);
        return SfJson.Result(new JsonObject
        {
            ["encoding"] = "UTF-8",
            ["maxBatchSize"] = 200,
            ["sobjects"] = new JsonArray([.. Schema.Objects.Where(access.CanRead).Select(o => (JsonNode)ObjectSummary(o, version, access))]),
        });
    }

    static JsonObject ObjectSummary(SfObject o, string version, UserAccess access) => new()
    {
        ["name"] = o.Name,
        ["label"] = o.Label,
        ["labelPlural"] = o.LabelPlural,
        ["keyPrefix"] = o.KeyPrefix,
        ["custom"] = false,
        ["createable"] = access.CanCreate(o),
        ["updateable"] = access.CanEdit(o),
        ["deletable"] = access.CanDelete(o),
        ["queryable"] = true,
        // A history object is read by query only: SOSL does not search it.
        ["searchable"] = o.HistoryParent is null,
        ["retrieveable"] = true,
        ["urls"] = new JsonObject
        {
            ["sobject"] = $"/services/data/{version}/sobjects/{o.Name}",
            ["describe"] = $"/services/data/{version}/sobjects/{o.Name}/describe",
            ["rowTemplate"] = $"/services/data/{version}/sobjects/{o.Name}/{{ID}}",
        },
    };

    IResult Describe(HttpContext http, string version, string sobject)
    {
        var type = Type(http, sobject);
        // The schema is fixed for the sandbox's life: any If-Modified-Since after the seed's epoch is current.
        if (DateTimeOffset.TryParse(http.Request.Headers.IfModifiedSince.ToString(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var since)
            && since >= SyntheticWorld.Epoch)
        {
            return Results.StatusCode(304);
        }
        var access = AccessOf(http);
        var json = ObjectSummary(type, version, access);
        // Describe leaves out the fields the user cannot see, and reports the rest as the user may write them.
        json["fields"] = new JsonArray([.. type.Fields.Where(f => access.CanRead(type, f)).Select(f => (JsonNode)DescribeField(f with
        {
            Createable = access.CanCreate(type, f),
            Updateable = access.CanUpdate(type, f),
        }))]);
        json["childRelationships"] = new JsonArray();
        json["recordTypeInfos"] = new JsonArray();
        return SfJson.Result(json);
    }

    static JsonObject DescribeField(SfField f) => new()
    {
        ["name"] = f.Name,
        ["label"] = f.Label,
        ["inlineHelpText"] = f.InlineHelpText,
        ["type"] = f.Type == SfType.AnyType ? "anyType" : f.Type.ToString().ToLowerInvariant(),
        ["soapType"] = "xsd:" + f.SoapTypeName,
        ["length"] = (f.IsText || f.Type == SfType.AnyType) && f.Type is not SfType.Id and not SfType.Reference ? f.Length : f.Type is SfType.Id or SfType.Reference ? 18 : 0,
        ["precision"] = f.IsNumber && f.Type != SfType.Int ? f.Precision : 0,
        ["scale"] = f.IsNumber && f.Type != SfType.Int ? f.Scale : 0,
        ["digits"] = f.Type == SfType.Int ? f.Precision : 0,
        ["nillable"] = f.Nillable,
        ["createable"] = f.Createable,
        ["updateable"] = f.Updateable,
        ["defaultedOnCreate"] = f.DefaultedOnCreate,
        ["externalId"] = f.ExternalId,
        ["unique"] = f.Unique,
        ["caseSensitive"] = false,
        ["idLookup"] = f.Type == SfType.Id || f.ExternalId || f.Name is "Email" or "Username",
        ["custom"] = f.Custom,
        ["calculated"] = f.Calculated,
        ["filterable"] = f.Filterable,
        ["sortable"] = f.Type != SfType.Textarea,
        ["referenceTo"] = new JsonArray([.. f.ReferenceTo.Select(r => (JsonNode?)JsonValue.Create(r))]),
        ["relationshipName"] = f.RelationshipName,
        ["restrictedPicklist"] = f.RestrictedPicklist,
        ["defaultValue"] = f.Type == SfType.Boolean ? false : null,
        ["picklistValues"] = new JsonArray([.. f.PicklistValues.Select(v => (JsonNode)new JsonObject
        {
            ["active"] = true,
            ["defaultValue"] = v == f.DefaultPicklistValue,
            ["label"] = v,
            ["validFor"] = null,
            ["value"] = v,
        })]),
    };

    /// <summary>
    /// The replication helpers <c>sobjects/{S}/updated</c> and <c>/deleted</c>: ids changed or deleted in a window of at
    /// most 30 days back, with times truncated to the minute as the platform does.
    /// </summary>
    IResult Replication(HttpContext http, string sobject, bool deleted)
    {
        var type = Type(http, sobject);
        DateTimeOffset? Param(string name) => Dml.ParseDateTime(http.Request.Query[name].ToString());
        var start = Param("start") ?? throw new SfRequestException(400, "MISSING_ARGUMENT", "start is required and must be an ISO-8601 date and time");
        var end = Param("end") ?? throw new SfRequestException(400, "MISSING_ARGUMENT", "end is required and must be an ISO-8601 date and time");
        var now = time.GetUtcNow();
        static DateTimeOffset Minute(DateTimeOffset t) => new(t.UtcTicks - t.UtcTicks % TimeSpan.TicksPerMinute, TimeSpan.Zero);
        start = Minute(start);
        end = Minute(end > now ? now : end);
        if (start > end)
        {
            throw new SfRequestException(400, "INVALID_REPLICATION_DATE", "startDate must chronologically precede endDate by more than one minute");
        }
        if (now - start > TimeSpan.FromDays(30))
        {
            throw new SfRequestException(400, "INVALID_REPLICATION_DATE", "startDate cannot be more than 30 days ago");
        }
        var json = new JsonObject();
        lock (Store.Gate)
        {
            var hits = Store.All(type).Where(r => r.IsDeleted == deleted && r["SystemModstamp"] is DateTimeOffset t && t >= start && t < end).ToList();
            if (deleted)
            {
                json["deletedRecords"] = new JsonArray([.. hits.Select(r => (JsonNode)new JsonObject { ["id"] = r.Id, ["deletedDate"] = SfJson.Value(r["SystemModstamp"]) })]);
                json["earliestDateAvailable"] = SfJson.Value(Minute(now.AddDays(-30)));
            }
            else
            {
                json["ids"] = new JsonArray([.. hits.Select(r => (JsonNode?)JsonValue.Create(r.Id))]);
            }
        }
        json["latestDateCovered"] = SfJson.Value(end);
        return SfJson.Result(json);
    }

    /// <summary>An object the caller may read; one it may not is a resource that does not exist, as for the real API.</summary>
    SfObject Type(HttpContext http, string name) => Schema.Find(name) is { } type && AccessOf(http).CanRead(type)
        ? type
        : throw new SfRequestException(404, "NOT_FOUND", "The requested resource does not exist");

    // ---------------------------------------------------------------- query

    IResult Query(HttpContext http, string version, bool includeDeleted)
    {
        var q = http.Request.Query["q"].ToString();
        if (string.IsNullOrWhiteSpace(q))
        {
            throw new SfRequestException(400, "MALFORMED_QUERY", "A query string has to be specified");
        }
        var query = SoqlParser.Parse(q, Schema, AccessOf(http));
        SoqlEngine.Outcome outcome;
        lock (Store.Gate)
        {
            // The whole answer is computed now: later pages show the data as it was when the query ran, like a cursor.
            outcome = engine.Run(query, includeDeleted);
        }
        var batch = BatchSize(http);
        if (outcome.Rows.Count <= batch)
        {
            return SfJson.Result(Page(outcome, version, 0, outcome.Rows.Count, null));
        }
        PurgeIdleCursors();
        var locator = SalesforceId.Mint("01g", Store.Seed, Interlocked.Increment(ref cursorSerial));
        cursors[locator] = new Cursor(outcome, batch) { LastUsed = time.GetUtcNow() };
        return SfJson.Result(Page(outcome, version, 0, batch, $"/services/data/{version}/query/{locator}-{batch}"));
    }

    IResult QueryMore(HttpContext http, string version, string locator)
    {
        var dash = locator.LastIndexOf('-');
        if (dash <= 0 || !int.TryParse(locator[(dash + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var offset)
            || !cursors.TryGetValue(locator[..dash], out var cursor) || offset > cursor.Outcome.Rows.Count)
        {
            throw new SfRequestException(400, "INVALID_QUERY_LOCATOR", "invalid query locator");
        }
        cursor.LastUsed = time.GetUtcNow();
        var batch = http.Request.Headers.ContainsKey("Sforce-Query-Options") ? BatchSize(http) : cursor.BatchSize;
        var end = Math.Min(cursor.Outcome.Rows.Count, offset + batch);
        var next = end < cursor.Outcome.Rows.Count ? $"/services/data/{version}/query/{locator[..dash]}-{end}" : null;
        return SfJson.Result(Page(cursor.Outcome, version, offset, end - offset, next));
    }

    static JsonObject Page(SoqlEngine.Outcome outcome, string version, int offset, int count, string? next)
    {
        var json = new JsonObject { ["totalSize"] = outcome.TotalSize, ["done"] = next is null };
        if (next is not null)
        {
            json["nextRecordsUrl"] = next;
        }
        var records = new JsonArray();
        for (var i = offset; i < offset + count; i++)
        {
            records.Add(SoqlEngine.Project(outcome.Query, outcome.Rows[i], version));
        }
        json["records"] = records;
        return json;
    }

    static int BatchSize(HttpContext http)
    {
        var header = http.Request.Headers["Sforce-Query-Options"].ToString();
        foreach (var part in header.Split(',', ';'))
        {
            var kv = part.Split('=', 2, StringSplitOptions.TrimEntries);
            if (kv.Length == 2 && string.Equals(kv[0], "batchSize", StringComparison.OrdinalIgnoreCase)
                && int.TryParse(kv[1], NumberStyles.None, CultureInfo.InvariantCulture, out var n))
            {
                return Math.Clamp(n, 200, 2000);
            }
        }
        return 2000;
    }

    void PurgeIdleCursors()
    {
        var now = time.GetUtcNow();
        foreach (var (key, cursor) in cursors)
        {
            if (now - cursor.LastUsed > CursorIdle)
            {
                cursors.TryRemove(key, out _);
            }
        }
    }

    // ---------------------------------------------------------------- single records

    IResult GetOne(HttpContext http, string version, string sobject, string id)
    {
        var type = Type(http, sobject);
        var fields = FieldList(type, http.Request.Query["fields"].ToString(), AccessOf(http));
        lock (Store.Gate)
        {
            var record = Store.Get(id);
            if (record is null || record.Type != type || record.IsDeleted)
            {
                return SfJson.Error(404, "NOT_FOUND", "The requested resource does not exist");
            }
            return SfJson.Result(SfJson.Record(version, record, fields));
        }
    }

    /// <summary>The named fields, or every field the user can read when none is named; a hidden field is no such column.</summary>
    static List<SfField> FieldList(SfObject type, string list, UserAccess access)
    {
        if (string.IsNullOrWhiteSpace(list))
        {
            return [.. type.Fields.Where(f => access.CanRead(type, f))];
        }
        var fields = new List<SfField>();
        foreach (var name in list.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            fields.Add(type.Field(name) is { } field && access.CanRead(type, field) ? field : throw new SfRequestException(400, "INVALID_FIELD",
                $"No such column '{name}' on entity '{type.Name}'. If you are attempting to use a custom field, be sure to append the '__c' after the custom field name. Please reference your WSDL or the describe call for the appropriate names."));
        }
        return fields;
    }

    async Task<IResult> CreateOne(HttpContext http, string version, string sobject)
    {
        var type = Type(http, sobject);
        if (await SfJson.ReadBody(http.Request) is not JsonObject body)
        {
            throw new SfRequestException(400, "JSON_PARSER_ERROR", "Cannot deserialize instance of sObject from a non-object value");
        }
        var input = Dml.Parse(type, body, allowId: false, AccessOf(http));
        Locking locking;
        lock (Store.Gate)
        {
            locking = RowsOf(input, null);
        }
        using var lease = await LockRowsAsync(http, [locking]);
        SaveResult result;
        lock (Store.Gate)
        {
            result = LockRefusal(lease, locking) ?? dml.Save(DmlOp.Create, input, null, Caller(http), [], AllowDuplicates(http), AutoAssign(http));
        }
        return result.Success
            ? SfJson.Result(new JsonObject { ["id"] = result.Id, ["success"] = true, ["errors"] = new JsonArray() }, 201)
            : RecordError(result);
    }

    static IResult RecordError(SaveResult result)
    {
        var e = result.Errors[0];
        return SfJson.Error(e.StatusCode is "ENTITY_IS_DELETED" or "NOT_FOUND" ? 404 : 400, e.StatusCode, e.Message, e.Fields, e.DuplicateResult);
    }

    async Task<IResult> UpdateOne(HttpContext http, string version, string sobject, string id)
    {
        var type = Type(http, sobject);
        if (await SfJson.ReadBody(http.Request) is not JsonObject body)
        {
            throw new SfRequestException(400, "JSON_PARSER_ERROR", "Cannot deserialize instance of sObject from a non-object value");
        }
        var input = Dml.Parse(type, body, allowId: false, AccessOf(http));
        Locking locking;
        lock (Store.Gate)
        {
            var target = Store.Get(id);
            locking = RowsOf(input, target is not null && target.Type == type ? target : null);
        }
        using var lease = await LockRowsAsync(http, [locking]);
        lock (Store.Gate)
        {
            var target = Store.Get(id);
            if (target is null || target.Type != type)
            {
                return SfJson.Error(404, "NOT_FOUND", "The requested resource does not exist");
            }
            var result = LockRefusal(lease, locking) ?? dml.Save(DmlOp.Update, input, target, Caller(http), [], AllowDuplicates(http), AutoAssign(http));
            return result.Success ? Results.StatusCode(204) : RecordError(result);
        }
    }

    async Task<IResult> DeleteOne(HttpContext http, string version, string sobject, string id)
    {
        var type = Type(http, sobject);
        var input = new RecordInput(type, id, new Dictionary<SfField, object?>());
        Locking locking;
        lock (Store.Gate)
        {
            var target = Store.Get(id);
            locking = RowsOf(input, target is not null && target.Type == type ? target : null);
        }
        using var lease = await LockRowsAsync(http, [locking]);
        lock (Store.Gate)
        {
            var target = Store.Get(id);
            if (target is null || target.Type != type)
            {
                return SfJson.Error(404, "NOT_FOUND", "The requested resource does not exist");
            }
            var result = LockRefusal(lease, locking) ?? dml.Save(DmlOp.Delete, input, target, Caller(http), []);
            return result.Success ? Results.StatusCode(204) : RecordError(result);
        }
    }

    async Task<IResult> UpsertOne(HttpContext http, string version, string sobject, string field, string value)
    {
        var type = Type(http, sobject);
        var key = ExternalIdField(type, field);
        if (await SfJson.ReadBody(http.Request) is not JsonObject body)
        {
            throw new SfRequestException(400, "JSON_PARSER_ERROR", "Cannot deserialize instance of sObject from a non-object value");
        }
        var input = Dml.Parse(type, body, allowId: false, AccessOf(http));
        var updateOnly = string.Equals(http.Request.Query["updateOnly"], "true", StringComparison.OrdinalIgnoreCase);
        Locking locking;
        lock (Store.Gate)
        {
            locking = RowsOf(input, dml.MatchExternalId(type, key, value) is [var match] ? match : null);
        }
        using var lease = await LockRowsAsync(http, [locking]);
        lock (Store.Gate)
        {
            var matches = dml.MatchExternalId(type, key, value);
            if (matches.Count > 1)
            {
                return SfJson.Result(new JsonArray([.. matches.Select(m => (JsonNode?)JsonValue.Create(SfJson.RecordUrl(version, type, m.Id)))]), 300);
            }
            if (matches.Count == 0 && (updateOnly || key.Name == "Id"))
            {
                return SfJson.Error(404, "NOT_FOUND", "The requested resource does not exist");
            }
            if (matches.Count == 0)
            {
                var values = new Dictionary<SfField, object?>(input.Values) { [key] = value };
                input = input with { Values = values };
            }
            var result = LockRefusal(lease, locking) ?? dml.Save(matches.Count == 0 ? DmlOp.Create : DmlOp.Update, input, matches.Count == 0 ? null : matches[0], Caller(http), [],
                AllowDuplicates(http), AutoAssign(http));
            if (!result.Success)
            {
                return RecordError(result);
            }
            return SfJson.Result(new JsonObject { ["id"] = result.Id, ["success"] = true, ["errors"] = new JsonArray(), ["created"] = result.Created ?? false },
                result.Created == true ? 201 : 200);
        }
    }

    static SfField ExternalIdField(SfObject type, string name)
    {
        var field = type.Field(name) ?? throw new SfRequestException(404, "NOT_FOUND", $"Provided external ID field does not exist or is not accessible: {name}");
        if (!field.ExternalId && field.Type != SfType.Id)
        {
            throw new SfRequestException(400, "INVALID_FIELD", $"Field {field.Name} is not an external id field", [field.Name]);
        }
        return field;
    }

    // ---------------------------------------------------------------- sObject Collections

    async Task<IResult> CollectionSave(HttpContext http, string version, DmlOp op, string? sobject, string? externalField)
    {
        var body = await SfJson.ReadBody(http.Request) as JsonObject
            ?? throw new SfRequestException(400, "JSON_PARSER_ERROR", "Cannot deserialize instance of the collection request from a non-object value");
        var allOrNone = body["allOrNone"] is JsonValue a && a.TryGetValue<bool>(out var flag) && flag;
        if (body["records"] is not JsonArray records)
        {
            throw new SfRequestException(400, "INVALID_FIELD", "records is required", ["records"]);
        }
        if (records.Count > MaxCollection)
        {
            throw new SfRequestException(400, "EXCEEDED_ID_LIMIT", "record limit reached. cannot submit more than 200 records into this call");
        }
        SfObject? uriType = sobject is null ? null : Type(http, sobject);
        SfField? key = uriType is null ? null : ExternalIdField(uriType, externalField!);

        var inputs = new List<RecordInput>();
        foreach (var node in records)
        {
            if (node is not JsonObject record)
            {
                throw new SfRequestException(400, "JSON_PARSER_ERROR", "Cannot deserialize instance of sObject from a non-object value");
            }
            var typeName = record["attributes"]?["type"]?.GetValue<string>();
            SfObject type;
            if (uriType is not null)
            {
                type = uriType;
                if (typeName is not null && !string.Equals(typeName, uriType.Name, StringComparison.OrdinalIgnoreCase))
                {
                    throw new SfRequestException(400, "INVALID_TYPE", $"The type {typeName} does not match the URI type {uriType.Name}");
                }
            }
            else
            {
                if (typeName is null)
                {
                    throw new SfRequestException(400, "INVALID_TYPE", "Each record in the request must have a type specified in its attributes");
                }
                type = Schema.Find(typeName) is { } named && AccessOf(http).CanRead(named) ? named : throw new SfRequestException(400, "INVALID_TYPE",
                    $"sObject type '{typeName}' is not supported. If you are attempting to use a custom object, be sure to append the '__c' after the entity name. Please reference your WSDL or the describe call for the appropriate names.");
            }
            inputs.Add(Dml.Parse(type, record, allowId: op == DmlOp.Update, AccessOf(http)));
        }
        if (uriType is null && Chunks(inputs) > 10)
        {
            throw new SfRequestException(400, "INVALID_BATCH_REQUEST", "Too many chunks: a request may hold at most 10 runs of consecutive records of one type");
        }

        var results = new SaveResult[inputs.Count];
        var allowDuplicates = AllowDuplicates(http);
        var autoAssign = AutoAssign(http);
        var locking = new Locking[inputs.Count];
        lock (Store.Gate)
        {
            for (var i = 0; i < inputs.Count; i++)
            {
                locking[i] = RowsOf(inputs[i], TargetOf(op, inputs[i], key));
            }
        }
        using var lease = await LockRowsAsync(http, locking);
        lock (Store.Gate)
        {
            var undo = new List<(SfRecord, object?[]?)>();
            var caller = Caller(http);
            using (dml.Transaction())
            {
                for (var i = 0; i < inputs.Count; i++)
                {
                    results[i] = LockRefusal(lease, locking[i]) ?? SaveOne(op, inputs[i], key, caller, undo, allowDuplicates, autoAssign);
                }
            }
            if (allOrNone && results.Any(r => !r.Success))
            {
                dml.Rollback(undo);
                for (var i = 0; i < results.Length; i++)
                {
                    if (results[i].Success)
                    {
                        var id = results[i].Created == true ? null : results[i].Id;
                        results[i] = SaveResult.Fail(id, "ALL_OR_NONE_OPERATION_ROLLED_BACK",
                            "Record rolled back because not all records were valid and the request was using AllOrNone header");
                    }
                }
            }
        }
        return SfJson.Result(new JsonArray([.. results.Select(r => (JsonNode)r.ToJson(upsert: op == DmlOp.Upsert))]));
    }

    /// <summary>The record a collection write of <paramref name="input"/> would change, as <see cref="SaveOne"/> finds it; null for a new one.</summary>
    SfRecord? TargetOf(DmlOp op, RecordInput input, SfField? key) => op switch
    {
        DmlOp.Update => Store.Get(input.Id) is { } target && target.Type == input.Type ? target : null,
        DmlOp.Upsert when key is not null && input.Values.GetValueOrDefault(key) is string { Length: > 0 } value
            && dml.MatchExternalId(input.Type, key, value) is [var match] => match,
        _ => null,
    };

    SaveResult SaveOne(DmlOp op, RecordInput input, SfField? key, string caller, List<(SfRecord, object?[]?)> undo, bool allowDuplicates, bool autoAssign)
    {
        switch (op)
        {
            case DmlOp.Create:
                return dml.Save(DmlOp.Create, input, null, caller, undo, allowDuplicates, autoAssign) with { Created = null };
            case DmlOp.Update:
                if (string.IsNullOrEmpty(input.Id))
                {
                    return SaveResult.Fail(null, "MISSING_ARGUMENT", "Id not specified in an update call");
                }
                var target = Store.Get(input.Id);
                if (SalesforceId.Normalize(input.Id) is null)
                {
                    return SaveResult.Fail(null, "MALFORMED_ID", $"Record ID: id value of incorrect type: {input.Id}", "Id");
                }
                if (target is null || target.Type != input.Type)
                {
                    return SaveResult.Fail(SalesforceId.Normalize(input.Id), "INVALID_CROSS_REFERENCE_KEY", "invalid cross reference id");
                }
                return dml.Save(DmlOp.Update, input, target, caller, undo, allowDuplicates, autoAssign) with { Created = null };
            default:
                ArgumentNullException.ThrowIfNull(key);
                if (!input.Values.TryGetValue(key, out var raw) || raw is not string value || value.Length == 0)
                {
                    return SaveResult.Fail(null, "MISSING_ARGUMENT", $"{key.Name} not specified", key.Name);
                }
                var matches = dml.MatchExternalId(input.Type, key, value);
                if (matches.Count > 1)
                {
                    return SaveResult.Fail(null, "DUPLICATE_EXTERNAL_ID",
                        $"{key.Name}: more than one record found for external id field: [{string.Join(", ", matches.Select(m => m.Id))}]", key.Name);
                }
                var result = dml.Save(matches.Count == 0 ? DmlOp.Create : DmlOp.Update, input, matches.Count == 0 ? null : matches[0], caller, undo, allowDuplicates, autoAssign);
                return result with { Created = result.Success ? matches.Count == 0 : false };
        }
    }

    static int Chunks(List<RecordInput> inputs)
    {
        var chunks = 0;
        SfObject? last = null;
        foreach (var input in inputs)
        {
            if (input.Type != last)
            {
                chunks++;
                last = input.Type;
            }
        }
        return chunks;
    }

    async Task<IResult> CollectionDelete(HttpContext http, string version)
    {
        var ids = http.Request.Query["ids"].ToString().Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        if (ids.Length == 0)
        {
            throw new SfRequestException(400, "MISSING_ARGUMENT", "ids is required");
        }
        if (ids.Length > MaxCollection)
        {
            throw new SfRequestException(400, "EXCEEDED_ID_LIMIT", "record limit reached. cannot submit more than 200 records into this call");
        }
        var allOrNone = string.Equals(http.Request.Query["allOrNone"], "true", StringComparison.OrdinalIgnoreCase);
        var results = new SaveResult[ids.Length];
        var locking = new Locking[ids.Length];
        lock (Store.Gate)
        {
            for (var i = 0; i < ids.Length; i++)
            {
                locking[i] = Store.Get(ids[i]) is { } target
                    ? RowsOf(new RecordInput(target.Type, target.Id, new Dictionary<SfField, object?>()), target)
                    : new Locking(null, []);
            }
        }
        using var lease = await LockRowsAsync(http, locking);
        lock (Store.Gate)
        {
            var undo = new List<(SfRecord, object?[]?)>();
            for (var i = 0; i < ids.Length; i++)
            {
                var target = Store.Get(ids[i]);
                results[i] = SalesforceId.Normalize(ids[i]) is null
                    ? SaveResult.Fail(null, "MALFORMED_ID", $"malformed id {ids[i]}")
                    : target is null
                        ? SaveResult.Fail(SalesforceId.Normalize(ids[i]), "INVALID_CROSS_REFERENCE_KEY", "invalid cross reference id")
                        : LockRefusal(lease, locking[i])
                            ?? dml.Save(DmlOp.Delete, new RecordInput(target.Type, target.Id, new Dictionary<SfField, object?>()), target, Caller(http), undo);
            }
            if (allOrNone && results.Any(r => !r.Success))
            {
                dml.Rollback(undo);
                for (var i = 0; i < results.Length; i++)
                {
                    if (results[i].Success)
                    {
                        results[i] = SaveResult.Fail(results[i].Id, "ALL_OR_NONE_OPERATION_ROLLED_BACK",
                            "Record rolled back because not all records were valid and the request was using AllOrNone header");
                    }
                }
            }
        }
        return SfJson.Result(new JsonArray([.. results.Select(r => (JsonNode)r.ToJson(upsert: false))]));
    }

    async Task<IResult> CollectionRead(HttpContext http, string version, string sobject)
    {
        var type = Type(http, sobject);
        List<string> ids;
        string fieldList;
        if (HttpMethods.IsPost(http.Request.Method))
        {
            var body = await SfJson.ReadBody(http.Request) as JsonObject ?? throw new SfRequestException(400, "JSON_PARSER_ERROR", "The request body must be an object");
            ids = (body["ids"] as JsonArray)?.Select(n => n?.GetValue<string>() ?? "").ToList() ?? [];
            fieldList = string.Join(',', (body["fields"] as JsonArray)?.Select(n => n?.GetValue<string>() ?? "") ?? []);
        }
        else
        {
            ids = [.. http.Request.Query["ids"].ToString().Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)];
            fieldList = http.Request.Query["fields"].ToString();
        }
        if (ids.Count == 0)
        {
            throw new SfRequestException(400, "MISSING_ARGUMENT", "ids is required");
        }
        if (string.IsNullOrWhiteSpace(fieldList))
        {
            throw new SfRequestException(400, "MISSING_ARGUMENT", "fields is required");
        }
        if (ids.Count > 2000)
        {
            throw new SfRequestException(400, "EXCEEDED_ID_LIMIT", "record limit reached. cannot retrieve more than 2000 records in this call");
        }
        var fields = FieldList(type, fieldList, AccessOf(http));
        lock (Store.Gate)
        {
            var answer = new JsonArray();
            foreach (var id in ids)
            {
                var record = Store.Get(id);
                answer.Add(record is null || record.Type != type || record.IsDeleted ? null : SfJson.Record(version, record, fields));
            }
            return SfJson.Result(answer);
        }
    }
}

/// <summary>Fault injection from <c>lock:p,503:p</c>; rolls are seeded so a run can be repeated.</summary>
public sealed class Faults
{
    readonly Random random;

    Faults(int seed) => random = new Random(seed ^ 0x5f0f);

    public double Lock { get; private init; }
    public double Unavailable { get; private init; }

    public bool Roll(double p)
    {
        lock (random)
        {
            return random.NextDouble() < p;
        }
    }

    public static Faults Parse(string? spec, int seed)
    {
        double lockP = 0, unavailable = 0;
        foreach (var part in (spec ?? "").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            var kv = part.Split(':', 2);
            if (kv.Length != 2 || !double.TryParse(kv[1], NumberStyles.Float, CultureInfo.InvariantCulture, out var p) || p < 0 || p > 1)
            {
                throw new ArgumentException($"Bad Salesforce fault '{part}': expected kind:probability, e.g. lock:0.01,503:0.02.");
            }
            switch (kv[0].ToLowerInvariant())
            {
                case "lock":
                    lockP = p;
                    break;
                case "503":
                    unavailable = p;
                    break;
                default:
                    throw new ArgumentException($"Unknown Salesforce fault kind '{kv[0]}': known kinds are lock and 503.");
            }
        }
        return new Faults(seed) { Lock = lockP, Unavailable = unavailable };
    }
}

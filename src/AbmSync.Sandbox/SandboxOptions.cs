namespace AbmSync.Sandbox;

/// <summary>How to start the two emulators. Port 0 picks a free loopback port.</summary>
public sealed record SandboxOptions
{
    public int SalesforcePort { get; init; }
    public int HubSpotPort { get; init; }
    /// <summary>Number of (live) Salesforce accounts in the seeded org.</summary>
    public int Accounts { get; init; } = 1000;
    public int Seed { get; init; } = 1;
    /// <summary>Delay added to every answer, to make call counts matter the way they do against the real APIs.</summary>
    public TimeSpan Latency { get; init; } = TimeSpan.Zero;
    /// <summary>
    /// A uniform random extra in [0, LatencyJitter) on top of <see cref="Latency"/>, per answer, from a generator
    /// seeded by <see cref="Seed"/>: real round trips vary, and a client that only works when they are equal should fail here.
    /// </summary>
    public TimeSpan LatencyJitter { get; init; } = TimeSpan.Zero;
    /// <summary>
    /// How long a Salesforce write waits for a row another write in flight holds (a parent account, an opportunity)
    /// before its records fail with <c>UNABLE_TO_LOCK_ROW</c>. Real Salesforce waits about 10 seconds; the sandbox
    /// waits 1 by default so that tests of the refusal stay quick.
    /// </summary>
    public TimeSpan RowLockWait { get; init; } = TimeSpan.FromSeconds(1);
    /// <summary>Fault injection for the Salesforce emulator, e.g. <c>lock:0.01,503:0.02</c>.</summary>
    public string? SalesforceFaults { get; init; }
    /// <summary>Fault injection for the HubSpot emulator, e.g. <c>429:0.05,502:0.02</c>.</summary>
    public string? HubSpotFaults { get; init; }
    /// <summary>HubSpot burst limit, e.g. <c>190/10s</c>.</summary>
    public string HubSpotRate { get; init; } = "190/10s";
    /// <summary>How long a Salesforce access token lives before the org answers 401 INVALID_SESSION_ID.</summary>
    public TimeSpan TokenTtl { get; init; } = TimeSpan.FromHours(2);
    /// <summary>
    /// False starts the HubSpot portal empty (its default properties and the owners only, no companies, contacts or
    /// deals): a first load into a new portal, and Salesforce benchmarks at sizes where seeding both sides would not
    /// fit in memory.
    /// </summary>
    public bool SeedHubSpot { get; init; } = true;
    /// <summary>
    /// Person accounts in the org. 0 (the default) is an org without the feature, where <c>IsPersonAccount</c> does not
    /// exist; N &gt; 0 enables it and adds N person accounts after every other seeded record, so the rest of the world
    /// keeps its ids and values.
    /// </summary>
    public int PersonAccounts { get; init; }
    /// <summary>
    /// The org's active currencies, the first its corporate currency (ISO codes, e.g. USD, EUR, GBP). Empty (the
    /// default) is a single-currency org, where <c>CurrencyIsoCode</c> does not exist; a list enables multi-currency,
    /// which gives every object with a currency field (Account, Opportunity) a <c>CurrencyIsoCode</c> picklist of them.
    /// Seeded records take their currency from a stream of their own, so the rest of the world keeps its values.
    /// </summary>
    public IReadOnlyList<string> Currencies { get; init; } = [];

    /// <summary>Salesforce org's daily API request allocation.</summary>
    public int SalesforceDailyLimit { get; init; } = 100_000;
    /// <summary>
    /// PEM certificate (or public key) the Salesforce emulator checks JWT bearer assertions against, as a connected
    /// app holds one. When null, the emulator makes a key pair per process and offers its private key to tests.
    /// </summary>
    public string? SalesforceJwtCertificatePath { get; init; }
}

/// <summary>
/// The sandbox's fixed credentials. They are sandbox credentials, not secrets of any real system, which is why the
/// sandbox prints them for tests and tools to use.
/// </summary>
public static class SandboxCredentials
{
    public const string SalesforceClientId = "3MVG9sandbox.abmsync.integration";
    public const string SalesforceClientSecret = "sandbox-integration-secret";
    public const string SalesforceHumanClientId = "3MVG9sandbox.abmsync.salesrep";
    public const string SalesforceHumanClientSecret = "sandbox-salesrep-secret";
    public const string HubSpotAccessToken = "sandbox-hubspot-integration-token";
    public const string HubSpotHumanToken = "sandbox-hubspot-salesrep-token";
}

using AbmSync.Connectors.HubSpot;
using AbmSync.Connectors.Salesforce;
using AbmSync.Integration.Tests.Sync;
using AbmSync.Worker;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace AbmSync.Integration.Tests.Worker;

public class SettingsTests
{
    static readonly string SamplePath = Path.Combine(SyncHarness.RepositoryRoot(), "appsettings.sample.json");

    /// <summary>
    /// The sample can't drift: every key names a settable property that the worker's own binding fills with the
    /// sample's value, no key is unknown to its options class, and every validator accepts the result.
    /// </summary>
    [Fact]
    public void AppSettingsSample_BindsEveryKey_AndValidates_OnceSecretsComeFromTheEnvironment()
    {
        var key = Path.GetTempFileName();
        try
        {
            var configuration = Sample(File.ReadAllText(SamplePath), key);
            var bound = BindStrictly(configuration);

            var sections = configuration.GetChildren().Select(c => c.Key).Order().ToList();
            Assert.Equal(bound.Keys.Order(), sections);
            var leaves = 0;
            foreach (var (section, options) in bound)
            {
                leaves += AssertEveryKeyReaches(configuration.GetSection(section), options);
            }
            // Every leaf of the sample (and the two from the environment) was checked, none skipped.
            Assert.Equal(configuration.AsEnumerable().Count(kv => kv.Value is not null), leaves);
        }
        finally
        {
            File.Delete(key);
        }
    }

    /// <summary>The strict binding above does fail on a key its options class does not have, in every section.</summary>
    [Theory]
    [InlineData("QueryBatchSize")]
    [InlineData("RequestsPer10Seconds")]
    [InlineData("ConnectionString")]
    [InlineData("Directory")]
    [InlineData("RetryableResubmissions")]
    [InlineData("DashboardUrl")]
    public void AppSettingsSample_WithAMisspelledKey_FailsToBind(string name)
    {
        var key = Path.GetTempFileName();
        try
        {
            var text = File.ReadAllText(SamplePath);
            var quoted = $"\"{name}\"";
            Assert.Equal(1, text.Split(quoted).Length - 1);
            var configuration = Sample(text.Replace(quoted, $"\"{name}s\"", StringComparison.Ordinal), key);

            var error = Assert.Throws<InvalidOperationException>(() => BindStrictly(configuration));

            Assert.Contains($"'{name}s'", error.Message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(key);
        }
    }

    static IConfigurationRoot Sample(string json, string privateKeyPath) =>
        new ConfigurationBuilder()
            .AddJsonStream(new MemoryStream(System.Text.Encoding.UTF8.GetBytes(json)))
            .AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Salesforce:PrivateKeyPath"] = privateKeyPath,
                ["HubSpot:AccessToken"] = "pat-from-the-environment",
            })
            .Build();

    /// <summary>
    /// Each section bound with unknown keys as errors, then the worker's own options (its section names, its
    /// validators), which are returned: the values the worker would run with.
    /// </summary>
    static Dictionary<string, object> BindStrictly(IConfiguration configuration)
    {
        var services = new ServiceCollection();
        services.AddSingleton(configuration);
        services.AddLogging();
        services.AddAbmSync();
        using var provider = services.BuildServiceProvider();
        var bound = new Dictionary<string, object>(StringComparer.Ordinal);

        void Check<T>(string section) where T : class
        {
            configuration.GetSection(section).Get<T>(o => o.ErrorOnUnknownConfiguration = true);
            bound[section] = provider.GetRequiredService<IOptions<T>>().Value;
        }

        Check<SalesforceOptions>(SalesforceOptions.DefaultSection);
        Check<HubSpotOptions>(HubSpotOptions.SectionName);
        Check<StorageOptions>(StorageOptions.Section);
        Check<MappingsOptions>(MappingsOptions.Section);
        Check<SyncOptions>(SyncOptions.Section);
        Check<WorkerOptions>(WorkerOptions.Section);
        return bound;
    }

    /// <summary>Each leaf key names a settable property path whose bound value is the configured one; returns how many.</summary>
    static int AssertEveryKeyReaches(IConfigurationSection section, object options)
    {
        var count = 0;
        foreach (var (path, text) in section.AsEnumerable(makePathsRelative: true).Where(kv => kv.Value is not null))
        {
            object? value = options;
            var type = options.GetType();
            foreach (var part in path.Split(':'))
            {
                // A dictionary (Worker:Jobs) is walked by key, an array (Worker:AllowedHosts) by index.
                if (value is System.Collections.IDictionary dictionary)
                {
                    Assert.True(dictionary.Contains(part), $"{section.Key}:{path}: no entry {part}");
                    value = dictionary[part];
                    type = value!.GetType();
                    continue;
                }
                if (value is System.Collections.IList list && int.TryParse(part, System.Globalization.CultureInfo.InvariantCulture, out var index))
                {
                    value = list[index];
                    type = type.GetElementType() ?? value!.GetType();
                    continue;
                }
                var property = type.GetProperty(part, System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.Instance | System.Reflection.BindingFlags.IgnoreCase);
                Assert.True(property is { CanWrite: true }, $"{section.Key}:{path} names no settable property of {type.Name}");
                value = property.GetValue(value);
                type = property.PropertyType;
            }
            var expected = System.ComponentModel.TypeDescriptor.GetConverter(Nullable.GetUnderlyingType(type) ?? type).ConvertFromInvariantString(text!);
            Assert.True(Equals(expected, value), $"{section.Key}:{path} is \"{text}\" in the sample but the worker has {value}");
            count++;
        }
        return count;
    }

    [Fact]
    public void SecretsNeverAppearInOptionsText()
    {
        var salesforce = new SalesforceOptions { ClientId = "id", ClientSecret = "s3cr3t-value", RefreshToken = "r3fresh-value" };
        var hubSpot = new HubSpotOptions { AccessToken = "pat-na1-very-secret" };
        var storage = new StorageOptions { ConnectionString = "Host=db;Password=hunter2" };

        Assert.DoesNotContain("s3cr3t", salesforce.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("r3fresh", salesforce.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("very-secret", hubSpot.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2", storage.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void DashboardBeyondLoopback_IsRefusedAtStart()
    {
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Worker:DashboardUrl"] = "http://0.0.0.0:5080",
        }).Build());
        services.AddLogging();
        services.AddAbmSync();
        using var provider = services.BuildServiceProvider();

        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<WorkerOptions>>().Value);
        Assert.Contains("loopback IP address", error.Message, StringComparison.Ordinal);
    }

    static WorkerOptions Worker(Dictionary<string, string?> settings)
    {
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(settings).Build());
        services.AddLogging();
        services.AddAbmSync();
        using var provider = services.BuildServiceProvider();
        return provider.GetRequiredService<IOptions<WorkerOptions>>().Value;
    }

    [Fact]
    public void Jobs_ConfigurationMergesWithTheDefaults_AnEmptyCronSwitchesOneOff_AndANewJobJoins()
    {
        var worker = Worker(new()
        {
            ["Worker:Jobs:sync_all:Cron"] = "",
            ["Worker:Jobs:reconcile:TimeZone"] = "America/New_York",
            ["Worker:Jobs:contacts_big:Object"] = "contacts",
            ["Worker:Jobs:contacts_big:Cron"] = "*/15 * * * *",
            ["Worker:Jobs:contacts_big:Partitions"] = "4",
            ["Worker:Jobs:reconcile_accounts:Kind"] = "reconcile",
            ["Worker:Jobs:reconcile_accounts:Object"] = "accounts",
            ["Worker:Jobs:reconcile_accounts:Cron"] = "0 4 * * 0",
            ["Worker:Jobs:reconcile_accounts:Partitions"] = "8",
            ["Worker:JobInvisibilityTimeout"] = "00:10:00",
        });

        Assert.Equal(TimeSpan.FromMinutes(10), worker.JobInvisibilityTimeout);
        Assert.Equal((JobKinds.Reconcile, 8), (worker.Jobs["reconcile_accounts"].Kind, worker.Jobs["reconcile_accounts"].Partitions));
        Assert.Equal(["contacts_big", "reconcile", "reconcile_accounts", "retry_dead_letters", "sync_all", "weekly_report"], worker.Jobs.Keys.Order(StringComparer.Ordinal).ToArray());
        Assert.Equal("", worker.Jobs["sync_all"].Cron);
        Assert.Equal("0 3 * * *", worker.Jobs["reconcile"].Cron);
        Assert.Equal("America/New_York", worker.Jobs["reconcile"].TimeZone);
        Assert.Equal(JobKinds.Reconcile, worker.Jobs["reconcile"].Kind);
        Assert.Equal((JobKinds.Sync, "contacts", 4), (worker.Jobs["contacts_big"].Kind, worker.Jobs["contacts_big"].Object, worker.Jobs["contacts_big"].Partitions));
    }

    [Theory]
    [InlineData("Worker:Jobs:x:Kind", "resync", "Worker:Jobs:x:Kind must be one of sync, reconcile, retry-dead-letters")]
    [InlineData("Worker:Jobs:x:Object", "accountz", "Worker:Jobs:x:Object must be one of")]
    [InlineData("Worker:Jobs:x:Cron", "every day", "Worker:Jobs:x:Cron must be a cron expression of five fields")]
    [InlineData("Worker:Jobs:x:TimeZone", "Mars/Olympus", "Worker:Jobs:x:TimeZone must be a time zone id")]
    [InlineData("Worker:Jobs:x:Partitions", "4", "Worker:Jobs:x:Partitions splits a sync or reconcile of one pair")]
    [InlineData("Worker:JobInvisibilityTimeout", "00:00:10", "Worker:JobInvisibilityTimeout must be 30 seconds to 24 hours")]
    [InlineData("Worker:JobInvisibilityTimeout", "00:01:00", "must be longer than Sync:LeaseDuration (00:02:00)")]
    [InlineData("Worker:Jobs:bad-id:Cron", "0 1 * * *", "a job id is letters, digits and underscores")]
    [InlineData("Worker:SyncAccountsCron", "*/5 * * * *", "Worker:SyncAccountsCron is no longer read: set Worker:Jobs:<id>:Cron")]
    [InlineData("Reconcile:Cron", "0 3 * * *", "The Reconcile section is no longer read")]
    [InlineData("Worker:Users:ann:PasswordHash", "hunter2", "Worker:Users:ann:PasswordHash is not a PasswordHasher hash")]
    [InlineData("Worker:Users:ann:Role", "admin", "Worker:Users:ann:Role must be 'operator' or 'viewer'")]
    [InlineData("Worker:DashboardUrl", "http://10.0.0.5:5080", "would send passwords in clear text")]
    public void Worker_BadJobsUsersAndOldKeys_AreRefusedAtStart_NamingTheKey(string key, string value, string expected)
    {
        var settings = new Dictionary<string, string?> { [key] = value };
        if (key.StartsWith("Worker:Users:ann", StringComparison.Ordinal))
        {
            settings.TryAdd("Worker:Users:ann:Role", "viewer");
            settings.TryAdd("Worker:Users:ann:PasswordHash", AbmSync.Worker.Dashboard.DashboardUsers.Hash("ann", "pw"));
        }

        var error = Assert.Throws<OptionsValidationException>(() => Worker(settings));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        // A value pasted where a hash belongs may be the password itself: never quoted back.
        Assert.DoesNotContain("hunter2", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("https://abmsync.example.com", null)]
    [InlineData("http://10.0.0.5:5080", "true")]
    public void Dashboard_BeyondLoopback_IsAllowedOverTlsOrBehindAProxy(string url, string? behindProxy)
    {
        var worker = Worker(new() { ["Worker:DashboardUrl"] = url, ["Worker:BehindReverseProxy"] = behindProxy });

        Assert.Equal(new Uri(url), worker.DashboardUrl);
    }

    [Fact]
    public void DashboardUsers_VerifyThePasswordOfTheirHash_AndNothingElse()
    {
        var options = Options.Create(new WorkerOptions
        {
            Users = { ["ann"] = new() { Role = "viewer", PasswordHash = AbmSync.Worker.Dashboard.DashboardUsers.Hash("ann", "correct horse") } },
        });
        var users = new AbmSync.Worker.Dashboard.DashboardUsers(options, TimeProvider.System);

        Assert.Equal(("ann", "viewer"), users.Verify("ann", "correct horse"));
        Assert.Equal(("ann", "viewer"), users.Verify("ann", "correct horse"));
        Assert.Null(users.Verify("ann", "correct horse "));
        Assert.Null(users.Verify("bob", "correct horse"));
        Assert.True(AbmSync.Worker.Dashboard.DashboardUsers.IsPasswordHash(options.Value.Users["ann"].PasswordHash));
        Assert.False(AbmSync.Worker.Dashboard.DashboardUsers.IsPasswordHash("correct horse"));
    }
}

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
    /// <summary>The sample can't drift: every key binds to an options property and every validator accepts it.</summary>
    [Fact]
    public void AppSettingsSample_BindsEveryKey_AndValidates_OnceSecretsComeFromTheEnvironment()
    {
        var key = Path.GetTempFileName();
        try
        {
            var configuration = new ConfigurationBuilder()
                .AddJsonFile(Path.Combine(SyncHarness.RepositoryRoot(), "appsettings.sample.json"))
                .AddInMemoryCollection(new Dictionary<string, string?>
                {
                    ["Salesforce:PrivateKeyPath"] = key,
                    ["HubSpot:AccessToken"] = "pat-from-the-environment",
                })
                .Build();
            var services = new ServiceCollection();
            services.AddSingleton<IConfiguration>(configuration);
            services.AddLogging();
            services.AddAbmSync();
            using var provider = services.BuildServiceProvider();

            void Check<T>(string section) where T : class
            {
                configuration.GetSection(section).Get<T>(o => o.ErrorOnUnknownConfiguration = true);
                Assert.NotNull(provider.GetRequiredService<IOptions<T>>().Value);
            }

            Check<SalesforceOptions>("Salesforce");
            Check<HubSpotOptions>("HubSpot");
            Check<StorageOptions>("Storage");
            Check<MappingsOptions>("Mappings");
            Check<SyncOptions>("Sync");
            Check<WorkerOptions>("Worker");
            var sections = configuration.GetChildren().Select(c => c.Key).Order().ToList();
            Assert.Equal(["HubSpot", "Mappings", "Salesforce", "Storage", "Sync", "Worker"], sections);
        }
        finally
        {
            File.Delete(key);
        }
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
        Assert.Contains("loopback", error.Message, StringComparison.Ordinal);
    }
}

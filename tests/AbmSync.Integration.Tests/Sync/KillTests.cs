using System.Text.Json.Nodes;
using AbmSync.Bench.Kill;
using AbmSync.Sandbox;
using Xunit.Abstractions;

namespace AbmSync.Integration.Tests.Sync;

/// <summary>
/// The bench's kill scenario at CI size, through the same <see cref="KillHarness"/> (the test project references the
/// bench project): SIGKILL the real <c>abmsync sync --object all</c> at seeded moments, resume each time, and the end
/// state must be the world an uninterrupted run makes on a same-seed twin sandbox.
/// </summary>
public class KillTests(ITestOutputHelper output)
{
    [Fact]
    public async Task KilledFourTimes_TwiceBetweenWriteAndCheckpoint_OneResumedRunOnBulk_EndsAsTheUninterruptedTwin()
    {
        var options = new SandboxOptions { Accounts = 400, Seed = 11 };
        await using var referenceSandbox = await SandboxHost.StartAsync(options);
        await using var killedSandbox = await SandboxHost.StartAsync(options);
        using var reference = new KillWorld("reference", referenceSandbox.SalesforceUrl, referenceSandbox.HubSpotUrl, referenceSandbox.WorkerEnvironment);
        using var killed = new KillWorld("killed", killedSandbox.SalesforceUrl, killedSandbox.HubSpotUrl, killedSandbox.WorkerEnvironment);
        using var log = new StringWriter();
        KillReport report;
        try
        {
            report = await KillHarness.RunAsync(reference, killed, new KillSettings
            {
                Kills = 4,
                HeldKills = 2,
                Seed = 11,
                // 400 accounts read fewer records than the bench's 500: a lower threshold, so that the bulk run is one.
                BulkThreshold = 100,
                RunTimeout = TimeSpan.FromSeconds(90),
                MappingsDirectory = Path.Combine(SyncHarness.RepositoryRoot(), "mappings"),
            }, log, CancellationToken.None);
        }
        finally
        {
            output.WriteLine(log.ToString());
        }

        // The verdict: the same world. Every finding is in the message, with the records' keys and both values.
        Assert.True(report.Failures.Count == 0, string.Join(Environment.NewLine, report.Failures) + Environment.NewLine + log);
        Assert.Equal(0, report.Comparison.Lost);
        Assert.Equal(0, report.Comparison.Duplicated);
        Assert.Equal(0, report.Comparison.Wrong);
        // And the kills were what the test claims: four landed, two of them while a write's answer was withheld.
        Assert.True(report.CoverageGaps.Count == 0, string.Join(Environment.NewLine, report.CoverageGaps) + Environment.NewLine + log);
        Assert.Equal(4, report.KillsLanded);
        Assert.Equal(2, report.HeldLanded);
        // The seeded bulk run really went through Bulk API 2.0 (job calls counted by the sandbox), not only had the setting.
        var bulkCalls = report.Kills.Where(k => k.Bulk).Sum(k => k.Calls.Salesforce.Bulk) + (report.Plan.BulkRun == report.Kills.Count ? report.Final.Calls.Salesforce.Bulk : 0);
        Assert.True(bulkCalls > 0, "the bulk run made no Bulk API 2.0 call" + Environment.NewLine + log);
    }

    /// <summary>
    /// The comparison is what makes the kill test mean anything: records the sync created compare by what they are the
    /// twin of whatever ids they got, and a lost, a duplicated and a wrong record are each counted.
    /// </summary>
    [Fact]
    public void Comparison_KeysCreatedRecordsByTheirTwin_AndCountsLostDuplicatedWrong()
    {
        var seeded = SeededIds.From(World(createdCompany: null, createdLead: null));
        var reference = WorldCanon.Canonicalise(World("5000000002", "00Q000000000002AAA"), seeded);
        // Created in another order: other ids, other times, the same world.
        var twin = WorldCanon.Canonicalise(World("5000000007", "00Q000000000009AAA", modified: "2026-12-02T10:00:00.000Z"), seeded);
        Assert.True(WorldComparison.Compare(reference, twin).Equal);

        var broken = World("5000000007", "00Q000000000009AAA", modified: "2026-12-02T10:00:00.000Z");
        ((JsonArray)broken.HubSpot["companies"]!).Add(Company("5000000008", "2026-12-02T10:00:01.000Z"));
        ((JsonArray)broken.Salesforce["Contact"]!).RemoveAt(0);
        broken.Salesforce["Account"]![0]!["Name"] = "Acme Inc";
        var comparison = WorldComparison.Compare(reference, WorldCanon.Canonicalise(broken, seeded));
        Assert.Equal(1, comparison.Lost);
        Assert.Equal(1, comparison.Duplicated);
        Assert.Equal(1, comparison.Wrong);
        Assert.Contains(comparison.DuplicatedKeys, k => k.Contains("companies/new(abm_salesforce_id=001000000000001AAA)", StringComparison.Ordinal));
        Assert.Contains(comparison.LostKeys, k => k.Contains("003000000000001AAA", StringComparison.Ordinal));
        Assert.Contains(comparison.Differences, d => d.Field == "Name" && d.Reference == "Acme" && d.Killed == "Acme Inc");
    }

    static JsonObject Company(string id, string modified) => new()
    {
        ["id"] = id,
        ["properties"] = new JsonObject { ["abm_salesforce_id"] = "001000000000001AAA", ["name"] = "Acme", ["hs_lastmodifieddate"] = modified, ["hs_object_id"] = id },
        ["createdAt"] = modified,
        ["updatedAt"] = modified,
        ["archived"] = false,
    };

    /// <summary>A seeded account, contact and HubSpot MQL; after a sync, the account's new company and the MQL's new lead.</summary>
    static WorldExport World(string? createdCompany, string? createdLead, string modified = "2026-12-01T10:00:00.000Z")
    {
        var salesforce = new JsonObject
        {
            ["Account"] = new JsonArray(new JsonObject
            {
                ["Id"] = "001000000000001AAA", ["Name"] = "Acme", ["ABM_HubSpot_Id__c"] = createdCompany, ["SystemModstamp"] = modified, ["LastModifiedDate"] = modified,
            }),
            ["Contact"] = new JsonArray(new JsonObject
            {
                ["Id"] = "003000000000001AAA", ["AccountId"] = "001000000000001AAA", ["Email"] = "ann@acme.example", ["SystemModstamp"] = modified,
            }),
            ["Lead"] = new JsonArray(),
        };
        var hubSpot = new JsonObject
        {
            ["companies"] = new JsonArray(),
            ["contacts"] = new JsonArray(new JsonObject
            {
                ["id"] = "1000001",
                ["properties"] = new JsonObject { ["email"] = "mql@elsewhere.example", ["abm_salesforce_lead_id"] = createdLead, ["lastmodifieddate"] = modified },
            }),
            ["associations"] = new JsonArray(),
        };
        if (createdCompany is not null)
        {
            ((JsonArray)hubSpot["companies"]!).Add(Company(createdCompany, modified));
            ((JsonArray)hubSpot["associations"]!).Add(new JsonObject
            {
                ["from"] = "companies", ["fromId"] = createdCompany, ["to"] = "contacts", ["toId"] = "1000001", ["category"] = "HUBSPOT_DEFINED", ["typeId"] = 280,
            });
        }
        if (createdLead is not null)
        {
            ((JsonArray)salesforce["Lead"]!).Add(new JsonObject
            {
                ["Id"] = createdLead, ["Email"] = "mql@elsewhere.example", ["ABM_HubSpot_Id__c"] = "1000001", ["CreatedDate"] = modified,
            });
        }
        return new WorldExport(salesforce, hubSpot);
    }
}

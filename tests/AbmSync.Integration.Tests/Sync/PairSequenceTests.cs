using AbmSync.Worker.State;
using AbmSync.Worker.Sync;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace AbmSync.Integration.Tests.Sync;

/// <summary>
/// Pairs synced together: what waits for what follows from the pairs themselves (objects, link fields, link sets,
/// siblings, fields read through a relationship that an earlier pair writes), and a run whose prerequisite failed
/// commits nothing.
/// </summary>
public class PairSequenceTests
{
    static (Func<string, ObjectPair> Pair, PairSequence Sequence) Shipped(string? mappings = null)
    {
        var configuration = new SyncConfiguration(Options.Create(new AbmSync.Worker.MappingsOptions { Directory = mappings ?? Path.Combine(SyncHarness.RepositoryRoot(), "mappings") }));
        var sequence = new PairSequence(null!, null!, configuration, Options.Create(new AbmSync.Worker.SyncOptions()));
        return (name => ObjectPairs.For(name, configuration), sequence);
    }

    [Fact]
    public void ShippedPairs_ReadAhead_WhereNoEarlierPairWritesWhatTheyRead()
    {
        var (pair, _) = Shipped();
        // A contact reads Account.Type, which the accounts pair never writes; HubSpot contacts are not companies.
        Assert.False(PairSequence.ReadsWaitFor(pair(ObjectPairs.Contacts), pair(ObjectPairs.Accounts)));
        Assert.False(PairSequence.ReadsWaitFor(pair(ObjectPairs.Opportunities), pair(ObjectPairs.Accounts)));
        Assert.False(PairSequence.ReadsWaitFor(pair(ObjectPairs.Opportunities), pair(ObjectPairs.Contacts)));
        Assert.False(PairSequence.ReadsWaitFor(pair(ObjectPairs.Opportunities), pair(ObjectPairs.Leads)));
        // Leads and contacts are both HubSpot contacts: the lead pair reads what the contacts pair wrote.
        Assert.True(PairSequence.ReadsWaitFor(pair(ObjectPairs.Leads), pair(ObjectPairs.Contacts)));
    }

    [Fact]
    public void ShippedPairs_PlanAfterThePairsTheyName_AndLeadsWithOpportunities()
    {
        var (pair, sequence) = Shipped();
        Assert.True(sequence.PagesWaitFor(pair(ObjectPairs.Contacts), pair(ObjectPairs.Accounts)));
        Assert.True(sequence.PagesWaitFor(pair(ObjectPairs.Leads), pair(ObjectPairs.Contacts)));
        // Through its sibling: a lead is created only where the contact's company is not linked to an account.
        Assert.True(sequence.PagesWaitFor(pair(ObjectPairs.Leads), pair(ObjectPairs.Accounts)));
        Assert.True(sequence.PagesWaitFor(pair(ObjectPairs.Opportunities), pair(ObjectPairs.Accounts)));
        // The contact roles are linked through the contacts pair.
        Assert.True(sequence.PagesWaitFor(pair(ObjectPairs.Opportunities), pair(ObjectPairs.Contacts)));
        Assert.False(sequence.PagesWaitFor(pair(ObjectPairs.Opportunities), pair(ObjectPairs.Leads)));
    }

    [Fact]
    public void TwoPairsUnderOneParent_NeverPlanTogether_ForTheParentsRowLock()
    {
        var (pair, sequence) = Shipped();
        // Without its contact roles, an opportunity still locks its account's row as a contact does.
        var withoutRoles = pair(ObjectPairs.Opportunities) with { LinkSet = null };
        Assert.True(sequence.PagesWaitFor(withoutRoles, pair(ObjectPairs.Contacts)));
        var unparented = withoutRoles with { Mapping = withoutRoles.Mapping with { Fields = [.. withoutRoles.Mapping.Fields.Where(f => f.LinkPair is null)] } };
        Assert.False(sequence.PagesWaitFor(unparented, pair(ObjectPairs.Contacts)));
    }

    [Fact]
    public void AFieldReadThroughARelationship_ThatTheEarlierPairWrites_MakesTheReadsWait()
    {
        var directory = Directory.CreateTempSubdirectory("abmsync-sequence-");
        try
        {
            foreach (var file in Directory.GetFiles(Path.Combine(SyncHarness.RepositoryRoot(), "mappings"), "*.yaml"))
            {
                File.Copy(file, Path.Combine(directory.FullName, Path.GetFileName(file)));
            }
            // The accounts pair writes Name (two-way) and the tier: a filter on either is stale until the accounts finish.
            var contacts = Path.Combine(directory.FullName, "contacts.yaml");
            File.WriteAllText(contacts, File.ReadAllText(contacts).Replace(
                "    - { field: Account.Type, notIn: [Partner, Competitor] }",
                "    - { field: Account.Type, notIn: [Partner, Competitor] }\n    - { field: Account.ABM_Tier__c, notIn: [Tier 3] }", StringComparison.Ordinal));
            var (pair, sequence) = Shipped(directory.FullName);

            Assert.Contains("Account.ABM_Tier__c", pair(ObjectPairs.Contacts).SalesforceFields);
            Assert.True(PairSequence.ReadsWaitFor(pair(ObjectPairs.Contacts), pair(ObjectPairs.Accounts)));
            Assert.True(sequence.PagesWaitFor(pair(ObjectPairs.Contacts), pair(ObjectPairs.Accounts)));
            Assert.False(PairSequence.ReadsWaitFor(pair(ObjectPairs.Opportunities), pair(ObjectPairs.Accounts)));
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task ARunWhosePrerequisiteFailed_Stops_AndCommitsNothing()
    {
        await using var harness = await SyncHarness.StartAsync(accounts: 60, seed: 81);
        Assert.Equal("succeeded", (await harness.SyncAsync(new SyncRequest(Object: ObjectPairs.Accounts))).Status);
        await harness.ResetStatsAsync();
        var runner = harness.Host.Services.GetRequiredService<SyncRunner>();
        var configuration = harness.Host.Services.GetRequiredService<SyncConfiguration>();
        var failed = Task.FromException(new PrerequisiteFailedException(ObjectPairs.Accounts, new InvalidOperationException("the org refused")));

        var summary = await runner.RunAsync(ObjectPairs.For(ObjectPairs.Contacts, configuration), new SyncRequest(Object: ObjectPairs.Contacts),
            new RunGates(Task.CompletedTask, failed), CancellationToken.None);

        Assert.Equal("stopped", summary.Status);
        Assert.Contains("the accounts run it depends on failed (the org refused)", summary.Message, StringComparison.Ordinal);
        // It read (a first run reads ahead), but wrote and committed nothing: the next run starts from scratch.
        Assert.True(summary.RecordsRead > 0);
        Assert.Empty(await harness.Store.AllLinksAsync(ObjectPairs.Contacts));
        Assert.Null(await harness.Store.GetCursorAsync(ObjectPairs.Contacts, Side.Salesforce));
        Assert.Null(await harness.Store.GetCursorAsync(ObjectPairs.Contacts, Side.HubSpot));
        var (_, _, writes) = await harness.StatsAsync(harness.Sandbox.HubSpotUrl);
        Assert.Equal(0, writes);
        var (_, _, salesforceWrites) = await harness.StatsAsync(harness.Sandbox.SalesforceUrl);
        Assert.Equal(0, salesforceWrites);

        // With its prerequisite done, the same run goes through.
        Assert.Equal("succeeded", (await harness.SyncAsync(new SyncRequest(Object: ObjectPairs.Contacts))).Status);
        Assert.NotEmpty(await harness.Store.AllLinksAsync(ObjectPairs.Contacts));
    }
}

using AbmSync.Core.Mapping;

namespace AbmSync.Integration.Tests.Sync;

public class LiveSchemaCheckTests
{
    public static TheoryData<string, string, string> BadMappings => new()
    {
        { "{ salesforce: NumberOfEmployees, hubspot: numberofemployees, direction: to-hubspot }", "{ salesforce: NumberOfEmploees, hubspot: numberofemployees, direction: to-hubspot }", "has no field 'NumberOfEmploees'" },
        { "{ salesforce: BillingCity, hubspot: city, direction: to-hubspot }", "{ salesforce: BillingCity, hubspot: cityy, direction: to-hubspot }", "has no property 'cityy'" },
        { "{ salesforce: NumberOfEmployees, hubspot: numberofemployees, direction: to-hubspot }", "{ salesforce: BillingCity, hubspot: numberofemployees, direction: to-hubspot }", "(string) cannot be written to HubSpot numberofemployees (number)" },
        { "{ salesforce: BillingCity, hubspot: city, direction: to-hubspot }", "{ salesforce: BillingCity, hubspot: num_associated_contacts, direction: to-hubspot }", "'num_associated_contacts' is read-only" },
        { "{ salesforce: BillingCity, hubspot: city, direction: to-hubspot }", "{ salesforce: SystemModstamp, hubspot: city, direction: to-salesforce }", "'SystemModstamp' is not updateable" },
        { "Technology: COMPUTER_SOFTWARE", "Technolgy: COMPUTER_SOFTWARE", "value map names 'Technolgy'" },
        { "Technology: COMPUTER_SOFTWARE", "Technology: SOFTWARE_THAT_IS_NOT_AN_OPTION", "writes 'SOFTWARE_THAT_IS_NOT_AN_OPTION', which is not an option" },
        { "      Other: \"\"", "", "no entry for the Salesforce picklist value(s) 'Other'" },
    };

    /// <summary>A mapping that the live schemas can't honour stops the run before anything is read or written, pointing at the line.</summary>
    [Theory]
    [MemberData(nameof(BadMappings))]
    public async Task Sync_MappingAgainstLiveSchema_StopsWithFileLineReason(string original, string replacement, string reason)
    {
        var directory = Directory.CreateTempSubdirectory("abmsync-schema-");
        try
        {
            var source = Path.Combine(SyncHarness.RepositoryRoot(), "mappings");
            File.Copy(Path.Combine(source, "rules.yaml"), Path.Combine(directory.FullName, "rules.yaml"));
            File.Copy(Path.Combine(source, "contacts.yaml"), Path.Combine(directory.FullName, "contacts.yaml"));
            File.Copy(Path.Combine(source, "leads.yaml"), Path.Combine(directory.FullName, "leads.yaml"));
            File.Copy(Path.Combine(source, "opportunities.yaml"), Path.Combine(directory.FullName, "opportunities.yaml"));
            var lines = File.ReadAllLines(Path.Combine(source, "accounts.yaml")).ToList();
            var index = lines.FindIndex(l => l.Contains(original, StringComparison.Ordinal));
            Assert.True(index >= 0, $"the shipped mapping no longer contains {original}");
            lines[index] = lines[index].Replace(original, replacement, StringComparison.Ordinal);
            File.WriteAllLines(Path.Combine(directory.FullName, "accounts.yaml"), lines);
            // Problems with a field's value map point at the field's first line.
            var line = original.Contains("- {", StringComparison.Ordinal) || original.StartsWith('{')
                ? index + 1
                : lines.FindLastIndex(index - 1, l => l.Contains("- salesforce:", StringComparison.Ordinal)) + 1;
            await using var harness = await SyncHarness.StartAsync(accounts: 20, settings: new Dictionary<string, string?> { ["Mappings:Directory"] = directory.FullName });
            await harness.ResetStatsAsync();

            var error = await Assert.ThrowsAsync<ConfigurationFileException>(() => harness.SyncAsync());

            Assert.Contains(error.Problems, p => p.File.EndsWith("accounts.yaml", StringComparison.Ordinal) && p.Line == line && p.Reason.Contains(reason, StringComparison.Ordinal));
            Assert.Equal(0, (await harness.StatsAsync(harness.Sandbox.SalesforceUrl)).Writes);
            Assert.Equal(0, (await harness.StatsAsync(harness.Sandbox.HubSpotUrl)).Writes);
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    public static TheoryData<string, string, string> BadStageMaps => new()
    {
        { "        Closed Won: closedwon", "        Closed Won: closedwonn", "'closedwonn' is not a stage of the HubSpot pipeline 'default'" },
        { "      default:", "      defualt:", "have no pipeline 'defualt'" },
        { "        Prospecting: appointmentscheduled", "        Prospectng: appointmentscheduled", "value map names 'Prospectng'" },
        // Won and lost must agree: the org's OpportunityStage says Closed Lost is lost, HubSpot's closedwon is won.
        { "        Closed Lost: closedlost", "        Closed Lost: closedwon", "'Closed Lost' is lost in Salesforce but HubSpot stage 'closedwon' is won" },
        { "        Negotiation/Review: contractsent", "        Negotiation/Review: closedlost", "'Negotiation/Review' is open in Salesforce but HubSpot stage 'closedlost' is lost" },
    };

    /// <summary>A stage map is checked per pipeline against the org's picklist and HubSpot's pipelines, at the pipeline's line.</summary>
    [Theory]
    [MemberData(nameof(BadStageMaps))]
    public async Task SyncOpportunities_StageMapAgainstThePipelines_StopsWithFileLineReason(string original, string replacement, string reason)
    {
        var directory = Directory.CreateTempSubdirectory("abmsync-schema-");
        try
        {
            var source = Path.Combine(SyncHarness.RepositoryRoot(), "mappings");
            foreach (var file in Directory.GetFiles(source, "*.yaml"))
            {
                File.Copy(file, Path.Combine(directory.FullName, Path.GetFileName(file)));
            }
            var lines = File.ReadAllLines(Path.Combine(source, "opportunities.yaml")).ToList();
            var index = lines.FindIndex(l => l == original);
            Assert.True(index >= 0, $"the shipped mapping no longer contains {original}");
            lines[index] = replacement;
            File.WriteAllLines(Path.Combine(directory.FullName, "opportunities.yaml"), lines);
            var pipelineLine = lines.FindLastIndex(index, l => l.StartsWith("      ", StringComparison.Ordinal) && !l.StartsWith("        ", StringComparison.Ordinal) && l.TrimEnd().EndsWith(':')) + 1;
            await using var harness = await SyncHarness.StartAsync(accounts: 20, settings: new Dictionary<string, string?> { ["Mappings:Directory"] = directory.FullName });
            await harness.ResetStatsAsync();

            var error = await Assert.ThrowsAsync<ConfigurationFileException>(() => harness.SyncAsync(new AbmSync.Worker.Sync.SyncRequest(Object: AbmSync.Worker.Sync.ObjectPairs.Opportunities)));

            Assert.Contains(error.Problems, p => p.File.EndsWith("opportunities.yaml", StringComparison.Ordinal) && p.Line == pipelineLine && p.Reason.Contains(reason, StringComparison.Ordinal));
            Assert.Equal(0, (await harness.StatsAsync(harness.Sandbox.SalesforceUrl)).Writes + (await harness.StatsAsync(harness.Sandbox.HubSpotUrl)).Writes);
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }
}

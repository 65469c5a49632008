using System.Text.Json.Nodes;
using static AbmSync.Sandbox.Tests.Salesforce.Org;

namespace AbmSync.Sandbox.Tests.Salesforce;

/// <summary>OpportunityStage: the org's stages with their closed and won facts, readable by every API user, written by none.</summary>
public sealed class SalesforceOpportunityStageTests
{
    [Fact]
    public async Task Stages_AreThePicklistInOrder_WithClosedAndWon_AndReadOnly()
    {
        await using var org = await StartAsync();
        using var client = await org.LoginAsync();

        var stages = (await QueryAsync(client, "SELECT ApiName, IsClosed, IsWon, DefaultProbability FROM OpportunityStage WHERE IsActive = true ORDER BY SortOrder"))["records"]!.AsArray();

        Assert.Equal(SyntheticWorld.OpportunityStages, stages.Select(s => s!["ApiName"]!.GetValue<string>()));
        var byName = stages.ToDictionary(s => s!["ApiName"]!.GetValue<string>(), s => (Closed: s!["IsClosed"]!.GetValue<bool>(), Won: s["IsWon"]!.GetValue<bool>()));
        Assert.Equal((true, true), byName["Closed Won"]);
        Assert.Equal((true, false), byName["Closed Lost"]);
        Assert.All(byName.Where(s => !s.Key.StartsWith("Closed", StringComparison.Ordinal)), s => Assert.Equal((false, false), s.Value));
        // The Stage picklist's values and the stages agree, and no API user may add one.
        var (created, _, _) = await SendAsync(client, HttpMethod.Post, $"/services/data/{V}/sobjects/OpportunityStage", new JsonObject { ["MasterLabel"] = "Extra", ["ApiName"] = "Extra" });
        Assert.NotEqual(201, created);
    }
}

using AbmSync.Core.Sync;

namespace AbmSync.Core.Tests;

public class LinkSetPlannerTests
{
    static HashSet<string> Set(params string[] ids) => [.. ids];

    [Fact]
    public void FirstComparison_KeepsTheUnion_AndRemovesNothing()
    {
        var plan = LinkSetPlanner.Plan(Set("a", "b"), Set("b", "c"), baseline: null);

        Assert.Equal(["a", "b", "c"], plan.Result);
        Assert.Equal(["c"], plan.AddInSalesforce);
        Assert.Equal(["a"], plan.AddInHubSpot);
        Assert.Empty(plan.RemoveInSalesforce);
        Assert.Empty(plan.RemoveInHubSpot);
    }

    [Fact]
    public void AddsAndRemovesOnBothSides_AreMerged_NotDecidedByOneSide()
    {
        // Since the baseline {a, b, c}: Salesforce removed a and added d; HubSpot removed b and added e.
        var plan = LinkSetPlanner.Plan(Set("b", "c", "d"), Set("a", "c", "e"), Set("a", "b", "c"));

        Assert.Equal(["c", "d", "e"], plan.Result);
        Assert.Equal(["e"], plan.AddInSalesforce);
        Assert.Equal(["b"], plan.RemoveInSalesforce);
        Assert.Equal(["d"], plan.AddInHubSpot);
        Assert.Equal(["a"], plan.RemoveInHubSpot);
    }

    [Fact]
    public void NothingChanged_PlansNothing()
    {
        var plan = LinkSetPlanner.Plan(Set("a", "b"), Set("a", "b"), Set("a", "b"));

        Assert.True(plan.IsEmpty);
        Assert.Equal("a;b", LinkSetPlanner.Format(plan.Result));
    }

    [Fact]
    public void RemovedOnBothSides_StaysRemoved_AndTheBaselineRoundTrips()
    {
        var plan = LinkSetPlanner.Plan(Set("b"), Set("b"), LinkSetPlanner.Parse("a;b"));

        Assert.True(plan.IsEmpty);
        Assert.Equal(["b"], plan.Result);
        Assert.Empty(LinkSetPlanner.Parse(""));
        Assert.Equal(["a", "b"], LinkSetPlanner.Parse(LinkSetPlanner.Format(["b", "a"])).Order());
    }
}

using AbmSync.Connectors.HubSpot;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;

namespace AbmSync.Connectors.Tests.HubSpot;

public sealed class HubSpotPipelinesTests
{
    private const string Answer = """
        {"results":[{"id":"default","label":"Sales Pipeline","displayOrder":0,"archived":false,"createdAt":"1970-01-01T00:00:00Z","updatedAt":"2026-01-01T00:00:00Z",
          "stages":[
            {"id":"qualifiedtobuy","label":"Qualified To Buy","displayOrder":1,"archived":false,"metadata":{"isClosed":"false","probability":"0.4"}},
            {"id":"closedwon","label":"Closed Won","displayOrder":5,"archived":false,"metadata":{"isClosed":"true","probability":"1.0"}},
            {"id":"closedlost","label":"Closed Lost","displayOrder":6,"archived":false,"metadata":{"isClosed":"true","probability":"0.0"}}]}]}
        """;

    [Theory]
    [InlineData("v3", "/crm/v3/pipelines/deals")]
    [InlineData("2026-03", "/crm/pipelines/2026-03/deals")]
    public async Task GetPipelines_ReadsStagesWithTheirClosedAndWonFacts(string version, string path)
    {
        using var f = HubSpotFixture.Create(new() { ["HubSpot:ApiVersion"] = version });
        f.Server.Given(Request.Create().WithPath(path).UsingGet())
            .RespondWith(Response.Create().WithStatusCode(200).WithHeader("Content-Type", "application/json").WithBody(Answer));

        var pipeline = Assert.Single(await f.Client.GetPipelinesAsync("deals"));

        Assert.Equal(("default", "Sales Pipeline"), (pipeline.Id, pipeline.Label));
        Assert.Equal(["qualifiedtobuy", "closedwon", "closedlost"], pipeline.Stages.Select(s => s.Id));
        Assert.Equal([false, true, false], pipeline.Stages.Select(s => s.IsWon));
        Assert.Equal([false, false, true], pipeline.Stages.Select(s => s.IsLost));
        Assert.Equal(0.4m, pipeline.Stages[0].Probability);
        Assert.Equal(1, f.Counter.Snapshot().Reads);
    }
}

using Microsoft.AspNetCore.Routing;

namespace AbmSync.Sandbox.Salesforce;

public sealed partial class SalesforceOrg
{
    static long BulkBatchesUsed => 0;
    static long BulkQueryJobsUsed => 0;

    void InitBulk()
    {
    }

    static void MapBulk(RouteGroupBuilder api)
    {
        _ = api;
    }
}

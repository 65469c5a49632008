using System.Net.Http.Headers;
using System.Text;
using AbmSync.Worker.Dashboard;

namespace AbmSync.Integration.Tests.Worker;

/// <summary>Two dashboard users, an operator and a viewer, set on a worker the way RevOps would: hashes in the environment.</summary>
internal static class DashboardLogins
{
    public const string Operator = "olivia";
    // Made up per test run: no password is written down anywhere, and each run's are its own.
    public static readonly string OperatorPassword = "op-" + Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(12));
    public const string Viewer = "victor";
    public static readonly string ViewerPassword = "view-" + Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(12));

    static readonly Lazy<(string Operator, string Viewer)> Hashes = new(() =>
        (DashboardUsers.Hash(Operator, OperatorPassword), DashboardUsers.Hash(Viewer, ViewerPassword)));

    public static void AddTo(IDictionary<string, string> environment)
    {
        environment[$"ABMSYNC__Worker__Users__{Operator}__Role"] = "operator";
        environment[$"ABMSYNC__Worker__Users__{Operator}__PasswordHash"] = Hashes.Value.Operator;
        environment[$"ABMSYNC__Worker__Users__{Viewer}__Role"] = "viewer";
        environment[$"ABMSYNC__Worker__Users__{Viewer}__PasswordHash"] = Hashes.Value.Viewer;
    }

    /// <summary>A worker's environment for a dashboard test: the sandbox, the shipped mappings, both users, quiet jobs.</summary>
    public static Dictionary<string, string> QuietWorker(AbmSync.Sandbox.SandboxHost sandbox, string dashboardUrl)
    {
        var environment = new Dictionary<string, string>(sandbox.WorkerEnvironment)
        {
            ["ABMSYNC__Worker__DashboardUrl"] = dashboardUrl,
            ["ABMSYNC__Mappings__Directory"] = Path.Combine(AbmSync.Integration.Tests.Sync.SyncHarness.RepositoryRoot(), "mappings"),
        };
        QuietJobs(environment);
        AddTo(environment);
        return environment;
    }

    /// <summary>No recurring job fires during a test unless it sets one: each default job gets a cron of 1 January.</summary>
    public static void QuietJobs(IDictionary<string, string> environment)
    {
        foreach (var id in new[] { "sync_all", "reconcile", "retry_dead_letters", "weekly_report" })
        {
            environment[$"ABMSYNC__Worker__Jobs__{id}__Cron"] = "0 0 1 1 *";
        }
    }

    public static AuthenticationHeaderValue Basic(string user, string password) =>
        new("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{password}")));

    public static AuthenticationHeaderValue AsOperator => Basic(Operator, OperatorPassword);

    public static AuthenticationHeaderValue AsViewer => Basic(Viewer, ViewerPassword);
}

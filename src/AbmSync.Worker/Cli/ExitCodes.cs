namespace AbmSync.Worker.Cli;

public static class ExitCodes
{
    public const int Success = 0;
    /// <summary>A run failed: an API refused, a network failed; the run log and dead letters say what.</summary>
    public const int Failure = 1;
    /// <summary>A mapping, rules or settings file is wrong: <c>file:line: reason</c> says where.</summary>
    public const int Configuration = 2;
    /// <summary>A system lacks what AbmSync needs installed (Salesforce metadata, HubSpot scopes).</summary>
    public const int SetupRequired = 3;
}

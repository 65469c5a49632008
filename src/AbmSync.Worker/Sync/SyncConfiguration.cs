using AbmSync.Core.Mapping;
using AbmSync.Core.Rules;
using Microsoft.Extensions.Options;

namespace AbmSync.Worker.Sync;

/// <summary>
/// The mapping and rules files, loaded once at start. A bad file stops the program (exit code 2) with
/// <c>file:line: reason</c>, before anything is read or written.
/// </summary>
public sealed class SyncConfiguration
{
    public SyncConfiguration(IOptions<MappingsOptions> options)
    {
        Directory = Resolve(options.Value.Directory);
        var problems = new List<ConfigurationProblem>();
        Accounts = Load(() => MappingLoader.LoadFile(Path.Combine(Directory, "accounts.yaml")), problems)!;
        Rules = Load(() => RulesLoader.LoadFile(Path.Combine(Directory, "rules.yaml")), problems)!;
        if (problems.Count > 0)
        {
            throw new ConfigurationFileException(problems);
        }
        if (Accounts.SalesforceObject != "Account")
        {
            throw new ConfigurationFileException([new ConfigurationProblem(Accounts.Location.File, 1, 1, "accounts.yaml must pair Salesforce Account with HubSpot companies")]);
        }
        TierAssigner = new TierAssigner(Rules.Tiering);
    }

    public string Directory { get; }
    public ObjectMapping Accounts { get; }
    public RulesFile Rules { get; }
    public TierAssigner TierAssigner { get; }

    static T? Load<T>(Func<T> load, List<ConfigurationProblem> problems) where T : class
    {
        try
        {
            return load();
        }
        catch (ConfigurationFileException e)
        {
            problems.AddRange(e.Problems);
            return null;
        }
        catch (FileNotFoundException e)
        {
            problems.Add(new ConfigurationProblem(e.FileName ?? "?", 1, 1, "file not found"));
            return null;
        }
    }

    /// <summary>
    /// A relative directory is looked up from the working directory first (a checkout or an installation), then beside
    /// the executable, where the build copies the shipped files.
    /// </summary>
    static string Resolve(string directory)
    {
        if (Path.IsPathRooted(directory) || System.IO.Directory.Exists(directory))
        {
            return Path.GetFullPath(directory);
        }
        var besideBinary = Path.Combine(AppContext.BaseDirectory, directory);
        return System.IO.Directory.Exists(besideBinary) ? besideBinary : Path.GetFullPath(directory);
    }
}

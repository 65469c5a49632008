using AbmSync.Core.Engagement;
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
        if (!System.IO.Directory.Exists(Directory))
        {
            throw new ConfigurationFileException([new ConfigurationProblem(Directory, 1, 1,
                File.Exists(Directory)
                    ? "Mappings:Directory names a file; it must be the directory that holds accounts.yaml and rules.yaml"
                    : "Mappings:Directory does not exist; it must be the directory that holds accounts.yaml and rules.yaml")]);
        }
        var problems = new List<ConfigurationProblem>();
        Accounts = Load(Path.Combine(Directory, "accounts.yaml"), MappingLoader.LoadFile, problems)!;
        Rules = Load(Path.Combine(Directory, "rules.yaml"), RulesLoader.LoadFile, problems)!;
        Contacts = Load(Path.Combine(Directory, "contacts.yaml"), MappingLoader.LoadFile, problems)!;
        Leads = Load(Path.Combine(Directory, "leads.yaml"), MappingLoader.LoadFile, problems)!;
        Opportunities = Load(Path.Combine(Directory, "opportunities.yaml"), MappingLoader.LoadFile, problems)!;
        if (problems.Count > 0)
        {
            throw new ConfigurationFileException(problems);
        }
        if (Accounts.SalesforceObject != "Account")
        {
            throw new ConfigurationFileException([new ConfigurationProblem(Accounts.Location.File, 1, 1, "accounts.yaml must pair Salesforce Account with HubSpot companies")]);
        }
        if (Contacts.SalesforceObject != "Contact")
        {
            throw new ConfigurationFileException([new ConfigurationProblem(Contacts.Location.File, 1, 1, "contacts.yaml must pair Salesforce Contact with HubSpot contacts")]);
        }
        if (Opportunities.SalesforceObject != "Opportunity")
        {
            throw new ConfigurationFileException([new ConfigurationProblem(Opportunities.Location.File, 1, 1, "opportunities.yaml must pair Salesforce Opportunity with HubSpot deals")]);
        }
        if (Leads.SalesforceObject != "Lead")
        {
            throw new ConfigurationFileException([new ConfigurationProblem(Leads.Location.File, 1, 1, "leads.yaml must pair Salesforce Lead with HubSpot contacts")]);
        }
        (TierAssigner, EngagementScorer, MarketingInfluence, StageAssigner, OwnerRouter, BuyingRoleClassifier) = Derive(Rules);
        // The ledger names the rules every decision was made under: the file's bytes, so that an edit of a comment is a new hash too.
        RulesHash = HashOf(Path.Combine(Directory, "rules.yaml"));
    }

    SyncConfiguration(SyncConfiguration mappings, RulesFile rules, string rulesHash)
    {
        (Directory, Accounts, Contacts, Leads, Opportunities) = (mappings.Directory, mappings.Accounts, mappings.Contacts, mappings.Leads, mappings.Opportunities);
        Rules = rules;
        (TierAssigner, EngagementScorer, MarketingInfluence, StageAssigner, OwnerRouter, BuyingRoleClassifier) = Derive(Rules);
        RulesHash = rulesHash;
    }

    /// <summary>
    /// These mappings under another rules file (<c>rules diff --rules NEW.yaml</c>): loaded and validated as at start,
    /// a bad file failing with its <c>file:line: reason</c>.
    /// </summary>
    public SyncConfiguration WithRules(string rulesPath)
    {
        var problems = new List<ConfigurationProblem>();
        var rules = Load(rulesPath, RulesLoader.LoadFile, problems);
        if (rules is null)
        {
            throw new ConfigurationFileException(problems);
        }
        return new SyncConfiguration(this, rules, HashOf(rulesPath));
    }

    static (TierAssigner, EngagementScorer, MarketingInfluence, AccountStageAssigner, Core.Routing.OwnerRouter?, BuyingRoleClassifier) Derive(RulesFile rules) => (
        new TierAssigner(rules.Tiering),
        new EngagementScorer(rules.Engagement ?? EngagementRules.Default),
        new MarketingInfluence(rules.Influence ?? new InfluenceRules(InfluenceRules.DefaultAttributionDays)),
        new AccountStageAssigner(rules.Stages ?? new StageRules(StageRules.DefaultEngagedDays, StageRules.DefaultStalledDays, StageRules.DefaultCustomerTypes)),
        rules.Routing is { } routing ? new Core.Routing.OwnerRouter(routing) : null,
        new BuyingRoleClassifier(rules.BuyingCommittee ?? new BuyingCommitteeRules(BuyingCommitteeRules.DefaultEngagedDays, [])));

    static string HashOf(string rulesPath) => Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(rulesPath)))[..16];

    public string Directory { get; }
    public ObjectMapping Accounts { get; }
    public ObjectMapping Contacts { get; }
    public ObjectMapping Leads { get; }
    public ObjectMapping Opportunities { get; }
    public RulesFile Rules { get; }
    public TierAssigner TierAssigner { get; }
    public EngagementScorer EngagementScorer { get; }
    public BuyingRoleClassifier BuyingRoleClassifier { get; }
    public MarketingInfluence MarketingInfluence { get; }
    public AccountStageAssigner StageAssigner { get; }

    /// <summary>Routing, where rules.yaml has a <c>routing</c> section; without one, owners are the mapping's alone.</summary>
    public Core.Routing.OwnerRouter? OwnerRouter { get; }

    /// <summary>The first 16 hex digits of rules.yaml's SHA-256: which rules a ledger entry was decided under.</summary>
    public string RulesHash { get; }

    static T? Load<T>(string path, Func<string, T> load, List<ConfigurationProblem> problems) where T : class
    {
        try
        {
            return load(path);
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
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // A directory where the file should be, a file we may not read: the path is in the message, the stack is not.
            problems.Add(new ConfigurationProblem(path, 1, 1,
                System.IO.Directory.Exists(path) ? "is a directory, not a file"
                : e is UnauthorizedAccessException ? "cannot be read (permission denied)"
                : $"cannot be read: {e.Message}"));
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

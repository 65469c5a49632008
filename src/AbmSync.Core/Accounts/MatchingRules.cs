namespace AbmSync.Core.Accounts;

/// <summary>An email domain whose people belong to the parent domain's account. Both normalised.</summary>
public sealed record SubsidiaryDomain(string Domain, string Parent);

/// <summary>How leads and contacts find their account: the <c>matching</c> section of <c>rules.yaml</c>.</summary>
/// <param name="Subsidiaries">Domains that match their parent's accounts when no account has the domain itself.</param>
/// <param name="PersonalDomains">Personal mail domains beyond <see cref="DomainName.PersonalMailDomains"/>, normalised.</param>
/// <param name="ByCompanyName">Whether an email without a domain match falls through to the company name.</param>
/// <param name="TieBreak">The order <see cref="TieBreaks"/> decide between several accounts at one step.</param>
public sealed record MatchingRules(
    IReadOnlyList<SubsidiaryDomain> Subsidiaries,
    IReadOnlyList<string> PersonalDomains,
    bool ByCompanyName,
    IReadOnlyList<string> TieBreak)
{
    /// <summary>No subsidiaries, no extra personal domains, company names on, ties broken by tier, pipeline, contacts.</summary>
    public static MatchingRules Default { get; } = new([], [], true, TieBreaks.All);
}

/// <summary>What decides between several accounts at one matching step, in the order rules list them.</summary>
public static class TieBreaks
{
    /// <summary>The better tier wins: Tier 1, Tier 2, Tier 3, then none.</summary>
    public const string Tier = "tier";
    /// <summary>The larger open pipeline wins; no pipeline counts as 0.</summary>
    public const string Pipeline = "pipeline";
    /// <summary>The account with more contacts wins.</summary>
    public const string Contacts = "contacts";

    public static readonly IReadOnlyList<string> All = [Tier, Pipeline, Contacts];
}

/// <summary>An account as matching sees it.</summary>
public sealed record MatchCandidate(string AccountId, string? Website, string? Name, string? Tier, decimal? OpenPipeline, int Contacts);

/// <summary>The values of <see cref="AccountMatch.Rule"/>.</summary>
public static class MatchRules
{
    public const string Domain = "domain";
    public const string Subsidiary = "subsidiary";
    public const string CompanyName = "company-name";
    public const string Ambiguous = "ambiguous";
    public const string PersonalDomain = "personal-domain";
    public const string None = "none";
}

/// <summary>
/// The account a lead or contact belongs to, or none. <see cref="Candidates"/> are the account ids the deciding step
/// weighed (sorted, at most <see cref="AccountMatcher.MaxCandidates"/>); <see cref="Reason"/> fits a Text(255) field.
/// </summary>
public sealed record AccountMatch(string? AccountId, string Rule, IReadOnlyList<string> Candidates, string Reason)
{
    public bool Matched => AccountId is not null;
    public bool Ambiguous => Rule == MatchRules.Ambiguous;
}

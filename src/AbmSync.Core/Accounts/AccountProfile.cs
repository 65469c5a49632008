namespace AbmSync.Core.Accounts;

/// <summary>
/// The canonical account: what the ABM rules know of a company, whichever system it was read from.
/// <see cref="Domain"/> is already normalized (<see cref="DomainName.Normalize"/>).
/// </summary>
public sealed record AccountProfile
{
    public required string Id { get; init; }
    public string? Name { get; init; }
    public string? Domain { get; init; }
    public string? Industry { get; init; }
    public int? Employees { get; init; }
    public decimal? AnnualRevenue { get; init; }
    public string? Country { get; init; }
    public string? City { get; init; }
    public string? Type { get; init; }
    public string? OwnerId { get; init; }
    /// <summary>A person pinned the tier (<c>ABM_Tier_Locked__c</c>); rules never override it.</summary>
    public bool TierLocked { get; init; }
    /// <summary>The tier the account carries now, the starting point for hysteresis and the value a lock keeps.</summary>
    public string? CurrentTier { get; init; }
    /// <summary>Decayed engagement, 0–100; null when no engagement has been read yet.</summary>
    public decimal? EngagementScore { get; init; }

    /// <summary>The amounts of the account's open opportunities, summed; null when it has none.</summary>
    public decimal? OpenPipeline { get; init; }

    /// <summary>Salesforce Account fields that criteria name as <c>Account.API_Name</c>, by API name, as read.</summary>
    public IReadOnlyDictionary<string, string?> SalesforceValues { get; init; } = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);

    /// <summary>The fields not read from the account itself but derived from other records: a rescore recomputes them.</summary>
    public static readonly IReadOnlySet<string> DerivedFields = new HashSet<string>(StringComparer.Ordinal) { "pipeline" };

    /// <summary>The Salesforce API name of a criterion's <c>Account.API_Name</c> field, or null when it is not one.</summary>
    public static string? SalesforceField(string field) =>
        field.StartsWith("Account.", StringComparison.Ordinal) && field.Length > 8 && char.IsAsciiLetter(field[8])
        && field[8..].All(ch => char.IsAsciiLetterOrDigit(ch) || ch == '_')
            ? field[8..]
            : null;

    /// <summary>The value a criterion tests: a canonical field, or a Salesforce Account field by its API name.</summary>
    public object? Value(string field) =>
        Fields.TryGetValue(field, out var read) ? read(this)
        : SalesforceField(field) is { } name ? SalesforceValues.GetValueOrDefault(name)
        : null;

    /// <summary>Canonical field names that rules may test, and how to read each.</summary>
    public static readonly IReadOnlyDictionary<string, Func<AccountProfile, object?>> Fields =
        new Dictionary<string, Func<AccountProfile, object?>>(StringComparer.Ordinal)
        {
            ["name"] = a => a.Name,
            ["domain"] = a => a.Domain,
            ["industry"] = a => a.Industry,
            ["employees"] = a => a.Employees,
            ["revenue"] = a => a.AnnualRevenue,
            ["country"] = a => a.Country,
            ["city"] = a => a.City,
            ["type"] = a => a.Type,
            ["pipeline"] = a => a.OpenPipeline,
        };
}

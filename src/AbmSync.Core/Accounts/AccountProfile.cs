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
        };
}

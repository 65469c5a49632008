namespace AbmSync.Core.Accounts;

/// <summary>
/// Website and email domains reduced to the registrable domain, the key that matches a Salesforce account's website
/// to a HubSpot company's domain and a contact's email to its account.
/// </summary>
public static class DomainName
{
    // Multi-label public suffixes we meet in B2B data. A full public-suffix list would be more exact; these cover
    // the countries where a registrable domain sits one label deeper than the TLD.
    static readonly HashSet<string> TwoLabelSuffixes = new(StringComparer.Ordinal)
    {
        "co.uk", "org.uk", "ac.uk", "gov.uk", "ltd.uk", "plc.uk", "me.uk",
        "com.au", "net.au", "org.au", "edu.au", "gov.au",
        "co.nz", "org.nz", "co.jp", "ne.jp", "or.jp", "co.kr", "or.kr",
        "com.br", "net.br", "org.br", "com.mx", "com.ar", "com.co", "com.tr", "com.cn", "com.hk", "com.sg", "com.my",
        "co.in", "net.in", "org.in", "firm.in", "co.za", "org.za", "co.il", "com.pl", "co.id", "com.ph", "com.vn",
    };

    /// <summary>Mail providers whose addresses say nothing about the employer: they never match an account.</summary>
    static readonly HashSet<string> PersonalMailDomains = new(StringComparer.Ordinal)
    {
        "gmail.com", "googlemail.com", "yahoo.com", "ymail.com", "outlook.com", "hotmail.com", "live.com", "msn.com",
        "icloud.com", "me.com", "mac.com", "aol.com", "proton.me", "protonmail.com", "gmx.com", "gmx.de", "gmx.net",
        "web.de", "mail.com", "zoho.com", "yandex.com", "yandex.ru", "qq.com", "163.com", "hey.com", "fastmail.com",
    };

    /// <summary>
    /// Normalizes what people type as a website or domain: no scheme, credentials, <c>www.</c>, port, path, query or
    /// trailing dot; lower case; reduced to the registrable domain. Returns null when nothing domain-like remains.
    /// Idempotent: normalizing a normalized domain changes nothing.
    /// </summary>
    public static string? Normalize(string? websiteOrDomain)
    {
        if (string.IsNullOrWhiteSpace(websiteOrDomain))
        {
            return null;
        }
        var s = websiteOrDomain.Trim().ToLowerInvariant();
        var scheme = s.IndexOf("://", StringComparison.Ordinal);
        if (scheme >= 0)
        {
            s = s[(scheme + 3)..];
        }
        var end = s.IndexOfAny(['/', '?', '#', '\\', ' ']);
        if (end >= 0)
        {
            s = s[..end];
        }
        var at = s.LastIndexOf('@');
        if (at >= 0)
        {
            s = s[(at + 1)..];
        }
        var colon = s.IndexOf(':', StringComparison.Ordinal);
        if (colon >= 0)
        {
            s = s[..colon];
        }
        s = s.Trim('.');
        var labels = s.Split('.', StringSplitOptions.RemoveEmptyEntries);
        if (labels.Length < 2 || labels.Any(l => !l.All(c => char.IsAsciiLetterOrDigit(c) || c == '-')))
        {
            return null;
        }
        var keep = labels.Length >= 3 && TwoLabelSuffixes.Contains($"{labels[^2]}.{labels[^1]}") ? 3 : 2;
        return string.Join('.', labels[^Math.Min(keep, labels.Length)..]);
    }

    /// <summary>The registrable domain of an email address, or null for personal mail providers and malformed input.</summary>
    public static string? OfEmail(string? email)
    {
        if (string.IsNullOrWhiteSpace(email) || email.IndexOf('@', StringComparison.Ordinal) <= 0)
        {
            return null;
        }
        var domain = Normalize(email[(email.LastIndexOf('@') + 1)..]);
        return domain is null || PersonalMailDomains.Contains(domain) ? null : domain;
    }

    public static bool IsPersonalMail(string domain) => PersonalMailDomains.Contains(domain);
}

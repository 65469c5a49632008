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

    // The suffix test runs once per email in matching: a span lookup spares building "co.uk" for every address.
    static readonly HashSet<string>.AlternateLookup<ReadOnlySpan<char>> TwoLabelSuffixSpans = TwoLabelSuffixes.GetAlternateLookup<ReadOnlySpan<char>>();

    /// <summary>Mail providers whose addresses say nothing about the employer: they never match an account.</summary>
    static readonly HashSet<string> PersonalMail = new(StringComparer.Ordinal)
    {
        // Global webmail.
        "gmail.com", "googlemail.com", "yahoo.com", "ymail.com", "rocketmail.com", "outlook.com", "hotmail.com",
        "live.com", "msn.com", "passport.com", "icloud.com", "me.com", "mac.com", "aol.com", "aim.com", "proton.me",
        "protonmail.com", "protonmail.ch", "proton.ch", "pm.me", "tutanota.com", "tutanota.de", "tuta.io", "tuta.com",
        "gmx.com", "gmx.de", "gmx.net", "gmx.at", "gmx.ch", "gmx.fr", "gmx.co.uk", "mail.com", "email.com", "zoho.com",
        "zohomail.com", "yandex.com", "yandex.ru", "qq.com", "163.com", "126.com", "sina.com", "hey.com",
        "fastmail.com", "fastmail.fm", "hushmail.com", "mailbox.org", "posteo.de", "inbox.com", "duck.com",
        // Country variants of the big providers (each normalises to itself: the suffix list knows co.uk, com.au, ...).
        "hotmail.co.uk", "hotmail.fr", "hotmail.de", "hotmail.it", "hotmail.es", "hotmail.nl", "hotmail.be",
        "hotmail.ca", "hotmail.com.au", "hotmail.com.br", "hotmail.co.jp",
        "outlook.de", "outlook.fr", "outlook.es", "outlook.it", "outlook.co.uk", "outlook.com.au", "outlook.jp",
        "live.co.uk", "live.fr", "live.de", "live.it", "live.nl", "live.be", "live.ca", "live.com.au", "live.com.mx",
        "yahoo.co.uk", "yahoo.fr", "yahoo.de", "yahoo.it", "yahoo.es", "yahoo.ca", "yahoo.com.au", "yahoo.com.br",
        "yahoo.com.mx", "yahoo.com.ar", "yahoo.co.jp", "yahoo.co.in", "yahoo.com.sg", "yahoo.com.hk", "yahoo.co.nz",
        "msn.co.uk", "aol.co.uk", "aol.de", "aol.fr",
        // Internet providers' and national mailboxes.
        "btinternet.com", "sky.com", "virginmedia.com", "ntlworld.com", "talktalk.net", "blueyonder.co.uk",
        "comcast.net", "verizon.net", "att.net", "sbcglobal.net", "bellsouth.net", "cox.net", "charter.net",
        "earthlink.net", "optonline.net", "frontier.com", "windstream.net", "juno.com", "netzero.net",
        "shaw.ca", "rogers.com", "sympatico.ca", "telus.net", "bigpond.com", "bigpond.net.au", "optusnet.com.au",
        "web.de", "t-online.de", "freenet.de", "arcor.de", "orange.fr", "wanadoo.fr", "free.fr", "laposte.net",
        "sfr.fr", "neuf.fr", "libero.it", "virgilio.it", "tiscali.it", "alice.it", "bluewin.ch", "telenet.be",
        "skynet.be", "ziggo.nl", "kpnmail.nl", "planet.nl", "xs4all.nl", "seznam.cz", "wp.pl", "o2.pl", "onet.pl",
        "interia.pl", "mail.ru", "bk.ru", "list.ru", "inbox.ru", "rambler.ru", "ukr.net", "naver.com", "daum.net",
        "hanmail.net", "rediffmail.com", "uol.com.br", "bol.com.br", "terra.com.br",
    };

    static readonly HashSet<string>.AlternateLookup<ReadOnlySpan<char>> PersonalMailSpans = PersonalMail.GetAlternateLookup<ReadOnlySpan<char>>();

    /// <summary>The shipped personal mail domains, normalised; rules may add more.</summary>
    public static IReadOnlySet<string> PersonalMailDomains => PersonalMail;

    /// <summary>Domains are at most 253 characters: hosts up to this long are normalized on the stack.</summary>
    internal const int StackBuffer = 256;

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
        var host = Host(websiteOrDomain);
        var buffer = host.Length <= StackBuffer ? stackalloc char[StackBuffer] : new char[host.Length];
        var length = Registrable(host, buffer);
        if (length < 0)
        {
            return null;
        }
        // Normalizing normalized data (keys read back, rules) returns the input rather than a copy of it.
        var result = buffer[..length];
        return result.SequenceEqual(websiteOrDomain) ? websiteOrDomain : new string(result);
    }

    /// <summary>The host part of a website, domain or email domain, as typed: what <see cref="Registrable"/> reduces.</summary>
    internal static ReadOnlySpan<char> Host(ReadOnlySpan<char> input)
    {
        var s = input.Trim();
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
        var colon = s.IndexOf(':');
        if (colon >= 0)
        {
            s = s[..colon];
        }
        return s.Trim('.');
    }

    /// <summary>
    /// The registrable domain of a <see cref="Host"/>, written to <paramref name="buffer"/> (at least as long as the
    /// host): its length, or -1 when the host is not domain-like. Allocates nothing.
    /// </summary>
    internal static int Registrable(ReadOnlySpan<char> host, Span<char> buffer)
    {
        // Copy in lower case, one dot between labels (empty labels vanish), refusing anything but letters, digits and
        // hyphens; then keep the last two labels, or three under a two-label public suffix.
        var length = 0;
        var labels = 1;
        // The positions of the last three dots written: enough to find where the kept labels start.
        int dot1 = 0, dot2 = 0, dot3 = 0;
        foreach (var raw in host)
        {
            var c = char.ToLowerInvariant(raw);
            if (c == '.')
            {
                if (length > 0 && buffer[length - 1] != '.')
                {
                    (dot1, dot2, dot3) = (dot2, dot3, length);
                    buffer[length++] = '.';
                    labels++;
                }
                continue;
            }
            if (!char.IsAsciiLetterOrDigit(c) && c != '-')
            {
                return -1;
            }
            buffer[length++] = c;
        }
        if (labels < 2)
        {
            return -1;
        }
        var start = labels == 2 ? 0 : dot2 + 1;
        if (labels >= 3 && TwoLabelSuffixSpans.Contains(buffer[start..length]))
        {
            start = labels == 3 ? 0 : dot1 + 1;
        }
        if (start > 0)
        {
            buffer[start..length].CopyTo(buffer);
        }
        return length - start;
    }

    /// <summary>The registrable domain of an email address, or null for personal mail providers and malformed input.</summary>
    public static string? OfEmail(string? email) => OfEmail(email, null);

    /// <summary>
    /// The registrable domain of an email address, or null for malformed input and for personal mail: the shipped
    /// providers and <paramref name="extraPersonalDomains"/> (normalised domains, as rules list them).
    /// </summary>
    public static string? OfEmail(string? email, IReadOnlySet<string>? extraPersonalDomains)
    {
        if (string.IsNullOrWhiteSpace(email) || email.IndexOf('@', StringComparison.Ordinal) <= 0)
        {
            return null;
        }
        var host = Host(email.AsSpan(email.LastIndexOf('@') + 1));
        var buffer = host.Length <= StackBuffer ? stackalloc char[StackBuffer] : new char[host.Length];
        var length = Registrable(host, buffer);
        if (length < 0 || PersonalMailSpans.Contains(buffer[..length]))
        {
            return null;
        }
        var domain = new string(buffer[..length]);
        return extraPersonalDomains?.Contains(domain) == true ? null : domain;
    }

    public static bool IsPersonalMail(string domain) => PersonalMail.Contains(domain);

    /// <summary>A shipped personal mail domain, or one of <paramref name="extraPersonalDomains"/>.</summary>
    public static bool IsPersonalMail(string domain, IReadOnlySet<string>? extraPersonalDomains) =>
        PersonalMail.Contains(domain) || extraPersonalDomains?.Contains(domain) == true;
}

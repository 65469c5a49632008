using AbmSync.Core.Accounts;

namespace AbmSync.Core.Tests;

public class DomainNameTests
{
    [Theory]
    [InlineData("https://www.acme.com", "acme.com")]
    [InlineData("http://acme.com/", "acme.com")]
    [InlineData("www.acme.com", "acme.com")]
    [InlineData("https://acme.com/about?x=1", "acme.com")]
    [InlineData("HTTPS://WWW.ACME.COM:443/", "acme.com")]
    [InlineData("shop.eu.acme.com", "acme.com")]
    [InlineData("https://www.acme.co.uk/contact", "acme.co.uk")]
    [InlineData("acme.co.uk", "acme.co.uk")]
    [InlineData("user:pw@acme.io", "acme.io")]
    [InlineData("acme.com.", "acme.com")]
    [InlineData("localhost", null)]
    [InlineData("", null)]
    [InlineData("not a domain", null)]
    [InlineData(null, null)]
    public void Normalize_ReducesToRegistrableDomain(string? input, string? expected) =>
        Assert.Equal(expected, DomainName.Normalize(input));

    [Theory]
    [InlineData("https://www.acme.com/x")]
    [InlineData("sub.acme.co.uk")]
    [InlineData("WWW.Example.ORG:8080")]
    public void Normalize_IsIdempotent(string input)
    {
        var once = DomainName.Normalize(input);
        Assert.Equal(once, DomainName.Normalize(once));
    }

    [Theory]
    [InlineData("ana.silva@acme.com", "acme.com")]
    [InlineData("Ana.Silva@Mail.Acme.COM", "acme.com")]
    [InlineData("someone@gmail.com", null)]
    [InlineData("someone@proton.me", null)]
    [InlineData("no-at-sign", null)]
    public void OfEmail_IgnoresPersonalMail(string email, string? expected) =>
        Assert.Equal(expected, DomainName.OfEmail(email));

    [Theory]
    [InlineData("https://shop.acme.com.au/en", "acme.com.au")]
    [InlineData("acme.com.au", "acme.com.au")]
    [InlineData("co.uk", "co.uk")]
    [InlineData("www.co.uk", "www.co.uk")]
    [InlineData("a.b.acme.co.uk", "acme.co.uk")]
    [InlineData("acme..co..uk", "acme.co.uk")]
    [InlineData("  acme.com  ", "acme.com")]
    [InlineData("acme.com/path with spaces", "acme.com")]
    [InlineData("ftp://files.acme.com", "acme.com")]
    [InlineData("acme_corp.com", null)]
    [InlineData("acmé.com", null)]
    [InlineData(".", null)]
    [InlineData("https://", null)]
    public void Normalize_MorePublicSuffixesAndEdges(string input, string? expected) =>
        Assert.Equal(expected, DomainName.Normalize(input));

    [Fact]
    public void Normalize_LongHost_IsNormalized()
    {
        var host = string.Concat(Enumerable.Repeat("sub.", 100)) + "acme.co.uk";

        Assert.True(host.Length > 256);
        Assert.Equal("acme.co.uk", DomainName.Normalize($"https://{host}/"));
        Assert.Equal("acme.co.uk", DomainName.OfEmail($"ana@{host}"));
    }

    [Fact]
    public void Normalize_NormalizedDomain_ReturnsTheSameInstance()
    {
        const string domain = "acme.co.uk";

        Assert.Same(domain, DomainName.Normalize(domain));
    }

    [Theory]
    [InlineData("sales@eu.acme.co.uk", "acme.co.uk")]
    [InlineData("ops@mail.sydney.acme.com.au", "acme.com.au")]
    [InlineData("x@acme.com.br", "acme.com.br")]
    [InlineData("someone@hotmail.co.uk", null)]
    [InlineData("someone@yahoo.co.uk", null)]
    [InlineData("someone@outlook.de", null)]
    [InlineData("someone@live.co.uk", null)]
    [InlineData("someone@proton.ch", null)]
    [InlineData("someone@pm.me", null)]
    [InlineData("someone@btinternet.com", null)]
    [InlineData("someone@comcast.net", null)]
    [InlineData("someone@yahoo.com.au", null)]
    [InlineData("someone@mail.yahoo.co.jp", null)]
    [InlineData("someone@", null)]
    [InlineData("@acme.com", null)]
    [InlineData(null, null)]
    public void OfEmail_SubdomainsAndCountryVariants(string? email, string? expected) =>
        Assert.Equal(expected, DomainName.OfEmail(email));

    [Theory]
    [InlineData("ana@example-mail.com", null)]
    [InlineData("ana@eu.example-mail.com", null)]
    [InlineData("ana@gmail.com", null)]
    [InlineData("ana@acme.com", "acme.com")]
    public void OfEmail_WithExtraPersonalDomains(string email, string? expected)
    {
        var extra = new HashSet<string>(StringComparer.Ordinal) { "example-mail.com" };

        Assert.Equal(expected, DomainName.OfEmail(email, extra));
        Assert.Equal(DomainName.OfEmail(email), DomainName.OfEmail(email, null));
    }

    [Fact]
    public void IsPersonalMail_WithExtras_AddsToTheShippedList()
    {
        var extra = new HashSet<string>(StringComparer.Ordinal) { "example-mail.com" };

        Assert.True(DomainName.IsPersonalMail("gmail.com", extra));
        Assert.True(DomainName.IsPersonalMail("example-mail.com", extra));
        Assert.False(DomainName.IsPersonalMail("example-mail.com"));
        Assert.False(DomainName.IsPersonalMail("acme.com", extra));
    }

    [Fact]
    public void PersonalMailDomains_AreAllNormalized()
    {
        // An entry that normalizes to something else could never equal an email's domain, so it would protect nothing.
        var notNormalized = DomainName.PersonalMailDomains.Where(d => DomainName.Normalize(d) != d).ToList();

        Assert.Empty(notNormalized);
        Assert.Contains("gmail.com", DomainName.PersonalMailDomains);
        Assert.Contains("hotmail.co.uk", DomainName.PersonalMailDomains);
    }
}

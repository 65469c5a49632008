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
}

using System.Text.Json.Nodes;
using Xunit.Abstractions;

namespace AbmSync.Sandbox.Tests.HubSpot;

/// <summary>
/// People the engine must create in Salesforce: HubSpot contacts with no Salesforce twin whose lifecycle stage is past
/// lead (marketing qualified or later), at companies that are Salesforce accounts (they become contacts under the
/// linked account), at companies that are not, and at no company (those two become leads).
/// </summary>
public sealed class HubSpotLifecycleTests(ITestOutputHelper output)
{
    static readonly string[] PastLead = ["marketingqualifiedlead", "salesqualifiedlead", "opportunity", "customer"];

    /// <summary>
    /// By the company the HubSpot contact is associated with: one whose business is a Salesforce account, one that is
    /// only in the portal, or none; of those with none, how many still name (in the company text) a Salesforce account.
    /// </summary>
    public sealed record TwinlessQualified(int AtSalesforceAccounts, int AtPortalOnlyCompanies, int WithoutCompany, int WithoutCompanyButNamingAnAccount, int TwinlessTotal);

    /// <summary>Counts the portal's live twinless contacts past lead, by where their associated company stands.</summary>
    public static TwinlessQualified Count(SyntheticWorld world, JsonObject export)
    {
        var people = world.People.ToDictionary(p => p.Email, StringComparer.OrdinalIgnoreCase);
        var companyDomain = export["companies"]!.AsArray()
            .Where(c => !c!["archived"]!.GetValue<bool>())
            .ToDictionary(c => c!["id"]!.GetValue<string>(), c => c!["properties"]!["domain"]?.GetValue<string>());
        var businessByDomain = world.Businesses.ToDictionary(b => b.Domain, StringComparer.OrdinalIgnoreCase);
        var companyOf = export["associations"]!.AsArray()
            .Where(a => a!["from"]!.GetValue<string>() == "companies" && a["to"]!.GetValue<string>() == "contacts")
            .GroupBy(a => a!["toId"]!.GetValue<string>())
            .ToDictionary(g => g.Key, g => g.First()!["fromId"]!.GetValue<string>());
        int atAccounts = 0, atPortalOnly = 0, without = 0, naming = 0, twinless = 0;
        foreach (var contact in export["contacts"]!.AsArray().Where(c => !c!["archived"]!.GetValue<bool>()))
        {
            var properties = contact!["properties"]!;
            if (properties["email"]?.GetValue<string>() is not { } email || !people.TryGetValue(email, out var person)
                || person.SalesforceKind != SalesforcePersonKind.None)
            {
                continue;
            }
            twinless++;
            if (!PastLead.Contains(properties["lifecyclestage"]?.GetValue<string>()))
            {
                continue;
            }
            var business = companyOf.TryGetValue(contact["id"]!.GetValue<string>(), out var companyId)
                && companyDomain.TryGetValue(companyId, out var domain) && domain is not null && businessByDomain.TryGetValue(domain, out var b)
                    ? b
                    : null;
            if (business is null)
            {
                without++;
                if (person.BusinessIndex is { } index && world.Businesses[index].InSalesforce)
                {
                    naming++;
                }
            }
            else if (business.InSalesforce)
            {
                atAccounts++;
            }
            else
            {
                atPortalOnly++;
            }
        }
        return new TwinlessQualified(atAccounts, atPortalOnly, without, naming, twinless);
    }

    [Fact]
    public async Task TwinlessContactsPastLead_ExistAtAccountsAtPortalOnlyCompaniesAndWithoutCompany()
    {
        var options = new SandboxOptions { Accounts = 1000, Seed = 42, HubSpotRate = "10000/10s" };
        await using var portal = await Portal.StartAsync(options);
        var export = (await Portal.SendAsync(portal.Http, HttpMethod.Get, "/_sandbox/export")).Body!.AsObject();
        var counts = Count(SyntheticWorld.Generate(options.Seed, options.Accounts), export);
        output.WriteLine(counts.ToString());

        // Enough of each kind that a sync test meets them at any size a test uses.
        Assert.True(counts.AtSalesforceAccounts >= 50, counts.ToString());
        Assert.True(counts.AtPortalOnlyCompanies >= 50, counts.ToString());
        Assert.True(counts.WithoutCompany - counts.WithoutCompanyButNamingAnAccount >= 20, counts.ToString());
        Assert.True(counts.AtSalesforceAccounts + counts.AtPortalOnlyCompanies + counts.WithoutCompany < counts.TwinlessTotal, "some twinless contacts are still plain leads");
    }
}

using System.Text.Json.Nodes;
using static AbmSync.Sandbox.Tests.Salesforce.Org;

namespace AbmSync.Sandbox.Tests.Salesforce;

/// <summary>
/// Multi-currency is off by default (no CurrencyIsoCode anywhere); <see cref="SandboxOptions.Currencies"/> turns it on:
/// Account and Opportunity then carry CurrencyIsoCode, a restricted picklist of the active currencies whose default is
/// the corporate one, and the seeded records take their currency without changing anything else of the world.
/// </summary>
public sealed class SalesforceCurrencyTests
{
    static readonly string[] Active = ["USD", "EUR", "GBP"];

    static SandboxOptions Options(params string[] currencies) => new() { Accounts = 150, Seed = 12, Currencies = currencies };

    static async Task<JsonObject> Describe(HttpClient client, string sobject) =>
        (JsonObject)(await SendAsync(client, HttpMethod.Get, $"/services/data/{V}/sobjects/{sobject}/describe")).Body!;

    static JsonObject? Field(JsonObject describe, string name) =>
        describe["fields"]!.AsArray().Select(f => f!.AsObject()).SingleOrDefault(f => f["name"]!.GetValue<string>() == name);

    [Fact]
    public async Task Off_TheFieldDoesNotExist_AndNamingItFailsLikeAnyUnknownField()
    {
        await using var org = await StartAsync(Options());
        using var integration = await org.LoginAsync();
        Assert.Null(Field(await Describe(integration, "Opportunity"), "CurrencyIsoCode"));
        Assert.Null(Field(await Describe(integration, "Account"), "CurrencyIsoCode"));

        var (status, body, _) = await SendAsync(integration, HttpMethod.Get, $"/services/data/{V}/query?q={Uri.EscapeDataString("SELECT Id, CurrencyIsoCode FROM Opportunity")}");
        Assert.Equal(400, status);
        Assert.Equal("INVALID_FIELD", body![0]!["errorCode"]!.GetValue<string>());
        Assert.Contains("CurrencyIsoCode", body[0]!["message"]!.GetValue<string>(), StringComparison.Ordinal);

        var export = JsonNode.Parse(await org.Http.GetStringAsync("/_sandbox/export"))!;
        Assert.DoesNotContain(export["Opportunity"]!.AsArray(), o => o!.AsObject().ContainsKey("CurrencyIsoCode"));
    }

    [Fact]
    public async Task On_DescribeShowsARestrictedPicklistOfTheActiveCurrencies_TheCorporateOneDefault()
    {
        await using var org = await StartAsync(Options(Active));
        using var integration = await org.LoginAsync();
        foreach (var (sobject, label) in new[] { ("Opportunity", "Opportunity Currency"), ("Account", "Account Currency") })
        {
            var currency = Field(await Describe(integration, sobject), "CurrencyIsoCode");
            Assert.NotNull(currency);
            Assert.Equal(("picklist", label, 3), (currency["type"]!.GetValue<string>(), currency["label"]!.GetValue<string>(), currency["length"]!.GetValue<int>()));
            Assert.True(currency["restrictedPicklist"]!.GetValue<bool>());
            Assert.False(currency["nillable"]!.GetValue<bool>());
            Assert.True(currency["defaultedOnCreate"]!.GetValue<bool>());
            Assert.True(currency["updateable"]!.GetValue<bool>());
            var values = currency["picklistValues"]!.AsArray();
            Assert.Equal(Active, values.Select(v => v!["value"]!.GetValue<string>()));
            Assert.Equal(["USD"], values.Where(v => v!["defaultValue"]!.GetValue<bool>()).Select(v => v!["value"]!.GetValue<string>()));
        }
        // Contacts have no currency field here, so multi-currency gives them nothing in this org.
        Assert.Null(Field(await Describe(integration, "Contact"), "CurrencyIsoCode"));
    }

    [Fact]
    public async Task On_SeededOpportunitiesAreInTheirAccountsCurrency_AndSeveralCurrenciesOccur()
    {
        await using var org = await StartAsync(Options(Active));
        using var integration = await org.LoginAsync();
        var opportunities = (await QueryAsync(integration, "SELECT Id, CurrencyIsoCode, Account.CurrencyIsoCode, Account.BillingCountry FROM Opportunity"))["records"]!.AsArray();

        Assert.NotEmpty(opportunities);
        Assert.All(opportunities, o =>
        {
            var currency = o!["CurrencyIsoCode"]!.GetValue<string>();
            Assert.Contains(currency, Active);
            Assert.Equal(o["Account"]!["CurrencyIsoCode"]!.GetValue<string>(), currency);
            var expected = o["Account"]!["BillingCountry"]?.GetValue<string>() switch { "GB" => "GBP", "DE" or "FR" or "NL" => "EUR", _ => "USD" };
            Assert.Equal(expected, currency);
        });
        Assert.True(opportunities.Select(o => o!["CurrencyIsoCode"]!.GetValue<string>()).Distinct().Count() >= 2);
        var euros = (await QueryAsync(integration, "SELECT COUNT() FROM Opportunity WHERE CurrencyIsoCode = 'EUR'"))["totalSize"]!.GetValue<int>();
        Assert.Equal(opportunities.Count(o => o!["CurrencyIsoCode"]!.GetValue<string>() == "EUR"), euros);
    }

    [Fact]
    public async Task On_CreateDefaultsToTheCorporateCurrency_AndAValueOutsideTheActiveOnesOrNullIsRefused()
    {
        await using var org = await StartAsync(Options(Active));
        using var rep = await org.LoginAsRepAsync();
        var accountId = (await QueryAsync(rep, "SELECT Id FROM Account LIMIT 1"))["records"]![0]!["Id"]!.GetValue<string>();
        async Task<(int Status, JsonNode? Body)> Create(object fields)
        {
            var (status, body, _) = await SendAsync(rep, HttpMethod.Post, $"/services/data/{V}/sobjects/Opportunity", fields);
            return (status, body);
        }
        async Task<string?> CurrencyOf(string id) =>
            (await QueryAsync(rep, $"SELECT CurrencyIsoCode FROM Opportunity WHERE Id = '{id}'"))["records"]![0]!["CurrencyIsoCode"]?.GetValue<string>();

        var (plainStatus, plain) = await Create(new { Name = "No currency named", StageName = "Prospecting", CloseDate = "2027-03-01", AccountId = accountId });
        Assert.Equal(201, plainStatus);
        Assert.Equal("USD", await CurrencyOf(plain!["id"]!.GetValue<string>()));
        var (euroStatus, euro) = await Create(new { Name = "In euros", StageName = "Prospecting", CloseDate = "2027-03-01", AccountId = accountId, CurrencyIsoCode = "EUR" });
        Assert.Equal(201, euroStatus);
        var euroId = euro!["id"]!.GetValue<string>();
        Assert.Equal("EUR", await CurrencyOf(euroId));

        var (badStatus, bad) = await Create(new { Name = "In yen", StageName = "Prospecting", CloseDate = "2027-03-01", AccountId = accountId, CurrencyIsoCode = "JPY" });
        Assert.Equal(400, badStatus);
        Assert.Equal("INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST", bad![0]!["errorCode"]!.GetValue<string>());
        Assert.Equal(["CurrencyIsoCode"], bad[0]!["fields"]!.AsArray().Select(f => f!.GetValue<string>()));
        Assert.Contains("JPY", bad[0]!["message"]!.GetValue<string>(), StringComparison.Ordinal);

        foreach (var refused in new JsonNode?[] { JsonValue.Create("JPY"), null, JsonValue.Create("") })
        {
            var (status, body, _) = await SendAsync(rep, HttpMethod.Patch, $"/services/data/{V}/sobjects/Opportunity/{euroId}", new JsonObject { ["CurrencyIsoCode"] = refused });
            Assert.Equal(400, status);
            Assert.Equal("INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST", body![0]!["errorCode"]!.GetValue<string>());
        }
        Assert.Equal("EUR", await CurrencyOf(euroId));
        var (moved, _, _) = await SendAsync(rep, HttpMethod.Patch, $"/services/data/{V}/sobjects/Opportunity/{euroId}", new { CurrencyIsoCode = "GBP" });
        Assert.Equal(204, moved);
        Assert.Equal("GBP", await CurrencyOf(euroId));
    }

    [Fact]
    public async Task On_TheRestOfTheWorldKeepsItsIdsAndValues()
    {
        JsonObject without, with;
        await using (var off = await StartAsync(Options()))
        {
            without = JsonNode.Parse(await off.Http.GetStringAsync("/_sandbox/export"))!.AsObject();
        }
        await using (var on = await StartAsync(Options(Active)))
        {
            with = JsonNode.Parse(await on.Http.GetStringAsync("/_sandbox/export"))!.AsObject();
        }
        foreach (var (type, records) in without)
        {
            var before = records!.AsArray();
            var after = with[type]!.AsArray();
            Assert.Equal(before.Count, after.Count);
            for (var i = 0; i < before.Count; i++)
            {
                var stripped = after[i]!.AsObject().DeepClone().AsObject();
                Assert.Equal(type is "Account" or "Opportunity", stripped.Remove("CurrencyIsoCode"));
                Assert.True(JsonNode.DeepEquals(before[i], stripped), $"{type} {before[i]!["Id"]} changed");
            }
        }
    }

    [Theory]
    [InlineData("usd")]
    [InlineData("EURO")]
    [InlineData("USD", "EUR", "USD")]
    public async Task BadCurrencyList_IsRefusedAtStart(params string[] currencies)
    {
        var refused = await Assert.ThrowsAsync<ArgumentException>(async () =>
        {
            await using var org = await StartAsync(Options(currencies));
        });
        Assert.Contains(currencies[^1] == "USD" ? "listed twice" : "is not a currency code", refused.Message, StringComparison.Ordinal);
    }
}

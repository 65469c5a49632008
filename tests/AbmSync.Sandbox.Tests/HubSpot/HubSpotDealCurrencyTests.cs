using System.Text.Json.Nodes;

namespace AbmSync.Sandbox.Tests.HubSpot;

/// <summary>
/// Deals carry HubSpot's default <c>deal_currency_code</c>: an enumeration of the portal's currencies (its company
/// currency and the additional ones account-info lists), and a write of any other code is refused as HubSpot does
/// since it validates deal currencies.
/// </summary>
public sealed class HubSpotDealCurrencyTests
{
    [Fact]
    public async Task TheProperty_OffersThePortalsCurrencies_AsAccountInfoListsThem()
    {
        await using var portal = await Portal.StartAsync();
        var (detailsStatus, details, _) = await portal.Get("/account-info/v3/details");
        Assert.Equal(200, detailsStatus);
        string[] portalCurrencies = [details!["companyCurrency"]!.GetValue<string>(), .. details["additionalCurrencies"]!.AsArray().Select(c => c!.GetValue<string>())];

        var (status, property, _) = await portal.Get("/crm/v3/properties/deals/deal_currency_code");

        Assert.Equal(200, status);
        Assert.Equal(("enumeration", "select", "Currency", "dealinformation"),
            (property!["type"]!.GetValue<string>(), property["fieldType"]!.GetValue<string>(), property["label"]!.GetValue<string>(), property["groupName"]!.GetValue<string>()));
        Assert.True(property["hubspotDefined"]!.GetValue<bool>());
        Assert.Equal(portalCurrencies, property["options"]!.AsArray().Select(o => o!["value"]!.GetValue<string>()));
        Assert.Equal(["USD", "EUR", "GBP"], portalCurrencies);
    }

    [Fact]
    public async Task DealWrites_TakeThePortalsCurrencies_AndRefuseAnyOther()
    {
        await using var portal = await Portal.StartAsync();
        JsonObject Deal(string currency) => new() { ["properties"] = new JsonObject { ["dealname"] = $"In {currency}", ["deal_currency_code"] = currency } };

        var (created, euro, _) = await portal.Post("/crm/v3/objects/deals", Deal("EUR"));
        Assert.Equal(201, created);
        Assert.Equal("EUR", euro!["properties"]!["deal_currency_code"]!.GetValue<string>());

        var (refused, error, _) = await portal.Post("/crm/v3/objects/deals", Deal("JPY"));
        Assert.Equal(400, refused);
        Assert.Equal("VALIDATION_ERROR", error!["category"]!.GetValue<string>());
        var detail = error["errors"]![0]!;
        Assert.Equal("INVALID_OPTION", detail["code"]!.GetValue<string>());
        Assert.Equal("deal_currency_code", detail["context"]!["propertyName"]![0]!.GetValue<string>());
        Assert.Equal($"\"JPY\" is not a part of the current effective currency codes for portal {portal.Emulator.PortalId}", detail["message"]!.GetValue<string>());

        var seeded = portal.Export()["deals"]!.AsArray().Where(d => !d!["archived"]!.GetValue<bool>()).ToList();
        Assert.NotEmpty(seeded);
        // Deals made in the portal are in its company currency, as HubSpot gives new deals.
        Assert.All(seeded.Where(d => d!["properties"]!["dealname"]!.GetValue<string>() != "In EUR"),
            d => Assert.Equal("USD", d!["properties"]!["deal_currency_code"]!.GetValue<string>()));
    }
}

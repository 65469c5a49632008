using System.Text.Json;

namespace AbmSync.Connectors.HubSpot;

/// <summary>A portal's account details: which portal a token belongs to, and its time zone and currency.</summary>
public sealed record HubSpotAccountDetails(long PortalId, string? AccountType, string? TimeZone, string? CompanyCurrency, string? UtcOffset);

public sealed partial class HubSpotClient
{
    /// <summary>GET /account-info/v3/details (or /account-info/{yyyy-mm}/details): the portal behind the token.</summary>
    public async Task<HubSpotAccountDetails> GetAccountDetailsAsync(CancellationToken ct = default)
    {
        var path = Options.IsLegacyV3 ? "/account-info/v3/details" : $"/account-info/{Options.ApiVersion}/details";
        using var doc = await SendAsync(HttpMethod.Get, path, null, ct);
        var root = doc.RootElement;
        var portalId = root.TryGetProperty("portalId", out var id) && id.ValueKind == JsonValueKind.Number ? id.GetInt64()
            : long.TryParse(HubSpotJson.GetString(root, "portalId"), System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out var parsed) ? parsed
            : throw new HubSpotApiException(System.Net.HttpStatusCode.OK, "INVALID_RESPONSE", "account details answered without a portalId");
        return new HubSpotAccountDetails(portalId, HubSpotJson.GetString(root, "accountType"), HubSpotJson.GetString(root, "timeZone"),
            HubSpotJson.GetString(root, "companyCurrency"), HubSpotJson.GetString(root, "utcOffset"));
    }
}

using Microsoft.AspNetCore.Http;

namespace AbmSync.Sandbox.Salesforce;

public sealed partial class SalesforceOrg
{
    static IResult JwtBearer(IFormCollection form)
    {
        _ = form;
        return OAuthError("invalid_grant", "invalid assertion");
    }

    static IResult RefreshToken(HttpContext http, IFormCollection form)
    {
        _ = (http, form);
        return OAuthError("invalid_grant", "expired access/refresh token");
    }
}

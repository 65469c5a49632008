using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace AbmSync.Sandbox.HubSpot;

/// <summary>CRM owners v3: the portal's users who can own records.</summary>
internal sealed class HsOwnersApi(HsPortal portal)
{
    public const int MaxLimit = 500;

    /// <summary>Maps under <c>/crm/v3/owners</c> or the date-versioned <c>/crm/owners/{version}</c>.</summary>
    public void Map(RouteGroupBuilder group)
    {
        group.MapGet("", List).Counts(CallKind.Read);
        group.MapGet("/{ownerId}", Get).Counts(CallKind.Read);
    }

    IResult List(HttpContext context)
    {
        var request = context.Request;
        var (limit, after, pageProblem) = HsJson.PageQuery(request, 100, MaxLimit);
        if (pageProblem is not null)
        {
            return pageProblem;
        }
        var email = request.Query["email"].ToString();
        var archived = HsJson.QueryBool(request, "archived");
        lock (portal.Sync)
        {
            var page = portal.Owners.Values
                .Where(o => o.Archived == archived && (after is null || o.Id >= after))
                .Where(o => email.Length == 0 || string.Equals(o.Email, email, StringComparison.OrdinalIgnoreCase))
                .Take(limit + 1)
                .ToList();
            var body = new JsonObject { ["results"] = new JsonArray(page.Take(limit).Select(o => (JsonNode)o.ToJson()).ToArray()) };
            if (page.Count > limit)
            {
                var cursor = HsJson.EncodeCursor(page[limit].Id);
                body["paging"] = new JsonObject
                {
                    ["next"] = new JsonObject { ["after"] = cursor, ["link"] = $"?after={Uri.EscapeDataString(cursor)}" },
                };
            }
            return HsJson.Answer(200, body);
        }
    }

    IResult Get(HttpContext context, string ownerId)
    {
        var byUser = context.Request.Query["idProperty"].ToString() == "userId";
        var archived = HsJson.QueryBool(context.Request, "archived");
        lock (portal.Sync)
        {
            var owner = long.TryParse(ownerId, NumberStyles.None, CultureInfo.InvariantCulture, out var id)
                ? portal.Owners.Values.FirstOrDefault(o => (byUser ? o.UserId : o.Id) == id && o.Archived == archived)
                : null;
            return owner is null
                ? HsJson.NotFound($"Owner {ownerId} not found", ownerId)
                : HsJson.Answer(200, owner.ToJson());
        }
    }
}

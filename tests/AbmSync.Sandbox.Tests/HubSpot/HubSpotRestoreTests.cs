using System.Text.Json.Nodes;

namespace AbmSync.Sandbox.Tests.HubSpot;

/// <summary>A marketer's restore from the recycle bin: the archived record is live again with its id and values, within 90 days.</summary>
public sealed class HubSpotRestoreTests
{
    static async Task<List<string>> CompaniesOf(Portal portal, string contactId)
    {
        var (status, body, _) = await portal.Get($"/crm/v4/objects/contacts/{contactId}/associations/companies");
        Assert.Equal(200, status);
        return [.. body!["results"]!.AsArray().Select(r => $"{r!["toObjectId"]}:{string.Join(",", r["associationTypes"]!.AsArray().Select(t => t!["typeId"]!.ToString()).Order())}").Order()];
    }

    [Fact]
    public async Task ARestoredContact_IsLiveAgain_WithItsEmail_AndNotAfter90Days()
    {
        await using var portal = await Portal.StartAsync();
        var people = portal.Export()["contacts"]!.AsArray().Where(c => !c!["archived"]!.GetValue<bool>()).Take(2).Select(c => c!["id"]!.GetValue<string>()).ToList();
        var (_, before, _) = await portal.Get($"/crm/v3/objects/contacts/{people[0]}?properties=email");
        var email = before!["properties"]!["email"]!.GetValue<string>();
        var companiesBefore = await CompaniesOf(portal, people[0]);
        foreach (var id in people)
        {
            var (archived, _, _) = await Portal.SendAsync(portal.Http, HttpMethod.Delete, $"/crm/v3/objects/contacts/{id}", null);
            Assert.Equal(204, archived);
        }
        Assert.Equal(404, (await portal.Get($"/crm/v3/objects/contacts/{people[0]}")).Item1);

        portal.Time.Advance(TimeSpan.FromDays(2));
        await portal.Host.RestoreAsMarketerAsync("contacts", people[0]);

        var (status, after, _) = await portal.Get($"/crm/v3/objects/contacts/{people[0]}?properties=email,lastmodifieddate");
        Assert.Equal(200, status);
        Assert.Equal(email, after!["properties"]!["email"]!.GetValue<string>());
        Assert.False(after["archived"]!.GetValue<bool>());
        // The archive took its associations; the restore puts them back.
        Assert.Equal(companiesBefore, await CompaniesOf(portal, people[0]));
        Assert.True(DateTimeOffset.Parse(after["updatedAt"]!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture) >= portal.Time.GetUtcNow().AddSeconds(-1));
        // Its email is its own again: a second contact with it is refused.
        var (conflict, _, _) = await portal.Post("/crm/v3/objects/contacts", new JsonObject { ["properties"] = new JsonObject { ["email"] = email } });
        Assert.Equal(409, conflict);

        portal.Time.Advance(TimeSpan.FromDays(89));
        var gone = await Assert.ThrowsAsync<InvalidOperationException>(() => portal.Host.RestoreAsMarketerAsync("contacts", people[1]));
        Assert.Contains("90 days", gone.Message, StringComparison.Ordinal);
    }
}

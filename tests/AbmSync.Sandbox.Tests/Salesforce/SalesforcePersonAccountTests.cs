using System.Text.Json.Nodes;
using static AbmSync.Sandbox.Tests.Salesforce.Org;

namespace AbmSync.Sandbox.Tests.Salesforce;

/// <summary>
/// Person accounts are off by default (no IsPersonAccount anywhere); <see cref="SandboxOptions.PersonAccounts"/> turns
/// them on and seeds that many after the rest of the world, which keeps its ids and values.
/// </summary>
public sealed class SalesforcePersonAccountTests
{
    const int Count = 7;

    static SandboxOptions Options(int personAccounts) => new() { Accounts = 120, Seed = 11, PersonAccounts = personAccounts };

    static async Task<JsonObject> Describe(HttpClient client, string sobject) =>
        (JsonObject)(await SendAsync(client, HttpMethod.Get, $"/services/data/{V}/sobjects/{sobject}/describe")).Body!;

    static JsonObject? Field(JsonObject describe, string name) =>
        describe["fields"]!.AsArray().Select(f => f!.AsObject()).SingleOrDefault(f => f["name"]!.GetValue<string>() == name);

    [Fact]
    public async Task Off_TheFieldDoesNotExist_AndNamingItFailsLikeAnyUnknownField()
    {
        await using var org = await StartAsync(Options(0));
        using var integration = await org.LoginAsync();
        Assert.Null(Field(await Describe(integration, "Account"), "IsPersonAccount"));
        Assert.Null(Field(await Describe(integration, "Contact"), "IsPersonAccount"));

        async Task<JsonNode> Refusal(string field)
        {
            var (status, body, _) = await SendAsync(integration, HttpMethod.Get, $"/services/data/{V}/query?q={Uri.EscapeDataString($"SELECT Id, {field} FROM Account")}");
            Assert.Equal(400, status);
            return body![0]!;
        }
        var personFlag = await Refusal("IsPersonAccount");
        var unknown = await Refusal("NoSuchFlag");
        Assert.Equal("INVALID_FIELD", personFlag["errorCode"]!.GetValue<string>());
        Assert.Equal(unknown["errorCode"]!.GetValue<string>(), personFlag["errorCode"]!.GetValue<string>());
        Assert.Equal(unknown["message"]!.GetValue<string>().Replace("NoSuchFlag", "IsPersonAccount", StringComparison.Ordinal), personFlag["message"]!.GetValue<string>());

        var export = JsonNode.Parse(await org.Http.GetStringAsync("/_sandbox/export"))!;
        Assert.DoesNotContain(export["Account"]!.AsArray(), a => a!.AsObject().ContainsKey("IsPersonAccount"));
    }

    [Fact]
    public async Task On_PersonAccountsAndTheirContactsCarryTheFlag_AndEveryOtherRecordReadsFalse()
    {
        await using var org = await StartAsync(Options(Count));
        using var integration = await org.LoginAsync();
        foreach (var sobject in new[] { "Account", "Contact" })
        {
            var flag = Field(await Describe(integration, sobject), "IsPersonAccount");
            Assert.NotNull(flag);
            Assert.Equal("boolean", flag["type"]!.GetValue<string>());
            Assert.False(flag["createable"]!.GetValue<bool>());
            Assert.False(flag["updateable"]!.GetValue<bool>());
        }

        var people = (await QueryAsync(integration, "SELECT Id, Name, Type, OwnerId, Owner.IsActive FROM Account WHERE IsPersonAccount = true ORDER BY Id"))["records"]!.AsArray();
        Assert.Equal(Count, people.Count);
        Assert.All(people, a =>
        {
            Assert.DoesNotContain(a!["Type"]!.GetValue<string>(), new[] { "Partner", "Competitor" });
            Assert.True(a["Owner"]!["IsActive"]!.GetValue<bool>());
        });
        var personContacts = (await QueryAsync(integration, "SELECT Id, Name, Email, AccountId, Account.IsPersonAccount FROM Contact WHERE IsPersonAccount = true"))["records"]!.AsArray();
        Assert.Equal(Count, personContacts.Count);
        var byAccount = personContacts.ToDictionary(c => c!["AccountId"]!.GetValue<string>(), c => c!);
        Assert.All(people, a => Assert.Equal(a!["Name"]!.GetValue<string>(), byAccount[a["Id"]!.GetValue<string>()]["Name"]!.GetValue<string>()));
        Assert.All(personContacts, c => Assert.True(c!["Account"]!["IsPersonAccount"]!.GetValue<bool>()));

        var emails = (await QueryAsync(integration, "SELECT Email FROM Contact WHERE Email != null"))["records"]!.AsArray().Select(c => c!["Email"]!.GetValue<string>().ToLowerInvariant()).ToList();
        Assert.Equal(emails.Count, emails.Distinct().Count());
        Assert.All(personContacts, c => Assert.Contains(c!["Email"]!.GetValue<string>(), emails));

        var accounts = (await QueryAsync(integration, "SELECT COUNT() FROM Account"))["totalSize"]!.GetValue<int>();
        var businessAccounts = (await QueryAsync(integration, "SELECT COUNT() FROM Account WHERE IsPersonAccount = false"))["totalSize"]!.GetValue<int>();
        Assert.Equal(120, businessAccounts);
        Assert.Equal(120 + Count, accounts);

        var export = JsonNode.Parse(await org.Http.GetStringAsync("/_sandbox/export"))!;
        Assert.Equal(Count, export["Account"]!.AsArray().Count(a => a!["IsPersonAccount"]!.GetValue<bool>()));
        Assert.Equal(Count, export["Contact"]!.AsArray().Count(c => c!["IsPersonAccount"]!.GetValue<bool>()));
        Assert.All(export["Contact"]!.AsArray(), c => Assert.NotNull(c!["IsPersonAccount"]));

        using var rep = await org.LoginAsRepAsync();
        var (status, body, _) = await SendAsync(rep, HttpMethod.Patch, $"/services/data/{V}/sobjects/Account/{people[0]!["Id"]!.GetValue<string>()}", new { IsPersonAccount = false });
        Assert.Equal(400, status);
        Assert.Equal("INVALID_FIELD_FOR_INSERT_UPDATE", body![0]!["errorCode"]!.GetValue<string>());
    }

    [Fact]
    public async Task On_TheRestOfTheWorldKeepsItsIdsAndValues()
    {
        JsonObject without, with;
        await using (var off = await StartAsync(Options(0)))
        {
            without = JsonNode.Parse(await off.Http.GetStringAsync("/_sandbox/export"))!.AsObject();
        }
        await using (var on = await StartAsync(Options(Count)))
        {
            with = JsonNode.Parse(await on.Http.GetStringAsync("/_sandbox/export"))!.AsObject();
        }
        foreach (var (type, records) in without)
        {
            var before = records!.AsArray();
            var after = with[type]!.AsArray();
            var extra = type is "Account" or "Contact" ? Count : 0;
            Assert.Equal(before.Count + extra, after.Count);
            var flagged = after.Where(r => r!["IsPersonAccount"]?.GetValue<bool>() != true).ToList();
            Assert.Equal(before.Count, flagged.Count);
            for (var i = 0; i < before.Count; i++)
            {
                var stripped = flagged[i]!.AsObject().DeepClone().AsObject();
                stripped.Remove("IsPersonAccount");
                Assert.True(JsonNode.DeepEquals(before[i], stripped), $"{type} {before[i]!["Id"]} changed");
            }
        }
    }
}

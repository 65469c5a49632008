using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using AbmSync.Sandbox;
using AbmSync.Worker;
using AbmSync.Worker.State;
using AbmSync.Worker.Sync;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace AbmSync.Integration.Tests.Sync;

/// <summary>
/// <c>abmsync reconcile</c> against both sandboxes: people's edits the syncs missed, a record deleted behind our back on
/// each side, records created on each side, an unlinked duplicate; each category counted with its examples, then
/// repaired through the sync, with the sandboxes holding what the mappings say and nothing deleted created again.
/// </summary>
public class ReconcileTests
{
    static async Task SyncAllAsync(SyncHarness harness, bool full = false)
    {
        foreach (var pair in ObjectPairs.All)
        {
            var summary = await harness.SyncAsync(new SyncRequest(Full: full, Object: pair));
            Assert.True(summary.Status == "succeeded", $"{pair}: {summary.Status} {summary.Message}");
        }
    }

    static Reconciler ReconcilerOf(SyncHarness harness) => ActivatorUtilities.CreateInstance<Reconciler>(harness.Host.Services);

    /// <summary>
    /// Makes every later incremental read start past now, as if the syncs had missed what happens next (a cursor moved
    /// too far, changes lost in transit): only a read in full, reconcile's, sees it.
    /// </summary>
    static async Task MissEverythingFromNowAsync(SyncHarness harness)
    {
        var storage = harness.Host.Services.GetRequiredService<IOptions<StorageOptions>>().Value;
        await using var connection = new SqliteConnection(storage.ConnectionString);
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "UPDATE sync_cursor SET modified_at = '2999-01-01T00:00:00.0000000Z'";
        Assert.True(await command.ExecuteNonQueryAsync() > 0);
    }

    static async Task<string> CreateAsMarketerAsync(SyncHarness harness, string objectType, Dictionary<string, string> properties)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(harness.Sandbox.HubSpotUrl, $"/crm/v3/objects/{objectType}"))
        {
            Content = JsonContent.Create(new { properties }),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", SandboxCredentials.HubSpotHumanToken);
        using var response = await harness.Http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, text);
        return (string)JsonNode.Parse(text)!["id"]!;
    }

    static async Task ArchiveAsMarketerAsync(SyncHarness harness, string objectType, string id)
    {
        using var request = new HttpRequestMessage(HttpMethod.Delete, new Uri(harness.Sandbox.HubSpotUrl, $"/crm/v3/objects/{objectType}/{id}"));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", SandboxCredentials.HubSpotHumanToken);
        (await harness.Http.SendAsync(request)).EnsureSuccessStatusCode();
    }

    static JsonNode Record(JsonObject export, string collection, string idKey, string id) =>
        export[collection]!.AsArray().Single(r => (string)r![idKey]! == id)!;

    static string? Property(JsonNode hubSpotRecord, string name) => (string?)hubSpotRecord["properties"]![name];

    [Fact]
    public async Task Reconcile_CountsEachCategoryWithExamples_RepairHealsThroughTheSync_AndNeverRecreatesWhatWasDeleted()
    {
        await using var harness = await SyncHarness.StartAsync(accounts: 60, seed: 43);
        await SyncAllAsync(harness);
        var reconciler = ReconcilerOf(harness);

        // Right after the syncs there is nothing to find but what the sync leaves on purpose, each with why.
        var clean = await reconciler.ReportAsync(ObjectPairs.All, CancellationToken.None);
        foreach (var category in DriftCategories.All.Where(c => c != DriftCategories.MissingInSalesforce))
        {
            Assert.True(clean.Count(category) == 0, $"{category}: {string.Join(", ", clean.Ids(category))}");
        }
        Assert.All(clean.Pairs.SelectMany(p => p.Items), i => Assert.NotNull(i.Leave));
        var leftByDesign = clean.Count(DriftCategories.MissingInSalesforce);
        Assert.True(clean.SalesforceCalls > 0 && clean.HubSpotCalls > 0);

        var sfExport = await harness.SalesforceExportAsync();
        var hsExport = await harness.HubSpotExportAsync();
        var contactsOf = sfExport["Contact"]!.AsArray().Select(c => (string?)c!["AccountId"]).Concat(sfExport["Opportunity"]!.AsArray().Select(o => (string?)o!["AccountId"]))
            .OfType<string>().ToHashSet(StringComparer.Ordinal);
        var accounts = (await harness.Store.AllLinksAsync(ObjectPairs.Accounts)).Where(l => l.Status == LinkStatuses.Active)
            .OrderBy(l => l.SalesforceId, StringComparer.Ordinal).ToList();
        var company = (RecordLink l) => Record(hsExport, "companies", "id", l.HubSpotId);
        var account = (RecordLink l) => Record(sfExport, "Account", "Id", l.SalesforceId);
        // The account deleted behind our back has no contacts or deals: their company association would drift too.
        var archived = accounts.First(l => !contactsOf.Contains(l.SalesforceId));
        var rest = accounts.Where(l => l != archived).ToList();
        var employees = rest[0];
        var city = rest.First(l => l != employees && (string?)account(l)["BillingCity"] is { Length: > 0 });
        var owned = rest.First(l => l != employees && l != city && Property(company(l), "hubspot_owner_id") is { Length: > 0 });
        var otherOwner = rest.Select(l => Property(company(l), "hubspot_owner_id")).First(o => o is { Length: > 0 } && o != Property(company(owned), "hubspot_owner_id"))!;
        var duplicated = rest.First(l => l != employees && l != city && l != owned && Property(company(l), "domain") is { Length: > 0 });
        var contacts = (await harness.Store.AllLinksAsync(ObjectPairs.Contacts)).Where(l => l.Status == LinkStatuses.Active)
            .OrderBy(l => l.SalesforceId, StringComparer.Ordinal).ToList();
        var (titled, deletedContact) = (contacts[0], contacts[1]);
        var deletedEmail = (string)Record(sfExport, "Contact", "Id", deletedContact.SalesforceId)["Email"]!;

        await MissEverythingFromNowAsync(harness);
        // People's edits: a rep's in Salesforce, a marketer's of fields Salesforce owns (to-hubspot) and of a two-way one.
        await harness.EditAccountAsSalesRepAsync(employees.SalesforceId, new { NumberOfEmployees = 4321 });
        await harness.Sandbox.EditAsMarketerAsync("companies", city.HubSpotId, new Dictionary<string, string> { ["city"] = "Nowhere" });
        await harness.Sandbox.EditAsMarketerAsync("companies", owned.HubSpotId, new Dictionary<string, string> { ["hubspot_owner_id"] = otherOwner });
        await harness.Sandbox.EditAsMarketerAsync("contacts", titled.HubSpotId, new Dictionary<string, string> { ["jobtitle"] = "Chief Reconciler" });
        // Deleted behind our back: a company archived in HubSpot, a contact deleted in Salesforce (its HubSpot twin an SQL).
        await ArchiveAsMarketerAsync(harness, "companies", archived.HubSpotId);
        await harness.Sandbox.DeleteAsSalesRepAsync("Contact", deletedContact.SalesforceId);
        await harness.Sandbox.EditAsMarketerAsync("contacts", deletedContact.HubSpotId, new Dictionary<string, string> { ["lifecyclestage"] = "salesqualifiedlead" });
        // New on each side, and an unlinked second company with a linked one's domain.
        var newAccount = await harness.Sandbox.CreateAsSalesRepAsync("Account", new { Name = "Reconcile Test Co", Website = "https://www.reconcile-test.example" });
        var newPerson = await CreateAsMarketerAsync(harness, "contacts", new() { ["email"] = "new.mql@reconcile-test.example", ["firstname"] = "Nia", ["lastname"] = "Quist", ["lifecyclestage"] = "marketingqualifiedlead" });
        var twin = await CreateAsMarketerAsync(harness, "companies", new() { ["name"] = "Second of its domain", ["domain"] = Property(company(duplicated), "domain")! });

        var report = await reconciler.ReportAsync(ObjectPairs.All, CancellationToken.None);
        static string Id(RecordLink l) => $"{l.SalesforceId}/{l.HubSpotId}";
        Assert.Equal([newAccount], report.Examples(DriftCategories.MissingInHubSpot));
        Assert.Equal(leftByDesign + 1, report.Count(DriftCategories.MissingInSalesforce));
        Assert.Contains(newPerson, report.Examples(DriftCategories.MissingInSalesforce));
        Assert.Equal(new[] { Id(employees), Id(city), Id(titled) }.Order(StringComparer.Ordinal), report.Ids(DriftCategories.FieldDrift).Order(StringComparer.Ordinal));
        var drift = report.Pairs.SelectMany(p => p.Items).Where(i => i.Category == DriftCategories.FieldDrift).ToDictionary(i => i.SalesforceId!);
        Assert.Equal(["NumberOfEmployees"], drift[employees.SalesforceId].Fields);
        Assert.Equal(["BillingCity"], drift[city.SalesforceId].Fields);
        Assert.Equal(["Title"], drift[titled.SalesforceId].Fields);
        Assert.Equal(new[] { Id(archived), Id(deletedContact) }.Order(StringComparer.Ordinal), report.Ids(DriftCategories.OrphanLink).Order(StringComparer.Ordinal));
        Assert.Equal([string.Join('+', new[] { duplicated.HubSpotId, twin }.Order(StringComparer.Ordinal))], report.Examples(DriftCategories.DuplicateCandidates));
        Assert.Equal([Id(owned)], report.Examples(DriftCategories.OwnerMismatch));
        Assert.False(report.IsClean);

        // In partitions (reconcile jobs split across workers) the findings split, each once: together they are the whole.
        var shares = new List<DriftReport>();
        for (var i = 0; i < 3; i++)
        {
            shares.Add(await reconciler.ReportAsync(ObjectPairs.All, new Partition(i, 3), CancellationToken.None));
        }
        static IEnumerable<string> Findings(DriftReport r) => r.Pairs.SelectMany(p => p.Items.Select(i => $"{i.Object} {i.Category} {i.Id}"));
        var split = shares.SelectMany(Findings).ToList();
        Assert.Equal(Findings(report).Order(StringComparer.Ordinal), split.Order(StringComparer.Ordinal));
        Assert.True(shares.Count(s => Findings(s).Any()) >= 2, "every finding fell in one partition: the split is not a split");

        var outcome = await reconciler.RepairAsync(ObjectPairs.All, CancellationToken.None);

        var after = outcome.After;
        Assert.Equal(0, after.Count(DriftCategories.MissingInHubSpot));
        Assert.Equal(leftByDesign, after.Count(DriftCategories.MissingInSalesforce));
        Assert.Equal(0, after.Count(DriftCategories.FieldDrift));
        Assert.Equal(0, after.Count(DriftCategories.OrphanLink));
        Assert.Equal(0, after.Count(DriftCategories.OwnerMismatch));
        Assert.Equal(1, after.Count(DriftCategories.DuplicateCandidates));
        Assert.Equal(1, outcome.Repaired[DriftCategories.MissingInHubSpot]);
        Assert.Equal(1, outcome.Repaired[DriftCategories.MissingInSalesforce]);
        Assert.Equal(3, outcome.Repaired[DriftCategories.FieldDrift]);
        Assert.Equal(2, outcome.Repaired[DriftCategories.OrphanLink]);
        Assert.Equal(1, outcome.Repaired[DriftCategories.OwnerMismatch]);
        Assert.Equal(0, outcome.Repaired[DriftCategories.DuplicateCandidates]);
        // What it left, each with why: the duplicate for a person, the deleted contact's surviving twin never re-created.
        Assert.Contains(outcome.Left, l => l.Category == DriftCategories.DuplicateCandidates && l.Why.Contains("person's call", StringComparison.Ordinal));
        Assert.Contains(outcome.Left, l => l.Category == DriftCategories.MissingInSalesforce && l.Id == deletedContact.HubSpotId && l.Why.Contains("nothing is created again", StringComparison.Ordinal));
        Assert.Equal(leftByDesign + 1, outcome.Left.Count(l => l.Category == DriftCategories.MissingInSalesforce));

        // The sandboxes hold what each field's direction says.
        var sf = await harness.SalesforceExportAsync();
        var hs = await harness.HubSpotExportAsync();
        Assert.Equal("4321", Property(Record(hs, "companies", "id", employees.HubSpotId), "numberofemployees"));
        Assert.Equal((string?)Record(sf, "Account", "Id", city.SalesforceId)["BillingCity"], Property(Record(hs, "companies", "id", city.HubSpotId), "city"));
        Assert.Equal(Property(company(owned), "hubspot_owner_id"), Property(Record(hs, "companies", "id", owned.HubSpotId), "hubspot_owner_id"));
        Assert.Equal("Chief Reconciler", (string?)Record(sf, "Contact", "Id", titled.SalesforceId)["Title"]);
        var newCompany = Assert.Single(hs["companies"]!.AsArray(), c => (bool?)c!["archived"] != true && Property(c, "domain") == "reconcile-test.example");
        Assert.Equal(newAccount, Property(newCompany!, AbmFields.HubSpotSalesforceId));
        Assert.Single(sf["Lead"]!.AsArray(), l => (string?)l!["Email"] == "new.mql@reconcile-test.example" && (bool?)l["IsDeleted"] != true);
        var links = await harness.Store.GetLinksAsync(ObjectPairs.Accounts, [archived.SalesforceId]);
        Assert.Equal(LinkStatuses.HubSpotDeleted, links[archived.SalesforceId].Status);
        Assert.Equal(LinkStatuses.SalesforceDeleted, (await harness.Store.GetLinksAsync(ObjectPairs.Contacts, [deletedContact.SalesforceId]))[deletedContact.SalesforceId].Status);

        // Nothing deleted comes back, even after a full sync of everything and another repair.
        await SyncAllAsync(harness, full: true);
        var again = await reconciler.RepairAsync(ObjectPairs.All, CancellationToken.None);
        Assert.Equal(0, again.After.Count(DriftCategories.OrphanLink) + again.After.Count(DriftCategories.FieldDrift) + again.After.Count(DriftCategories.MissingInHubSpot));
        sf = await harness.SalesforceExportAsync();
        hs = await harness.HubSpotExportAsync();
        Assert.DoesNotContain(hs["companies"]!.AsArray(), c => (bool?)c!["archived"] != true && Property(c, AbmFields.HubSpotSalesforceId) == archived.SalesforceId);
        Assert.DoesNotContain(sf["Contact"]!.AsArray().Concat(sf["Lead"]!.AsArray().Where(l => (bool?)l!["IsConverted"] != true)),
            p => (bool?)p!["IsDeleted"] != true && string.Equals((string?)p["Email"], deletedEmail, StringComparison.OrdinalIgnoreCase));
    }
}

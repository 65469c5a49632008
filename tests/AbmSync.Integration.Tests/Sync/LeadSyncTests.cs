using System.Text.Json.Nodes;
using AbmSync.Worker.State;
using AbmSync.Worker.Sync;

namespace AbmSync.Integration.Tests.Sync;

/// <summary>
/// Leads on the engine, and people created in Salesforce from HubSpot: a HubSpot contact past lead stage with no twin
/// becomes a Contact under the account its company is linked to, else a Lead; a lead and a contact with one email are
/// one HubSpot contact whose fields follow the contact.
/// </summary>
public class LeadSyncTests
{
    static readonly string[] PastLead = ["marketingqualifiedlead", "salesqualifiedlead", "opportunity", "customer"];

    static async Task SyncAllAsync(SyncHarness harness, SyncDirections direction = SyncDirections.Both)
    {
        foreach (var pair in ObjectPairs.All)
        {
            var summary = await harness.SyncAsync(new SyncRequest(Object: pair) { Direction = direction });
            Assert.True(summary.Status == "succeeded", $"{pair}: {summary.Status} {summary.Message}");
        }
    }

    static string? Prop(JsonNode record, string name) => (string?)record["properties"]![name] is { Length: > 0 } v ? v : null;

    [Fact]
    public async Task FirstSync_MqlsBecomeContactsUnderLinkedAccountsOrLeads_EveryPersonHasOneTwin_SecondSyncWritesNothing()
    {
        await using var harness = await SyncHarness.StartAsync(accounts: 150, seed: 23);
        var salesforceBefore = await harness.SalesforceExportAsync();
        var seededPeople = salesforceBefore["Contact"]!.AsArray().Concat(salesforceBefore["Lead"]!.AsArray())
            .Select(r => (string)r!["Id"]!).ToHashSet(StringComparer.Ordinal);
        var hubSpotBefore = await harness.HubSpotExportAsync();
        var mqls = hubSpotBefore["contacts"]!.AsArray()
            .Where(c => PastLead.Contains(Prop(c!, "lifecyclestage"))).Select(c => (string)c!["id"]!).ToHashSet(StringComparer.Ordinal);

        await SyncAllAsync(harness);
        await harness.ResetStatsAsync();
        await SyncAllAsync(harness);
        var (_, _, salesforceWrites) = await harness.StatsAsync(harness.Sandbox.SalesforceUrl);
        var (_, _, hubSpotWrites) = await harness.StatsAsync(harness.Sandbox.HubSpotUrl);

        var salesforce = await harness.SalesforceExportAsync();
        var hubSpot = await harness.HubSpotExportAsync();
        var people = hubSpot["contacts"]!.AsArray().ToDictionary(c => (string)c!["id"]!, c => c!);
        var accountTwin = salesforce["Account"]!.AsArray().Where(a => (string?)a!["ABM_HubSpot_Id__c"] is not null)
            .ToDictionary(a => (string)a!["ABM_HubSpot_Id__c"]!, a => (string)a!["Id"]!);
        var primaryCompany = hubSpot["associations"]!.AsArray()
            .Where(a => (string)a!["from"]! == "companies" && (string)a["to"]! == "contacts" && (int)a["typeId"]! == 2)
            .GroupBy(a => (string)a!["toId"]!).ToDictionary(g => g.Key, g => (string)g.First()!["fromId"]!);

        var createdContacts = salesforce["Contact"]!.AsArray().Where(c => !seededPeople.Contains((string)c!["Id"]!)).ToList();
        var createdLeads = salesforce["Lead"]!.AsArray().Where(l => !seededPeople.Contains((string)l!["Id"]!)).ToList();
        Assert.NotEmpty(createdContacts);
        Assert.NotEmpty(createdLeads);
        foreach (var contact in createdContacts)
        {
            // Created from an MQL whose company is linked: under that company's account, twin ids both ways.
            var twin = (string)contact!["ABM_HubSpot_Id__c"]!;
            Assert.Contains(twin, mqls);
            Assert.Equal((string)contact["Id"]!, Prop(people[twin], "abm_salesforce_id"));
            Assert.Equal(accountTwin[primaryCompany[twin]], (string?)contact["AccountId"]);
        }
        foreach (var lead in createdLeads)
        {
            var twin = (string)lead!["ABM_HubSpot_Id__c"]!;
            Assert.Contains(twin, mqls);
            Assert.Equal((string)lead["Id"]!, Prop(people[twin], "abm_salesforce_lead_id"));
            Assert.False(primaryCompany.TryGetValue(twin, out var company) && accountTwin.ContainsKey(company), $"lead {lead["Id"]} has a linked company");
            Assert.Equal(Prop(people[twin], "lastname") ?? "[not provided]", (string?)lead["LastName"]);
            Assert.Equal(Prop(people[twin], "company") ?? "[not provided]", (string?)lead["Company"]);
            Assert.Null(Prop(people[twin], "abm_salesforce_id"));
        }
        // Every MQL has a twin now; no HubSpot contact is the twin of two records of one object, nor twice created.
        Assert.All(mqls, id => Assert.True(Prop(people[id], "abm_salesforce_id") is not null || Prop(people[id], "abm_salesforce_lead_id") is not null,
            $"MQL {id} has no Salesforce twin"));
        foreach (var sObject in new[] { "Contact", "Lead" })
        {
            var twinIds = salesforce[sObject]!.AsArray().Select(r => (string?)r!["ABM_HubSpot_Id__c"]).OfType<string>().ToList();
            Assert.Equal(twinIds.Count, twinIds.Distinct(StringComparer.Ordinal).Count());
        }
        Assert.Equal(hubSpotBefore["contacts"]!.AsArray().Count + (await harness.Store.AllLinksAsync(ObjectPairs.Contacts)).Count(l => l.LinkReason == "created" && !mqls.Contains(l.HubSpotId))
            + (await harness.Store.AllLinksAsync(ObjectPairs.Leads)).Count(l => l.LinkReason == "created" && !mqls.Contains(l.HubSpotId)),
            people.Count);
        // Every unconverted lead has its HubSpot twin.
        foreach (var lead in salesforce["Lead"]!.AsArray().Where(l => (bool?)l!["IsConverted"] != true))
        {
            var twin = (string?)lead!["ABM_HubSpot_Id__c"];
            Assert.NotNull(twin);
            Assert.Equal((string)lead["Id"]!, Prop(people[twin], "abm_salesforce_lead_id"));
        }
        Assert.Equal((0L, 0L), (salesforceWrites, hubSpotWrites));
    }

    [Fact]
    public async Task LeadAndContactWithOneEmail_AreOneHubSpotContact_FieldsFollowTheContact()
    {
        await using var harness = await SyncHarness.StartAsync(accounts: 60, seed: 24);
        await SyncAllAsync(harness);
        var contactLink = (await harness.Store.AllLinksAsync(ObjectPairs.Contacts)).OrderBy(l => l.SalesforceId, StringComparer.Ordinal).First();
        var person = (await harness.HubSpotExportAsync())["contacts"]!.AsArray().Single(c => (string)c!["id"]! == contactLink.HubSpotId)!;
        // A rep enters the same person as a lead (the org's duplicate rule is on Lead emails only).
        var leadId = await harness.Sandbox.CreateAsSalesRepAsync("Lead", new { LastName = "Second Entry", Company = "Typed by a rep", Email = Prop(person, "email"), Title = "Lead title" });

        await SyncAllAsync(harness);

        var shared = (await harness.HubSpotExportAsync())["contacts"]!.AsArray().Single(c => (string)c!["id"]! == contactLink.HubSpotId)!;
        Assert.Equal(leadId, Prop(shared, "abm_salesforce_lead_id"));
        Assert.Equal(contactLink.SalesforceId, Prop(shared, "abm_salesforce_id"));
        Assert.Equal(Prop(person, "jobtitle"), Prop(shared, "jobtitle"));
        Assert.Equal(Prop(person, "lastname"), Prop(shared, "lastname"));
        var lead = (await harness.SalesforceExportAsync())["Lead"]!.AsArray().Single(l => (string)l!["Id"]! == leadId)!;
        Assert.Equal(contactLink.HubSpotId, (string?)lead["ABM_HubSpot_Id__c"]);

        // The lead's later edits stay on the lead; the contact's cross.
        await harness.Sandbox.EditAsSalesRepAsync("Lead", leadId, new { Title = "Edited on the lead" });
        await harness.Sandbox.EditAsSalesRepAsync("Contact", contactLink.SalesforceId, new { Title = "Edited on the contact" });
        await SyncAllAsync(harness);
        shared = (await harness.HubSpotExportAsync())["contacts"]!.AsArray().Single(c => (string)c!["id"]! == contactLink.HubSpotId)!;
        Assert.Equal("Edited on the contact", Prop(shared, "jobtitle"));
        lead = (await harness.SalesforceExportAsync())["Lead"]!.AsArray().Single(l => (string)l!["Id"]! == leadId)!;
        Assert.Equal("Edited on the lead", (string?)lead["Title"]);
    }

    [Fact]
    public async Task CreateRefusedAsDuplicate_LinksTheOneRecordTheRuleFound_ThenSyncsItAsAFirstLink()
    {
        // Without the email match key, a HubSpot MQL whose email an unlinked Salesforce lead has goes straight to a
        // create, and the org's duplicate rule refuses it naming that lead.
        var mappings = Directory.CreateTempSubdirectory("abmsync-mappings-");
        try
        {
            var shipped = Path.Combine(SyncHarness.RepositoryRoot(), "mappings");
            foreach (var file in Directory.GetFiles(shipped, "*.yaml"))
            {
                File.Copy(file, Path.Combine(mappings.FullName, Path.GetFileName(file)));
            }
            var leads = Path.Combine(mappings.FullName, "leads.yaml");
            File.WriteAllText(leads, File.ReadAllText(leads).Replace("match: [ linked-id, email ]", "match: [ linked-id ]"));
            await using var harness = await SyncHarness.StartAsync(accounts: 60, seed: 25,
                settings: new Dictionary<string, string?> { ["Mappings:Directory"] = mappings.FullName });
            var salesforceBefore = await harness.SalesforceExportAsync();
            var leadByEmail = salesforceBefore["Lead"]!.AsArray().Where(l => (bool?)l!["IsConverted"] != true && (string?)l!["Email"] is not null)
                .GroupBy(l => ((string)l!["Email"]!).ToLowerInvariant()).Where(g => g.Count() == 1).ToDictionary(g => g.Key, g => (string)g.Single()!["Id"]!);
            var hubSpotBefore = await harness.HubSpotExportAsync();
            var twinsByRule = hubSpotBefore["contacts"]!.AsArray()
                .Where(c => PastLead.Contains(Prop(c!, "lifecyclestage")) && Prop(c!, "email") is { } e && leadByEmail.ContainsKey(e))
                .ToDictionary(c => (string)c!["id"]!, c => leadByEmail[Prop(c!, "email")!]);
            Assert.NotEmpty(twinsByRule);

            await harness.SyncAsync(new SyncRequest(Object: ObjectPairs.Accounts));
            await harness.SyncAsync(new SyncRequest(Object: ObjectPairs.Contacts));
            var summary = await harness.SyncAsync(new SyncRequest(Object: ObjectPairs.Leads) { Direction = SyncDirections.HubSpotToSalesforce });

            Assert.Equal("succeeded", summary.Status);
            var links = (await harness.Store.AllLinksAsync(ObjectPairs.Leads)).ToDictionary(l => l.HubSpotId, StringComparer.Ordinal);
            var salesforce = await harness.SalesforceExportAsync();
            var hubSpot = (await harness.HubSpotExportAsync())["contacts"]!.AsArray().ToDictionary(c => (string)c!["id"]!, c => c!);
            var linkedByRule = twinsByRule.Where(t => links.TryGetValue(t.Key, out var link) && link.LinkReason == "duplicate-rule").ToList();
            Assert.NotEmpty(linkedByRule);
            foreach (var (hubSpotId, leadId) in linkedByRule)
            {
                Assert.Equal(leadId, links[hubSpotId].SalesforceId);
                Assert.Equal(hubSpotId, (string?)salesforce["Lead"]!.AsArray().Single(l => (string)l!["Id"]! == leadId)!["ABM_HubSpot_Id__c"]);
                Assert.Equal(leadId, Prop(hubSpot[hubSpotId], "abm_salesforce_lead_id"));
            }
            // No second lead was made for any of them.
            Assert.Equal(salesforceBefore["Lead"]!.AsArray().Count + summary.SalesforceCreated, salesforce["Lead"]!.AsArray().Count);
            Assert.DoesNotContain(await harness.Store.GetDeadLettersAsync(ObjectPairs.Leads, "open"), d => d.Code == "DUPLICATES_DETECTED");
        }
        finally
        {
            mappings.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task PlanForLeads_ShowsCreatesOnBothSides_AndWritesNothing()
    {
        await using var harness = await SyncHarness.StartAsync(accounts: 60, seed: 26);
        await harness.SyncAsync(new SyncRequest(Object: ObjectPairs.Accounts));
        await harness.SyncAsync(new SyncRequest(Object: ObjectPairs.Contacts));
        await harness.ResetStatsAsync();

        var plan = await harness.SyncAsync(new SyncRequest(DryRun: true, Object: ObjectPairs.Leads));

        Assert.Contains(plan.Writes, w => w.System == "Salesforce" && w.Operation == "create" && w.Values.ContainsKey("LastName"));
        Assert.Contains(plan.Writes, w => w.System == "HubSpot" && w.Operation == "create");
        Assert.Equal(0L, (await harness.StatsAsync(harness.Sandbox.SalesforceUrl)).Writes + (await harness.StatsAsync(harness.Sandbox.HubSpotUrl)).Writes);
        Assert.Empty(await harness.Store.AllLinksAsync(ObjectPairs.Leads));
    }
}

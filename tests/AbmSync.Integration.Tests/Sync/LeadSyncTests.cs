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
        await harness.EngagementArrivesAsync();
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

    [Fact]
    public async Task ConvertedLead_ItsHubSpotContactMovesToTheContact_HoldingBothIds_NothingCreated()
    {
        await using var harness = await SyncHarness.StartAsync(accounts: 80, seed: 27);
        await SyncAllAsync(harness);
        var shared = (await harness.Store.AllLinksAsync(ObjectPairs.Contacts)).Select(l => l.HubSpotId).ToHashSet(StringComparer.Ordinal);
        var lead = (await harness.Store.AllLinksAsync(ObjectPairs.Leads)).Where(l => !shared.Contains(l.HubSpotId))
            .OrderBy(l => l.SalesforceId, StringComparer.Ordinal).First();
        var account = (await harness.Store.AllLinksAsync(ObjectPairs.Accounts)).OrderBy(l => l.SalesforceId, StringComparer.Ordinal).First();
        var peopleBefore = (await harness.HubSpotExportAsync())["contacts"]!.AsArray().Count;

        var conversion = await harness.Sandbox.ConvertLeadAsSalesRepAsync(lead.SalesforceId, account.SalesforceId);
        // The rep also corrects the new contact's email: the move follows ConvertedContactId, not the email.
        await harness.Sandbox.EditAsSalesRepAsync("Contact", conversion.ContactId, new { Email = "moved.by.conversion@example.com" });
        await SyncAllAsync(harness);
        await harness.ResetStatsAsync();
        await SyncAllAsync(harness);

        var hubSpot = await harness.HubSpotExportAsync();
        Assert.Equal(peopleBefore, hubSpot["contacts"]!.AsArray().Count);
        var person = hubSpot["contacts"]!.AsArray().Single(c => (string)c!["id"]! == lead.HubSpotId)!;
        Assert.Equal(conversion.ContactId, Prop(person, "abm_salesforce_id"));
        Assert.Equal(lead.SalesforceId, Prop(person, "abm_salesforce_lead_id"));
        Assert.Equal("moved.by.conversion@example.com", Prop(person, "email"));
        var contactLink = (await harness.Store.GetLinksAsync(ObjectPairs.Contacts, [conversion.ContactId]))[conversion.ContactId];
        Assert.Equal((lead.HubSpotId, "converted-lead"), (contactLink.HubSpotId, contactLink.LinkReason));
        Assert.Equal(LinkStatuses.Converted, (await harness.Store.GetLinksAsync(ObjectPairs.Leads, [lead.SalesforceId]))[lead.SalesforceId].Status);
        var contact = (await harness.SalesforceExportAsync())["Contact"]!.AsArray().Single(c => (string)c!["Id"]! == conversion.ContactId)!;
        Assert.Equal(lead.HubSpotId, (string?)contact["ABM_HubSpot_Id__c"]);
        Assert.Contains(hubSpot["associations"]!.AsArray(), a => (string)a!["from"]! == "companies" && (string)a["fromId"]! == account.HubSpotId
            && (string)a["toId"]! == lead.HubSpotId && (int)a["typeId"]! == 2);
        Assert.Equal(0L, (await harness.StatsAsync(harness.Sandbox.SalesforceUrl)).Writes + (await harness.StatsAsync(harness.Sandbox.HubSpotUrl)).Writes);
    }

    [Fact]
    public async Task PersonAccounts_WhereTheOrgHasThem_DoNotTakePart()
    {
        await using var harness = await SyncHarness.StartAsync(sandboxOptions: new Sandbox.SandboxOptions { Accounts = 60, Seed = 28, PersonAccounts = 6 });

        await SyncAllAsync(harness);

        var salesforce = await harness.SalesforceExportAsync();
        var personAccounts = salesforce["Account"]!.AsArray().Where(a => (bool?)a!["IsPersonAccount"] == true).Select(a => (string)a!["Id"]!).ToHashSet(StringComparer.Ordinal);
        var personContacts = salesforce["Contact"]!.AsArray().Where(c => (bool?)c!["IsPersonAccount"] == true).Select(c => (string)c!["Id"]!).ToHashSet(StringComparer.Ordinal);
        Assert.Equal(6, personAccounts.Count);
        Assert.Equal(6, personContacts.Count);
        var hubSpot = await harness.HubSpotExportAsync();
        Assert.DoesNotContain(hubSpot["companies"]!.AsArray(), c => personAccounts.Contains(Prop(c!, "abm_salesforce_id") ?? ""));
        Assert.DoesNotContain(hubSpot["contacts"]!.AsArray(), c => personContacts.Contains(Prop(c!, "abm_salesforce_id") ?? ""));
        Assert.Empty(await harness.Store.GetLinksAsync(ObjectPairs.Accounts, personAccounts));
        Assert.Empty(await harness.Store.GetLinksAsync(ObjectPairs.Contacts, personContacts));
        // Business accounts still take part.
        Assert.NotEmpty(await harness.Store.AllLinksAsync(ObjectPairs.Accounts));
    }

    [Fact]
    public async Task LeadsCreatedFromHubSpot_KeepTheOwnerWeSet_OthersGoThroughTheOrgsAssignmentRule()
    {
        await using var harness = await SyncHarness.StartAsync(accounts: 120, seed: 29);
        var before = (await harness.SalesforceExportAsync())["Lead"]!.AsArray().Select(l => (string)l!["Id"]!).ToHashSet(StringComparer.Ordinal);

        await SyncAllAsync(harness);

        var salesforce = await harness.SalesforceExportAsync();
        var hubSpot = await harness.HubSpotExportAsync();
        var userByEmail = salesforce["User"]!.AsArray().Where(u => (bool?)u!["IsActive"] == true)
            .ToDictionary(u => ((string)u!["Email"]!).ToLowerInvariant(), u => (string)u!["Id"]!);
        var ownerUser = hubSpot["owners"]!.AsArray().Where(o => (string?)o!["email"] is { } e && userByEmail.ContainsKey(e.ToLowerInvariant()))
            .ToDictionary(o => (string)o!["id"]!, o => userByEmail[((string)o!["email"]!).ToLowerInvariant()]);
        var queue = (string)salesforce["Group"]!.AsArray().Single(g => (string?)g!["Type"] == "Queue")!["Id"]!;
        var people = hubSpot["contacts"]!.AsArray().ToDictionary(c => (string)c!["id"]!, c => c!);
        var created = salesforce["Lead"]!.AsArray().Where(l => !before.Contains((string)l!["Id"]!)).ToList();
        var (kept, routed) = (0, 0);
        foreach (var lead in created)
        {
            var owner = Prop(people[(string)lead!["ABM_HubSpot_Id__c"]!], "hubspot_owner_id");
            if (owner is not null && ownerUser.TryGetValue(owner, out var user))
            {
                Assert.Equal(user, (string?)lead["OwnerId"]);
                kept++;
            }
            else
            {
                Assert.Equal(queue, (string?)lead["OwnerId"]);
                routed++;
            }
        }
        Assert.True(kept > 0, "no created lead had a HubSpot owner with a Salesforce user");
        Assert.True(routed > 0, "every created lead had a mapped owner: the assignment rule was not seen");
        // Our later updates never route a lead again.
        var mine = created.First(l => (string?)l!["OwnerId"] != queue)!;
        await harness.Sandbox.EditAsMarketerAsync("contacts", (string)mine["ABM_HubSpot_Id__c"]!, new Dictionary<string, string> { ["jobtitle"] = "Routed? No" });
        await SyncAllAsync(harness);
        var after = (await harness.SalesforceExportAsync())["Lead"]!.AsArray().Single(l => (string)l!["Id"]! == (string)mine["Id"]!)!;
        Assert.Equal(("Routed? No", (string?)mine["OwnerId"]), ((string?)after["Title"], (string?)after["OwnerId"]));
    }

    [Fact]
    public async Task OneLeadEditEachSide_TenCycles_FirstCarriesThem_LaterCyclesWriteNothing()
    {
        await using var harness = await SyncHarness.StartAsync(accounts: 60, seed: 30);
        await SyncAllAsync(harness);
        var shared = (await harness.Store.AllLinksAsync(ObjectPairs.Contacts)).Select(l => l.HubSpotId).ToHashSet(StringComparer.Ordinal);
        var links = (await harness.Store.AllLinksAsync(ObjectPairs.Leads)).Where(l => !shared.Contains(l.HubSpotId))
            .OrderBy(l => l.SalesforceId, StringComparer.Ordinal).ToList();
        await harness.Sandbox.EditAsSalesRepAsync("Lead", links[0].SalesforceId, new { Title = "Head of Growth" });
        await harness.Sandbox.EditAsMarketerAsync("contacts", links[1].HubSpotId, new Dictionary<string, string> { ["phone"] = "+1 555 0199" });

        var writes = new List<(int Salesforce, int HubSpot)>();
        for (var cycle = 1; cycle <= 10; cycle++)
        {
            var summary = await harness.SyncAsync(new SyncRequest(Object: ObjectPairs.Leads));
            Assert.Equal("succeeded", summary.Status);
            writes.Add((summary.SalesforceUpdated + summary.SalesforceCreated, summary.HubSpotUpdated + summary.HubSpotCreated));
        }

        Assert.Equal((1, 1), writes[0]);
        Assert.All(writes.Skip(1), w => Assert.Equal((0, 0), w));
        Assert.Equal("Head of Growth", Prop((await harness.HubSpotExportAsync())["contacts"]!.AsArray().Single(c => (string)c!["id"]! == links[0].HubSpotId)!, "jobtitle"));
        Assert.Equal("+1 555 0199", (string?)(await harness.SalesforceExportAsync())["Lead"]!.AsArray().Single(l => (string)l!["Id"]! == links[1].SalesforceId)!["Phone"]);
    }
}

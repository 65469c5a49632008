namespace AbmSync.Sandbox.Salesforce;

/// <summary>The seeded org: the synthetic world's Salesforce side, deterministic from the seed.</summary>
public static class OrgSeeder
{
    public sealed record Seeded(string IntegrationUserId, string SalesRepUserId, string OrgId, OrgRules.LeadAssignmentRule LeadAssignment);

    /// <param name="personAccounts">How many person accounts to add; only with a schema that has IsPersonAccount.</param>
    /// <param name="currencies">The org's active currencies, corporate first; only with a schema that has CurrencyIsoCode.</param>
    public static Seeded Seed(OrgStore store, SyntheticWorld world, int personAccounts = 0, IReadOnlyList<string>? currencies = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(personAccounts);
        var schema = store.Schema;
        var users = schema.Find("User")!;
        var accounts = schema.Find("Account")!;
        var contacts = schema.Find("Contact")!;
        var leads = schema.Find("Lead")!;
        var opportunities = schema.Find("Opportunity")!;
        // A separate stream from the world's, so that the org's own details never shift the world.
        var random = new Random(unchecked(world.Seed * 7919 + 17));
        var orgCreated = SyntheticWorld.Epoch.AddDays(-1000);

        // The integration user comes first and keeps the first User id whatever the world's size.
        var integration = store.Add(users);
        FillUser(integration, "AbmSync", "Integration", "abmsync.integration@abmsync-demo.example", "integration.user@abmsync-demo.example", "abmsync", true, orgCreated);
        var userIds = new Dictionary<int, string>();
        foreach (var rep in world.Reps)
        {
            var user = store.Add(users);
            var alias = (rep.FirstName[..1] + rep.LastName).ToLowerInvariant();
            FillUser(user, rep.FirstName, rep.LastName, rep.Email, rep.Email, alias[..Math.Min(8, alias.Length)], rep.IsActive, orgCreated.AddDays(rep.Index));
            user["Title"] = rep.Role switch { RepRole.AccountExecutive => "Account Executive", RepRole.Sdr => "Sales Development Representative", _ => "ABM Marketer" };
            userIds[rep.Index] = user.Id;
        }
        foreach (var user in store.All(users))
        {
            user["CreatedById"] = integration.Id;
            user["LastModifiedById"] = integration.Id;
        }
        var salesRep = world.Reps.First(r => r.Role == RepRole.AccountExecutive && r.IsActive);

        var accountIds = new Dictionary<int, string>();
        foreach (var business in world.Businesses.Where(b => b.InSalesforce))
        {
            var account = store.Add(accounts);
            Defaults(account);
            account["Name"] = business.Name;
            account["Website"] = business.Website;
            account["Industry"] = business.Industry;
            account["NumberOfEmployees"] = (decimal)business.Employees;
            account["AnnualRevenue"] = business.AnnualRevenue;
            account["BillingCountry"] = business.Country;
            account["BillingCity"] = business.City;
            account["Type"] = business.Type;
            account["OwnerId"] = userIds[business.OwnerRep];
            Audit(store, account, business.CreatedAt, random, userIds[business.OwnerRep]);
            accountIds[business.Index] = account.Id;
        }

        var contactIds = new Dictionary<int, string>();
        var convertible = new List<(Person Person, SfRecord Lead)>();
        foreach (var person in world.People)
        {
            if (person.SalesforceKind == SalesforcePersonKind.Contact && person.BusinessIndex is { } b && accountIds.TryGetValue(b, out var accountId))
            {
                var contact = store.Add(contacts);
                Defaults(contact);
                contact["AccountId"] = accountId;
                FillPerson(contact, person);
                contact["OwnerId"] = userIds[person.OwnerRep];
                Audit(store, contact, person.CreatedAt, random, userIds[person.OwnerRep]);
                contactIds[person.Index] = contact.Id;
            }
            else if (person.SalesforceKind == SalesforcePersonKind.Lead)
            {
                var lead = store.Add(leads);
                Defaults(lead);
                FillPerson(lead, person);
                var business = person.BusinessIndex is { } i ? world.Businesses[i] : null;
                lead["Company"] = business?.Name ?? $"{person.LastName} (personal)";
                lead["Website"] = business?.Domain;
                lead["Status"] = SfSchema.LeadStatuses[random.Next(2)];
                lead["LeadSource"] = SfSchema.LeadSources[random.Next(SfSchema.LeadSources.Length)];
                lead["OwnerId"] = userIds[person.OwnerRep];
                Audit(store, lead, person.CreatedAt, random, userIds[person.OwnerRep]);
                if (business is not null && accountIds.ContainsKey(business.Index))
                {
                    convertible.Add((person, lead));
                }
            }
        }

        foreach (var deal in world.Deals)
        {
            var opportunity = store.Add(opportunities);
            Defaults(opportunity);
            opportunity["AccountId"] = accountIds[deal.BusinessIndex];
            opportunity["Name"] = deal.Name.Length > 120 ? deal.Name[..120] : deal.Name;
            opportunity["StageName"] = deal.Stage;
            opportunity["Amount"] = deal.Amount;
            opportunity["CloseDate"] = deal.CloseDate;
            opportunity["Type"] = SfSchema.OpportunityTypes[random.Next(SfSchema.OpportunityTypes.Length)];
            opportunity["OwnerId"] = userIds[deal.OwnerRep];
            Dml.Derive(opportunity);
            Audit(store, opportunity, deal.CreatedAt, random, userIds[deal.OwnerRep]);
        }

        // Converted leads: one in ten of the leads at a known account became a contact there. Their contact is
        // minted after every seeded contact so the ids above do not depend on it.
        foreach (var (person, lead) in convertible.Where((_, i) => i % 10 == 3))
        {
            var business = world.Businesses[person.BusinessIndex!.Value];
            var contact = store.Add(contacts);
            Defaults(contact);
            contact["AccountId"] = accountIds[business.Index];
            FillPerson(contact, person);
            contact["OwnerId"] = lead["OwnerId"];
            contact["LeadSource"] = lead["LeadSource"];
            var converted = ((DateTimeOffset)lead["CreatedDate"]!).AddDays(3);
            Audit(store, contact, converted, random, (string)lead["OwnerId"]!);
            lead["IsConverted"] = true;
            lead["Status"] = "Closed - Converted";
            lead["ConvertedDate"] = DateOnly.FromDateTime(converted.UtcDateTime);
            lead["ConvertedAccountId"] = accountIds[business.Index];
            lead["ConvertedContactId"] = contact.Id;
            SetModified(store, lead, contact["SystemModstamp"] is DateTimeOffset t ? t : converted, (string)lead["OwnerId"]!);
        }

        // Merged accounts: one in twenty-five accounts absorbed a duplicate. The losers are deleted, carry their
        // master's id, and show only through queryAll; the live count stays exactly the world's.
        var live = store.All(accounts).ToList();
        for (var i = 11; i < live.Count; i += 25)
        {
            var master = live[i];
            var loser = store.Add(accounts);
            loser.Restore(master.Snapshot());
            loser["Id"] = loser.Id;
            loser["Name"] = master["Name"] is string n && n.Length < 250 ? n.ToUpperInvariant() : master["Name"];
            loser["IsDeleted"] = true;
            loser["MasterRecordId"] = master.Id;
            var merged = ((DateTimeOffset)master["SystemModstamp"]!).AddMinutes(-random.Next(5, 600));
            SetModified(store, loser, merged, (string)master["OwnerId"]!);
            if ((DateTimeOffset)loser["CreatedDate"]! > merged)
            {
                loser["CreatedDate"] = merged;
            }
        }

        // Everything below is minted after the world's records, each kind under its own key prefix and from its own
        // random stream, so that the default world's ids and values are the same with or without it.
        var assignment = SeedLeadRouting(store, integration.Id, orgCreated);
        SeedOpportunityStages(store, integration.Id, orgCreated);
        if (personAccounts > 0)
        {
            SeedPersonAccounts(store, world, personAccounts, userIds);
        }
        SeedContactRoles(store, world.Seed);
        if (currencies is { Count: > 0 })
        {
            SeedCurrencies(store, currencies);
        }

        var orgId = SalesforceId.Mint("00D", world.Seed, 1);
        return new Seeded(integration.Id, userIds[salesRep.Index], orgId, assignment);
    }

    /// <summary>The Lead Intake queue and the active lead assignment rule that fills it, set up with the org.</summary>
    static OrgRules.LeadAssignmentRule SeedLeadRouting(OrgStore store, string adminId, DateTimeOffset orgCreated)
    {
        var queue = store.Add(store.Schema.Find("Group")!);
        Defaults(queue);
        queue["Name"] = OrgRules.LeadQueueName;
        queue["DeveloperName"] = OrgRules.LeadQueueDeveloperName;
        queue["Type"] = "Queue";
        queue["Email"] = "lead-intake@abmsync-demo.example";
        queue["OwnerId"] = adminId;
        SetUp(queue, adminId, orgCreated);

        var rule = store.Add(store.Schema.Find("AssignmentRule")!);
        Defaults(rule);
        rule["Name"] = OrgRules.LeadAssignmentRuleName;
        rule["SobjectType"] = "Lead";
        rule["Active"] = true;
        SetUp(rule, adminId, orgCreated);
        return new OrgRules.LeadAssignmentRule(rule.Id, queue.Id);
    }

    /// <summary>The org's opportunity stages: the Stage picklist's values in order, each with its closed and won facts.</summary>
    static void SeedOpportunityStages(OrgStore store, string adminId, DateTimeOffset orgCreated)
    {
        var type = store.Schema.Find("OpportunityStage")!;
        for (var i = 0; i < SyntheticWorld.OpportunityStages.Length; i++)
        {
            var name = SyntheticWorld.OpportunityStages[i];
            var (isClosed, isWon, probability, forecast) = SfSchema.StageFacts(name);
            var stage = store.Add(type);
            Defaults(stage);
            stage["MasterLabel"] = name;
            stage["ApiName"] = name;
            stage["IsActive"] = true;
            stage["SortOrder"] = (decimal)(i + 1);
            stage["IsClosed"] = isClosed;
            stage["IsWon"] = isWon;
            stage["DefaultProbability"] = (decimal)probability;
            stage["ForecastCategoryName"] = forecast;
            stage["ForecastCategory"] = forecast switch { "Best Case" => "BestCase", "Commit" => "Forecast", _ => forecast };
            SetUp(stage, adminId, orgCreated);
        }
    }

    static void SetUp(SfRecord record, string adminId, DateTimeOffset at)
    {
        record["CreatedDate"] = at;
        record["CreatedById"] = adminId;
        record["LastModifiedDate"] = at;
        record["LastModifiedById"] = adminId;
        record["SystemModstamp"] = at;
    }

    /// <summary>
    /// Person accounts: an Account and its one Contact, both with IsPersonAccount = true, for a consumer who buys
    /// directly. Named after the person, owned by an active account executive, with a personal email unique in the org.
    /// </summary>
    /// <summary>
    /// Each account's currency is its billing country's where the org has that currency active, else the corporate
    /// one; an opportunity is in its account's currency. Derived from values already seeded, never from a random
    /// stream, so turning multi-currency on changes nothing else.
    /// </summary>
    static void SeedCurrencies(OrgStore store, IReadOnlyList<string> currencies)
    {
        var accounts = store.Schema.Find("Account")!;
        var byAccount = new Dictionary<string, string>(StringComparer.Ordinal);
        // Every record, deleted ones (merged-away accounts) included: a recycle-bin record keeps its currency too.
        foreach (var account in store.All(accounts))
        {
            var local = CurrencyOf(account["BillingCountry"] as string);
            var currency = local is not null && currencies.Contains(local, StringComparer.Ordinal) ? local : currencies[0];
            account[SfSchema.CurrencyField] = currency;
            byAccount[account.Id] = currency;
        }
        foreach (var opportunity in store.All(store.Schema.Find("Opportunity")!))
        {
            opportunity[SfSchema.CurrencyField] = opportunity["AccountId"] is string id && byAccount.TryGetValue(id, out var c) ? c : currencies[0];
        }
    }

    /// <summary>The currency of a world country (ISO 3166 alpha-2).</summary>
    static string? CurrencyOf(string? country) => country switch
    {
        "US" => "USD",
        "CA" => "CAD",
        "GB" => "GBP",
        "DE" or "FR" or "NL" => "EUR",
        "AU" => "AUD",
        "JP" => "JPY",
        "BR" => "BRL",
        "IN" => "INR",
        "SG" => "SGD",
        _ => null,
    };

    static void SeedPersonAccounts(OrgStore store, SyntheticWorld world, int count, Dictionary<int, string> userIds)
    {
        var accounts = store.Schema.Find("Account")!;
        var contacts = store.Schema.Find("Contact")!;
        var email = contacts.Field("Email")!;
        var random = new Random(unchecked(world.Seed * 7919 + 0x5041));
        var owners = world.Reps.Where(r => r.Role == RepRole.AccountExecutive && r.IsActive).Select(r => userIds[r.Index]).ToList();
        for (var i = 0; i < count; i++)
        {
            var first = SyntheticWorld.FirstNames[random.Next(SyntheticWorld.FirstNames.Length)];
            var last = SyntheticWorld.LastNames[random.Next(SyntheticWorld.LastNames.Length)];
            var domain = SyntheticWorld.PersonalMailDomains[random.Next(SyntheticWorld.PersonalMailDomains.Length)];
            var address = $"{first}.{last}@{domain}".ToLowerInvariant();
            for (var n = 2; store.WithValue(contacts, email, address).Any(); n++)
            {
                address = $"{first}.{last}{n}@{domain}".ToLowerInvariant();
            }
            var owner = owners[random.Next(owners.Count)];
            var created = SyntheticWorld.Epoch.AddDays(-random.Next(1, 700)).AddSeconds(random.Next(0, 86_400));
            var country = SyntheticWorld.Countries[random.Next(SyntheticWorld.Countries.Length)];

            var account = store.Add(accounts);
            Defaults(account);
            account["Name"] = $"{first} {last}";
            // Consumers who bought or may buy: types the account filters keep (they leave out partners and competitors).
            account["Type"] = i % 3 == 0 ? "Customer - Direct" : "Prospect";
            account["BillingCountry"] = country;
            account["BillingCity"] = SyntheticWorld.CitiesByCountry[country][random.Next(SyntheticWorld.CitiesByCountry[country].Length)];
            account["OwnerId"] = owner;
            account["IsPersonAccount"] = true;
            Audit(store, account, created, random, owner);

            var contact = store.Add(contacts);
            Defaults(contact);
            contact["AccountId"] = account.Id;
            contact["FirstName"] = first;
            contact["LastName"] = last;
            contact["Name"] = $"{first} {last}";
            contact["Email"] = address;
            contact["OwnerId"] = owner;
            contact["IsPersonAccount"] = true;
            // The platform saves a person account's two halves together: one creation, one last change.
            contact["CreatedDate"] = account["CreatedDate"];
            contact["CreatedById"] = owner;
            SetModified(store, contact, (DateTimeOffset)account["SystemModstamp"]!, owner);
        }
    }

    /// <summary>
    /// Contact roles: about three opportunities in five at an account with contacts name one to three of that
    /// account's people, each in the role their title suggests (a CFO the economic buyer, a CTO the technical buyer…),
    /// and most of them one primary contact. Added by the opportunity's owner between its creation and its last change.
    /// </summary>
    static void SeedContactRoles(OrgStore store, int seed)
    {
        var roles = store.Schema.Find("OpportunityContactRole")!;
        var contacts = store.Schema.Find("Contact")!;
        var opportunities = store.Schema.Find("Opportunity")!;
        var random = new Random(unchecked(seed * 7919 + 0x4F43));
        var people = store.All(contacts)
            .Where(c => !c.IsDeleted && c["IsPersonAccount"] is not true && c["AccountId"] is string)
            .GroupBy(c => (string)c["AccountId"]!, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.ToList(), StringComparer.Ordinal);
        foreach (var opportunity in store.All(opportunities).ToList())
        {
            if (opportunity.IsDeleted || opportunity["AccountId"] is not string accountId || !people.TryGetValue(accountId, out var atAccount)
                || random.NextDouble() >= 0.6)
            {
                continue;
            }
            var pool = atAccount.ToList();
            var count = Math.Min(pool.Count, random.Next(1, 4));
            var hasPrimary = random.NextDouble() < 0.85;
            var owner = (string)opportunity["OwnerId"]!;
            var opened = (DateTimeOffset)opportunity["CreatedDate"]!;
            var lastChange = (DateTimeOffset)opportunity["SystemModstamp"]!;
            for (var i = 0; i < count; i++)
            {
                var pick = random.Next(pool.Count);
                var contact = pool[pick];
                pool.RemoveAt(pick);
                var role = store.Add(roles);
                Defaults(role);
                role["OpportunityId"] = opportunity.Id;
                role["ContactId"] = contact.Id;
                role["Role"] = random.NextDouble() < 0.05 ? null : RoleFor(contact["Title"] as string, random);
                role["IsPrimary"] = hasPrimary && i == 0;
                // No later than the opportunity's own last change, so the org's latest stamp (and every later write's) stays as it was.
                var added = opened.AddSeconds(Math.Floor(Math.Max(0, (lastChange - opened).TotalSeconds) * random.NextDouble()));
                role["CreatedDate"] = added;
                role["CreatedById"] = owner;
                SetModified(store, role, added, owner);
            }
        }
    }

    /// <summary>The role a rep would give someone with this title; one in five is a judgement call the title does not predict.</summary>
    static string RoleFor(string? title, Random random) => random.NextDouble() < 0.2
        ? SfSchema.ContactRoles[random.Next(SfSchema.ContactRoles.Length)]
        : title switch
        {
            "Chief Executive Officer" or "Chief Operating Officer" or "COO" => "Executive Sponsor",
            "Chief Financial Officer" or "CFO" or "VP Finance" => "Economic Buyer",
            "Chief Technology Officer" or "CTO" or "VP Engineering" or "Director of IT" => "Technical Buyer",
            "IT Manager" or "Solutions Architect" or "Senior Software Engineer" or "Data Analyst" => "Evaluator",
            "Head of Procurement" or "Purchasing Director" => "Economic Decision Maker",
            "Procurement Manager" => "Other",
            "VP Marketing" or "VP Sales" or "Head of Operations" => "Decision Maker",
            "Marketing Manager" or "Demand Generation Manager" or "Operations Manager" or "Sales Operations Manager" or "Product Manager" => "Business User",
            _ => "Influencer",
        };

    static void FillUser(SfRecord user, string first, string last, string email, string username, string alias, bool active, DateTimeOffset created)
    {
        Defaults(user);
        user["FirstName"] = first;
        user["LastName"] = last;
        user["Name"] = $"{first} {last}";
        user["Email"] = email;
        user["Username"] = username;
        user["Alias"] = alias;
        user["IsActive"] = active;
        user["CreatedDate"] = created;
        user["LastModifiedDate"] = created;
        user["SystemModstamp"] = created;
    }

    static void FillPerson(SfRecord record, Person person)
    {
        record["FirstName"] = person.FirstName;
        record["LastName"] = person.LastName;
        record["Name"] = $"{person.FirstName} {person.LastName}";
        record["Email"] = person.Email;
        record["Title"] = person.Title;
    }

    static void Defaults(SfRecord record)
    {
        foreach (var field in record.Type.Fields)
        {
            record[field.Name] = field.Type == SfType.Boolean ? false : null;
        }
        record["Id"] = record.Id;
    }

    /// <summary>Created at <paramref name="created"/>, last modified somewhere between then and the world's epoch.</summary>
    static void Audit(OrgStore store, SfRecord record, DateTimeOffset created, Random random, string userId)
    {
        var span = Math.Max(0, (SyntheticWorld.Epoch - created).TotalSeconds);
        var modified = created.AddSeconds(Math.Floor(span * random.NextDouble()));
        record["CreatedDate"] = created;
        record["CreatedById"] = userId;
        SetModified(store, record, modified, userId);
    }

    static void SetModified(OrgStore store, SfRecord record, DateTimeOffset modified, string userId)
    {
        record["LastModifiedDate"] = modified;
        record["SystemModstamp"] = modified;
        record["LastModifiedById"] = userId;
        store.SawStamp(modified);
    }
}

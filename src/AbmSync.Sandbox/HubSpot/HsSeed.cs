using System.Globalization;

namespace AbmSync.Sandbox.HubSpot;

/// <summary>Fills a fresh portal from the synthetic world. A pure function of the world: same seed, same records and ids.</summary>
internal static partial class HsSeed
{
    public const long OwnerIdBase = 100_000_001;
    public const long UserIdBase = 70_000_001;

    static readonly DateTimeOffset PortalCreated = SyntheticWorld.Epoch.AddYears(-3);

    public static long OwnerId(SalesRep rep) => OwnerIdBase + rep.Index;

    public static long UserId(SalesRep rep) => UserIdBase + rep.Index;

    /// <summary>The rep behind the sales-rep token: the first account executive with a HubSpot seat.</summary>
    public static SalesRep HumanRep(SyntheticWorld world) =>
        world.Reps.FirstOrDefault(r => r.InHubSpot && r.Role == RepRole.AccountExecutive) ?? world.Reps.First(r => r.InHubSpot);

    public static void Seed(HsPortal portal, SyntheticWorld world)
    {
        portal.InstallDefaults(PortalCreated);
        var random = new Random(unchecked(world.Seed * 7919 + 0x4853));

        var teamIds = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var rep in world.Reps.Where(r => r.InHubSpot))
        {
            var teamId = teamIds.TryGetValue(rep.Region, out var t) ? t : teamIds[rep.Region] = 9_100_001 + teamIds.Count;
            var created = PortalCreated.AddDays(random.Next(0, 400));
            portal.Owners[OwnerId(rep)] = new HsOwner(OwnerId(rep), rep.Email, rep.FirstName, rep.LastName, UserId(rep), rep.Region,
                teamId, created, created.AddDays(random.Next(0, 300)), Archived: false);
        }
        string? OwnerOf(int repIndex) => world.Reps[repIndex].InHubSpot ? OwnerId(world.Reps[repIndex]).ToString(CultureInfo.InvariantCulture) : null;
        HsActor ActorOf(int repIndex) => world.Reps[repIndex].InHubSpot ? HsActor.User(UserId(world.Reps[repIndex])) : HsActor.Import("seed-import-1");

        var companyIds = new Dictionary<int, long>();
        foreach (var business in world.Businesses.Where(b => b.InHubSpot))
        {
            var created = business.CreatedAt.AddHours(random.Next(0, 120));
            var modified = Between(random, created, SyntheticWorld.Epoch);
            var record = Seeded(portal, HsSchema.Companies, created, modified, ActorOf(business.OwnerRep), new()
            {
                ["name"] = business.HubSpotName,
                ["domain"] = business.Domain,
                ["website"] = random.NextDouble() < 0.7 ? "https://" + business.Domain : null,
                ["industry"] = random.NextDouble() < 0.9 ? NullIfEmpty(HsSchema.IndustryFor(business.Industry)) : null,
                ["numberofemployees"] = business.Employees.ToString(CultureInfo.InvariantCulture),
                ["annualrevenue"] = business.AnnualRevenue.ToString(CultureInfo.InvariantCulture),
                ["country"] = business.Country,
                ["city"] = business.City,
                ["hubspot_owner_id"] = OwnerOf(business.OwnerRep),
                ["lifecyclestage"] = business.Type.StartsWith("Customer", StringComparison.Ordinal) ? "customer" : "lead",
            });
            companyIds[business.Index] = record.Id;
        }

        var contactIds = new Dictionary<int, long>();
        foreach (var person in world.People.Where(p => p.InHubSpot))
        {
            var modified = Between(random, person.CreatedAt, SyntheticWorld.Epoch);
            long? companyId = person.BusinessIndex is { } b && companyIds.TryGetValue(b, out var c) ? c : null;
            var business = person.BusinessIndex is { } bi ? world.Businesses[bi] : null;
            var record = Seeded(portal, HsSchema.Contacts, person.CreatedAt, modified, ActorOf(person.OwnerRep), new()
            {
                ["email"] = person.Email,
                ["firstname"] = person.FirstName,
                ["lastname"] = person.LastName,
                ["jobtitle"] = person.Title,
                ["company"] = business?.HubSpotName,
                ["associatedcompanyid"] = companyId?.ToString(CultureInfo.InvariantCulture),
                ["hubspot_owner_id"] = OwnerOf(person.OwnerRep),
                ["lifecyclestage"] = random.NextDouble() < 0.6 ? "lead" : "marketingqualifiedlead",
            });
            contactIds[person.Index] = record.Id;
            if (companyId is { } cid)
            {
                portal.Associations.Add(HsSchema.Contacts, record.Id, HsSchema.Companies, cid, 279);
                portal.Associations.Add(HsSchema.Contacts, record.Id, HsSchema.Companies, cid, 1);
            }
        }

        // Not every Salesforce opportunity was ever entered in HubSpot: about half of those at portal companies.
        foreach (var deal in world.Deals)
        {
            if (!companyIds.TryGetValue(deal.BusinessIndex, out var companyId) || random.NextDouble() >= 0.5)
            {
                continue;
            }
            var modified = Between(random, deal.CreatedAt, SyntheticWorld.Epoch);
            var record = Seeded(portal, HsSchema.Deals, deal.CreatedAt, modified, ActorOf(deal.OwnerRep), new()
            {
                ["dealname"] = deal.Name,
                ["amount"] = deal.Amount.ToString(CultureInfo.InvariantCulture),
                ["dealstage"] = StageFor(deal.Stage),
                ["pipeline"] = "default",
                ["closedate"] = HsJson.Timestamp(new DateTimeOffset(deal.CloseDate.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero)),
                ["hubspot_owner_id"] = OwnerOf(deal.OwnerRep),
                ["dealtype"] = deal.Name.EndsWith("New Business", StringComparison.Ordinal) ? "newbusiness" : "existingbusiness",
                // Deals made in the portal take its company currency, the default HubSpot gives new deals.
                [HsSchema.DealCurrencyProperty] = HsSchema.CompanyCurrency,
            });
            record.Props["hs_is_closed"] = deal.Stage.StartsWith("Closed", StringComparison.Ordinal) ? "true" : "false";
            record.Props["hs_is_closed_won"] = deal.Stage == "Closed Won" ? "true" : "false";
            portal.Associations.Add(HsSchema.Deals, record.Id, HsSchema.Companies, companyId, 341);
            portal.Associations.Add(HsSchema.Deals, record.Id, HsSchema.Companies, companyId, 5);
            // The deal's contacts: one or two people of the company (the buying committee the rep works with).
            foreach (var (contactId, _) in portal.Associations.Of(HsSchema.Companies, companyId, HsSchema.Contacts).Take(random.Next(1, 3)))
            {
                portal.Associations.Add(HsSchema.Deals, record.Id, HsSchema.Contacts, contactId, 3);
            }
        }

        SeedEngagement(portal, world, random, companyIds, contactIds);
        SeedMergesAndArchives(portal, world, random, companyIds, contactIds);
        SeedBulkImport(portal, random);

        foreach (var company in portal.Records[HsSchema.Companies].Values)
        {
            company.Props["num_associated_contacts"] = portal.Associations.Count(HsSchema.Companies, company.Id, HsSchema.Contacts).ToString(CultureInfo.InvariantCulture);
            company.Props["num_associated_deals"] = portal.Associations.Count(HsSchema.Companies, company.Id, HsSchema.Deals).ToString(CultureInfo.InvariantCulture);
        }
    }

    static string? NullIfEmpty(string value) => value.Length == 0 ? null : value;

    static HsRecord Seeded(HsPortal portal, string type, DateTimeOffset created, DateTimeOffset modified, HsActor source, Dictionary<string, string?> values)
    {
        created = Truncate(created);
        modified = Truncate(modified);
        var record = new HsRecord
        {
            Type = type,
            Id = portal.NewId(type),
            SeedSource = source,
            SeedTime = modified,
            CreatedAt = created,
            UpdatedAt = modified,
        };
        portal.Add(record);
        record.Props["hs_object_id"] = record.IdText;
        record.Props[HsSchema.CreatedProperty(type)] = HsJson.Timestamp(created);
        foreach (var (name, value) in values)
        {
            if (value is not null)
            {
                record.Props[name] = value;
            }
        }
        HsPortal.Touch(record, modified);
        portal.IndexSeeded(record);
        return record;
    }

    public static DateTimeOffset Truncate(DateTimeOffset t) => DateTimeOffset.FromUnixTimeMilliseconds(t.ToUnixTimeMilliseconds());

    static DateTimeOffset Between(Random random, DateTimeOffset from, DateTimeOffset to) =>
        to <= from ? from : from.AddSeconds(random.NextDouble() * (to - from).TotalSeconds);

    /// <summary>Salesforce's default stages onto HubSpot's default sales pipeline.</summary>
    public static string StageFor(string salesforceStage) => salesforceStage switch
    {
        "Prospecting" => "appointmentscheduled",
        "Qualification" or "Needs Analysis" => "qualifiedtobuy",
        "Value Proposition" or "Id. Decision Makers" => "presentationscheduled",
        "Perception Analysis" => "decisionmakerboughtin",
        "Proposal/Price Quote" or "Negotiation/Review" => "contractsent",
        "Closed Won" => "closedwon",
        _ => "closedlost",
    };
}

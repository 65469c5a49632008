namespace AbmSync.Sandbox;

/// <summary>
/// One synthetic business world, seen later through two APIs: the same businesses become Salesforce accounts and
/// (often under a slightly different name, always with the same domain) HubSpot companies; people become Salesforce
/// contacts or leads and HubSpot contacts; sales reps are Salesforce users and, mostly, HubSpot owners.
/// Everything is a pure function of (seed, account count): the same arguments give the same world.
/// </summary>
public sealed class SyntheticWorld
{
    public required int Seed { get; init; }
    public required IReadOnlyList<SalesRep> Reps { get; init; }
    public required IReadOnlyList<Business> Businesses { get; init; }
    public required IReadOnlyList<Person> People { get; init; }
    public required IReadOnlyList<Deal> Deals { get; init; }

    /// <summary>The instant the world was "exported": every seeded timestamp lies before it.</summary>
    public static readonly DateTimeOffset Epoch = new(2026, 11, 1, 9, 0, 0, TimeSpan.Zero);

    public static SyntheticWorld Generate(int seed, int salesforceAccounts)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(salesforceAccounts);
        var random = new Random(seed);
        var reps = GenerateReps(random, Math.Clamp(salesforceAccounts / 40, 6, 400));
        var businesses = GenerateBusinesses(random, salesforceAccounts, reps);
        var people = GeneratePeople(random, businesses, reps);
        var deals = GenerateDeals(random, businesses);
        return new SyntheticWorld { Seed = seed, Reps = reps, Businesses = businesses, People = people, Deals = deals };
    }

    static List<SalesRep> GenerateReps(Random random, int count)
    {
        var reps = new List<SalesRep>(count);
        var used = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < count; i++)
        {
            string first, last, email;
            do
            {
                first = Pick(random, FirstNames);
                last = Pick(random, LastNames);
                email = $"{first}.{last}".ToLowerInvariant() + "@abmsync-demo.example";
            }
            while (!used.Add(email));
            var role = (i % 6) switch { 0 => RepRole.Marketer, 1 or 2 => RepRole.Sdr, _ => RepRole.AccountExecutive };
            reps.Add(new SalesRep(
                Index: i,
                FirstName: first,
                LastName: last,
                Email: email,
                Role: role,
                Region: Regions[i % Regions.Length],
                // A few users have left (one in eleven): their records still point at them, which routing must notice.
                IsActive: i % 11 != 10,
                // Most reps also have a HubSpot seat; one in seven does not, and must be reported, not guessed. A rule
                // rather than a dice roll, so that every world has the same mix, whatever its seed.
                InHubSpot: i % 7 != 5));
        }
        return reps;
    }

    static List<Business> GenerateBusinesses(Random random, int salesforceAccounts, List<SalesRep> reps)
    {
        var executives = reps.Where(r => r.Role == RepRole.AccountExecutive).ToList();
        var hubSpotOnly = salesforceAccounts / 6;
        var total = salesforceAccounts + hubSpotOnly;
        var businesses = new List<Business>(total);
        var domains = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < total; i++)
        {
            string name, domain;
            var attempt = 0;
            do
            {
                var stem = Pick(random, NameStems) + Pick(random, NameTails);
                name = attempt < 3 ? stem : $"{stem} {Pick(random, NameQualifiers)}";
                if (attempt >= 6)
                {
                    name = $"{stem} {i}";
                }
                domain = Slug(name) + Pick(random, TopLevelDomains);
                attempt++;
            }
            while (!domains.Add(domain));

            var legalSuffix = Pick(random, LegalSuffixes);
            var industry = Pick(random, Industries);
            var employees = EmployeeCount(random);
            var inSalesforce = i < salesforceAccounts;
            // Three in four Salesforce businesses already exist in the portal; the rest arrive through the sync.
            var inHubSpot = !inSalesforce || random.NextDouble() < 0.75;
            var country = Pick(random, Countries);
            businesses.Add(new Business(
                Index: i,
                Name: name + legalSuffix,
                HubSpotName: random.NextDouble() < 0.5 ? name : name + legalSuffix,
                Domain: domain,
                Website: WebsiteAsTyped(random, domain),
                Industry: industry,
                Employees: employees,
                AnnualRevenue: Math.Round(employees * (decimal)(80_000 + random.Next(0, 320_000)) / 1000m) * 1000m,
                Country: country,
                City: Pick(random, CitiesByCountry[country]),
                Type: Pick(random, AccountTypes),
                OwnerRep: executives[random.Next(executives.Count)].Index,
                InSalesforce: inSalesforce,
                InHubSpot: inHubSpot,
                CreatedAt: Epoch.AddDays(-random.Next(30, 900)).AddSeconds(random.Next(0, 86_400))));
        }
        return businesses;
    }

    static List<Person> GeneratePeople(Random random, List<Business> businesses, List<SalesRep> reps)
    {
        var people = new List<Person>();
        var emails = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var business in businesses)
        {
            var count = random.Next(1, 6);
            for (var k = 0; k < count; k++)
            {
                people.Add(NewPerson(random, people.Count, business, reps, emails));
            }
        }
        // People at no known company: the portal's long tail.
        var strays = businesses.Count / 10;
        for (var k = 0; k < strays; k++)
        {
            people.Add(NewPerson(random, people.Count, business: null, reps, emails));
        }
        return people;
    }

    static Person NewPerson(Random random, int index, Business? business, List<SalesRep> reps, HashSet<string> emails)
    {
        var first = Pick(random, FirstNames);
        var last = Pick(random, LastNames);
        var personal = business is null || random.NextDouble() < 0.08;
        var domain = personal ? Pick(random, PersonalMailDomains) : business!.Domain;
        var email = $"{first}.{last}@{domain}".ToLowerInvariant();
        for (var n = 2; !emails.Add(email); n++)
        {
            email = $"{first}.{last}{n}@{domain}".ToLowerInvariant();
        }
        SalesforcePersonKind kind;
        if (business is null)
        {
            kind = random.NextDouble() < 0.5 ? SalesforcePersonKind.Lead : SalesforcePersonKind.None;
        }
        else if (!business.InSalesforce)
        {
            kind = SalesforcePersonKind.None;
        }
        else
        {
            var roll = random.NextDouble();
            kind = roll < 0.7 ? SalesforcePersonKind.Contact : roll < 0.85 ? SalesforcePersonKind.Lead : SalesforcePersonKind.None;
        }
        var inHubSpot = kind == SalesforcePersonKind.None || random.NextDouble() < 0.8;
        var owner = business is not null ? business.OwnerRep : reps[random.Next(reps.Count)].Index;
        return new Person(
            Index: index,
            FirstName: first,
            LastName: last,
            Email: email,
            Title: Pick(random, JobTitles),
            BusinessIndex: business?.Index,
            SalesforceKind: kind,
            InHubSpot: inHubSpot || kind == SalesforcePersonKind.None,
            OwnerRep: owner,
            CreatedAt: Epoch.AddDays(-random.Next(1, 700)).AddSeconds(random.Next(0, 86_400)));
    }

    static List<Deal> GenerateDeals(Random random, List<Business> businesses)
    {
        var deals = new List<Deal>();
        foreach (var business in businesses.Where(b => b.InSalesforce))
        {
            var count = random.NextDouble() < 0.35 ? random.Next(1, 4) : 0;
            for (var k = 0; k < count; k++)
            {
                var stage = Pick(random, OpportunityStages);
                var created = Epoch.AddDays(-random.Next(5, 400));
                deals.Add(new Deal(
                    Index: deals.Count,
                    BusinessIndex: business.Index,
                    Name: $"{business.Name} - {Pick(random, DealKinds)}",
                    Stage: stage,
                    Amount: Math.Round((decimal)(5_000 + random.Next(0, 400_000)) / 100m) * 100m,
                    CloseDate: DateOnly.FromDateTime(created.AddDays(random.Next(20, 180)).UtcDateTime),
                    OwnerRep: business.OwnerRep,
                    CreatedAt: created));
            }
        }
        return deals;
    }

    static int EmployeeCount(Random random) => random.NextDouble() switch
    {
        < 0.30 => random.Next(5, 200),
        < 0.70 => random.Next(200, 2_000),
        < 0.92 => random.Next(2_000, 20_000),
        _ => random.Next(20_000, 150_000),
    };

    static string WebsiteAsTyped(Random random, string domain) => random.Next(6) switch
    {
        // People type websites every way there is; matching must normalize all of them.
        0 => $"https://www.{domain}",
        1 => $"http://{domain}/",
        2 => $"www.{domain}",
        3 => $"https://{domain}/about",
        4 => $"HTTPS://WWW.{domain.ToUpperInvariant()}:443/",
        _ => domain,
    };

    static string Slug(string name) =>
        new string(name.ToLowerInvariant().Where(char.IsAsciiLetterOrDigit).ToArray());

    static T Pick<T>(Random random, IReadOnlyList<T> items) => items[random.Next(items.Count)];

    internal static readonly string[] FirstNames =
    [
        "Ada", "Alan", "Amara", "Ana", "Ben", "Bianca", "Carlos", "Chen", "Chloe", "Dana", "Diego", "Elena", "Emil", "Fatima",
        "Felix", "Grace", "Hana", "Hugo", "Ines", "Ivan", "Jamal", "Jana", "Jonas", "Kai", "Kenji", "Lara", "Leo", "Lina",
        "Luca", "Maya", "Mateo", "Mei", "Nadia", "Noah", "Olga", "Omar", "Priya", "Rafael", "Rosa", "Sam", "Sara", "Tariq",
        "Tess", "Uma", "Victor", "Wen", "Yara", "Yusuf", "Zoe", "Zeynep",
    ];

    internal static readonly string[] LastNames =
    [
        "Adams", "Almeida", "Bauer", "Becker", "Brown", "Chen", "Costa", "Dubois", "Evans", "Fischer", "Garcia", "Gupta",
        "Hansen", "Ito", "Jansen", "Kim", "Kowalski", "Larsen", "Lopez", "Meyer", "Moreau", "Nakamura", "Novak", "Okafor",
        "Olsen", "Patel", "Petrov", "Quinn", "Rossi", "Santos", "Schmidt", "Silva", "Singh", "Tanaka", "Varga", "Wagner",
        "Walsh", "Weber", "Wong", "Yilmaz",
    ];

    static readonly string[] NameStems =
    [
        "Acme", "Apex", "Arbor", "Atlas", "Aurora", "Beacon", "Birch", "Blue", "Bright", "Cascade", "Cedar", "Cobalt", "Copper",
        "Crest", "Delta", "Ember", "Evergreen", "Falcon", "Fjord", "Granite", "Harbor", "Helix", "Horizon", "Iron", "Juniper",
        "Keystone", "Lumen", "Maple", "Meridian", "Nimbus", "North", "Nova", "Oak", "Onyx", "Orbit", "Pine", "Pioneer",
        "Quartz", "Redwood", "Ridge", "River", "Sable", "Sierra", "Signal", "Silver", "Summit", "Tidal", "Vertex", "Willow", "Zenith",
    ];

    static readonly string[] NameTails =
    [
        " Analytics", " Bank", " Biotech", " Capital", " Cloud", " Dynamics", " Energy", " Foods", " Health", " Labs",
        " Logistics", " Media", " Networks", " Partners", " Robotics", " Security", " Software", " Systems", "works", "ly",
    ];

    static readonly string[] NameQualifiers = ["Group", "Global", "Holdings", "Technologies", "International", "Digital"];
    static readonly string[] LegalSuffixes = ["", "", " Inc.", " Ltd", " GmbH", " LLC", " Corp.", " S.A."];
    static readonly string[] TopLevelDomains = [".com", ".com", ".com", ".io", ".co.uk", ".de", ".net", ".ai"];
    internal static readonly string[] PersonalMailDomains = ["gmail.com", "yahoo.com", "outlook.com", "hotmail.com", "proton.me"];
    static readonly string[] Regions = ["NA-East", "NA-West", "EMEA", "APAC"];
    static readonly string[] AccountTypes = ["Prospect", "Prospect", "Prospect", "Customer - Direct", "Customer - Channel", "Partner", "Competitor", "Other"];

    /// <summary>Salesforce's standard Account.Industry picklist values.</summary>
    public static readonly string[] Industries =
    [
        "Agriculture", "Apparel", "Banking", "Biotechnology", "Chemicals", "Communications", "Construction", "Consulting",
        "Education", "Electronics", "Energy", "Engineering", "Entertainment", "Environmental", "Finance", "Food & Beverage",
        "Government", "Healthcare", "Hospitality", "Insurance", "Machinery", "Manufacturing", "Media", "Not For Profit",
        "Recreation", "Retail", "Shipping", "Technology", "Telecommunications", "Transportation", "Utilities", "Other",
    ];

    /// <summary>Salesforce's standard Opportunity.StageName picklist values.</summary>
    public static readonly string[] OpportunityStages =
    [
        "Prospecting", "Qualification", "Needs Analysis", "Value Proposition", "Id. Decision Makers", "Perception Analysis",
        "Proposal/Price Quote", "Negotiation/Review", "Closed Won", "Closed Lost",
    ];

    static readonly string[] DealKinds = ["New Business", "Expansion", "Renewal", "Pilot", "Add-on"];

    static readonly string[] JobTitles =
    [
        "Chief Executive Officer", "Chief Financial Officer", "CFO", "VP Finance", "Chief Technology Officer", "CTO",
        "VP Engineering", "Director of IT", "IT Manager", "Solutions Architect", "Senior Software Engineer",
        "Head of Procurement", "Procurement Manager", "Purchasing Director", "VP Marketing", "Marketing Manager",
        "Demand Generation Manager", "Head of Operations", "Operations Manager", "Chief Operating Officer", "COO",
        "VP Sales", "Sales Operations Manager", "Data Analyst", "Product Manager", "Intern",
    ];

    internal static readonly string[] Countries = ["US", "US", "US", "CA", "GB", "DE", "FR", "NL", "AU", "JP", "BR", "IN", "SG"];

    internal static readonly Dictionary<string, string[]> CitiesByCountry = new()
    {
        ["US"] = ["New York", "San Francisco", "Austin", "Chicago", "Boston", "Seattle"],
        ["CA"] = ["Toronto", "Vancouver", "Montreal"],
        ["GB"] = ["London", "Manchester", "Edinburgh"],
        ["DE"] = ["Berlin", "Munich", "Hamburg"],
        ["FR"] = ["Paris", "Lyon"],
        ["NL"] = ["Amsterdam", "Rotterdam"],
        ["AU"] = ["Sydney", "Melbourne"],
        ["JP"] = ["Tokyo", "Osaka"],
        ["BR"] = ["São Paulo", "Rio de Janeiro"],
        ["IN"] = ["Bengaluru", "Mumbai"],
        ["SG"] = ["Singapore"],
    };
}

public enum RepRole { AccountExecutive, Sdr, Marketer }

public enum SalesforcePersonKind { None, Contact, Lead }

/// <summary>A sales or marketing rep: a Salesforce user and, when <see cref="InHubSpot"/>, a HubSpot owner with the same email.</summary>
public sealed record SalesRep(int Index, string FirstName, string LastName, string Email, RepRole Role, string Region, bool IsActive, bool InHubSpot);

/// <summary>A company in the world. <see cref="Website"/> is the website as someone typed it into Salesforce.</summary>
public sealed record Business(
    int Index, string Name, string HubSpotName, string Domain, string Website, string Industry, int Employees,
    decimal AnnualRevenue, string Country, string City, string Type, int OwnerRep, bool InSalesforce, bool InHubSpot,
    DateTimeOffset CreatedAt);

public sealed record Person(
    int Index, string FirstName, string LastName, string Email, string Title, int? BusinessIndex,
    SalesforcePersonKind SalesforceKind, bool InHubSpot, int OwnerRep, DateTimeOffset CreatedAt);

public sealed record Deal(
    int Index, int BusinessIndex, string Name, string Stage, decimal Amount, DateOnly CloseDate, int OwnerRep, DateTimeOffset CreatedAt);

using System.Globalization;
using AbmSync.Worker.State;
using AbmSync.Worker.Sync;

namespace AbmSync.Bench.Rules;

/// <summary>
/// The synthetic book the rules benchmark decides over: accounts, their contacts, some leads and the sales team of
/// the shipped pods. Every record is a function of the seed, its index and the revision: revision 0 is the book as
/// the previous run decided it, revision 1 the book now, about 1 % of accounts and contacts changed since. No list
/// of records is ever held: a million accounts and ten million contacts are generated one at a time.
/// </summary>
public sealed class RulesWorld(int accounts, int contacts, int leads, int seed)
{
    public int Accounts { get; } = accounts;
    public int Contacts { get; } = contacts;
    public int Leads { get; } = leads;
    public int Seed { get; } = seed;

    /// <summary>The share of accounts and contacts whose fields changed between the previous run and now.</summary>
    public const double Drift = 0.01;

    public static readonly IReadOnlyList<string> PodNames = ["NA-East", "NA-West", "EMEA", "APAC"];
    const int AesPerPod = 24, SdrsPerPod = 8, MarketersPerPod = 6, InactivePerPod = 2, Managers = 12;

    public static string AccountId(int i) => string.Create(CultureInfo.InvariantCulture, $"001{i:D12}AAA");
    public static string ContactId(long j) => string.Create(CultureInfo.InvariantCulture, $"003{j:D12}AAA");
    public static string LeadId(int k) => string.Create(CultureInfo.InvariantCulture, $"00Q{k:D12}AAA");
    public static string UserId(int u) => string.Create(CultureInfo.InvariantCulture, $"005{u:D12}AAA");

    // ---- draws: a hash of (seed, stream, index, salt), so that any record is generated on its own ----

    ulong Draw(int stream, long index, int salt)
    {
        var x = (ulong)Seed * 0x9E3779B97F4A7C15UL ^ (ulong)stream << 56 ^ (ulong)index * 0xBF58476D1CE4E5B9UL ^ (ulong)salt * 0x94D049BB133111EBUL;
        x ^= x >> 30;
        x *= 0xBF58476D1CE4E5B9UL;
        x ^= x >> 27;
        x *= 0x94D049BB133111EBUL;
        return x ^ x >> 31;
    }

    double Unit(int stream, long index, int salt) => (Draw(stream, index, salt) >> 11) * (1.0 / (1UL << 53));

    T Pick<T>(IReadOnlyList<T> items, int stream, long index, int salt) => items[(int)(Draw(stream, index, salt) % (ulong)items.Count)];

    const int AccountStream = 1, ContactStream = 2, LeadStream = 3;

    bool Drifted(int stream, long index) => Unit(stream, index, 99) < Drift;

    // ---- the sales team ----

    /// <summary>Per pod: active AEs, SDRs, marketers, then two AEs who left; then managers in no pod.</summary>
    public IReadOnlyList<RuleSubjectRow> Users()
    {
        var rows = new List<RuleSubjectRow>();
        var n = 0;
        foreach (var pod in PodNames)
        {
            void Add(string role, string title, bool active, int count)
            {
                for (var k = 0; k < count; k++)
                {
                    var id = UserId(n++);
                    var email = string.Create(CultureInfo.InvariantCulture, $"{role}{k + 1}.{pod.ToLowerInvariant()}@bench.example");
                    rows.Add(new RuleSubjectRow(StateStore.UsersSubject, id, new Dictionary<string, string?>
                    {
                        [OwnerDirectory.EmailField] = email,
                        [OwnerDirectory.NameField] = string.Create(CultureInfo.InvariantCulture, $"{pod} {title} {k + 1}"),
                        [OwnerDirectory.ActiveField] = active ? "true" : "false",
                        [OwnerDirectory.RoleField] = title,
                        [OwnerDirectory.TeamsField] = pod,
                    }));
                }
            }
            Add("ae", "Account Executive", true, AesPerPod);
            Add("sdr", "Sales Development Representative", true, SdrsPerPod);
            Add("marketer", "ABM Marketer", true, MarketersPerPod);
            Add("former-ae", "Account Executive", false, InactivePerPod);
        }
        for (var k = 0; k < Managers; k++)
        {
            rows.Add(new RuleSubjectRow(StateStore.UsersSubject, UserId(n++), new Dictionary<string, string?>
            {
                [OwnerDirectory.EmailField] = string.Create(CultureInfo.InvariantCulture, $"manager{k + 1}@bench.example"),
                [OwnerDirectory.NameField] = string.Create(CultureInfo.InvariantCulture, $"Sales Manager {k + 1}"),
                [OwnerDirectory.ActiveField] = "true",
                [OwnerDirectory.RoleField] = "Sales Manager",
                [OwnerDirectory.TeamsField] = "",
            }));
        }
        return rows;
    }

    const int PerPod = AesPerPod + SdrsPerPod + MarketersPerPod + InactivePerPod;

    static string ActiveAe(int pod, int k) => UserId(pod * PerPod + k % AesPerPod);
    static string FormerAe(int pod, int k) => UserId(pod * PerPod + AesPerPod + SdrsPerPod + MarketersPerPod + k % InactivePerPod);

    /// <summary>The HubSpot owner of an active user (by the same email), as OwnerDirectory matches them; none for a user who left.</summary>
    public static string? HubSpotOwnerOf(RuleSubjectRow user) =>
        user.Fields.GetValueOrDefault(OwnerDirectory.ActiveField) == "true" ? "hs-" + user.RecordId[3..15].TrimStart('0') : null;

    // ---- accounts ----

    static readonly string[] Roots1 = ["Acme", "Globe", "Nova", "Blue", "Iron", "Silver", "North", "Bright", "Quant", "Vertex", "Apex", "Cedar", "Delta", "Ember", "Falcon", "Granite", "Harbor", "Ion", "Juniper", "Kite"];
    static readonly string[] Roots2 = ["tech", "soft", "works", "labs", "data", "logic", "core", "wave", "point", "line", "forge", "grid", "stack", "path", "scale", "field"];
    static readonly string[] Suffixes = ["Inc", "Ltd", "GmbH", "LLC", "Group", "Corp", "plc", "SA"];
    static readonly string[] Industries = ["Technology", "Technology", "Finance", "Banking", "Telecommunications", "Biotechnology", "Retail", "Manufacturing", "Healthcare", "Education", "Energy", "Media", "Logistics", "Retail"];
    static readonly string[] Types = ["Prospect", "Prospect", "Prospect", "Prospect", "Prospect", "Prospect", "Prospect", "Customer", "Customer", "Partner"];

    static readonly (string Country, double Weight, string[] Cities)[] Countries =
    [
        ("US", 0.38, ["New York", "Boston", "Chicago", "San Francisco", "Austin", "Seattle", "Denver", "Atlanta"]),
        ("CA", 0.05, ["Toronto", "Montreal", "Vancouver", "Calgary"]),
        ("GB", 0.10, ["London", "Manchester", "Leeds"]),
        ("DE", 0.08, ["Berlin", "Munich", "Hamburg"]),
        ("FR", 0.05, ["Paris", "Lyon"]),
        ("NL", 0.03, ["Amsterdam", "Rotterdam"]),
        ("AU", 0.04, ["Sydney", "Melbourne"]),
        ("JP", 0.04, ["Tokyo", "Osaka"]),
        ("IN", 0.05, ["Bangalore", "Mumbai"]),
        ("SG", 0.02, ["Singapore"]),
        ("BR", 0.08, ["Sao Paulo", "Rio de Janeiro"]),
        ("MX", 0.05, ["Mexico City", "Monterrey"]),
        ("ZA", 0.03, ["Cape Town", "Johannesburg"]),
    ];

    static readonly HashSet<string> EastCities = ["New York", "Boston", "Chicago", "Toronto", "Montreal"];

    static string Code(int i)
    {
        // A short letter code per account (base 26): names and domains stay unique without looking like numbers.
        Span<char> chars = stackalloc char[8];
        var n = 0;
        var v = (uint)i;
        do
        {
            chars[n++] = (char)('a' + v % 26);
            v /= 26;
        }
        while (v > 0);
        chars[..n].Reverse();
        return new string(chars[..n]);
    }

    (string Root, string Code, string Tld) Company(int i)
    {
        var (country, _) = Place(i);
        var tld = country switch { "GB" => ".co.uk", "DE" => ".de", "FR" => ".fr", "JP" => ".co.jp", _ => Unit(AccountStream, i, 7) < 0.15 ? ".io" : ".com" };
        return (Pick(Roots1, AccountStream, i, 1) + Pick(Roots2, AccountStream, i, 2), Code(i), tld);
    }

    (string Country, string City) Place(int i)
    {
        var u = Unit(AccountStream, i, 3);
        foreach (var (country, weight, cities) in Countries)
        {
            if (u < weight)
            {
                return (country, Pick(cities, AccountStream, i, 4));
            }
            u -= weight;
        }
        return ("ZA", "Johannesburg");
    }

    static int PodOf(string country, string city) => country switch
    {
        "US" or "CA" => EastCities.Contains(city) ? 0 : 1,
        "GB" or "DE" or "FR" or "NL" => 2,
        "AU" or "JP" or "IN" or "SG" => 3,
        _ => 0,
    };

    /// <summary>One in a hundred accounts is a second account of the company before it (a branch): one domain, two accounts.</summary>
    bool SharesDomain(int i) => i > 0 && Unit(AccountStream, i, 8) < 0.01;

    public string DomainOf(int i)
    {
        var (root, code, tld) = Company(SharesDomain(i) ? i - 1 : i);
        return (root + code + tld).ToLowerInvariant();
    }

    public string NameOf(int i)
    {
        var (root, code, _) = Company(i);
        return string.Create(CultureInfo.InvariantCulture, $"{root} {char.ToUpperInvariant(code[0])}{code[1..]} {Pick(Suffixes, AccountStream, i, 5)}");
    }

    /// <summary>The owner read: most accounts an active AE of their pod, some an AE who left, none, or an AE of another pod.</summary>
    public string? OwnerOf(int i)
    {
        var (country, city) = Place(i);
        var pod = PodOf(country, city);
        var u = Unit(AccountStream, i, 9);
        var k = (int)(Draw(AccountStream, i, 10) % 1000);
        return u switch
        {
            < 0.04 => FormerAe(pod, k),
            < 0.07 => null,
            < 0.12 => ActiveAe((pod + 1 + k % 3) % PodNames.Count, k),
            _ => ActiveAe(pod, k),
        };
    }

    /// <summary>The account's fields as Salesforce holds them at <paramref name="revision"/>, before the rules' values are laid over.</summary>
    public Dictionary<string, string?> Account(int i, int revision)
    {
        var (country, city) = Place(i);
        var drifted = revision > 0 && Drifted(AccountStream, i);
        var employees = (int)Math.Pow(10, 1 + 4 * Unit(AccountStream, i, 11));
        if (drifted)
        {
            employees = employees * 3 + 150;
        }
        var revenue = (decimal)employees * (50_000 + (int)(Draw(AccountStream, i, 12) % 350_000));
        var locked = Unit(AccountStream, i, 13) < 0.0005;
        var fields = new Dictionary<string, string?>(StringComparer.Ordinal)
        {
            ["Name"] = NameOf(i),
            ["Website"] = "https://www." + DomainOf(i),
            ["Industry"] = drifted ? Pick(Industries, AccountStream, i, 14) : Pick(Industries, AccountStream, i, 15),
            ["NumberOfEmployees"] = employees.ToString(CultureInfo.InvariantCulture),
            ["AnnualRevenue"] = revenue.ToString(CultureInfo.InvariantCulture),
            ["BillingCountry"] = country,
            ["BillingCity"] = city,
            ["Type"] = Unit(AccountStream, i, 16) < 0.1 ? null : Pick(Types, AccountStream, i, 17),
            ["OwnerId"] = OwnerOf(i),
            [AbmFields.SalesforceTierLocked] = locked ? "true" : "false",
            [AbmFields.SalesforceTier] = locked ? "Tier 2" : null,
            ["ABM_Strategic__c"] = Unit(AccountStream, i, 18) < 0.02 ? "true" : "false",
        };
        return fields;
    }

    /// <summary>True when the account read now differs from the one the previous run decided (an incremental read returns it).</summary>
    public bool AccountChanged(int i) => Drifted(AccountStream, i);

    // ---- contacts ----

    static readonly string[] Titles =
    [
        "CFO", "Chief Financial Officer", "VP of Finance", "Finance Director", "Controller",
        "CTO", "VP Engineering", "Director of IT", "IT Manager", "Solutions Architect", "CIO",
        "Marketing Manager", "Head of Marketing", "Director of Operations", "Revenue Operations", "Sales Director", "Product Manager",
        "Procurement Manager", "Purchasing Director", "Media Buyer",
        "CEO", "Founder", "Vice President of Customer Success", "Sr. VP, Finance & Ops",
        "Software Engineer", "Senior Software Engineer", "Data Analyst", "Account Manager", "Sales Associate", "Office Manager",
        "HR Business Partner", "Customer Support Specialist", "Designer", "Recruiter", "Intern", "Consultant",
    ];

    static readonly string[] FirstNames = ["ada", "bo", "cy", "dee", "eli", "fay", "gus", "hal", "ivy", "jo", "kai", "lee", "max", "ned", "ola", "pat"];
    static readonly string[] Personal = ["gmail.com", "outlook.com", "yahoo.com", "hotmail.com", "icloud.com", "proton.me"];

    /// <summary>The contact's account: contacts spread over the accounts, about ten each on average, unevenly.</summary>
    public int AccountOfContact(long j) => (int)(Draw(ContactStream, j, 1) % (ulong)Accounts);

    public Dictionary<string, string?> Contact(long j, int revision)
    {
        var account = AccountOfContact(j);
        var drifted = revision > 0 && Drifted(ContactStream, j);
        var mail = Unit(ContactStream, j, 2);
        var local = string.Create(CultureInfo.InvariantCulture, $"{Pick(FirstNames, ContactStream, j, 3)}.{j}");
        var email = mail switch
        {
            < 0.08 => local + "@" + Pick(Personal, ContactStream, j, 4),
            < 0.11 => local + "@unknown-" + (Draw(ContactStream, j, 5) % 50_000).ToString(CultureInfo.InvariantCulture) + ".example",
            _ => local + "@" + DomainOf(account),
        };
        var owner = Unit(ContactStream, j, 6) < 0.06
            ? ActiveAe((int)(Draw(ContactStream, j, 7) % (ulong)PodNames.Count), (int)(Draw(ContactStream, j, 8) % 1000))
            : OwnerOf(account);
        return new Dictionary<string, string?>(StringComparer.Ordinal)
        {
            ["Email"] = email,
            ["AccountId"] = Unit(ContactStream, j, 9) < 0.04 ? null : AccountId(account),
            ["Title"] = Unit(ContactStream, j, 10) < 0.1 && !drifted ? null : Pick(Titles, ContactStream, j, drifted ? 12 : 11),
            ["OwnerId"] = owner,
        };
    }

    // ---- leads ----

    public Dictionary<string, string?> Lead(int k, int revision)
    {
        var account = (int)(Draw(LeadStream, k, 1) % (ulong)Accounts);
        var u = Unit(LeadStream, k, 2);
        var local = string.Create(CultureInfo.InvariantCulture, $"{Pick(FirstNames, LeadStream, k, 3)}.lead{k}");
        var email = u switch
        {
            < 0.55 => local + "@" + DomainOf(account),
            < 0.75 => local + "@" + Pick(Personal, LeadStream, k, 4),
            _ => local + "@prospect-" + (Draw(LeadStream, k, 5) % 100_000).ToString(CultureInfo.InvariantCulture) + ".example",
        };
        return new Dictionary<string, string?>(StringComparer.Ordinal)
        {
            ["Email"] = email,
            ["Company"] = Unit(LeadStream, k, 6) < 0.7 ? NameOf(account) : "Unknown Co " + k.ToString(CultureInfo.InvariantCulture),
            ["OwnerId"] = Unit(LeadStream, k, 7) < 0.5 ? OwnerOf(account) : ActiveAe((int)(Draw(LeadStream, k, 8) % 4), k),
        };
    }
}

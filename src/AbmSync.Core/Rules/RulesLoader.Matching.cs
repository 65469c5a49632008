using AbmSync.Core.Accounts;
using AbmSync.Core.Mapping;
using YamlDotNet.RepresentationModel;

namespace AbmSync.Core.Rules;

public static partial class RulesLoader
{
    static MatchingRules? ReadMatching(YamlNodeReader reader, YamlMappingNode node)
    {
        var m = reader.Entries(node, "matching", "byCompanyName", "tieBreak", "personalDomains", "subsidiaries");
        var byCompanyName = reader.Bool(m.GetValueOrDefault("byCompanyName"), "byCompanyName") ?? MatchingRules.Default.ByCompanyName;
        var tieBreak = m.ContainsKey("tieBreak") ? ReadTieBreak(reader, m["tieBreak"]) : MatchingRules.Default.TieBreak;
        var personal = ReadPersonalDomains(reader, m.GetValueOrDefault("personalDomains"));
        var subsidiaries = ReadSubsidiaries(reader, m.GetValueOrDefault("subsidiaries"), personal);
        return new MatchingRules(subsidiaries, personal, byCompanyName, tieBreak);
    }

    static List<string> ReadTieBreak(YamlNodeReader reader, YamlNode node)
    {
        var order = new List<string>();
        foreach (var item in reader.Sequence(node, "tieBreak")?.Children ?? [])
        {
            if (reader.String(item, "each tie-break") is not { } name)
            {
                continue;
            }
            if (!TieBreaks.All.Contains(name))
            {
                reader.Error(item, $"tie-break '{name}' is not one of: {string.Join(", ", TieBreaks.All)}");
            }
            else if (order.Contains(name))
            {
                reader.Error(item, $"tie-break '{name}' is listed twice; each decides once");
            }
            else
            {
                order.Add(name);
            }
        }
        return order;
    }

    static List<string> ReadPersonalDomains(YamlNodeReader reader, YamlNode? node)
    {
        var domains = new List<string>();
        var lines = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var item in reader.Sequence(node, "personalDomains")?.Children ?? [])
        {
            if (ReadDomain(reader, item, "each personal domain") is not { } domain)
            {
                continue;
            }
            if (!lines.TryAdd(domain, (int)item.Start.Line))
            {
                reader.Error(item, $"personal domain {domain} is listed twice (first on line {lines[domain]})");
                continue;
            }
            domains.Add(domain);
        }
        return domains;
    }

    static List<SubsidiaryDomain> ReadSubsidiaries(YamlNodeReader reader, YamlNode? node, List<string> personal)
    {
        var subsidiaries = new List<SubsidiaryDomain>();
        var lines = new Dictionary<string, int>(StringComparer.Ordinal);
        var parents = new List<(string Parent, YamlNode Node)>();
        foreach (var item in reader.Sequence(node, "subsidiaries")?.Children ?? [])
        {
            if (reader.Mapping(item, "a subsidiary") is not { } s)
            {
                continue;
            }
            var e = reader.Entries(s, "a subsidiary", "domain", "parent");
            reader.Require(e, s, "a subsidiary", "domain", "parent");
            var domain = ReadDomain(reader, e.GetValueOrDefault("domain"), "a subsidiary's domain");
            var parent = ReadDomain(reader, e.GetValueOrDefault("parent"), "a subsidiary's parent");
            if (domain is null || parent is null)
            {
                continue;
            }
            if (domain == parent)
            {
                reader.Error(s, $"subsidiary {domain} names itself as its parent");
                continue;
            }
            if (Personal(domain, personal) || Personal(parent, personal))
            {
                var which = Personal(domain, personal) ? domain : parent;
                reader.Error(s, $"{which} is a personal mail domain; it never matches an account, so it cannot be a subsidiary or a parent");
                continue;
            }
            if (!lines.TryAdd(domain, (int)s.Start.Line))
            {
                reader.Error(s, $"subsidiary {domain} is listed twice (first on line {lines[domain]}); a domain has one parent");
                continue;
            }
            subsidiaries.Add(new SubsidiaryDomain(domain, parent));
            parents.Add((parent, s));
        }
        // One level only: a parent that is itself someone's subsidiary would make the match depend on a chain.
        foreach (var (parent, at) in parents)
        {
            if (lines.TryGetValue(parent, out var line))
            {
                reader.Error(at, $"parent {parent} is itself a subsidiary (line {line}); name the top parent instead");
            }
        }
        return subsidiaries;
    }

    static bool Personal(string domain, List<string> extra) => DomainName.IsPersonalMail(domain) || extra.Contains(domain);

    static string? ReadDomain(YamlNodeReader reader, YamlNode? node, string what)
    {
        if (reader.String(node, what) is not { } text)
        {
            return null;
        }
        if (DomainName.Normalize(text) is not { } domain)
        {
            reader.Error(node!, $"{what} '{text}' is not a domain, like acme.com");
            return null;
        }
        return domain;
    }
}

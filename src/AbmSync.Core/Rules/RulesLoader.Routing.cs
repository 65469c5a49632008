using AbmSync.Core.Accounts;
using AbmSync.Core.Mapping;
using AbmSync.Core.Routing;
using YamlDotNet.RepresentationModel;
// Mapping has its own ConflictPolicy (which system wins a field); here it is what routing does about an owner.
using ConflictPolicy = AbmSync.Core.Routing.ConflictPolicy;

namespace AbmSync.Core.Rules;

public static partial class RulesLoader
{
    const int MaxRatio = 1000;

    static readonly IReadOnlyDictionary<string, ConflictPolicy> PolicyValues = new Dictionary<string, ConflictPolicy>(StringComparer.Ordinal)
    {
        ["flag"] = ConflictPolicy.Flag,
        ["realign"] = ConflictPolicy.Realign,
    };

    static RoutingRules? ReadRouting(YamlNodeReader reader, YamlMappingNode node, TieringRules? tiering)
    {
        var r = reader.Entries(node, "routing", "roles", "ratios", "capacity", "territories", "pods", "conflicts");
        reader.Require(r, node, "routing", "territories", "pods");
        var roles = reader.Mapping(r.GetValueOrDefault("roles"), "roles") is { } rolesNode ? ReadRoles(reader, rolesNode) : RoleSource.Default;
        var ratios = reader.Mapping(r.GetValueOrDefault("ratios"), "ratios") is { } ratiosNode ? ReadRatios(reader, ratiosNode, "ratios", PodRatios.Default) : PodRatios.Default;
        var capacity = ReadCapacity(reader, r.GetValueOrDefault("capacity"), tiering);
        var pods = ReadPods(reader, r.GetValueOrDefault("pods"), ratios);
        var territories = ReadTerritories(reader, r.GetValueOrDefault("territories"), pods);
        var conflicts = reader.Mapping(r.GetValueOrDefault("conflicts"), "conflicts") is { } conflictsNode ? ReadConflicts(reader, conflictsNode) : ConflictPolicies.Default;
        return new RoutingRules(territories, pods, roles, ratios, conflicts, capacity);
    }

    static RoleSource ReadRoles(YamlNodeReader reader, YamlMappingNode node)
    {
        var e = reader.Entries(node, "roles", "field", "accountExecutive", "sdr", "marketer");
        reader.Require(e, node, "roles", "field");
        var field = reader.String(e.GetValueOrDefault("field"), "roles field");
        if (field is not null && AccountProfile.SalesforceField("Account." + field) is null)
        {
            reader.Error(e["field"], $"roles field '{field}' is not a Salesforce User field API name, like Title or Department");
        }
        // A value under two roles would make a title mean two things; the first would silently win.
        var seen = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        IReadOnlyList<string> Values(string key)
        {
            var values = new List<string>();
            if (e.GetValueOrDefault(key) is not { } listNode)
            {
                return values;
            }
            if (reader.Sequence(listNode, $"roles {key}") is not { } list)
            {
                return values;
            }
            foreach (var item in list.Children)
            {
                if (reader.String(item, $"each value of roles {key}") is not { } value)
                {
                    continue;
                }
                if (seen.TryGetValue(value.Trim(), out var other))
                {
                    reader.Error(item, other == key
                        ? $"role value '{value}' is listed twice under {key}"
                        : $"role value '{value}' is listed under both {other} and {key}; a {field ?? "field"} value names one role");
                    continue;
                }
                seen[value.Trim()] = key;
                values.Add(value.Trim());
            }
            return values;
        }
        var ae = Values("accountExecutive");
        var sdr = Values("sdr");
        var marketer = Values("marketer");
        if (!e.ContainsKey("accountExecutive") && !e.ContainsKey("sdr") && !e.ContainsKey("marketer"))
        {
            reader.Error(node, "roles names no values: list the field values of accountExecutive, sdr and marketer, like [Account Executive]");
        }
        return new RoleSource(field ?? RoleSource.Default.UserField, ae, sdr, marketer);
    }

    static PodRatios ReadRatios(YamlNodeReader reader, YamlMappingNode node, string what, PodRatios defaults)
    {
        var e = reader.Entries(node, what, "aesPerSdr", "aesPerMarketer");
        var perSdr = reader.Int(e.GetValueOrDefault("aesPerSdr"), "aesPerSdr", 1, MaxRatio);
        var perMarketer = reader.Int(e.GetValueOrDefault("aesPerMarketer"), "aesPerMarketer", 1, MaxRatio);
        return new PodRatios(perSdr ?? defaults.AesPerSdr, perMarketer ?? defaults.AesPerMarketer);
    }

    static Dictionary<string, int?> ReadCapacity(YamlNodeReader reader, YamlNode? node, TieringRules? tiering)
    {
        var capacity = new Dictionary<string, int?>(StringComparer.Ordinal);
        foreach (var tier in Tiers.All)
        {
            capacity[tier] = tiering?.Levels.FirstOrDefault(l => l.Tier == tier)?.CapPerOwner;
        }
        if (reader.Mapping(node, "capacity") is not { } mapping)
        {
            return capacity;
        }
        foreach (var (tier, value) in reader.Entries(mapping, "capacity", [.. Tiers.All]))
        {
            capacity[tier] = value is YamlScalarNode { Value: "unbounded" } ? null : reader.Int(value, $"{tier} capacity", 0);
        }
        return capacity;
    }

    static List<PodDefinition> ReadPods(YamlNodeReader reader, YamlNode? node, PodRatios ratios)
    {
        var pods = new List<PodDefinition>();
        var list = reader.Sequence(node, "pods");
        if (list is { Children.Count: 0 })
        {
            reader.Error(list, "pods is empty: define at least one pod");
        }
        var names = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        foreach (var item in list?.Children ?? [])
        {
            if (reader.Mapping(item, "a pod") is not { } p)
            {
                continue;
            }
            var line = (int)p.Start.Line;
            var e = reader.Entries(p, "a pod", "name", "team", "aes", "sdrs", "marketers", "pairs", "ratios");
            reader.Require(e, p, "a pod", "name");
            var name = reader.String(e.GetValueOrDefault("name"), "pod name");
            if (name is not null && !names.TryAdd(name, line))
            {
                reader.Error(e["name"], $"pod '{name}' is defined twice (first on line {names[name]})");
                name = null;
            }
            var label = name is null ? $"the pod on line {line}" : $"pod {name}";
            var team = reader.String(e.GetValueOrDefault("team"), "team");
            // Each email has one role in a pod: the role says which work they get.
            var roleOf = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            var aes = Emails(reader, e.GetValueOrDefault("aes"), "aes", label, roleOf);
            var sdrs = Emails(reader, e.GetValueOrDefault("sdrs"), "sdrs", label, roleOf);
            var marketers = Emails(reader, e.GetValueOrDefault("marketers"), "marketers", label, roleOf);
            if (!e.ContainsKey("team") && e.GetValueOrDefault("aes") is null or YamlSequenceNode { Children.Count: 0 })
            {
                reader.Error(p, $"{label} has no AEs: give its HubSpot team (team: NA-East) or list its aes by email");
            }
            var pairs = ReadPairs(reader, e.GetValueOrDefault("pairs"), label, team is not null, roleOf);
            var podRatios = reader.Mapping(e.GetValueOrDefault("ratios"), "a pod's ratios") is { } r ? ReadRatios(reader, r, "a pod's ratios", ratios) : null;
            if (name is not null)
            {
                pods.Add(new PodDefinition(name, team, aes, sdrs, marketers, pairs, new SourceLocation(reader.File, line)) { Ratios = podRatios });
            }
        }
        return pods;
    }

    static List<string> Emails(YamlNodeReader reader, YamlNode? node, string key, string label, Dictionary<string, string> roleOf)
    {
        var emails = new List<string>();
        if (reader.Sequence(node, key) is not { } list)
        {
            return emails;
        }
        foreach (var item in list.Children)
        {
            if (Email(reader, item, $"each item of {key}") is not { } email)
            {
                continue;
            }
            if (!roleOf.TryAdd(email, key))
            {
                reader.Error(item, roleOf[email] == key
                    ? $"{email} is listed twice in {key} of {label}"
                    : $"{email} is listed in both {roleOf[email]} and {key} of {label}; a person has one role in a pod");
                continue;
            }
            emails.Add(email);
        }
        return emails;
    }

    static string? Email(YamlNodeReader reader, YamlNode node, string what)
    {
        if (reader.String(node, what) is not { } text)
        {
            return null;
        }
        var at = text.IndexOf('@', StringComparison.Ordinal);
        if (at <= 0 || at == text.Length - 1 || text.IndexOf('@', at + 1) >= 0 || text.Any(char.IsWhiteSpace))
        {
            reader.Error(node, $"'{text}' is not an email address; pods name people by their Salesforce user's email");
            return null;
        }
        return text;
    }

    static List<PodPairDefinition> ReadPairs(YamlNodeReader reader, YamlNode? node, string label, bool hasTeam, Dictionary<string, string> roleOf)
    {
        var pairs = new List<PodPairDefinition>();
        var paired = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var item in reader.Sequence(node, "pairs")?.Children ?? [])
        {
            if (reader.Mapping(item, "a pair") is not { } p)
            {
                continue;
            }
            var e = reader.Entries(p, "a pair", "ae", "sdr", "marketer");
            reader.Require(e, p, "a pair", "ae");
            if (!e.ContainsKey("sdr") && !e.ContainsKey("marketer"))
            {
                reader.Error(p, "a pair needs sdr, marketer or both: the AE's SDR and ABM marketer");
            }
            var ae = Member(e.GetValueOrDefault("ae"), "ae", "aes");
            var sdr = Member(e.GetValueOrDefault("sdr"), "sdr", "sdrs");
            var marketer = Member(e.GetValueOrDefault("marketer"), "marketer", "marketers");
            if (ae is not null && !paired.Add(ae))
            {
                reader.Error(e["ae"], $"{ae} is paired twice in {label}; an AE has one SDR and one marketer");
                continue;
            }
            if (ae is not null)
            {
                pairs.Add(new PodPairDefinition(ae, sdr, marketer));
            }
        }
        return pairs;

        // Listed members are checked here; a team's are only known once users are read (Pod.Problems says).
        string? Member(YamlNode? valueNode, string key, string listKey)
        {
            if (valueNode is null || Email(reader, valueNode, $"a pair's {key}") is not { } email)
            {
                return null;
            }
            if (roleOf.TryGetValue(email, out var listed) && listed != listKey)
            {
                reader.Error(valueNode, $"pair {key} {email} is listed in {listed} of {label}, not in {listKey}");
                return null;
            }
            if (listed is null && !hasTeam)
            {
                reader.Error(valueNode, $"pair {key} {email} is not in {listKey} of {label}; a pod without a team pairs only the people it lists");
                return null;
            }
            return email;
        }
    }

    static List<Territory> ReadTerritories(YamlNodeReader reader, YamlNode? node, List<PodDefinition> pods)
    {
        var territories = new List<Territory>();
        var list = reader.Sequence(node, "territories");
        if (list is { Children.Count: 0 })
        {
            reader.Error(list, "territories is empty: define at least one territory (one without when: is a catch-all)");
        }
        var podNames = pods.Select(p => p.Name).ToHashSet(StringComparer.Ordinal);
        var names = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        string? catchAll = null;
        foreach (var item in list?.Children ?? [])
        {
            if (reader.Mapping(item, "a territory") is not { } t)
            {
                continue;
            }
            var line = (int)t.Start.Line;
            var e = reader.Entries(t, "a territory", "name", "pod", "when");
            reader.Require(e, t, "a territory", "name", "pod");
            var name = reader.String(e.GetValueOrDefault("name"), "territory name");
            if (name is not null && !names.TryAdd(name, line))
            {
                reader.Error(e["name"], $"territory '{name}' is defined twice (first on line {names[name]})");
                name = null;
            }
            var pod = reader.String(e.GetValueOrDefault("pod"), "pod");
            if (pod is not null && !podNames.Contains(pod))
            {
                var near = podNames.FirstOrDefault(n => string.Equals(n, pod, StringComparison.OrdinalIgnoreCase));
                reader.Error(e["pod"], $"territory {name ?? $"on line {line}"} names pod '{pod}', which is not defined under pods"
                    + (near is null ? "" : $" (did you mean '{near}'?)"));
                pod = null;
            }
            var when = new List<TierCriterion>();
            var conditions = reader.Sequence(e.GetValueOrDefault("when"), "when");
            foreach (var conditionNode in conditions?.Children ?? [])
            {
                if (reader.Mapping(conditionNode, "a condition") is { } c && ReadCriterion(reader, c, condition: true) is { } condition)
                {
                    when.Add(condition);
                }
            }
            if (catchAll is not null)
            {
                reader.Error(t, $"territory {name ?? $"on line {line}"} comes after the catch-all '{catchAll}' (a territory without conditions), so it can never match; move it above");
            }
            if (conditions is null or { Children.Count: 0 })
            {
                catchAll ??= name ?? $"on line {line}";
            }
            if (name is not null && pod is not null)
            {
                territories.Add(new Territory(name, pod, when, new SourceLocation(reader.File, line)));
            }
        }
        return territories;
    }

    static ConflictPolicies ReadConflicts(YamlNodeReader reader, YamlMappingNode node)
    {
        var e = reader.Entries(node, "conflicts", "contactOwner", "opportunityOwner", "outsideTerritory", "overCapacity");
        var defaults = ConflictPolicies.Default;
        ConflictPolicy Policy(string key, ConflictPolicy fallback) => reader.Enum(e.GetValueOrDefault(key), key, PolicyValues) ?? fallback;
        return new ConflictPolicies(
            Policy("contactOwner", defaults.ContactOwner), Policy("opportunityOwner", defaults.OpportunityOwner),
            Policy("outsideTerritory", defaults.OutsideTerritory), Policy("overCapacity", defaults.OverCapacity));
    }
}

using AbmSync.Core.Engagement;
using AbmSync.Core.Mapping;
using YamlDotNet.RepresentationModel;

namespace AbmSync.Core.Rules;

public static partial class RulesLoader
{
    const int MaxWindowDays = 3650;

    static BuyingCommitteeRules? ReadBuyingCommittee(YamlNodeReader reader, YamlMappingNode node)
    {
        var b = reader.Entries(node, "buyingCommittee", "engagedDays", "roles");
        reader.Require(b, node, "buyingCommittee", "roles");
        var engagedDays = reader.Int(b.GetValueOrDefault("engagedDays"), "buyingCommittee engagedDays", 1, MaxWindowDays);

        var roles = new List<BuyingRole>();
        var names = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        // Keyed by the normalised pattern: 'VP Finance' and 'vp, finance' match the same titles, so they are one pattern.
        var owners = new Dictionary<string, (string Role, int Line)>(StringComparer.Ordinal);
        var list = reader.Sequence(b.GetValueOrDefault("roles"), "roles");
        foreach (var item in list?.Children ?? [])
        {
            if (reader.Mapping(item, "a buying role") is not { } r)
            {
                continue;
            }
            var line = (int)r.Start.Line;
            var e = reader.Entries(r, "a buying role", "role", "titles");
            reader.Require(e, r, "a buying role", "role", "titles");
            var name = reader.String(e.GetValueOrDefault("role"), "role");
            var duplicate = name is not null && !names.TryAdd(name, line);
            if (duplicate)
            {
                reader.Error(e["role"], $"role '{name}' is defined twice (first on line {names[name!]}); each buying role is listed once");
            }
            var label = name is null ? $"the role on line {line}" : $"role '{name}'";
            var titles = new List<string>();
            if (reader.Sequence(e.GetValueOrDefault("titles"), "titles") is { } titleNodes)
            {
                if (titleNodes.Children.Count == 0)
                {
                    reader.Error(titleNodes, $"{label} has no titles: list at least one job title pattern, like [CFO, VP Finance]");
                }
                foreach (var titleNode in titleNodes.Children)
                {
                    // A second definition's titles would only repeat the first's: checking them against it is noise.
                    if (ReadTitle(reader, titleNode, name, label, duplicate ? [] : owners) is { } title)
                    {
                        titles.Add(title);
                    }
                }
            }
            if (name is not null && !duplicate)
            {
                roles.Add(new BuyingRole(name, titles, new SourceLocation(reader.File, line)));
            }
        }
        if (list is { Children.Count: 0 })
        {
            reader.Error(list, "roles is empty: define at least one buying role");
        }
        return new BuyingCommitteeRules(engagedDays ?? BuyingCommitteeRules.DefaultEngagedDays, roles);
    }

    static string? ReadTitle(YamlNodeReader reader, YamlNode node, string? role, string label, Dictionary<string, (string Role, int Line)> owners)
    {
        if (reader.String(node, $"each title of {label}") is not { } title)
        {
            return null;
        }
        var words = BuyingRoleClassifier.Normalise(title);
        if (words.Length == 0)
        {
            reader.Error(node, $"title pattern '{title}' has no letters or digits, so it can never match a job title");
            return null;
        }
        var line = (int)node.Start.Line;
        if (owners.TryGetValue(words, out var owner))
        {
            reader.Error(node, owner.Role == (role ?? label)
                ? $"title pattern '{title}' is listed twice under {label}"
                : $"title pattern '{title}' is listed under both '{owner.Role}' (line {owner.Line}) and '{role ?? label}'; a title pattern belongs to one role, so keep it under one of them");
            return null;
        }
        owners[words] = (role ?? label, line);
        return title;
    }

    static StageRules? ReadStages(YamlNodeReader reader, YamlMappingNode node)
    {
        var s = reader.Entries(node, "stages", "engagedDays", "stalledDays", "customerTypes");
        var engagedDays = reader.Int(s.GetValueOrDefault("engagedDays"), "stages engagedDays", 1, MaxWindowDays);
        var stalledDays = reader.Int(s.GetValueOrDefault("stalledDays"), "stalledDays", 1, MaxWindowDays);
        var customerTypes = StageRules.DefaultCustomerTypes;
        if (s.GetValueOrDefault("customerTypes") is { } typesNode)
        {
            customerTypes = reader.StringList(typesNode, "customerTypes");
            if (typesNode is YamlSequenceNode { Children.Count: 0 })
            {
                reader.Error(typesNode, "customerTypes is empty: list the Salesforce account types of customers, like [Customer]");
            }
        }
        return new StageRules(
            engagedDays ?? StageRules.DefaultEngagedDays, stalledDays ?? StageRules.DefaultStalledDays, customerTypes);
    }

    static InfluenceRules? ReadInfluence(YamlNodeReader reader, YamlMappingNode node)
    {
        var i = reader.Entries(node, "influence", "attributionDays");
        var days = reader.Int(i.GetValueOrDefault("attributionDays"), "attributionDays", 1, MaxWindowDays);
        return new InfluenceRules(days ?? InfluenceRules.DefaultAttributionDays);
    }
}

using AbmSync.Core.Engagement;
using AbmSync.Core.Mapping;
using YamlDotNet.RepresentationModel;

namespace AbmSync.Core.Rules;

public static partial class RulesLoader
{
    static EngagementRules? ReadEngagement(YamlNodeReader reader, YamlMappingNode node)
    {
        var e = reader.Entries(node, "engagement", "halfLifeDays", "fullScoreAt", "signals", "surge");
        reader.Require(e, node, "engagement", "halfLifeDays", "fullScoreAt", "signals");
        var halfLife = reader.Int(e.GetValueOrDefault("halfLifeDays"), "halfLifeDays", 1, 3650);
        var fullScoreAt = reader.Number(e.GetValueOrDefault("fullScoreAt"), "fullScoreAt");
        if (fullScoreAt <= 0)
        {
            reader.Error(e["fullScoreAt"], $"fullScoreAt must be above 0, not {fullScoreAt}: it is the decayed points that make a score of 100");
            fullScoreAt = null;
        }
        var weights = reader.Mapping(e.GetValueOrDefault("signals"), "signals") is { } s ? ReadSignalWeights(reader, s) : null;
        var surge = reader.Mapping(e.GetValueOrDefault("surge"), "surge") is { } u ? ReadSurge(reader, u) : SurgeRule.Default;
        return halfLife is null || fullScoreAt is null || weights is null || surge is null
            ? null
            : new EngagementRules(halfLife.Value, fullScoreAt.Value, weights, surge);
    }

    static Dictionary<string, decimal>? ReadSignalWeights(YamlNodeReader reader, YamlMappingNode node)
    {
        var weights = new Dictionary<string, decimal>(StringComparer.Ordinal);
        var valid = true;
        // Read by hand rather than with Entries: a wrong key here is a signal type, and the reason should say so.
        // A type listed twice never gets here: the YAML parser refuses duplicate keys, at their line.
        foreach (var (keyNode, value) in node.Children)
        {
            var type = (keyNode as YamlScalarNode)?.Value ?? "";
            var weight = reader.Number(value, $"the weight of {type}");
            if (!SignalTypes.All.Contains(type))
            {
                reader.Error(keyNode, $"signal type '{type}' is not one of: {string.Join(", ", SignalTypes.All)}");
                valid = false;
            }
            else if (weight < 0)
            {
                reader.Error(value, $"the weight of {type} must be 0 or more, not {weight}");
                valid = false;
            }
            else if (weight is { } w)
            {
                weights[type] = w;
            }
            else
            {
                valid = false;
            }
        }
        if (node.Children.Count == 0)
        {
            reader.Error(node, $"signals is empty: weigh at least one of: {string.Join(", ", SignalTypes.All)}");
            valid = false;
        }
        return valid ? weights : null;
    }

    static SurgeRule? ReadSurge(YamlNodeReader reader, YamlMappingNode node)
    {
        var s = reader.Entries(node, "surge", "ratio", "minThisWeek");
        var ratio = reader.Number(s.GetValueOrDefault("ratio"), "surge ratio");
        var minThisWeek = reader.Number(s.GetValueOrDefault("minThisWeek"), "surge minThisWeek");
        var valid = (!s.ContainsKey("ratio") || ratio is not null) && (!s.ContainsKey("minThisWeek") || minThisWeek is not null);
        if (ratio <= 0)
        {
            reader.Error(s["ratio"], $"surge ratio must be above 0, not {ratio}");
            valid = false;
        }
        if (minThisWeek < 0)
        {
            reader.Error(s["minThisWeek"], $"surge minThisWeek must be 0 or more, not {minThisWeek}");
            valid = false;
        }
        return valid ? new SurgeRule(ratio ?? SurgeRule.Default.Ratio, minThisWeek ?? SurgeRule.Default.MinThisWeek) : null;
    }
}

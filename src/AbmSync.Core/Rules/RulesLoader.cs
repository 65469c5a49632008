using AbmSync.Core.Accounts;
using AbmSync.Core.Mapping;
using YamlDotNet.RepresentationModel;

namespace AbmSync.Core.Rules;

/// <summary>Loads <c>rules.yaml</c> strictly, reporting every problem as <c>file:line: reason</c>.</summary>
public static partial class RulesLoader
{
    public static RulesFile LoadFile(string path) => Load(path, File.ReadAllText(path));

    public static RulesFile Load(string file, string yaml)
    {
        var reader = new YamlNodeReader(file);
        var root = YamlNodeReader.Parse(file, yaml, reader);
        if (root is null)
        {
            reader.ThrowIfAny();
            throw new InvalidOperationException("unreachable: a failed parse reports a problem");
        }
        var top = reader.Entries(root, "the rules file", "version", "tiering", "engagement", "buyingCommittee", "stages", "influence", "matching", "routing");
        reader.Require(top, root, "the rules file", "version", "tiering");
        var version = reader.Int(top.GetValueOrDefault("version"), "version", 1, int.MaxValue);
        if (version > MappingLoader.CurrentVersion)
        {
            reader.Error(top["version"], $"version {version} is newer than this AbmSync understands ({MappingLoader.CurrentVersion}); upgrade AbmSync");
        }
        var tiering = reader.Mapping(top.GetValueOrDefault("tiering"), "tiering") is { } t ? ReadTiering(reader, t) : null;
        var engagement = reader.Mapping(top.GetValueOrDefault("engagement"), "engagement") is { } e ? ReadEngagement(reader, e) : null;
        var committee = reader.Mapping(top.GetValueOrDefault("buyingCommittee"), "buyingCommittee") is { } b ? ReadBuyingCommittee(reader, b) : null;
        var stages = reader.Mapping(top.GetValueOrDefault("stages"), "stages") is { } s ? ReadStages(reader, s) : null;
        var influence = reader.Mapping(top.GetValueOrDefault("influence"), "influence") is { } i ? ReadInfluence(reader, i) : null;
        var matching = reader.Mapping(top.GetValueOrDefault("matching"), "matching") is { } m ? ReadMatching(reader, m) : null;
        var routing = reader.Mapping(top.GetValueOrDefault("routing"), "routing") is { } r ? ReadRouting(reader, r, tiering) : null;
        reader.ThrowIfAny();
        return new RulesFile(version!.Value, tiering!, new SourceLocation(file, 1))
        {
            Engagement = engagement,
            BuyingCommittee = committee,
            Stages = stages,
            Influence = influence,
            Matching = matching,
            Routing = routing,
        };
    }

    static TieringRules ReadTiering(YamlNodeReader reader, YamlMappingNode node)
    {
        var t = reader.Entries(node, "tiering", "criteria", "engagement", "tiers", "hysteresis");
        reader.Require(t, node, "tiering", "criteria", "tiers");

        var criteria = new List<TierCriterion>();
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var item in reader.Sequence(t.GetValueOrDefault("criteria"), "criteria")?.Children ?? [])
        {
            if (reader.Mapping(item, "a criterion") is { } c && ReadCriterion(reader, c) is { } criterion)
            {
                if (!names.Add(criterion.Name))
                {
                    reader.Error(c, $"criterion name '{criterion.Name}' is used twice; names appear in tier reasons and must be unique");
                }
                criteria.Add(criterion);
            }
        }

        EngagementWeight? engagement = null;
        if (reader.Mapping(t.GetValueOrDefault("engagement"), "engagement") is { } e)
        {
            var en = reader.Entries(e, "engagement", "points", "halfLifeDays");
            reader.Require(en, e, "engagement", "points", "halfLifeDays");
            var points = reader.Int(en.GetValueOrDefault("points"), "engagement points", 0, 100);
            var halfLife = reader.Int(en.GetValueOrDefault("halfLifeDays"), "halfLifeDays", 1, 3650);
            if (points is not null && halfLife is not null)
            {
                engagement = new EngagementWeight(points.Value, halfLife.Value);
            }
        }

        var levels = new List<TierLevel>();
        foreach (var item in reader.Sequence(t.GetValueOrDefault("tiers"), "tiers")?.Children ?? [])
        {
            if (reader.Mapping(item, "a tier") is not { } level)
            {
                continue;
            }
            var l = reader.Entries(level, "a tier", "tier", "minScore", "cap", "capPerOwner");
            reader.Require(l, level, "a tier", "tier", "minScore");
            var tier = reader.String(l.GetValueOrDefault("tier"), "tier");
            if (tier is not null && !Tiers.All.Contains(tier))
            {
                reader.Error(l["tier"], $"tier '{tier}' is not one of: {string.Join(", ", Tiers.All)}");
                tier = null;
            }
            var minScore = reader.Int(l.GetValueOrDefault("minScore"), "minScore", 0, 100);
            var cap = reader.Int(l.GetValueOrDefault("cap"), "cap", 0);
            var capPerOwner = reader.Int(l.GetValueOrDefault("capPerOwner"), "capPerOwner", 0);
            if (tier is null || minScore is null)
            {
                continue;
            }
            if (levels.Any(x => x.Tier == tier))
            {
                reader.Error(level, $"{tier} is defined twice");
                continue;
            }
            levels.Add(new TierLevel(tier, minScore.Value, cap, capPerOwner, new SourceLocation(reader.File, (int)level.Start.Line)));
        }
        var ordered = levels.OrderBy(x => Tiers.Rank(x.Tier)).ToList();
        for (var i = 1; i < ordered.Count; i++)
        {
            if (ordered[i].MinScore >= ordered[i - 1].MinScore)
            {
                reader.Error(Mark(ordered[i]), $"{ordered[i].Tier} needs a lower minScore than {ordered[i - 1].Tier} ({ordered[i].MinScore} is not below {ordered[i - 1].MinScore})");
            }
        }
        if (t.ContainsKey("tiers") && ordered.Count == 0)
        {
            reader.Error(t["tiers"], "tiers is empty: define at least Tier 1");
        }

        var hysteresis = reader.Int(t.GetValueOrDefault("hysteresis"), "hysteresis", 0, 50) ?? 0;
        var possible = criteria.Sum(c => c.Points) + (engagement?.Points ?? 0);
        if (possible > 100)
        {
            reader.Error(node, $"the criteria and engagement points add up to {possible}; a score runs from 0 to 100, so they must add up to 100 at most");
        }
        return new TieringRules(criteria, engagement, ordered, hysteresis);
    }

    /// <summary>
    /// A tiering criterion, or with <paramref name="condition"/> a territory condition: the same field and test,
    /// without name or points (it scores nothing; its field names it in reasons).
    /// </summary>
    static TierCriterion? ReadCriterion(YamlNodeReader reader, YamlMappingNode node, bool condition = false)
    {
        var what = condition ? "a condition" : "a criterion";
        var c = condition
            ? reader.Entries(node, what, "field", "in", "notIn", "between", "min", "max")
            : reader.Entries(node, what, "name", "field", "in", "notIn", "between", "min", "max", "points");
        if (condition)
        {
            reader.Require(c, node, what, "field");
        }
        else
        {
            reader.Require(c, node, what, "name", "field", "points");
        }
        var field = reader.String(c.GetValueOrDefault("field"), "field");
        var name = condition ? field : reader.String(c.GetValueOrDefault("name"), "name");
        if (field is not null && !AccountProfile.Fields.ContainsKey(field) && AccountProfile.SalesforceField(field) is null)
        {
            reader.Error(c["field"], $"field '{field}' is not an account field rules can test; expected one of: {string.Join(", ", AccountProfile.Fields.Keys)}, or Account.<API name> for any field of the Salesforce Account (Account.ABM_Strategic__c)");
            field = null;
        }
        var points = condition ? 0 : reader.Int(c.GetValueOrDefault("points"), "points", 0, 100);
        var tests = c.Keys.Where(k => k is "in" or "notIn" or "between" or "min" or "max").ToList();
        if (tests.Count != 1)
        {
            reader.Error(node, $"{what} needs exactly one test: in, notIn, between, min or max");
            return null;
        }
        var testNode = c[tests[0]];
        CriterionTest test;
        IReadOnlyList<string> values = [];
        decimal? low = null, high = null;
        switch (tests[0])
        {
            case "in":
            case "notIn":
                test = tests[0] == "in" ? CriterionTest.In : CriterionTest.NotIn;
                values = reader.StringList(testNode, tests[0]);
                if (values.Count == 0 && testNode is YamlSequenceNode)
                {
                    reader.Error(testNode, $"{tests[0]} needs at least one value");
                }
                break;
            case "between":
                test = CriterionTest.Between;
                if (testNode is YamlSequenceNode { Children.Count: 2 } pair)
                {
                    low = reader.Number(pair.Children[0], "between's low end");
                    high = reader.Number(pair.Children[1], "between's high end");
                    if (low > high)
                    {
                        reader.Error(testNode, $"between's low end {low} is above its high end {high}");
                    }
                }
                else
                {
                    reader.Error(testNode, "between needs two numbers, like [200, 20000]");
                }
                break;
            case "min":
                test = CriterionTest.Min;
                low = reader.Number(testNode, "min");
                break;
            default:
                test = CriterionTest.Max;
                high = reader.Number(testNode, "max");
                break;
        }
        if (test is CriterionTest.Between or CriterionTest.Min or CriterionTest.Max && field is "name" or "domain" or "industry" or "country" or "city" or "type")
        {
            reader.Error(testNode, $"field '{field}' is text; test it with in or notIn");
        }
        return name is null || field is null || points is null
            ? null
            : new TierCriterion(name, field, test, values, low, high, points.Value, new SourceLocation(reader.File, (int)node.Start.Line));
    }

    static YamlDotNet.Core.Mark Mark(TierLevel level) => new(0, level.Location.Line, 1);
}

using AbmSync.Core.Engagement;
using AbmSync.Core.Mapping;
using YamlDotNet.RepresentationModel;

namespace AbmSync.Core.Rules;

public static partial class RulesLoader
{
    /// <summary>Placeholder: the committee helper replaces this file.</summary>
    static BuyingCommitteeRules? ReadBuyingCommittee(YamlNodeReader reader, YamlMappingNode node) => null;

    static StageRules? ReadStages(YamlNodeReader reader, YamlMappingNode node) => null;

    static InfluenceRules? ReadInfluence(YamlNodeReader reader, YamlMappingNode node) => null;
}

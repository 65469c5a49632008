using AbmSync.Core.Engagement;
using AbmSync.Core.Mapping;
using YamlDotNet.RepresentationModel;

namespace AbmSync.Core.Rules;

public static partial class RulesLoader
{
    /// <summary>Placeholder: the engagement helper replaces this file.</summary>
    static EngagementRules? ReadEngagement(YamlNodeReader reader, YamlMappingNode node) => null;
}

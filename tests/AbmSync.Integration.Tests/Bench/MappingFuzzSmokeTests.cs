using System.Text.RegularExpressions;
using AbmSync.Bench.Fuzz;
using Xunit.Abstractions;

namespace AbmSync.Integration.Tests.Bench;

/// <summary>
/// The bench's <c>fuzz-mappings</c> at CI size: a few mutated files through the real <c>abmsync mappings validate</c>,
/// to check the harness (cases run, outcomes counted, none crashed or hung), not to search.
/// </summary>
public sealed partial class MappingFuzzSmokeTests(ITestOutputHelper output)
{
    [Fact]
    public async Task TwelveCases_EachLoadsOrIsRefusedWithFileAndLine_TheCountsAddUp()
    {
        using var log = new StringWriter();
        var exit = await MappingFuzz.RunAsync(log, new MappingFuzzSettings(12, 7, TimeSpan.FromSeconds(10), null), CancellationToken.None);
        output.WriteLine(log.ToString());

        Assert.True(exit == 0, log.ToString());
        var counts = OutcomeRow().Matches(log.ToString()).ToDictionary(m => m.Groups[1].Value.Trim(), m => int.Parse(m.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(12, counts.Values.Sum());
        Assert.True(counts[MappingFuzz.Refused] > 0, "no mutation was refused: the mutations do nothing");
        Assert.Equal(0, counts[MappingFuzz.Crashed] + counts[MappingFuzz.Hung] + counts[MappingFuzz.Unclear]);
    }

    [Fact]
    public void Mutate_IsTheSameForTheSameSeed_AndChangesTheFile()
    {
        const string yaml = "version: 1\npair: { salesforce: Account, hubspot: companies }\nfields:\n  - { salesforce: Name, hubspot: name, direction: to-hubspot }\n";
        var first = Enumerable.Range(0, 30).Select(i => MappingFuzz.Mutate(yaml, new Random(i))).ToList();
        var again = Enumerable.Range(0, 30).Select(i => MappingFuzz.Mutate(yaml, new Random(i))).ToList();

        Assert.Equal(first.Select(f => f.Text), again.Select(a => a.Text));
        Assert.True(first.Count(f => f.Text != yaml) >= 25, "most mutations must change the file");
        Assert.True(first.Select(f => f.Mutation.Kind).Distinct().Count() >= 6, "the seeds must reach several kinds of mutation");
    }

    [GeneratedRegex(@"^\| ([a-z][^|]*?)\s*\|\s*(\d+) \|$", RegexOptions.Multiline)]
    private static partial Regex OutcomeRow();
}

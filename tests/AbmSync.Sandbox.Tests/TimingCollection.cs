namespace AbmSync.Sandbox.Tests;

/// <summary>
/// Tests that measure wall-clock delays and overlaps run alone, after the others: on two cores, a dozen sandboxes
/// seeding at once would stretch the very delays these tests bound.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class TimingCollection
{
    public const string Name = "timing";
}

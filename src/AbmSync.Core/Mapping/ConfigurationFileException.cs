namespace AbmSync.Core.Mapping;

/// <summary>One problem in a mapping or rules file, located so that a person can find and fix it.</summary>
public sealed record ConfigurationProblem(string File, int Line, int Column, string Reason)
{
    public override string ToString() => $"{File}:{Line}: {Reason}";
}

/// <summary>A mapping or rules file that must not be used. The message lists every problem as <c>file:line: reason</c>.</summary>
public sealed class ConfigurationFileException(IReadOnlyList<ConfigurationProblem> problems)
    : Exception(string.Join(Environment.NewLine, problems))
{
    public IReadOnlyList<ConfigurationProblem> Problems { get; } = problems;
}

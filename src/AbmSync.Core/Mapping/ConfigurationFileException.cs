namespace AbmSync.Core.Mapping;

/// <summary>One problem in a mapping or rules file, located so that a person can find and fix it.</summary>
public sealed record ConfigurationProblem(string File, int Line, int Column, string Reason)
{
    public override string ToString() => $"{File}:{Line}: {Reason}";
}

/// <summary>
/// A mapping or rules file that must not be used. The message lists the problems as <c>file:line: reason</c>, the first
/// <see cref="ListedProblems"/> of them and then how many more: a person fixes the first ones and runs again.
/// </summary>
public sealed class ConfigurationFileException(IReadOnlyList<ConfigurationProblem> problems)
    : Exception(Describe(problems))
{
    public const int ListedProblems = 50;

    public IReadOnlyList<ConfigurationProblem> Problems { get; } = problems;

    static string Describe(IReadOnlyList<ConfigurationProblem> problems)
    {
        var listed = string.Join(Environment.NewLine, problems.Take(ListedProblems));
        return problems.Count <= ListedProblems
            ? listed
            : $"{listed}{Environment.NewLine}… and {problems.Count - ListedProblems} more problems (the first {ListedProblems} are listed)";
    }
}

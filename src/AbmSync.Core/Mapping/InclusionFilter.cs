namespace AbmSync.Core.Mapping;

/// <summary>
/// Evaluates a mapping's inclusion conditions against one record. The sync reads changed records whatever their
/// inclusion, so that a record that leaves the filter (an account turned Partner) is seen leaving: rules then stop
/// counting it, instead of counting it forever from what was stored when it was last included.
/// </summary>
public static class InclusionFilter
{
    /// <summary>True when every condition holds. Text compares case-insensitively, as SOQL's = and IN do.</summary>
    public static bool Matches(IReadOnlyList<InclusionCondition> conditions, Func<string, string?> value)
    {
        foreach (var condition in conditions)
        {
            var actual = value(condition.Field);
            var blank = string.IsNullOrEmpty(actual);
            var holds = condition.Operator switch
            {
                InclusionOperator.In => !blank && condition.Values.Contains(actual!, StringComparer.OrdinalIgnoreCase),
                // SOQL's NOT IN leaves null values in: a record with no Type is still a target.
                InclusionOperator.NotIn => blank || !condition.Values.Contains(actual!, StringComparer.OrdinalIgnoreCase),
                InclusionOperator.Equals => !blank && string.Equals(actual, condition.Values[0], StringComparison.OrdinalIgnoreCase),
                InclusionOperator.NotEquals => blank || !string.Equals(actual, condition.Values[0], StringComparison.OrdinalIgnoreCase),
                InclusionOperator.IsNull => blank,
                _ => !blank,
            };
            if (!holds)
            {
                return false;
            }
        }
        return true;
    }
}

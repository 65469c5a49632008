using System.Text;

namespace AbmSync.Core.Engagement;

/// <summary>The buying role a job title puts a contact in, the pattern that matched, and why, in plain words.</summary>
public sealed record BuyingRoleMatch(string Role, string Pattern, string Reason);

/// <summary>
/// Puts a contact in a buying role from the job title. Titles are typed by people, so title and pattern are both
/// normalised (case, punctuation, '&amp;' for 'and') and a pattern matches only as whole words, in order: 'VP Finance'
/// matches "Sr. VP, Finance &amp; Ops" but 'IT' never matches inside "Digital".
/// </summary>
public sealed class BuyingRoleClassifier
{
    readonly IReadOnlyList<(BuyingRole Role, IReadOnlyList<(string Pattern, string Words)> Patterns)> roles;

    public BuyingRoleClassifier(BuyingCommitteeRules rules)
    {
        Rules = rules;
        // Normalised once here: a run classifies every contact against the same patterns.
        roles = [.. rules.Roles.Select(r => (r, (IReadOnlyList<(string, string)>)[.. r.Titles.Select(t => (t, Padded(Normalise(t))))]))];
    }

    public BuyingCommitteeRules Rules { get; }

    /// <summary>The role for <paramref name="jobTitle"/>, or null when there is no title or no pattern matches.</summary>
    public BuyingRoleMatch? Classify(string? jobTitle)
    {
        var words = Normalise(jobTitle ?? "");
        if (words.Length == 0)
        {
            return null;
        }
        var title = Padded(words);
        (string Role, string Pattern)? first = null;
        var later = new List<string>();
        foreach (var (role, patterns) in roles)
        {
            foreach (var (pattern, padded) in patterns)
            {
                if (title.Contains(padded, StringComparison.Ordinal))
                {
                    if (first is null)
                    {
                        first = (role.Name, pattern);
                    }
                    else
                    {
                        later.Add(role.Name);
                    }
                    break;
                }
            }
        }
        if (first is not { } hit)
        {
            return null;
        }
        var also = later.Count == 0 ? "" : $"; also matches {string.Join(", ", later)}, listed later";
        return new BuyingRoleMatch(hit.Role, hit.Pattern, $"{jobTitle!.Trim()}: {hit.Role} (title matches '{hit.Pattern}'{also})");
    }

    /// <summary>
    /// Lower case, '&amp;' as the word 'and', every run of anything but letters and digits as one space, trimmed. The
    /// loader uses it too, so that two patterns that read the same to the matcher are caught as the same pattern.
    /// </summary>
    public static string Normalise(string text)
    {
        var result = new StringBuilder(text.Length + 8);
        var gap = false;
        foreach (var c in text.Replace("&", " and ", StringComparison.Ordinal))
        {
            if (char.IsLetterOrDigit(c))
            {
                if (gap && result.Length > 0)
                {
                    result.Append(' ');
                }
                result.Append(char.ToLowerInvariant(c));
                gap = false;
            }
            else
            {
                gap = true;
            }
        }
        return result.ToString();
    }

    // Spaces at both ends make a plain substring search a whole-word one: " it " is not inside " digital ".
    static string Padded(string words) => $" {words} ";
}

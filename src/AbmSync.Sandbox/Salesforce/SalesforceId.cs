namespace AbmSync.Sandbox.Salesforce;

/// <summary>
/// Salesforce record ids: a 3-character key prefix, 12 base-62 characters, and (in the 18-character form the API
/// always answers) a 3-character suffix that encodes the case of the first 15 (the Salesforce id documentation).
/// </summary>
public static class SalesforceId
{
    const string Base62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    const string SuffixAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345";

    /// <summary>The 3-character case-checksum suffix of a 15-character id.</summary>
    public static string Suffix(string id15)
    {
        if (id15.Length != 15)
        {
            throw new ArgumentException("A 15-character id is required.", nameof(id15));
        }
        Span<char> suffix = stackalloc char[3];
        for (var chunk = 0; chunk < 3; chunk++)
        {
            var bits = 0;
            for (var i = 0; i < 5; i++)
            {
                if (char.IsAsciiLetterUpper(id15[chunk * 5 + i]))
                {
                    bits |= 1 << i;
                }
            }
            suffix[chunk] = SuffixAlphabet[bits];
        }
        return new string(suffix);
    }

    public static string To18(string id15) => id15 + Suffix(id15);

    /// <summary>
    /// The 18-character form of a 15- or 18-character id, or null when the text is not a well-formed id. An 18-character
    /// id is accepted only when its suffix matches the case of its first 15 characters, so two spellings that differ
    /// only in case never name the same record.
    /// </summary>
    public static string? Normalize(string? text)
    {
        if (text is null || (text.Length != 15 && text.Length != 18) || !text.All(char.IsAsciiLetterOrDigit))
        {
            return null;
        }
        var id15 = text[..15];
        var full = To18(id15);
        if (text.Length == 18 && !string.Equals(text[15..], full[15..], StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }
        return full;
    }

    /// <summary>Mints an 18-character id: prefix, a 3-character org stamp from the seed, and a 9-character serial.</summary>
    public static string Mint(string keyPrefix, int seed, long serial)
    {
        Span<char> body = stackalloc char[12];
        var stamp = (long)(uint)seed % (62L * 62 * 62);
        for (var i = 2; i >= 0; i--)
        {
            body[i] = Base62[(int)(stamp % 62)];
            stamp /= 62;
        }
        var n = serial;
        for (var i = 11; i >= 3; i--)
        {
            body[i] = Base62[(int)(n % 62)];
            n /= 62;
        }
        return To18(keyPrefix + new string(body));
    }
}

using System.Globalization;

namespace AbmSync.Core.Sync;

/// <summary>
/// Canonical text of a value of a given kind, so that values read from two APIs compare as values, not as strings.
/// Canonicalizing is idempotent, and text that does not parse as its kind stays as it is (it then compares as text).
/// </summary>
public static class ValueKinds
{
    /// <summary>Null or empty: the field has no value. Whitespace is a value; a trim transform removes it.</summary>
    public static bool IsBlank(string? text) => string.IsNullOrEmpty(text);

    /// <summary>
    /// The canonical text of <paramref name="text"/> as a <paramref name="kind"/>: null for blank; numbers without
    /// trailing zeros (<c>5000000</c>); booleans <c>true</c>/<c>false</c>; dates <c>yyyy-MM-dd</c>; date-times in UTC as
    /// <c>yyyy-MM-ddTHH:mm:ss.fffZ</c> (Salesforce's <c>+0000</c> offsets and epoch milliseconds included).
    /// </summary>
    public static string? Canonical(FieldKind kind, string? text)
    {
        if (IsBlank(text))
        {
            return null;
        }
        return kind switch
        {
            FieldKind.Number => TryNumber(text!, out var n) ? FormatNumber(n) : text,
            FieldKind.Boolean => TryBoolean(text!, out var b) ? (b ? "true" : "false") : text,
            FieldKind.Date => TryDate(text!, out var d) ? d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) : text,
            FieldKind.DateTime => TryInstant(text!, out var t) ? FormatInstant(t) : text,
            _ => text,
        };
    }

    /// <summary>Whether two texts are the same value of <paramref name="kind"/> (blank equals blank).</summary>
    public static bool Same(FieldKind kind, string? a, string? b) =>
        string.Equals(Canonical(kind, a), Canonical(kind, b), StringComparison.Ordinal);

    static bool TryNumber(string text, out decimal value) =>
        decimal.TryParse(text.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out value);

    // Zero is written as "0" whatever its sign or scale, so "-0.00" and "0" agree.
    static string FormatNumber(decimal value) =>
        value == 0m ? "0" : value.ToString("0.############################", CultureInfo.InvariantCulture);

    static bool TryBoolean(string text, out bool value)
    {
        var t = text.Trim();
        if (t.Equals("true", StringComparison.OrdinalIgnoreCase) || t == "1")
        {
            value = true;
            return true;
        }
        if (t.Equals("false", StringComparison.OrdinalIgnoreCase) || t == "0")
        {
            value = false;
            return true;
        }
        value = false;
        return false;
    }

    static bool TryDate(string text, out DateOnly value)
    {
        var t = text.Trim();
        // A plain date is a calendar day, not midnight somewhere: read it without any time zone.
        if (DateOnly.TryParseExact(t, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out value))
        {
            return true;
        }
        if (TryInstant(t, out var instant))
        {
            value = DateOnly.FromDateTime(instant.UtcDateTime);
            return true;
        }
        return false;
    }

    /// <summary>Reads a point in time in the forms the two APIs use; a time without an offset is UTC.</summary>
    public static bool TryInstant(string text, out DateTimeOffset value)
    {
        var t = text.Trim();
        // HubSpot date and datetime properties may come as epoch milliseconds.
        if (t.Length >= 11 && t.All(char.IsAsciiDigit) && long.TryParse(t, NumberStyles.None, CultureInfo.InvariantCulture, out var ms)
            && ms <= DateTimeOffset.MaxValue.ToUnixTimeMilliseconds())
        {
            value = DateTimeOffset.FromUnixTimeMilliseconds(ms);
            return true;
        }
        // Salesforce writes offsets without a colon (2026-11-25T10:00:00.000+0000), which .NET does not read.
        if (t.Length > 5 && t.Contains('T', StringComparison.Ordinal) && (t[^5] == '+' || t[^5] == '-')
            && t[^4..].All(char.IsAsciiDigit))
        {
            t = $"{t[..^2]}:{t[^2..]}";
        }
        return DateTimeOffset.TryParse(t, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out value);
    }

    /// <summary>A point in time as canonical UTC text.</summary>
    internal static string FormatInstant(DateTimeOffset value) =>
        value.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
}

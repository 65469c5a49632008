using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using AbmSync.Core.Accounts;
using AbmSync.Core.Mapping;

namespace AbmSync.Core.Sync;

/// <summary>
/// Turns Salesforce field values into the HubSpot property values a mapping asks for. Salesforce values arrive as
/// plain CLR values (string, decimal, bool, DateTimeOffset, DateOnly, null); HubSpot takes every value as a string.
/// </summary>
public static class FieldValues
{
    /// <summary>
    /// The HubSpot values for one Salesforce record, for every field flowing to HubSpot. A null value means
    /// "Salesforce has nothing here"; whether that clears HubSpot is the diff's decision, not the mapper's.
    /// </summary>
    public static Dictionary<string, string?> ToHubSpot(
        ObjectMapping mapping, Func<string, object?> salesforceField, Func<string, string?> hubSpotOwnerOf)
    {
        var values = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (var field in mapping.Fields.Where(f => f.FlowsToHubSpot))
        {
            values[field.HubSpot] = Convert(field, salesforceField(field.Salesforce), hubSpotOwnerOf);
        }
        return values;
    }

    /// <summary>
    /// What the Salesforce → HubSpot leg may write of a two-way field without reading HubSpot's value first: a
    /// HubSpot-first policy writes only into a company that has no values yet (one we create), and
    /// <c>prefer-salesforce-unless-blank</c> never clears HubSpot with a blank. Reading both sides and resolving
    /// conflicts field by field is the two-way engine's work; until then these rules never overwrite what a policy
    /// protects.
    /// </summary>
    public static void ApplyConflictPolicies(ObjectMapping mapping, Dictionary<string, string?> values, bool twinExists)
    {
        foreach (var field in mapping.Fields.Where(f => f.Direction == SyncDirection.TwoWay && values.ContainsKey(f.HubSpot)))
        {
            var remove = field.Conflict switch
            {
                ConflictPolicy.HubSpotWins or ConflictPolicy.PreferHubSpotUnlessBlank => twinExists,
                ConflictPolicy.PreferSalesforceUnlessBlank => values[field.HubSpot] is null,
                _ => false,
            };
            if (remove)
            {
                values.Remove(field.HubSpot);
            }
        }
    }

    /// <summary>
    /// The HubSpot value for a Salesforce value of a field, as text: the value read as its Salesforce kind, then the
    /// field's transform (owner through <paramref name="owners"/>) and value map (<c>"*"</c> = any other value;
    /// <c>""</c> = no counterpart, i.e. blank), then written as the HubSpot property's kind. An owner with no HubSpot
    /// counterpart gives <see cref="ConvertedValue.Unmapped"/> rather than a blank, so that it never clears an owner.
    /// </summary>
    /// <param name="zone">The HubSpot portal's time zone: a Salesforce date is midnight there as a HubSpot date-time.</param>
    public static ConvertedValue ToHubSpotValue(
        FieldMapping field, string? salesforceValue, FieldKind salesforceKind, FieldKind hubSpotKind, OwnerMap owners, TimeZoneInfo? zone = null)
    {
        var text = ValueKinds.Canonical(salesforceKind, salesforceValue);
        if (text is null || (field.SalesforceDefault is { } placeholder && text == placeholder))
        {
            return ConvertedValue.Blank;
        }
        switch (field.Transform)
        {
            case FieldTransform.Owner or FieldTransform.Link:
                if (owners.HubSpotOwnerOf(text) is not { } owner)
                {
                    return ConvertedValue.NoCounterpart(field.Transform == FieldTransform.Link ? PlanNote.LinkUnmapped : PlanNote.OwnerUnmapped);
                }
                text = owner;
                break;
            default:
                text = Reshape(field.Transform, text);
                if (field.Transform == FieldTransform.Date && hubSpotKind == FieldKind.DateTime && text is not null)
                {
                    text = MidnightIn(text, zone);
                }
                break;
        }
        if (text is not null && field.Values is { } map)
        {
            var key = map.Keys.FirstOrDefault(k => k != "*" && ValueKinds.Same(salesforceKind, k, text));
            text = key is not null ? map[key] : field.DefaultValue ?? text;
        }
        return new ConvertedValue(ValueKinds.Canonical(hubSpotKind, text), null);
    }

    /// <summary>
    /// The Salesforce value for a HubSpot value of a field: the reverse of <see cref="ToHubSpotValue"/>. When the
    /// current Salesforce value already converts to the HubSpot value it is kept, so that a many-to-one value map (or a
    /// lossy transform) never turns one Salesforce value into another on a round trip. Otherwise a value map is read
    /// backwards, taking the first listed Salesforce value that maps to the HubSpot value; a HubSpot value no entry
    /// maps to has no reverse when the map has a <c>"*"</c> fallback (<see cref="PlanNote.ValueUnmapped"/>) and passes
    /// through unchanged when it has none (as the forward map passes unknown values through). Owners go through
    /// <paramref name="owners"/> backwards; a date transform makes any HubSpot date or date-time a <c>yyyy-MM-dd</c>.
    /// </summary>
    public static ConvertedValue ToSalesforceValue(
        FieldMapping field, string? hubSpotValue, string? currentSalesforceValue, FieldKind salesforceKind,
        FieldKind hubSpotKind, OwnerMap owners, TimeZoneInfo? zone = null)
    {
        var forward = ToHubSpotValue(field, currentSalesforceValue, salesforceKind, hubSpotKind, owners, zone);
        if (forward.IsMapped && ValueKinds.Same(hubSpotKind, forward.Value, hubSpotValue))
        {
            return new ConvertedValue(ValueKinds.Canonical(salesforceKind, currentSalesforceValue) ?? field.SalesforceDefault, null);
        }
        var text = ValueKinds.Canonical(hubSpotKind, hubSpotValue);
        if (text is null)
        {
            return field.SalesforceDefault is { } placeholder ? new ConvertedValue(placeholder, null) : ConvertedValue.Blank;
        }
        if (field.Values is { } map)
        {
            var key = map.FirstOrDefault(e => e.Key != "*" && e.Value.Length > 0 && ValueKinds.Same(hubSpotKind, e.Value, text)).Key;
            if (key is not null)
            {
                text = key;
            }
            else if (field.DefaultValue is not null)
            {
                return ConvertedValue.NoCounterpart(PlanNote.ValueUnmapped);
            }
            else
            {
                text = Reshape(field.Transform, text);
            }
        }
        else if (field.Transform is FieldTransform.Owner or FieldTransform.Link)
        {
            if (owners.SalesforceUserOf(text) is not { } user)
            {
                return ConvertedValue.NoCounterpart(field.Transform == FieldTransform.Link ? PlanNote.LinkUnmapped : PlanNote.OwnerUnmapped);
            }
            text = user;
        }
        else
        {
            // Domain, trim, lower, upper and date are normalizations: applied on the way in they give the form the
            // forward transform would have produced. A date-time becomes the day it is in the portal's time zone.
            text = field.Transform == FieldTransform.Date ? DayIn(text, zone) : Reshape(field.Transform, text);
        }
        return new ConvertedValue(ValueKinds.Canonical(salesforceKind, text), null);
    }

    /// <summary>A calendar day as the instant it starts in <paramref name="zone"/> (UTC when none is known).</summary>
    static string MidnightIn(string day, TimeZoneInfo? zone)
    {
        var date = DateOnly.ParseExact(day, "yyyy-MM-dd", CultureInfo.InvariantCulture);
        var local = date.ToDateTime(TimeOnly.MinValue, DateTimeKind.Unspecified);
        var utc = TimeZoneInfo.ConvertTimeToUtc(local, zone ?? TimeZoneInfo.Utc);
        return ValueKinds.Canonical(FieldKind.DateTime, new DateTimeOffset(utc, TimeSpan.Zero).ToString("O", CultureInfo.InvariantCulture))!;
    }

    /// <summary>The calendar day an instant falls on in <paramref name="zone"/>; a plain date stays as it is.</summary>
    static string? DayIn(string text, TimeZoneInfo? zone)
    {
        var t = text.Trim();
        if (!DateOnly.TryParseExact(t, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out _)
            && ValueKinds.TryInstant(t, out var instant))
        {
            return DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(instant, zone ?? TimeZoneInfo.Utc).DateTime).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        }
        return Reshape(FieldTransform.Date, t);
    }

    static string? Reshape(FieldTransform transform, string text)
    {
        var reshaped = transform switch
        {
            FieldTransform.Domain => DomainName.Normalize(text),
            FieldTransform.Trim => text.Trim(),
            FieldTransform.Lower => text.Trim().ToLowerInvariant(),
            FieldTransform.Upper => text.Trim().ToUpperInvariant(),
            FieldTransform.Date => ValueKinds.Canonical(FieldKind.Date, text),
            _ => text,
        };
        return string.IsNullOrEmpty(reshaped) ? null : reshaped;
    }

    static string? Convert(FieldMapping field, object? value, Func<string, string?> hubSpotOwnerOf)
    {
        var text = Format(value);
        if (text is null)
        {
            return null;
        }
        text = field.Transform switch
        {
            FieldTransform.Domain => DomainName.Normalize(text),
            FieldTransform.Owner => hubSpotOwnerOf(text),
            FieldTransform.Trim => text.Trim(),
            FieldTransform.Lower => text.Trim().ToLowerInvariant(),
            FieldTransform.Upper => text.Trim().ToUpperInvariant(),
            FieldTransform.Date => value switch
            {
                DateTimeOffset d => d.UtcDateTime.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
                DateOnly d => d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
                _ => text,
            },
            _ => text,
        };
        if (text is not null && field.Values is { } map)
        {
            text = map.TryGetValue(text, out var mapped) ? mapped : field.DefaultValue ?? text;
            // A value mapped to "" has no counterpart on the other side: it is sent as no value at all.
            text = text.Length == 0 ? null : text;
        }
        return text;
    }

    /// <summary>The invariant text of a value, as HubSpot stores it.</summary>
    public static string? Format(object? value) => value switch
    {
        null => null,
        string s => s,
        bool b => b ? "true" : "false",
        decimal d => d.ToString("0.############", CultureInfo.InvariantCulture),
        int i => i.ToString(CultureInfo.InvariantCulture),
        long l => l.ToString(CultureInfo.InvariantCulture),
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        DateTimeOffset d => d.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture),
        DateOnly d => d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        _ => System.Convert.ToString(value, CultureInfo.InvariantCulture),
    };

    /// <summary>
    /// The values that must be written to bring a record from what we last wrote to what it should be. A value we
    /// wrote before and that is now empty becomes <c>""</c> (HubSpot's way to clear); an empty value we never wrote
    /// is left out, so that linking an existing record never wipes what its owners put there.
    /// </summary>
    public static Dictionary<string, string> Changes(
        IReadOnlyDictionary<string, string?> desired, IReadOnlyDictionary<string, string>? lastWritten)
    {
        var changes = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, value) in desired)
        {
            string? previous = null;
            var had = lastWritten?.TryGetValue(name, out previous) == true;
            if (value is null)
            {
                if (had && previous!.Length > 0)
                {
                    changes[name] = "";
                }
            }
            else if (!had || previous != value)
            {
                changes[name] = value;
            }
        }
        return changes;
    }

    /// <summary>A stable hash of a set of written values: the same values in any order give the same hash.</summary>
    public static string Hash(IReadOnlyDictionary<string, string> values)
    {
        var text = new StringBuilder();
        foreach (var (name, value) in values.OrderBy(v => v.Key, StringComparer.Ordinal))
        {
            text.Append(name).Append('\u001f').Append(value).Append('\u001e');
        }
        return System.Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())), 0, 16);
    }
}

/// <summary>A value converted for the other side: either a value (null = blank) or the reason it has no counterpart there.</summary>
/// <param name="Value">The converted value; null is blank.</param>
/// <param name="Unmapped">When set, the value has no counterpart (a <see cref="PlanNote"/> code) and nothing should be written.</param>
public readonly record struct ConvertedValue(string? Value, string? Unmapped)
{
    /// <summary>A blank value.</summary>
    public static ConvertedValue Blank => new(null, null);

    /// <summary>No counterpart on the other side, for the given note code.</summary>
    public static ConvertedValue NoCounterpart(string code) => new(null, code);

    /// <summary>The value has a counterpart (possibly blank).</summary>
    public bool IsMapped => Unmapped is null;
}

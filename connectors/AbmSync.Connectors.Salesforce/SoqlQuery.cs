using System.Collections;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace AbmSync.Connectors.Salesforce;

/// <summary>
/// An immutable SOQL SELECT. Identifiers are checked against a strict pattern and every value is rendered as an escaped
/// literal, so no caller-supplied text reaches the query unchecked.
/// </summary>
/// <example><c>SoqlQuery.From("Account").Select("Id", "Owner.Email").Where(Soql.Field("Type").NotIn("Partner")).OrderBy("SystemModstamp").OrderBy("Id").Limit(100)</c></example>
public sealed class SoqlQuery
{
    private readonly string _sObject;
    private readonly IReadOnlyList<string> _fields;
    private readonly IReadOnlyList<SoqlCondition> _where;
    private readonly IReadOnlyList<(string Field, bool Descending)> _orderBy;
    private readonly int? _limit;

    private SoqlQuery(string sObject, IReadOnlyList<string> fields, IReadOnlyList<SoqlCondition> where,
        IReadOnlyList<(string, bool)> orderBy, int? limit)
    {
        _sObject = sObject;
        _fields = fields;
        _where = where;
        _orderBy = orderBy;
        _limit = limit;
    }

    public string SObject => _sObject;

    public IReadOnlyList<string> Fields => _fields;

    public static SoqlQuery From(string sObject) =>
        new(Soql.CheckObjectName(sObject), [], [], [], null);

    /// <summary>Adds fields (relationship paths like "Owner.Email" allowed); duplicates are dropped.</summary>
    public SoqlQuery Select(params string[] fields)
    {
        var all = _fields.ToList();
        foreach (var field in fields)
        {
            Soql.CheckFieldPath(field);
            if (!all.Contains(field, StringComparer.OrdinalIgnoreCase))
            {
                all.Add(field);
            }
        }

        return new SoqlQuery(_sObject, all, _where, _orderBy, _limit);
    }

    /// <summary>Adds a condition; several calls are joined with AND.</summary>
    public SoqlQuery Where(SoqlCondition condition) =>
        new(_sObject, _fields, [.. _where, condition], _orderBy, _limit);

    public SoqlQuery OrderBy(string field, bool descending = false) =>
        new(_sObject, _fields, _where, [.. _orderBy, (Soql.CheckFieldPath(field), descending)], _limit);

    public SoqlQuery Limit(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count);
        return new SoqlQuery(_sObject, _fields, _where, _orderBy, count);
    }

    public string ToSoql()
    {
        if (_fields.Count == 0)
        {
            throw new InvalidOperationException("A SOQL query needs at least one field.");
        }

        var sb = new StringBuilder("SELECT ");
        sb.AppendJoin(", ", _fields).Append(" FROM ").Append(_sObject);
        if (_where.Count > 0)
        {
            sb.Append(" WHERE ");
            (_where.Count == 1 ? _where[0] : SoqlCondition.And([.. _where])).Write(sb, nested: false);
        }

        if (_orderBy.Count > 0)
        {
            sb.Append(" ORDER BY ");
            sb.AppendJoin(", ", _orderBy.Select(o => o.Descending ? o.Field + " DESC" : o.Field));
        }

        if (_limit is { } limit)
        {
            sb.Append(" LIMIT ").Append(limit.ToString(CultureInfo.InvariantCulture));
        }

        return sb.ToString();
    }

    public override string ToString() => ToSoql();
}

/// <summary>Entry points and the literal formatter of the SOQL builder.</summary>
public static partial class Soql
{
    public static SoqlField Field(string path) => new(CheckFieldPath(path));

    /// <summary>
    /// A string literal with quotes: backslash first, then quotes and the control escapes SOQL knows (\n \r \t \b \f).
    /// Other control characters have no SOQL escape and are refused.
    /// </summary>
    public static string QuoteString(string value) => "'" + Escape(value, like: false) + "'";

    /// <summary>Escapes a value for use inside a LIKE pattern: as <see cref="QuoteString"/>, plus % and _ made literal.</summary>
    public static string EscapeLikeValue(string value) => Escape(value, like: true);

    /// <summary>Renders a value as a SOQL literal: strings quoted and escaped, datetimes as UTC <c>yyyy-MM-ddTHH:mm:ssZ</c>, dates as <c>yyyy-MM-dd</c>.</summary>
    public static string Literal(object? value) => value switch
    {
        null => "null",
        string s => QuoteString(s),
        bool b => b ? "true" : "false",
        int or long or short or byte or uint or ulong or ushort or sbyte => Convert.ToString(value, CultureInfo.InvariantCulture)!,
        decimal m => m.ToString(CultureInfo.InvariantCulture),
        double d when double.IsFinite(d) => d.ToString("R", CultureInfo.InvariantCulture),
        float f when float.IsFinite(f) => f.ToString("R", CultureInfo.InvariantCulture),
        DateTimeOffset dto => dto.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
        DateTime dt when dt.Kind == DateTimeKind.Unspecified =>
            throw new ArgumentException("A DateTime literal needs a Kind (Utc or Local); use DateTimeOffset.", nameof(value)),
        DateTime dt => dt.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
        DateOnly date => date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        _ => throw new ArgumentException($"No SOQL literal for a value of type {value.GetType().Name}.", nameof(value)),
    };

    internal static string Escape(string value, bool like)
    {
        var sb = new StringBuilder(value.Length + 8);
        foreach (var c in value)
        {
            switch (c)
            {
                case '\\': sb.Append(@"\\"); break;
                case '\'': sb.Append(@"\'"); break;
                case '"': sb.Append("\\\""); break;
                case '\n': sb.Append(@"\n"); break;
                case '\r': sb.Append(@"\r"); break;
                case '\t': sb.Append(@"\t"); break;
                case '\b': sb.Append(@"\b"); break;
                case '\f': sb.Append(@"\f"); break;
                case '%' when like: sb.Append(@"\%"); break;
                case '_' when like: sb.Append(@"\_"); break;
                default:
                    if (char.IsControl(c))
                    {
                        throw new ArgumentException(
                            $"SOQL string literals cannot carry control character U+{(int)c:X4}.", nameof(value));
                    }

                    sb.Append(c);
                    break;
            }
        }

        return sb.ToString();
    }

    // Letters, digits and single underscores inside a name; custom suffixes (__c, __r) and a namespace prefix (ns__) allowed.
    [GeneratedRegex(@"^[A-Za-z](?:[A-Za-z0-9]|_(?!_)|__(?=[A-Za-z0-9]))*$", RegexOptions.CultureInvariant)]
    private static partial Regex NamePattern();

    internal static string CheckObjectName(string name)
    {
        if (string.IsNullOrEmpty(name) || name.Length > 80 || !NamePattern().IsMatch(name) || name.EndsWith('_'))
        {
            throw new ArgumentException($"'{name}' is not a valid sObject name.", nameof(name));
        }

        return name;
    }

    internal static string CheckFieldPath(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        var segments = path.Split('.');
        if (path.Length > 255 || segments.Any(s => s.Length == 0 || s.Length > 80 || !NamePattern().IsMatch(s) || s.EndsWith('_')))
        {
            throw new ArgumentException($"'{path}' is not a valid SOQL field path.", nameof(path));
        }

        return path;
    }
}

/// <summary>A field on the left of a comparison. Every method renders its value through <see cref="Soql.Literal"/>.</summary>
public readonly record struct SoqlField(string Path)
{
    /// <summary><c>= value</c>, or <c>= null</c> when value is null.</summary>
    public SoqlCondition Eq(object? value) => Compare("=", value);

    public SoqlCondition NotEq(object? value) => Compare("!=", value);

    public SoqlCondition Lt(object value) => Compare("<", NotNull(value));

    public SoqlCondition Le(object value) => Compare("<=", NotNull(value));

    public SoqlCondition Gt(object value) => Compare(">", NotNull(value));

    public SoqlCondition Ge(object value) => Compare(">=", NotNull(value));

    public SoqlCondition IsNull() => Compare("=", null);

    public SoqlCondition IsNotNull() => Compare("!=", null);

    // A lone string would otherwise bind to the IEnumerable<char> overload and become a list of characters.
    public SoqlCondition In(string value) => InList("IN", new object?[] { value });

    public SoqlCondition In(params object?[] values) => InList("IN", values);

    public SoqlCondition In<T>(IEnumerable<T> values) => InList("IN", values);

    public SoqlCondition NotIn(string value) => InList("NOT IN", new object?[] { value });

    public SoqlCondition NotIn(params object?[] values) => InList("NOT IN", values);

    public SoqlCondition NotIn<T>(IEnumerable<T> values) => InList("NOT IN", values);

    /// <summary>LIKE with a pattern whose % and _ are wildcards; quotes, backslashes and control characters are escaped.</summary>
    public SoqlCondition Like(string pattern) =>
        new SoqlCondition.Comparison(Path, "LIKE", Soql.QuoteString(pattern));

    /// <summary>LIKE 'value%' with value taken literally (its % and _ escaped).</summary>
    public SoqlCondition StartsWith(string value) =>
        new SoqlCondition.Comparison(Path, "LIKE", "'" + Soql.EscapeLikeValue(value) + "%'");

    /// <summary>LIKE '%value%' with value taken literally.</summary>
    public SoqlCondition Contains(string value) =>
        new SoqlCondition.Comparison(Path, "LIKE", "'%" + Soql.EscapeLikeValue(value) + "%'");

    /// <summary>LIKE '%value' with value taken literally.</summary>
    public SoqlCondition EndsWith(string value) =>
        new SoqlCondition.Comparison(Path, "LIKE", "'%" + Soql.EscapeLikeValue(value) + "'");

    private SoqlCondition Compare(string op, object? value) =>
        new SoqlCondition.Comparison(Path, op, Soql.Literal(value));

    private static object NotNull(object value) =>
        value ?? throw new ArgumentNullException(nameof(value), "Ordering comparisons with null are not SOQL.");

    private SoqlCondition InList(string op, IEnumerable values)
    {
        if (values is string)
        {
            throw new ArgumentException("Pass the values of an IN list as separate items, not one string.", nameof(values));
        }

        var literals = values.Cast<object?>().Select(Soql.Literal).ToArray();
        if (literals.Length == 0)
        {
            throw new ArgumentException("An IN list needs at least one value.", nameof(values));
        }

        return new SoqlCondition.Comparison(Path, op, "(" + string.Join(", ", literals) + ")");
    }
}

/// <summary>A WHERE condition. Combine with <see cref="And"/>, <see cref="Or"/>, <see cref="Not"/> or the &amp; | ! operators.</summary>
public abstract class SoqlCondition
{
    private SoqlCondition()
    {
    }

    public static SoqlCondition And(params SoqlCondition[] conditions) => Group("AND", conditions);

    public static SoqlCondition Or(params SoqlCondition[] conditions) => Group("OR", conditions);

    public static SoqlCondition Not(SoqlCondition condition) => new Negation(condition);

    public static SoqlCondition operator &(SoqlCondition left, SoqlCondition right) => And(left, right);

    public static SoqlCondition operator |(SoqlCondition left, SoqlCondition right) => Or(left, right);

    public static SoqlCondition operator !(SoqlCondition condition) => Not(condition);

    public static SoqlCondition BitwiseAnd(SoqlCondition left, SoqlCondition right) => And(left, right);

    public static SoqlCondition BitwiseOr(SoqlCondition left, SoqlCondition right) => Or(left, right);

    public static SoqlCondition LogicalNot(SoqlCondition condition) => Not(condition);

    public override string ToString()
    {
        var sb = new StringBuilder();
        Write(sb, nested: false);
        return sb.ToString();
    }

    internal abstract void Write(StringBuilder sb, bool nested);

    private static SoqlCondition Group(string op, SoqlCondition[] conditions)
    {
        if (conditions.Length == 0)
        {
            throw new ArgumentException("A group needs at least one condition.", nameof(conditions));
        }

        return conditions.Length == 1 ? conditions[0] : new Composite(op, conditions);
    }

    internal sealed class Comparison(string path, string op, string literal) : SoqlCondition
    {
        internal override void Write(StringBuilder sb, bool nested) =>
            sb.Append(path).Append(' ').Append(op).Append(' ').Append(literal);
    }

    private sealed class Composite(string op, SoqlCondition[] children) : SoqlCondition
    {
        internal override void Write(StringBuilder sb, bool nested)
        {
            // SOQL refuses AND and OR mixed at one level, so every nested group gets parentheses.
            if (nested)
            {
                sb.Append('(');
            }

            for (var i = 0; i < children.Length; i++)
            {
                if (i > 0)
                {
                    sb.Append(' ').Append(op).Append(' ');
                }

                children[i].Write(sb, nested: true);
            }

            if (nested)
            {
                sb.Append(')');
            }
        }
    }

    private sealed class Negation(SoqlCondition inner) : SoqlCondition
    {
        internal override void Write(StringBuilder sb, bool nested)
        {
            sb.Append("NOT (");
            inner.Write(sb, nested: false);
            sb.Append(')');
        }
    }
}

using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace AbmSync.Sandbox.Salesforce;

/// <summary>A field reference in a query, possibly through parent relationships (<c>Owner.Email</c>).</summary>
public sealed record FieldPath(string Text, IReadOnlyList<SfField> Relationships, SfField Field);

public abstract record Condition;
public sealed record AndCondition(Condition Left, Condition Right) : Condition;
public sealed record OrCondition(Condition Left, Condition Right) : Condition;
public sealed record NotCondition(Condition Inner) : Condition;
public sealed record CompareCondition(FieldPath Field, string Op, object? Value) : Condition;
public sealed record InCondition(FieldPath Field, bool Negated, IReadOnlyList<object?> Values) : Condition;
public sealed record LikeCondition(FieldPath Field, Regex Pattern) : Condition;

public sealed record OrderItem(FieldPath Field, bool Descending, bool NullsFirst);

/// <summary>A parsed query of the supported SOQL subset (see SOQL.md).</summary>
public sealed record SoqlQuery(SfObject From, IReadOnlyList<FieldPath> Select, bool CountOnly, Condition? Where, IReadOnlyList<OrderItem> OrderBy, int? Limit, int? Offset);

/// <summary>Parser of the SOQL subset the emulator serves; anything outside it is MALFORMED_QUERY, as the real API answers.</summary>
public sealed class SoqlParser
{
    enum Kind { Ident, String, Number, Date, DateTime, Symbol, End }

    sealed record Token(Kind Kind, string Text, int Position, object? Value = null, string? LikeRegex = null, bool LikeOnlyEscapes = false);

    static readonly HashSet<string> Reserved = new(StringComparer.OrdinalIgnoreCase)
    {
        "SELECT", "FROM", "WHERE", "AND", "OR", "NOT", "IN", "LIKE", "ORDER", "BY", "ASC", "DESC", "NULLS", "FIRST", "LAST",
        "LIMIT", "OFFSET", "NULL", "TRUE", "FALSE", "GROUP", "HAVING", "WITH", "FOR", "INCLUDES", "EXCLUDES", "USING", "TYPEOF",
    };

    static readonly Regex DateTimeLiteral = new(@"\G(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d{1,7})?(Z|[+-]\d{2}:\d{2})", RegexOptions.CultureInvariant);
    static readonly Regex DateLiteral = new(@"\G\d{4}-\d{2}-\d{2}(?![T\w])", RegexOptions.CultureInvariant);
    static readonly Regex NumberLiteral = new(@"\G[+-]?\d+(\.\d+)?(?![\w.])", RegexOptions.CultureInvariant);

    readonly string text;
    readonly SfSchema schema;
    readonly List<Token> tokens;
    int index;
    SfObject? from;

    readonly UserAccess access;

    SoqlParser(string text, SfSchema schema, UserAccess access)
    {
        this.text = text;
        this.schema = schema;
        this.access = access;
        tokens = Lex(text);
    }

    /// <summary>Parses as <paramref name="access"/>'s user sees the schema: hidden objects and fields do not exist for it.</summary>
    public static SoqlQuery Parse(string text, SfSchema schema, UserAccess? access = null) => new SoqlParser(text, schema, access ?? UserAccess.Full).Query();

    SoqlQuery Query()
    {
        Expect("SELECT");
        var selectTokens = new List<Token>();
        var countOnly = false;
        if (IsKeyword(Peek, "COUNT") && tokens[index + 1].Text == "(")
        {
            index += 2;
            Expect(")");
            countOnly = true;
        }
        else
        {
            do
            {
                var token = Next();
                if (token.Kind != Kind.Ident || Reserved.Contains(token.Text))
                {
                    throw Unexpected(token);
                }
                if (Peek.Text == "(")
                {
                    // Aggregates and functions (COUNT(Id), toLabel(), FORMAT()) are outside the subset.
                    throw Unexpected(Peek);
                }
                selectTokens.Add(token);
            }
            while (TryTake(","));
        }
        Expect("FROM");
        var objectToken = Next();
        // GROUP is reserved for GROUP BY, yet Group is an object name SOQL takes after FROM (the org's queues are Groups).
        var reserved = Reserved.Contains(objectToken.Text) && !string.Equals(objectToken.Text, "Group", StringComparison.OrdinalIgnoreCase);
        if (objectToken.Kind != Kind.Ident || reserved || objectToken.Text.Contains('.'))
        {
            throw Unexpected(objectToken);
        }
        from = schema.Find(objectToken.Text) is { } found && access.CanRead(found) ? found : throw new SfRequestException(400, "INVALID_TYPE",
            Located(objectToken, $"sObject type '{objectToken.Text}' is not supported. If you are attempting to use a custom object, be sure to append the '__c' after the entity name. Please reference your WSDL or the describe call for the appropriate names."));
        var select = new List<FieldPath>();
        foreach (var token in selectTokens)
        {
            var path = Resolve(token);
            if (select.Any(p => string.Equals(p.Text, path.Text, StringComparison.OrdinalIgnoreCase)))
            {
                throw new SfRequestException(400, "MALFORMED_QUERY", Located(token, $"duplicate field selected: {token.Text}"));
            }
            select.Add(path);
        }

        Condition? where = null;
        if (TryKeyword("WHERE"))
        {
            where = Expression();
        }
        var order = new List<OrderItem>();
        if (TryKeyword("ORDER"))
        {
            Expect("BY");
            do
            {
                var field = Resolve(NextIdent());
                var descending = false;
                if (TryKeyword("DESC"))
                {
                    descending = true;
                }
                else
                {
                    TryKeyword("ASC");
                }
                var nullsFirst = !descending;
                if (TryKeyword("NULLS"))
                {
                    if (TryKeyword("FIRST"))
                    {
                        nullsFirst = true;
                    }
                    else
                    {
                        Expect("LAST");
                        nullsFirst = false;
                    }
                }
                order.Add(new OrderItem(field, descending, nullsFirst));
            }
            while (TryTake(","));
        }
        int? limit = null, offset = null;
        if (TryKeyword("LIMIT"))
        {
            limit = NonNegativeInt();
        }
        if (TryKeyword("OFFSET"))
        {
            var token = Peek;
            offset = NonNegativeInt();
            if (offset > 2000)
            {
                throw new SfRequestException(400, "NUMBER_OUTSIDE_VALID_RANGE", Located(token, "Maximum SOQL offset allowed is 2000"));
            }
        }
        if (Peek.Kind != Kind.End)
        {
            throw Unexpected(Peek);
        }
        return new SoqlQuery(from, select, countOnly, where, order, limit, offset);
    }

    int NonNegativeInt()
    {
        var token = Next();
        if (token.Kind != Kind.Number || token.Value is not decimal d || d < 0 || d != decimal.Truncate(d) || d > int.MaxValue)
        {
            throw Unexpected(token);
        }
        return (int)d;
    }

    // SOQL refuses AND and OR side by side without parentheses ("a AND b OR c" is an error), so each level takes one.
    Condition Expression()
    {
        var left = Unary();
        if (IsKeyword(Peek, "AND") || IsKeyword(Peek, "OR"))
        {
            var op = Peek.Text.ToUpperInvariant();
            while (TryKeyword(op))
            {
                var right = Unary();
                left = op == "AND" ? new AndCondition(left, right) : new OrCondition(left, right);
            }
            if (IsKeyword(Peek, "AND") || IsKeyword(Peek, "OR"))
            {
                throw Unexpected(Peek);
            }
        }
        return left;
    }

    Condition Unary()
    {
        if (TryKeyword("NOT"))
        {
            return new NotCondition(Unary());
        }
        if (TryTake("("))
        {
            var inner = Expression();
            Expect(")");
            return inner;
        }
        return Comparison();
    }

    Condition Comparison()
    {
        var fieldToken = NextIdent();
        var field = Resolve(fieldToken);
        if (!field.Field.Filterable)
        {
            throw new SfRequestException(400, "INVALID_FIELD", Located(fieldToken, $"field '{field.Field.Name}' can not be filtered in a query call"));
        }
        var token = Next();
        if (token.Kind == Kind.Symbol && token.Text is "=" or "!=" or "<>" or "<" or "<=" or ">" or ">=")
        {
            var op = token.Text == "<>" ? "!=" : token.Text;
            var literal = Next();
            var value = Literal(field, literal);
            if (op is not ("=" or "!=") && (value is null || field.Field.Type == SfType.Boolean))
            {
                throw new SfRequestException(400, "INVALID_QUERY_FILTER_OPERATOR", Located(token, $"invalid operator on field: {field.Text}"));
            }
            return new CompareCondition(field, op, value);
        }
        if (IsKeyword(token, "IN") || (IsKeyword(token, "NOT") && IsKeyword(Peek, "IN") && Next() is not null))
        {
            var negated = IsKeyword(token, "NOT");
            Expect("(");
            var values = new List<object?>();
            do
            {
                values.Add(Literal(field, Next()));
            }
            while (TryTake(","));
            Expect(")");
            return new InCondition(field, negated, values);
        }
        if (IsKeyword(token, "LIKE"))
        {
            var literal = Next();
            if (literal.Kind != Kind.String)
            {
                throw Unexpected(literal);
            }
            if (!field.Field.IsText)
            {
                throw new SfRequestException(400, "INVALID_QUERY_FILTER_OPERATOR", Located(token, $"invalid operator on field: {field.Text}"));
            }
            return new LikeCondition(field, new Regex(literal.LikeRegex!, RegexOptions.IgnoreCase | RegexOptions.Singleline | RegexOptions.CultureInvariant));
        }
        throw Unexpected(token);
    }

    object? Literal(FieldPath path, Token token)
    {
        var field = path.Field;
        if (IsKeyword(token, "NULL"))
        {
            return null;
        }
        string Wrong() => field.IsText
            ? $"value of filter criterion for field '{path.Text}' must be of type {field.SoapTypeName} and should be enclosed in quotes"
            : $"value of filter criterion for field '{path.Text}' must be of type {field.SoapTypeName} and should not be enclosed in quotes";
        switch (token.Kind)
        {
            case Kind.String:
                if (token.LikeOnlyEscapes)
                {
                    throw new SfRequestException(400, "MALFORMED_QUERY", Located(token, "Invalid string literal: \\% and \\_ are valid only in LIKE"));
                }
                if (!field.IsText)
                {
                    throw new SfRequestException(400, "INVALID_FIELD", Located(token, Wrong()));
                }
                var s = (string)token.Value!;
                if (field.Type is SfType.Id or SfType.Reference && s.Length > 0)
                {
                    return SalesforceId.Normalize(s)
                        ?? throw new SfRequestException(400, "INVALID_QUERY_FILTER_OPERATOR", Located(token, $"invalid ID field: {s}"));
                }
                return s;
            case Kind.Number when field.IsNumber:
            case Kind.Date when field.Type == SfType.Date:
            case Kind.DateTime when field.Type == SfType.DateTime:
                return token.Value;
            case Kind.Ident when field.Type == SfType.Boolean && (IsKeyword(token, "TRUE") || IsKeyword(token, "FALSE")):
                return IsKeyword(token, "TRUE");
            case Kind.Number or Kind.Date or Kind.DateTime:
                throw new SfRequestException(400, "INVALID_FIELD", Located(token, Wrong()));
            case Kind.Ident when IsKeyword(token, "TRUE") || IsKeyword(token, "FALSE"):
                throw new SfRequestException(400, "INVALID_FIELD", Located(token, Wrong()));
            default:
                // Relative date literals (TODAY, LAST_N_DAYS:n), bind variables and the like are outside the subset.
                throw Unexpected(token);
        }
    }

    FieldPath Resolve(Token token)
    {
        var parts = token.Text.Split('.');
        var type = from!;
        var relationships = new List<SfField>();
        for (var i = 0; i < parts.Length - 1; i++)
        {
            var relationship = type.Relationship(parts[i]);
            if (relationship is null || parts[i].Length == 0 || !access.CanRead(type, relationship))
            {
                throw new SfRequestException(400, "INVALID_FIELD", Located(token,
                    $"Didn't understand relationship '{parts[i]}' in field path. If you are attempting to use a custom relationship, be sure to append the '__r' after the custom relationship name. Please reference your WSDL or the describe call for the appropriate names."));
            }
            relationships.Add(relationship);
            type = schema.Target(relationship)!;
        }
        // A field that field-level security hides answers as one that does not exist, as the API does.
        var field = type.Field(parts[^1]) is { } known && access.CanRead(type, known) ? known : throw new SfRequestException(400, "INVALID_FIELD", Located(token,
            $"No such column '{parts[^1]}' on entity '{type.Name}'. If you are attempting to use a custom field, be sure to append the '__c' after the custom field name. Please reference your WSDL or the describe call for the appropriate names."));
        var canonical = string.Join('.', relationships.Select(r => r.RelationshipName).Append(field.Name));
        return new FieldPath(canonical, relationships, field);
    }

    Token Peek => tokens[index];

    Token Next()
    {
        var token = tokens[index];
        if (token.Kind != Kind.End)
        {
            index++;
        }
        return token;
    }

    Token NextIdent()
    {
        var token = Next();
        if (token.Kind != Kind.Ident || Reserved.Contains(token.Text))
        {
            throw Unexpected(token);
        }
        return token;
    }

    static bool IsKeyword(Token token, string keyword) => token.Kind == Kind.Ident && string.Equals(token.Text, keyword, StringComparison.OrdinalIgnoreCase);

    bool TryKeyword(string keyword)
    {
        if (IsKeyword(Peek, keyword))
        {
            index++;
            return true;
        }
        return false;
    }

    bool TryTake(string symbol)
    {
        if (Peek.Kind == Kind.Symbol && Peek.Text == symbol)
        {
            index++;
            return true;
        }
        return false;
    }

    void Expect(string what)
    {
        var token = Next();
        var ok = char.IsAsciiLetter(what[0]) ? IsKeyword(token, what) : token.Kind == Kind.Symbol && token.Text == what;
        if (!ok)
        {
            throw Unexpected(token);
        }
    }

    SfRequestException Unexpected(Token token) => new(400, "MALFORMED_QUERY",
        Located(token, token.Kind == Kind.End ? "unexpected token: <EOF>" : $"unexpected token: '{token.Text}'"));

    /// <summary>The real API's message shape: the query, a caret under the fault, its row and column, the reason.</summary>
    string Located(Token token, string reason)
    {
        var (row, column) = (1, 1);
        for (var i = 0; i < token.Position && i < text.Length; i++)
        {
            if (text[i] == '\n')
            {
                row++;
                column = 1;
            }
            else
            {
                column++;
            }
        }
        var line = text.Split('\n')[row - 1];
        return $"\n{line}\n{new string(' ', Math.Max(0, column - 1))}^\nERROR at Row:{row}:Column:{column}\n{reason}";
    }

    List<Token> Lex(string source)
    {
        var result = new List<Token>();
        var i = 0;
        while (i < source.Length)
        {
            var c = source[i];
            if (char.IsWhiteSpace(c))
            {
                i++;
                continue;
            }
            var start = i;
            if (c == '\'')
            {
                result.Add(LexString(source, ref i));
                continue;
            }
            if (char.IsAsciiDigit(c) || ((c == '-' || c == '+') && i + 1 < source.Length && char.IsAsciiDigit(source[i + 1])))
            {
                if (DateTimeLiteral.Match(source, i) is { Success: true } dt)
                {
                    var value = ParseDateTimeLiteral(dt.Value) ?? throw new SfRequestException(400, "MALFORMED_QUERY", $"\n{source}\nERROR at Row:1:Column:{start + 1}\ninvalid date: {dt.Value}");
                    result.Add(new Token(Kind.DateTime, dt.Value, start, value));
                    i += dt.Length;
                    continue;
                }
                if (DateLiteral.Match(source, i) is { Success: true } d)
                {
                    if (!DateOnly.TryParseExact(d.Value, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
                    {
                        throw new SfRequestException(400, "MALFORMED_QUERY", $"\n{source}\nERROR at Row:1:Column:{start + 1}\ninvalid date: {d.Value}");
                    }
                    result.Add(new Token(Kind.Date, d.Value, start, date));
                    i += d.Length;
                    continue;
                }
                if (NumberLiteral.Match(source, i) is { Success: true } n)
                {
                    result.Add(new Token(Kind.Number, n.Value, start, decimal.Parse(n.Value, NumberStyles.Float, CultureInfo.InvariantCulture)));
                    i += n.Length;
                    continue;
                }
            }
            if (char.IsAsciiLetter(c) || c == '_')
            {
                while (i < source.Length && (char.IsAsciiLetterOrDigit(source[i]) || source[i] is '_' or '.'))
                {
                    i++;
                }
                result.Add(new Token(Kind.Ident, source[start..i], start));
                continue;
            }
            var two = i + 1 < source.Length ? source.Substring(i, 2) : "";
            if (two is "!=" or "<>" or "<=" or ">=")
            {
                result.Add(new Token(Kind.Symbol, two, start));
                i += 2;
                continue;
            }
            if (c is '=' or '<' or '>' or '(' or ')' or ',')
            {
                result.Add(new Token(Kind.Symbol, c.ToString(), start));
                i++;
                continue;
            }
            // Anything else (*, ;, :bind, ...) is a token SOQL does not know here.
            result.Add(new Token(Kind.Symbol, c.ToString(), start));
            i++;
        }
        result.Add(new Token(Kind.End, "", source.Length));
        return result;
    }

    Token LexString(string source, ref int i)
    {
        var start = i;
        i++;
        var value = new StringBuilder();
        var like = new StringBuilder("^");
        var likeOnly = false;
        while (true)
        {
            if (i >= source.Length)
            {
                throw new SfRequestException(400, "MALFORMED_QUERY", $"\n{source}\nERROR at Row:1:Column:{start + 1}\nunterminated string literal");
            }
            var c = source[i++];
            if (c == '\'')
            {
                break;
            }
            if (c != '\\')
            {
                value.Append(c);
                like.Append(c switch { '%' => ".*", '_' => ".", _ => Regex.Escape(c.ToString()) });
                continue;
            }
            if (i >= source.Length)
            {
                throw new SfRequestException(400, "MALFORMED_QUERY", $"\n{source}\nERROR at Row:1:Column:{i}\nunterminated string literal");
            }
            var e = source[i++];
            char? literal = e switch
            {
                'n' => '\n', 'r' => '\r', 't' => '\t', 'b' => '\b', 'f' => '\f', '"' => '"', '\'' => '\'', '\\' => '\\',
                _ => null,
            };
            if (literal is { } l)
            {
                value.Append(l);
                like.Append(Regex.Escape(l.ToString()));
            }
            else if (e == 'u' && i + 4 <= source.Length && int.TryParse(source.AsSpan(i, 4), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var code))
            {
                var ch = (char)code;
                i += 4;
                value.Append(ch);
                like.Append(Regex.Escape(ch.ToString()));
            }
            else if (e is '%' or '_')
            {
                likeOnly = true;
                value.Append(e);
                like.Append(Regex.Escape(e.ToString()));
            }
            else
            {
                throw new SfRequestException(400, "MALFORMED_QUERY",
                    $"\n{source}\nERROR at Row:1:Column:{start + 1}\nInvalid string literal '{source[start..Math.Min(source.Length, i)]}'. Illegal character sequence '\\{e}' in string literal.");
            }
        }
        like.Append('$');
        return new Token(Kind.String, source[start..i], start, value.ToString(), like.ToString(), likeOnly);
    }

    static DateTimeOffset? ParseDateTimeLiteral(string text)
    {
        var normalized = text.EndsWith('Z') ? text[..^1] + "+00:00" : text;
        return DateTimeOffset.TryParseExact(normalized, ["yyyy-MM-dd'T'HH:mm:sszzz", "yyyy-MM-dd'T'HH:mm:ss.FFFFFFFzzz"], CultureInfo.InvariantCulture, DateTimeStyles.None, out var value)
            ? value.ToUniversalTime()
            : null;
    }
}

/// <summary>Runs a parsed query against the store. Callers hold the store's gate.</summary>
public sealed class SoqlEngine(OrgStore store, TimeProvider? time = null)
{
    /// <summary>
    /// How long a deleted record stays in the recycle bin, where queryAll finds it; after that only the <c>deleted</c>
    /// replication call (30 days) still reports it.
    /// </summary>
    public static readonly TimeSpan RecycleBinRetention = TimeSpan.FromDays(15);

    /// <summary>
    /// The rows of a query as they were when it ran: per row, each selected value, with the parents a relationship
    /// path went through. Values are immutable, so keeping them is a snapshot, far smaller than rendered JSON.
    /// </summary>
    public sealed record Outcome(SoqlQuery Query, int TotalSize, IReadOnlyList<Row> Rows);

    public sealed record Row(SfObject Type, string Id, object?[] Cells);

    /// <summary>A relationship path's value: the parents walked (ids; null from where the chain broke) and the value.</summary>
    public sealed record PathCell(SfObject?[] Types, string?[] Ids, object? Value);

    public Outcome Run(SoqlQuery query, bool includeDeleted)
    {
        var emptiedBefore = (time ?? TimeProvider.System).GetUtcNow() - RecycleBinRetention;
        var rows = store.All(query.From).Where(r => !r.IsDeleted || (includeDeleted && (r.DeletedAt is not { } deletedAt || deletedAt >= emptiedBefore)));
        if (query.Where is { } where)
        {
            rows = rows.Where(r => Test(where, r));
        }
        var list = rows.ToList();
        if (query.OrderBy.Count > 0)
        {
            // Keys read once per record, not once per comparison.
            var keyed = list.Select(r => (Record: r, Keys: query.OrderBy.Select(o => Read(o.Field, r)).ToArray())).ToList();
            keyed.Sort((a, b) =>
            {
                for (var i = 0; i < query.OrderBy.Count; i++)
                {
                    var item = query.OrderBy[i];
                    var (x, y) = (a.Keys[i], b.Keys[i]);
                    var c = CompareForOrder(x, y, item.NullsFirst);
                    if (c != 0)
                    {
                        return item.Descending && x is not null && y is not null ? -c : c;
                    }
                }
                return a.Record.Order.CompareTo(b.Record.Order);
            });
            list = [.. keyed.Select(k => k.Record)];
        }
        IEnumerable<SfRecord> page = list;
        if (query.Offset is { } offset)
        {
            page = page.Skip(offset);
        }
        if (query.Limit is { } limit)
        {
            page = page.Take(limit);
        }
        if (query.CountOnly)
        {
            return new Outcome(query, page.Count(), []);
        }
        var result = page.Select(r => new Row(r.Type, r.Id, [.. query.Select.Select(p => Cell(p, r))])).ToList();
        return new Outcome(query, result.Count, result);
    }

    object? Cell(FieldPath path, SfRecord record)
    {
        if (path.Relationships.Count == 0)
        {
            return record[path.Field.Name];
        }
        var types = new SfObject?[path.Relationships.Count];
        var ids = new string?[path.Relationships.Count];
        SfRecord? current = record;
        for (var i = 0; i < path.Relationships.Count; i++)
        {
            current = store.Get(current[path.Relationships[i].Name] as string);
            if (current is null)
            {
                return new PathCell(types, ids, null);
            }
            types[i] = current.Type;
            ids[i] = current.Id;
        }
        return new PathCell(types, ids, current[path.Field.Name]);
    }

    /// <summary>A row as the REST API renders a record: attributes, then the selected fields, parents nested.</summary>
    public static JsonObject Project(SoqlQuery query, Row row, string version)
    {
        var json = new JsonObject
        {
            ["attributes"] = new JsonObject { ["type"] = row.Type.Name, ["url"] = SfJson.RecordUrl(version, row.Type, row.Id) },
        };
        for (var p = 0; p < query.Select.Count; p++)
        {
            var path = query.Select[p];
            if (row.Cells[p] is not PathCell cell)
            {
                json[path.Field.Name] = SfJson.Value(row.Cells[p]);
                continue;
            }
            var target = json;
            var broken = false;
            for (var i = 0; i < path.Relationships.Count; i++)
            {
                var name = path.Relationships[i].RelationshipName!;
                if (cell.Ids[i] is not { } id)
                {
                    if (!target.ContainsKey(name))
                    {
                        target[name] = null;
                    }
                    broken = true;
                    break;
                }
                if (target[name] is not JsonObject nested)
                {
                    nested = new JsonObject
                    {
                        ["attributes"] = new JsonObject { ["type"] = cell.Types[i]!.Name, ["url"] = SfJson.RecordUrl(version, cell.Types[i]!, id) },
                    };
                    target[name] = nested;
                }
                target = nested;
            }
            if (!broken)
            {
                target[path.Field.Name] = SfJson.Value(cell.Value);
            }
        }
        return json;
    }

    /// <summary>A row as Bulk API 2.0 CSV cells: one per selected path, empty for null.</summary>
    public static string[] Cells(Row row) =>
        [.. row.Cells.Select(c => SfJson.Text(c is PathCell p ? p.Value : c))];

    object? Read(FieldPath path, SfRecord record)
    {
        SfRecord? current = record;
        foreach (var relationship in path.Relationships)
        {
            current = store.Get(current[relationship.Name] as string);
            if (current is null)
            {
                return null;
            }
        }
        return current[path.Field.Name];
    }

    bool Test(Condition condition, SfRecord record) => condition switch
    {
        AndCondition a => Test(a.Left, record) && Test(a.Right, record),
        OrCondition o => Test(o.Left, record) || Test(o.Right, record),
        NotCondition n => !Test(n.Inner, record),
        CompareCondition c => Compare(Read(c.Field, record), c.Op, c.Value),
        InCondition i => i.Negated != i.Values.Any(v => Compare(Read(i.Field, record), "=", v)),
        LikeCondition l => Read(l.Field, record) is string s && l.Pattern.IsMatch(s),
        _ => throw new InvalidOperationException(condition.GetType().Name),
    };

    static bool Compare(object? left, string op, object? right)
    {
        if (left is null || right is null)
        {
            return op switch { "=" => left is null && right is null, "!=" => (left is null) != (right is null), _ => false };
        }
        var c = CompareValues(left, right);
        return op switch
        {
            "=" => c == 0,
            "!=" => c != 0,
            "<" => c < 0,
            "<=" => c <= 0,
            ">" => c > 0,
            ">=" => c >= 0,
            _ => false,
        };
    }

    static int CompareValues(object left, object right) => (left, right) switch
    {
        (string a, string b) => string.Compare(a, b, StringComparison.OrdinalIgnoreCase),
        (decimal a, decimal b) => a.CompareTo(b),
        (bool a, bool b) => a.CompareTo(b),
        (DateTimeOffset a, DateTimeOffset b) => a.CompareTo(b),
        (DateOnly a, DateOnly b) => a.CompareTo(b),
        _ => string.Compare(Convert.ToString(left, CultureInfo.InvariantCulture), Convert.ToString(right, CultureInfo.InvariantCulture), StringComparison.OrdinalIgnoreCase),
    };

    static int CompareForOrder(object? a, object? b, bool nullsFirst)
    {
        if (a is null || b is null)
        {
            if (a is null && b is null)
            {
                return 0;
            }
            return (a is null) == nullsFirst ? -1 : 1;
        }
        return CompareValues(a, b);
    }
}

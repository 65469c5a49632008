using System.Globalization;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;
using YamlDotNet.RepresentationModel;

namespace AbmSync.Core.Mapping;

/// <summary>
/// Strict reading of a YAML document: every key must be known, every value of the expected kind, and every problem
/// is collected with its line so that the loader reports them all at once.
/// </summary>
internal sealed class YamlNodeReader(string file)
{
    readonly List<ConfigurationProblem> problems = [];

    public string File { get; } = file;
    public IReadOnlyList<ConfigurationProblem> Problems => problems;

    /// <summary>Nesting deeper than this is refused: no mapping file needs it, and the node model recurses.</summary>
    internal const int MaxDepth = 32;

    public static YamlMappingNode? Parse(string file, string text, YamlNodeReader reader)
    {
        // A streaming pass first, before any node is built: anchors and aliases are refused where they stand, so an
        // alias used as a key (which makes the node model hash a cycle) or an alias bomb never reaches it.
        if (!Prescan(text, reader))
        {
            return null;
        }
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(text));
        }
        catch (Exception e) when (e is YamlException or InvalidOperationException)
        {
            reader.Error(e is YamlException y ? y.Start : Mark.Empty, $"not valid YAML: {e.InnerException?.Message ?? e.Message}");
            return null;
        }
        if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is not YamlMappingNode root)
        {
            reader.problems.Add(new ConfigurationProblem(file, 1, 1, "the file must be a YAML mapping (key: value lines)"));
            return null;
        }
        if (stream.Documents.Count > 1)
        {
            reader.Error(stream.Documents[1].RootNode, "the file holds more than one YAML document (a second '---'); keep one");
            return null;
        }
        return root;
    }

    /// <summary>Reads the event stream once: refuses anchors, aliases and deep nesting, and reports syntax errors at their own line.</summary>
    static bool Prescan(string text, YamlNodeReader reader)
    {
        var before = reader.problems.Count;
        var parser = new Parser(new StringReader(text));
        var depth = 0;
        var last = Mark.Empty;
        try
        {
            while (parser.MoveNext())
            {
                last = parser.Current!.Start;
                switch (parser.Current)
                {
                    case AnchorAlias alias:
                        reader.Error(alias.Start, $"alias '*{alias.Value}' is not allowed in AbmSync files; write the value out where it is used");
                        break;
                    case NodeEvent { Anchor.IsEmpty: false } anchored:
                        reader.Error(anchored.Start, $"anchor '&{anchored.Anchor}' is not allowed in AbmSync files; write the value out where it is used");
                        break;
                }
                if (parser.Current is MappingStart or SequenceStart && ++depth > MaxDepth)
                {
                    reader.Error(parser.Current.Start, $"nested more than {MaxDepth} levels deep");
                    return false;
                }
                if (parser.Current is MappingEnd or SequenceEnd)
                {
                    depth--;
                }
            }
        }
        catch (YamlException e)
        {
            reader.Error(e.Start, $"not valid YAML: {e.InnerException?.Message ?? e.Message}");
        }
        catch (InvalidOperationException)
        {
            // YamlDotNet's parser throws this, not a YamlException, on some broken flow collections (a '{' left open
            // before the next block item): the problem is at or just after the last event it read.
            reader.Error(last, "not valid YAML: a flow mapping or sequence ('{ … }', '[ … ]') is not closed");
        }
        return reader.problems.Count == before;
    }

    public void Error(YamlNode node, string reason) => Error(node.Start, reason);

    public void Error(Mark mark, string reason) =>
        problems.Add(new ConfigurationProblem(File, (int)Math.Max(1, mark.Line), (int)Math.Max(1, mark.Column), reason));

    /// <summary>Reads a mapping's entries, reporting keys outside <paramref name="allowed"/> and duplicated keys.</summary>
    public Dictionary<string, YamlNode> Entries(YamlMappingNode node, string what, params string[] allowed)
    {
        var entries = new Dictionary<string, YamlNode>(StringComparer.Ordinal);
        foreach (var (keyNode, value) in node.Children)
        {
            var key = (keyNode as YamlScalarNode)?.Value ?? "";
            if (Array.IndexOf(allowed, key) < 0)
            {
                Error(keyNode, $"unknown key '{key}' in {what}; expected one of: {string.Join(", ", allowed)}");
            }
            else if (!entries.TryAdd(key, value))
            {
                Error(keyNode, $"key '{key}' appears twice in {what}");
            }
        }
        return entries;
    }

    public void Require(Dictionary<string, YamlNode> entries, YamlNode owner, string what, params string[] keys)
    {
        foreach (var key in keys)
        {
            if (!entries.ContainsKey(key))
            {
                Error(owner, $"{what} needs '{key}'");
            }
        }
    }

    public string? String(YamlNode? node, string what)
    {
        if (node is null)
        {
            return null;
        }
        if (node is YamlScalarNode { Value: { } value } && value.Length > 0)
        {
            return value;
        }
        Error(node, $"{what} must be a non-empty text value");
        return null;
    }

    public int? Int(YamlNode? node, string what, int min = int.MinValue, int max = int.MaxValue)
    {
        if (node is null)
        {
            return null;
        }
        if (node is YamlScalarNode { Value: { } value } && int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n))
        {
            if (n >= min && n <= max)
            {
                return n;
            }
            Error(node, $"{what} must be between {min} and {max}, not {n}");
            return null;
        }
        Error(node, $"{what} must be a whole number");
        return null;
    }

    /// <summary>Only <c>true</c> or <c>false</c>: YAML 1.1's yes/no/on/off are refused, so a value means one thing to every reader.</summary>
    public bool? Bool(YamlNode? node, string what)
    {
        if (node is null)
        {
            return null;
        }
        switch ((node as YamlScalarNode)?.Value)
        {
            case "true":
                return true;
            case "false":
                return false;
            default:
                Error(node, $"{what} must be true or false");
                return null;
        }
    }

    public decimal? Number(YamlNode? node, string what)
    {
        if (node is null)
        {
            return null;
        }
        if (node is YamlScalarNode { Value: { } value } && decimal.TryParse(value, NumberStyles.Number, CultureInfo.InvariantCulture, out var n))
        {
            return n;
        }
        Error(node, $"{what} must be a number");
        return null;
    }

    public T? Enum<T>(YamlNode? node, string what, IReadOnlyDictionary<string, T> values) where T : struct
    {
        var text = String(node, what);
        if (text is null)
        {
            return null;
        }
        if (values.TryGetValue(text, out var value))
        {
            return value;
        }
        Error(node!, $"{what} '{text}' is not one of: {string.Join(", ", values.Keys)}");
        return null;
    }

    public IReadOnlyList<string> StringList(YamlNode? node, string what)
    {
        if (node is null)
        {
            return [];
        }
        if (node is not YamlSequenceNode sequence)
        {
            Error(node, $"{what} must be a list, like [a, b]");
            return [];
        }
        var list = new List<string>();
        foreach (var item in sequence)
        {
            if (String(item, $"each item of {what}") is { } s)
            {
                list.Add(s);
            }
        }
        return list;
    }

    public YamlMappingNode? Mapping(YamlNode? node, string what)
    {
        if (node is null or YamlMappingNode)
        {
            return node as YamlMappingNode;
        }
        Error(node, $"{what} must be a mapping, like {{ key: value }}");
        return null;
    }

    public YamlSequenceNode? Sequence(YamlNode? node, string what)
    {
        if (node is null or YamlSequenceNode)
        {
            return node as YamlSequenceNode;
        }
        Error(node, $"{what} must be a list");
        return null;
    }

    public void ThrowIfAny()
    {
        if (problems.Count > 0)
        {
            throw new ConfigurationFileException([.. problems.OrderBy(p => p.Line).ThenBy(p => p.Column)]);
        }
    }
}

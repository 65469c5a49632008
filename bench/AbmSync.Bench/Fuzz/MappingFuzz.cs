using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;
using AbmSync.Bench.Kill;

namespace AbmSync.Bench.Fuzz;

public sealed record MappingFuzzSettings(int Cases, int Seed, TimeSpan Limit, string? KeepDirectory);

/// <summary>
/// Mutated mapping and rules files, each run through the real <c>abmsync mappings validate</c> in a process of its own.
/// A case either loads and validates (exit 0) or ends, within the limit, in one <c>file:line: reason</c> line on
/// standard error with exit code 2. Anything else (another exit code, a stack trace, no file and line, a hang) is a
/// finding; the harness prints each with the mutation that caused it and keeps its files when asked.
/// </summary>
public static partial class MappingFuzz
{
    public const string Valid = "valid";
    public const string Refused = "refused (file:line: reason, exit 2)";
    public const string Unclear = "refused without file:line";
    public const string Crashed = "crashed";
    public const string Hung = "hung";

    public static async Task<int> RunAsync(TextWriter output, MappingFuzzSettings settings, CancellationToken ct)
    {
        var shipped = Path.Combine(KillHarness.RepositoryRoot(), "mappings");
        var files = Directory.GetFiles(shipped, "*.yaml").Order(StringComparer.Ordinal).ToList();
        var random = new Random(settings.Seed);
        var outcomes = new Dictionary<string, int>(StringComparer.Ordinal) { [Valid] = 0, [Refused] = 0, [Unclear] = 0, [Crashed] = 0, [Hung] = 0 };
        var byMutation = new Dictionary<string, Dictionary<string, int>>(StringComparer.Ordinal);
        var findings = new List<string>();
        var slowest = TimeSpan.Zero;
        var root = Directory.CreateTempSubdirectory("abmsync-fuzz-mappings-");
        try
        {
            for (var i = 0; i < settings.Cases; i++)
            {
                var directory = Path.Combine(root.FullName, $"case-{i:D4}");
                Directory.CreateDirectory(directory);
                foreach (var file in files)
                {
                    File.Copy(file, Path.Combine(directory, Path.GetFileName(file)));
                }
                var target = Path.Combine(directory, Path.GetFileName(files[random.Next(files.Count)]));
                var text = await File.ReadAllTextAsync(target, ct);
                var (mutated, mutation) = Mutate(text, random);
                await File.WriteAllTextAsync(target, mutated, ct);

                var clock = Stopwatch.StartNew();
                using var worker = WorkerProcess.Start(new Dictionary<string, string> { ["ABMSYNC__Mappings__Directory"] = directory }, directory, "mappings", "validate");
                var exit = await worker.WaitAsync(settings.Limit, ct);
                clock.Stop();
                slowest = clock.Elapsed > slowest ? clock.Elapsed : slowest;
                var outcome = Classify(exit, worker.Error, Path.GetFileName(target));
                outcomes[outcome]++;
                var counts = byMutation.TryGetValue(mutation.Kind, out var c) ? c : byMutation[mutation.Kind] = new(StringComparer.Ordinal);
                counts[outcome] = counts.GetValueOrDefault(outcome) + 1;
                if (outcome is not (Valid or Refused))
                {
                    findings.Add($"case {i} ({Path.GetFileName(target)}, {mutation.Kind}: {mutation.What}): {outcome}, exit {exit?.ToString() ?? "none"} after {clock.Elapsed.TotalSeconds:F1} s: {FirstLines(worker.Error + worker.Output)}");
                    if (settings.KeepDirectory is { } keep)
                    {
                        CopyDirectory(directory, Path.Combine(keep, $"case-{i:D4}"));
                    }
                }
                Directory.Delete(directory, recursive: true);
            }
        }
        finally
        {
            root.Delete(recursive: true);
        }

        output.WriteLine($"Mapping and rules fuzz: {settings.Cases} cases, seed {settings.Seed}, limit {settings.Limit.TotalSeconds:F0} s per case (slowest {slowest.TotalSeconds:F1} s)");
        Report.Table(output, ["outcome", "cases"], outcomes.Select(o => (IReadOnlyList<string>)[o.Key, Report.N(o.Value)]));
        Report.Table(output, ["mutation", .. outcomes.Keys], byMutation.OrderBy(m => m.Key, StringComparer.Ordinal)
            .Select(m => (IReadOnlyList<string>)[m.Key, .. outcomes.Keys.Select(k => Report.N(m.Value.GetValueOrDefault(k)))]));
        foreach (var finding in findings)
        {
            output.WriteLine($"  finding: {finding}");
        }
        return findings.Count == 0 ? 0 : 1;
    }

    static string Classify(int? exit, string error, string file)
    {
        if (exit is null)
        {
            return Hung;
        }
        if (exit == 0)
        {
            return Valid;
        }
        if (error.Contains("   at ", StringComparison.Ordinal) || error.Contains("Unhandled exception", StringComparison.Ordinal) || exit != 2)
        {
            return Crashed;
        }
        return FileLine().IsMatch(error) ? Refused : Unclear;
    }

    static string FirstLines(string text)
    {
        var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Take(3);
        var joined = string.Join(" | ", lines);
        return joined.Length > 400 ? joined[..400] + "…" : joined;
    }

    static void CopyDirectory(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var file in Directory.GetFiles(from))
        {
            File.Copy(file, Path.Combine(to, Path.GetFileName(file)), overwrite: true);
        }
    }

    public sealed record Mutation(string Kind, string What);

    /// <summary>One mutation of a YAML file, drawn from the seed: structure, types, YAML's own edge cases, size.</summary>
    public static (string Text, Mutation Mutation) Mutate(string text, Random random)
    {
        var lines = text.Split('\n').ToList();
        int Line() => random.Next(lines.Count);
        string Indent(string line) => line[..(line.Length - line.TrimStart().Length)];
        var valueLines = lines.Select((l, i) => (l, i)).Where(x => x.l.Contains(": ", StringComparison.Ordinal) && !x.l.TrimStart().StartsWith('#')).Select(x => x.i).ToList();
        int ValueLine() => valueLines.Count == 0 ? Line() : valueLines[random.Next(valueLines.Count)];
        string[] values =
        [
            "", "~", "null", "true", "yes", "0", "-1", "1e309", "0x1F", ".nan", "9999999999999999999999", "[]", "{}", "[a, [b, [c]]]",
            "{ a: 1, b: { c: 2 } }", "'unterminated", "\"\\u0000\"", "*undefined_alias", "!!binary aGVsbG8=", "!custom tag", "|\n  block\n  text",
            "2026-13-45", "@reserved", "`backtick", "%directive", "- item", "? complex key", new string('x', 1 << 20), "ü€😀", "\t tabbed",
        ];
        switch (random.Next(12))
        {
            case 0:
            {
                var i = Line();
                var removed = lines[i];
                lines.RemoveAt(i);
                return (Join(lines), new("delete line", $"line {i + 1}: {Short(removed)}"));
            }
            case 1:
            {
                var i = Line();
                lines.Insert(i, lines[i]);
                return (Join(lines), new("duplicate line", $"line {i + 1}: {Short(lines[i])}"));
            }
            case 2:
            case 3:
            {
                var i = ValueLine();
                var at = lines[i].IndexOf(": ", StringComparison.Ordinal);
                var value = values[random.Next(values.Length)];
                if (at < 0)
                {
                    lines[i] += " " + value;
                }
                else
                {
                    lines[i] = lines[i][..(at + 2)] + value;
                }
                return (Join(lines), new("replace value", $"line {i + 1} value {Short(value)}"));
            }
            case 4:
            {
                var i = Line();
                var key = new[] { "unknownKey", "fields", "match", "direction", "tiers", "pods", "weights", "<<", "include", "12", "\"quoted key\"" }[random.Next(11)];
                lines.Insert(i, $"{Indent(lines[i])}{key}: {values[random.Next(values.Length)]}");
                return (Join(lines), new("insert key", $"line {i + 1}: {key}"));
            }
            case 5:
            {
                // An anchor on one value and aliases to it elsewhere, or a merge key.
                var i = ValueLine();
                var at = lines[i].IndexOf(": ", StringComparison.Ordinal);
                if (at > 0)
                {
                    lines[i] = lines[i][..(at + 2)] + "&anchor " + lines[i][(at + 2)..];
                }
                var j = ValueLine();
                var atJ = lines[j].IndexOf(": ", StringComparison.Ordinal);
                if (atJ > 0)
                {
                    lines[j] = lines[j][..(atJ + 2)] + (random.Next(2) == 0 ? "*anchor" : "{ <<: *anchor }");
                }
                return (Join(lines), new("anchor and alias", $"lines {i + 1} and {j + 1}"));
            }
            case 6:
            {
                // A billion laughs: nine levels of ten aliases each.
                var bomb = new StringBuilder("lol0: &l0 \"lol\"\n");
                for (var level = 1; level < 9; level++)
                {
                    bomb.Append($"lol{level}: &l{level} [{string.Join(", ", Enumerable.Repeat($"*l{level - 1}", 10))}]\n");
                }
                return (bomb + text, new("alias bomb", "9 levels x 10 aliases before the document"));
            }
            case 7:
            {
                var cut = random.Next(text.Length);
                return (text[..cut], new("truncate", $"at byte {cut} of {text.Length}"));
            }
            case 8:
            {
                var i = Line();
                lines[i] = (random.Next(2) == 0 ? "\t" : "   ") + lines[i];
                return (Join(lines), new("indentation", $"line {i + 1}"));
            }
            case 9:
            {
                var depth = 2000 + random.Next(8000);
                return (text + "\ndeep: " + new string('[', depth) + new string(']', depth) + "\n", new("deep nesting", $"{depth} levels"));
            }
            case 10:
            {
                var extra = new[] { "\n---\nsecond: document\n", "\uFEFF", "\n...\n", "%YAML 1.2\n---\n", "\0", "\r\n\r\n" }[random.Next(6)];
                var atStart = random.Next(2) == 0;
                return (atStart ? extra + text : text + extra, new("document markers", $"{Short(extra)} at the {(atStart ? "start" : "end")}"));
            }
            default:
            {
                var i = Line();
                var bytes = Encoding.UTF8.GetBytes(lines[i]);
                if (bytes.Length > 0)
                {
                    bytes[random.Next(bytes.Length)] = (byte)random.Next(256);
                }
                lines[i] = Encoding.UTF8.GetString(bytes);
                return (Join(lines), new("corrupt byte", $"line {i + 1}"));
            }
        }
    }

    static string Join(List<string> lines) => string.Join('\n', lines);

    static string Short(string text)
    {
        var escaped = text.Replace("\n", "\\n", StringComparison.Ordinal).Replace("\t", "\\t", StringComparison.Ordinal).Replace("\0", "\\0", StringComparison.Ordinal);
        return escaped.Length > 40 ? escaped[..40] + "…" : escaped;
    }

    /// <summary>A refusal names the file and the line: <c>accounts.yaml:12: …</c>, possibly after a path.</summary>
    [GeneratedRegex(@"[\w.-]+\.yaml:\d+: \S")]
    private static partial Regex FileLine();
}

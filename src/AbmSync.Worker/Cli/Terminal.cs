using System.Globalization;
using AbmSync.Worker.Sync;
using Spectre.Console;

namespace AbmSync.Worker.Cli;

/// <summary>
/// What a person at a terminal sees: progress bars while a run goes on, tables for its results. Only when standard
/// output is a terminal and the verb's output is the console; redirected (a script, a log file, CI) every verb prints
/// the plain lines it always printed, and <c>--json</c> prints JSON.
/// </summary>
internal static class Terminal
{
    public static bool IsInteractive(TextWriter output) =>
        ReferenceEquals(output, Console.Out) && !Console.IsOutputRedirected && Environment.GetEnvironmentVariable("TERM") is not "dumb";

    /// <summary>Runs <paramref name="work"/> under one progress bar per pair: its phase, then its pages written of all.</summary>
    public static async Task<T> WithProgressAsync<T>(IReadOnlyList<string> pairs, RunProgress progress, Func<Task<T>> work)
    {
        T result = default!;
        await AnsiConsole.Progress()
            .AutoClear(false)
            .HideCompleted(false)
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new SpinnerColumn())
            .StartAsync(async context =>
            {
                var tasks = pairs.ToDictionary(p => p, p => context.AddTask(Markup.Escape($"{p,-14} waiting"), maxValue: 1));
                var running = work();
                while (true)
                {
                    foreach (var (pair, task) in tasks)
                    {
                        if (progress.Of(pair) is not { } state)
                        {
                            continue;
                        }
                        var done = state.Phase is "succeeded" or "failed" or "stopped" or "paused" or "skipped"
                            || state.Unit == "step" && state.PagesTotal > 0 && state.PagesDone >= state.PagesTotal;
                        task.Description = Markup.Escape(state.PagesTotal > 0 && !done
                            ? $"{pair,-14} {state.Phase} {state.Unit} {state.PagesDone}/{state.PagesTotal} ({state.Read.ToString("N0", CultureInfo.InvariantCulture)} read)"
                            : $"{pair,-14} {state.Phase}");
                        task.MaxValue = Math.Max(1, state.PagesTotal);
                        task.Value = done ? task.MaxValue : state.PagesDone;
                    }
                    if (running.IsCompleted)
                    {
                        // A pair that reports no pages (the engagement read) is done when the run is.
                        foreach (var task in tasks.Values.Where(t => t.Value < t.MaxValue))
                        {
                            task.Value = task.MaxValue;
                        }
                        break;
                    }
                    await Task.WhenAny(running, Task.Delay(150));
                }
                result = await running;
            });
        return result;
    }

    /// <summary>A spinner with what is going on, for work whose length is not known (a full read of both systems).</summary>
    public static Task<T> WithStatusAsync<T>(TextWriter output, bool json, string what, Func<Task<T>> work) =>
        json || !IsInteractive(output)
            ? work()
            : AnsiConsole.Status().Spinner(Spinner.Known.Dots).StartAsync(Markup.Escape(what), _ => work());

    public static void RunsTable(IReadOnlyList<SyncSummary> summaries)
    {
        var table = new Table().Border(TableBorder.Simple).Title("Runs").Caption("read SF/HS; HS and SF writes created/updated");
        foreach (var column in new[] { "pair", "status", "read", "HS", "SF", "linked", "failed", "time" })
        {
            table.AddColumn(column is "pair" or "status" ? new TableColumn(column).NoWrap() : new TableColumn(column).RightAligned().NoWrap());
        }
        foreach (var s in summaries)
        {
            var status = s.Status switch
            {
                "succeeded" => "[green]succeeded[/]",
                "failed" or "stopped" => $"[red]{s.Status}[/]",
                _ => $"[yellow]{Markup.Escape(s.Status)}[/]",
            };
            table.AddRow([Markup.Escape(s.Object), status, $"{N(s.RecordsRead)}/{N(s.HubSpotRead)}", $"{N(s.HubSpotCreated)}/{N(s.HubSpotUpdated)}",
                $"{N(s.SalesforceCreated)}/{N(s.SalesforceUpdated)}", N(s.Linked), s.DeadLettered > 0 ? $"[red]{N(s.DeadLettered)}[/]" : "0",
                s.Elapsed.TotalSeconds.ToString("0.0's'", CultureInfo.InvariantCulture)]);
        }
        AnsiConsole.Write(table);
    }

    /// <summary>
    /// A dry run's records, one row per change: the record (both ids), where it goes, the field and the value, then
    /// the conflict decisions and corrections. Long rather than wide, so that it reads on an 80-column terminal.
    /// </summary>
    public static void PlanTable(SyncSummary s)
    {
        var table = new Table().Border(TableBorder.Rounded).Title(Markup.Escape($"{s.Object}: {s.Plans.Count} records would change (nothing written)"));
        // An id broken over two lines cannot be pasted into a search box: the record stays whole, the values wrap.
        table.AddColumn(new TableColumn("record").NoWrap());
        table.AddColumn(new TableColumn("to").NoWrap());
        table.AddColumn("field");
        table.AddColumn("value");
        foreach (var p in s.Plans)
        {
            var record = $"{p.SalesforceId ?? "(new)"} ↔ {p.HubSpotId ?? "(new)"}";
            var rows = new List<string[]>();
            if (p.Link != "None")
            {
                rows.Add(["link", "", p.Link]);
            }
            if (p.TierFrom is not null || p.TierTo is not null)
            {
                rows.Add(["tier", "", $"{p.TierFrom ?? "none"} → {p.TierTo ?? "none"}"]);
            }
            rows.AddRange(p.SalesforceWrites.OrderBy(w => w.Key, StringComparer.Ordinal).Select(w => new[] { "Salesforce", w.Key, w.Value ?? "(clear)" }));
            rows.AddRange(p.HubSpotWrites.OrderBy(w => w.Key, StringComparer.Ordinal).Select(w => new[] { "HubSpot", w.Key, w.Value ?? "(clear)" }));
            rows.AddRange(p.Conflicts.Select(c => new[] { "conflict", $"{c.SalesforceField}/{c.HubSpotField}", $"{c.Winner} wins ({c.Reason})" }));
            rows.AddRange(p.Corrections.Select(c => new[] { "put back", $"{c.Side} {c.Field}", c.PutBack ?? "(blank)" }));
            for (var i = 0; i < rows.Count; i++)
            {
                table.AddRow([Markup.Escape(i == 0 ? record : ""), .. rows[i].Select(Markup.Escape)]);
            }
        }
        AnsiConsole.Write(table);
    }

    /// <summary>A table of rows under column names; every cell is text, escaped.</summary>
    public static void Table(string title, IReadOnlyList<string> columns, IEnumerable<IReadOnlyList<string>> rows)
    {
        var table = new Table().Border(TableBorder.Rounded).Title(Markup.Escape(title));
        foreach (var column in columns)
        {
            table.AddColumn(Markup.Escape(column));
        }
        foreach (var row in rows)
        {
            table.AddRow([.. row.Select(Markup.Escape)]);
        }
        AnsiConsole.Write(table);
    }

    static string N(long value) => value.ToString("N0", CultureInfo.InvariantCulture);
}

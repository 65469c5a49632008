using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using AbmSync.Worker.State;
using AbmSync.Worker.Sync;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace AbmSync.Worker.Cli;

/// <summary><c>abmsync reconcile [--object X] [--repair] [--json]</c>: what the syncs missed, by category; with --repair, healed through the sync.</summary>
public static class ReconcileCommand
{
    /// <summary>
    /// Drift found (without --repair), or still there after it: a script or a cron job can tell a clean pair of
    /// systems from one that needs a look without parsing the output, the way diff answers 1 for "they differ". Not 1,
    /// which says the command itself failed.
    /// </summary>
    public const int DriftFound = 4;

    static readonly JsonSerializerOptions Json = new() { WriteIndented = true };

    public static Command Create(Option<bool> verbose)
    {
        var command = new Command("reconcile",
            $"Read both sides in full, compare them with the links and mappings, and report drift by category with counts and examples (exit {DriftFound} when there is any).");
        var objectOption = new Option<string>("--object")
        {
            Description = "Which pair: accounts, contacts, leads, opportunities, or all (the default: every pair, in dependency order)",
            DefaultValueFactory = _ => "all",
        };
        objectOption.AcceptOnlyFromAmong([.. ObjectPairs.All, "all"]);
        var repair = new Option<bool>("--repair")
        {
            Description = "Heal what the mappings allow through a sync run (field drift by direction and policy, orphan links, missing records that pass the filters), then report again; never re-creates anything deleted or merged",
        };
        var json = new Option<bool>("--json") { Description = "One JSON document on standard output, for scripts" };
        command.Options.Add(objectOption);
        command.Options.Add(repair);
        command.Options.Add(json);
        command.SetAction((parse, ct) => AbmSyncCli.Guard(async () =>
        {
            using var host = AbmSyncServices.BuildCommandHost(verbose: parse.GetValue(verbose));
            await host.StartAsync(ct);
            await host.Services.GetRequiredService<StateStore>().MigrateAsync(ct);
            var reconciler = ActivatorUtilities.CreateInstance<Reconciler>(host.Services);
            var name = parse.GetValue(objectOption)!;
            IReadOnlyList<string> objects = name == "all" ? ObjectPairs.All : [name];
            var output = parse.InvocationConfiguration.Output;
            DriftReport final;
            if (parse.GetValue(repair))
            {
                var outcome = await WithProgressAsync(host, output, parse.GetValue(json), objects, () => reconciler.RepairAsync(objects, ct));
                if (parse.GetValue(json))
                {
                    output.WriteLine(JsonSerializer.Serialize(outcome.ToJson(), Json));
                }
                else
                {
                    PrintRepair(output, outcome);
                }
                final = outcome.After;
            }
            else
            {
                final = await WithProgressAsync(host, output, parse.GetValue(json), objects, () => reconciler.ReportAsync(objects, ct));
                if (parse.GetValue(json))
                {
                    output.WriteLine(JsonSerializer.Serialize(final.ToJson(), Json));
                }
                else if (Terminal.IsInteractive(output))
                {
                    DriftTable(final);
                }
                else
                {
                    PrintReport(output, final, "");
                }
            }
            await host.StopAsync(ct);
            return final.IsClean ? ExitCodes.Success : DriftFound;
        }));
        return command;
    }

    /// <summary>On a terminal, a bar per pair: its reads, its comparison, and with a repair the sync run's pages.</summary>
    static Task<T> WithProgressAsync<T>(IHost host, TextWriter output, bool json, IReadOnlyList<string> objects, Func<Task<T>> work) =>
        json || !Terminal.IsInteractive(output) ? work() : Terminal.WithProgressAsync(objects, host.Services.GetRequiredService<RunProgress>(), work);

    /// <summary>On a terminal: one row per pair and category that has drift, with its examples; then the calls.</summary>
    static void DriftTable(DriftReport report)
    {
        var inv = CultureInfo.InvariantCulture;
        Terminal.Table("Drift (" + string.Join("; ", report.Pairs.Select(p => string.Create(inv, $"{p.Object}: {p.SalesforceRead:N0} Salesforce, {p.HubSpotRead:N0} HubSpot read"))) + ")",
            ["pair", "category", "count", "examples"],
            report.Pairs.SelectMany(pair => DriftCategories.All.Select(category =>
            {
                var ids = pair.Items.Where(i => i.Category == category).Select(i => i.Id).ToList();
                return (IReadOnlyList<string>)[pair.Object, category, ids.Count.ToString("N0", inv),
                    string.Join(", ", ids.Take(DriftReport.MaxExamples)) + (ids.Count > DriftReport.MaxExamples ? ", …" : "")];
            })));
        Console.Out.WriteLine(string.Create(inv, $"API calls: Salesforce {report.SalesforceCalls}, HubSpot {report.HubSpotCalls}"));
        Console.Out.WriteLine(report.IsClean ? "No drift." : "Drift found.");
    }

    public static void PrintReport(TextWriter output, DriftReport report, string title)
    {
        var inv = CultureInfo.InvariantCulture;
        if (title.Length > 0)
        {
            output.WriteLine(title);
        }
        foreach (var pair in report.Pairs)
        {
            output.WriteLine(string.Create(inv,
                $"{pair.Object}: Salesforce {pair.SalesforceRead} read ({pair.SalesforceInScope} in scope), HubSpot {pair.HubSpotRead} read, {pair.ActiveLinks} active links"));
            foreach (var category in DriftCategories.All)
            {
                var ids = pair.Items.Where(i => i.Category == category).Select(i => i.Id).ToList();
                output.WriteLine(string.Create(inv, $"  {category,-22} {ids.Count,6}{(ids.Count > 0 ? "  " + string.Join(", ", ids.Take(DriftReport.MaxExamples)) + (ids.Count > DriftReport.MaxExamples ? ", …" : "") : "")}"));
            }
            foreach (var note in pair.Notes)
            {
                output.WriteLine($"  note: {note}");
            }
        }
        if (report.Pairs.Count > 1)
        {
            output.WriteLine("totals:");
            foreach (var category in DriftCategories.All)
            {
                output.WriteLine(string.Create(inv, $"  {category,-22} {report.Count(category),6}"));
            }
        }
        output.WriteLine(string.Create(inv, $"API calls: Salesforce {report.SalesforceCalls}, HubSpot {report.HubSpotCalls}"));
        output.WriteLine(report.IsClean ? "No drift." : "Drift found.");
    }

    static void PrintRepair(TextWriter output, RepairOutcome outcome)
    {
        var inv = CultureInfo.InvariantCulture;
        PrintReport(output, outcome.Before, "Before:");
        output.WriteLine("Repair:");
        foreach (var r in outcome.Repairs)
        {
            var run = r.Run is { } s
                ? $"; sync run #{s.RunId} {s.Status}: HubSpot {s.HubSpotCreated} created, {s.HubSpotUpdated} updated; Salesforce {s.SalesforceCreated} created, {s.SalesforceUpdated} updated; {s.Linked} linked, {s.DeadLettered} dead-lettered{(s.Message is { } m ? $" ({m})" : "")}"
                : "; no sync run needed";
            output.WriteLine(string.Create(inv, $"  {r.Object}: {r.Tombstoned} orphan links tombstoned, {r.ReRead} records re-read{run}"));
        }
        output.WriteLine(string.Create(inv, $"  repaired: {string.Join(", ", DriftCategories.All.Select(c => $"{c} {outcome.Repaired.GetValueOrDefault(c)}"))}"));
        PrintReport(output, outcome.After, "After:");
        if (outcome.Left.Count > 0)
        {
            output.WriteLine(string.Create(inv, $"Left ({outcome.Left.Count}):"));
            foreach (var l in outcome.Left)
            {
                output.WriteLine($"  {l.Object} {l.Category} {l.Id}: {l.Why}");
            }
        }
    }
}

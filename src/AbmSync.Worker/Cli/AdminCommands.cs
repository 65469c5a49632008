using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using AbmSync.Connectors.Salesforce;
using AbmSync.Worker.Report;
using AbmSync.Worker.State;
using AbmSync.Worker.Sync;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace AbmSync.Worker.Cli;

/// <summary>The verbs marketing ops and RevOps use around the sync: validate, set up, inspect, retry, explain.</summary>
public static class AdminCommands
{
    public static Command Mappings(Option<bool> verbose)
    {
        var validate = new Command("validate", "Check the mapping and rules files; with --live also against both systems' schemas (reads only).");
        var live = new Option<bool>("--live") { Description = "Also check every mapped field against Salesforce describe and HubSpot properties" };
        validate.Options.Add(live);
        validate.SetAction((parse, ct) => WithHost(verbose, parse, async (host, output) =>
        {
            var configuration = host.Services.GetRequiredService<SyncConfiguration>();
            output.WriteLine($"{Path.Combine(configuration.Directory, "accounts.yaml")}: {configuration.Accounts.Fields.Count} fields, Salesforce {configuration.Accounts.SalesforceObject} ↔ HubSpot {configuration.Accounts.HubSpotObject}");
            foreach (var (file, mapping) in new[] { ("contacts.yaml", configuration.Contacts), ("leads.yaml", configuration.Leads), ("opportunities.yaml", configuration.Opportunities) })
            {
                output.WriteLine($"{Path.Combine(configuration.Directory, file)}: {mapping.Fields.Count} fields, Salesforce {mapping.SalesforceObject} ↔ HubSpot {mapping.HubSpotObject}");
            }
            output.WriteLine($"{Path.Combine(configuration.Directory, "rules.yaml")}: {configuration.Rules.Tiering.Criteria.Count} tiering criteria, tiers {string.Join(", ", configuration.Rules.Tiering.Levels.Select(l => $"{l.Tier} ≥ {l.MinScore}"))}");
            if (parse.GetValue(live))
            {
                foreach (var pair in ObjectPairs.All)
                {
                    await host.Services.GetRequiredService<SchemaGuard>().EnsureAsync(ObjectPairs.For(pair, configuration), dryRun: true, ct);
                }
                output.WriteLine("Both live schemas have every mapped field.");
            }
            output.WriteLine("OK");
            return ExitCodes.Success;
        }, ct, callsApis: parse.GetValue(live)));
        var command = new Command("mappings", "Work with the mapping files in mappings/.");
        command.Subcommands.Add(validate);
        return command;
    }

    public static Command Setup(Option<bool> verbose)
    {
        var system = new Argument<string>("system") { Description = "salesforce or hubspot" };
        system.AcceptOnlyFromAmong("salesforce", "hubspot");
        var command = new Command("setup", "Check (Salesforce) or create (HubSpot) what AbmSync needs in a system. Safe to run again.");
        command.Arguments.Add(system);
        command.SetAction((parse, ct) => WithHost(verbose, parse, async (host, output) =>
        {
            // On a terminal a bar per object while it is checked; the lines print once all are.
            var progress = host.Services.GetRequiredService<RunProgress>();
            var lines = new List<string>();
            async Task<T> Shown<T>(IReadOnlyList<string> names, Func<Task<T>> work) =>
                Terminal.IsInteractive(output) ? await Terminal.WithProgressAsync(names, progress, work) : await work();
            if (parse.GetValue(system) == "hubspot")
            {
                var schema = host.Services.GetRequiredService<SchemaGuard>();
                var objectTypes = AbmFields.HubSpotProperties.Keys.ToList();
                await Shown(objectTypes, async () =>
                {
                    foreach (var objectType in objectTypes)
                    {
                        progress.Step(objectType, "checking properties", 0, 1, 0);
                        var (created, _) = await schema.EnsureHubSpotPropertiesAsync(objectType, dryRun: false, ct);
                        progress.Step(objectType, created.Count == 0 ? "all there" : $"created {created.Count}", 1, 1, 0);
                        lines.Add(created.Count == 0
                            ? $"HubSpot {objectType}: every ABM property is there."
                            : $"HubSpot {objectType}: created {string.Join(", ", created)}.");
                    }
                    return 0;
                });
                lines.ForEach(output.WriteLine);
                return ExitCodes.Success;
            }
            var salesforce = host.Services.GetRequiredService<SalesforceClient>();
            var missing = new List<string>();
            var sObjects = AbmFields.SalesforceFields.Keys.ToList();
            await Shown(sObjects, async () =>
            {
                foreach (var (sObject, fields) in AbmFields.SalesforceFields)
                {
                    progress.Step(sObject, "describing", 0, 1, 0);
                    var gaps = SchemaGuard.MissingSalesforceFields(await salesforce.DescribeAsync(sObject, ct));
                    progress.Step(sObject, gaps.Count == 0 ? "all there" : $"{gaps.Count} missing", 1, 1, 0);
                    lines.Add(gaps.Count == 0
                        ? $"Salesforce {sObject}: all {fields.Count} ABM fields are there."
                        : $"Salesforce {sObject}: {gaps.Count} of {fields.Count} ABM fields missing.");
                    missing.AddRange(gaps);
                }
                return 0;
            });
            lines.ForEach(output.WriteLine);
            if (missing.Count > 0)
            {
                throw new SetupRequiredException("Salesforce", missing,
                    "Deploy the metadata (cd connectors/salesforce-metadata && sf project deploy start --source-dir force-app) and assign the ABM_Integration permission set to the integration user.");
            }
            return ExitCodes.Success;
        }, ct, callsApis: true));
        return command;
    }

    static readonly JsonSerializerOptions Json = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    /// <summary>
    /// <c>abmsync dead-letters list|retry|discard</c>: what failed and why, what we tried to write, when it is tried
    /// again. A table or one line for a person, <c>--json</c> for scripts; an id that names no dead letter (or none of
    /// <c>--object</c>) is one line and exit 2.
    /// </summary>
    public static Command DeadLetters(Option<bool> verbose)
    {
        var list = new Command("list", "List the records that failed, with why, what was tried and when they are tried again.");
        var listObject = DeadLetterObjectOption();
        var status = new Option<string>("--status") { Description = "open, parked, resolved, discarded or all", DefaultValueFactory = _ => "all" };
        status.AcceptOnlyFromAmong([.. DeadLetterStatuses.All, "all"]);
        var listJson = JsonOption();
        list.Options.Add(listObject);
        list.Options.Add(status);
        list.Options.Add(listJson);
        list.SetAction((parse, ct) => WithHost(verbose, parse, async (host, output) =>
        {
            var wanted = parse.GetValue(status);
            var letters = await host.Services.GetRequiredService<StateStore>().GetDeadLettersAsync(parse.GetValue(listObject), wanted == "all" ? null : wanted);
            var now = host.Services.GetRequiredService<TimeProvider>().GetUtcNow();
            if (parse.GetValue(listJson))
            {
                output.WriteLine(JsonSerializer.Serialize(letters.Select(d => ToJson(d, now)), Json));
            }
            else
            {
                PrintDeadLetters(output, letters, now);
            }
            return ExitCodes.Success;
        }, ct));

        var retry = new Command("retry", "Make dead letters due on the next run: parked ones are re-opened, open ones stop waiting for their backoff.");
        var retryObject = DeadLetterObjectOption();
        var retryId = new Option<long?>("--id") { Description = "Only this dead letter" };
        var retryJson = JsonOption();
        retry.Options.Add(retryObject);
        retry.Options.Add(retryId);
        retry.Options.Add(retryJson);
        retry.SetAction((parse, ct) => WithHost(verbose, parse, async (host, output) =>
        {
            var store = host.Services.GetRequiredService<StateStore>();
            var objectName = parse.GetValue(retryObject);
            var id = parse.GetValue(retryId);
            if (id is { } one)
            {
                var letter = await FindAsync(store, one, objectName, parse.InvocationConfiguration.Error);
                if (letter is null)
                {
                    return ExitCodes.Configuration;
                }
                if (letter.Status is DeadLetterStatuses.Resolved or DeadLetterStatuses.Discarded)
                {
                    await parse.InvocationConfiguration.Error.WriteLineAsync(letter.Status == DeadLetterStatuses.Resolved
                        ? $"dead letter #{one} is resolved: its record went through; there is nothing to retry."
                        : $"dead letter #{one} is discarded: a discarded dead letter is never retried.");
                    return ExitCodes.Configuration;
                }
            }
            var result = await store.RetryDeadLettersAsync(objectName, id);
            if (parse.GetValue(retryJson))
            {
                output.WriteLine(JsonSerializer.Serialize(new { reopened = result.Reopened, madeDue = result.MadeDue, queued = result.Queued }, Json));
            }
            else if (id is not null && result.Queued == 0)
            {
                output.WriteLine($"Dead letter #{id} is already due: the next run tries it.");
            }
            else
            {
                output.WriteLine($"{result.Queued} dead letter(s) due on the next run: {result.Reopened} parked re-opened, {result.MadeDue} no longer waiting for their backoff.");
            }
            return ExitCodes.Success;
        }, ct));

        var discard = new Command("discard", "Give up on a dead letter: no run retries it again, and it stays listed as discarded.");
        var discardObject = DeadLetterObjectOption();
        var discardId = new Option<long>("--id") { Description = "The dead letter to discard (its # in dead-letters list)", Required = true };
        var discardJson = JsonOption();
        discard.Options.Add(discardObject);
        discard.Options.Add(discardId);
        discard.Options.Add(discardJson);
        discard.SetAction((parse, ct) => WithHost(verbose, parse, async (host, output) =>
        {
            var store = host.Services.GetRequiredService<StateStore>();
            var id = parse.GetValue(discardId);
            if (await FindAsync(store, id, parse.GetValue(discardObject), parse.InvocationConfiguration.Error) is not { } letter)
            {
                return ExitCodes.Configuration;
            }
            if (letter.Status == DeadLetterStatuses.Resolved)
            {
                await parse.InvocationConfiguration.Error.WriteLineAsync($"dead letter #{id} is resolved: its record went through; there is nothing to discard.");
                return ExitCodes.Configuration;
            }
            // Discarding twice leaves it as the first time did: a script may repeat itself.
            var changed = letter.Status != DeadLetterStatuses.Discarded && await store.DiscardDeadLetterAsync(id);
            var after = await store.GetDeadLetterAsync(id) ?? letter;
            if (after.Status != DeadLetterStatuses.Discarded)
            {
                // Resolved by a run between the read and the update.
                await parse.InvocationConfiguration.Error.WriteLineAsync($"dead letter #{id} is {after.Status} now; it was not discarded.");
                return ExitCodes.Configuration;
            }
            if (parse.GetValue(discardJson))
            {
                output.WriteLine(JsonSerializer.Serialize(new { id, status = after.Status, changed }, Json));
            }
            else
            {
                output.WriteLine(changed
                    ? $"Discarded dead letter #{id} ({after.Object} {after.RecordId} → {after.Side}: {after.Code}): no run retries it; it stays listed."
                    : $"Dead letter #{id} was already discarded.");
            }
            return ExitCodes.Success;
        }, ct));

        var command = new Command("dead-letters", "Records that failed to sync.");
        command.Subcommands.Add(list);
        command.Subcommands.Add(retry);
        command.Subcommands.Add(discard);
        return command;
    }

    static Option<string?> DeadLetterObjectOption()
    {
        var option = new Option<string?>("--object") { Description = $"Only this object pair's dead letters: {string.Join(", ", ObjectPairs.All)}" };
        option.AcceptOnlyFromAmong([.. ObjectPairs.All]);
        return option;
    }

    static Option<bool> JsonOption() => new("--json") { Description = "JSON on standard output, for scripts" };

    /// <summary>The dead letter with this id (of this object when one is given), or one line on standard error saying there is none.</summary>
    static async Task<DeadLetter?> FindAsync(StateStore store, long id, string? objectName, TextWriter error)
    {
        var letter = await store.GetDeadLetterAsync(id);
        if (letter is not null && (objectName is null || letter.Object == objectName))
        {
            return letter;
        }
        await error.WriteLineAsync(letter is null
            ? $"no dead letter #{id} (abmsync dead-letters list shows their ids)"
            : $"dead letter #{id} is one of {letter.Object}, not of {objectName}");
        return null;
    }

    static bool IsDue(DeadLetter d, DateTimeOffset now) => d.Status == DeadLetterStatuses.Open && (d.NextAttemptAt is not { } next || next <= now);

    static object ToJson(DeadLetter d, DateTimeOffset now) => new
    {
        id = d.Id,
        @object = d.Object,
        side = d.Side,
        recordId = d.RecordId,
        status = d.Status,
        code = d.Code,
        message = d.Message,
        fields = d.Fields?.Split(',') ?? [],
        attempts = d.Attempts,
        firstFailedAt = d.FirstFailedAt,
        lastFailedAt = d.LastFailedAt,
        nextAttemptAt = d.NextAttemptAt,
        due = IsDue(d, now),
        payload = d.Payload,
    };

    /// <summary>One row per dead letter, then the writes it tried beneath it (the way <c>plan</c> shows writes), then the count.</summary>
    static void PrintDeadLetters(TextWriter output, IReadOnlyList<DeadLetter> letters, DateTimeOffset now)
    {
        if (letters.Count == 0)
        {
            output.WriteLine("No dead letters.");
            return;
        }
        var inv = CultureInfo.InvariantCulture;
        string[] header = ["ID", "STATUS", "OBJECT", "SIDE", "RECORD", "CODE", "ATTEMPTS", "NEXT ATTEMPT", "LAST FAILED", "MESSAGE"];
        var rows = letters.Select(d => (Letter: d, Cells: new[]
        {
            $"#{d.Id}", d.Status, d.Object, d.Side, d.RecordId, d.Code, d.Attempts.ToString(inv),
            d.Status != DeadLetterStatuses.Open ? "-" : IsDue(d, now) ? "next run" : d.NextAttemptAt!.Value.ToString("u", inv),
            d.LastFailedAt.ToString("u", inv),
            d.Fields is null ? d.Message : $"{d.Message} [{d.Fields}]",
        })).ToList();
        if (Terminal.IsInteractive(output))
        {
            Terminal.Table("Dead letters", header, rows.Select(r => (IReadOnlyList<string>)[.. r.Cells[..^1],
                string.Join('\n', (r.Letter.Payload ?? new Dictionary<string, string?>()).OrderBy(p => p.Key, StringComparer.Ordinal)
                    .Select(p => $"tried {p.Key} = {p.Value ?? "(clear)"}").Prepend(r.Cells[^1]))]));
            output.WriteLine(DeadLetterTotals(letters));
            return;
        }
        var widths = header.Select((h, i) => Math.Max(h.Length, rows.Max(r => r.Cells[i].Length))).ToArray();
        string Line(string[] cells) => string.Join("  ", cells.Select((c, i) => i == cells.Length - 1 ? c : c.PadRight(widths[i]))).TrimEnd();
        output.WriteLine(Line(header));
        foreach (var (letter, cells) in rows)
        {
            output.WriteLine(Line(cells));
            foreach (var (field, value) in (letter.Payload ?? new Dictionary<string, string?>()).OrderBy(p => p.Key, StringComparer.Ordinal))
            {
                output.WriteLine($"      tried {field} = {value ?? "(clear)"}");
            }
        }
        output.WriteLine(DeadLetterTotals(letters));
    }

    static string DeadLetterTotals(IReadOnlyList<DeadLetter> letters) => string.Create(CultureInfo.InvariantCulture,
        $"{letters.Count} dead letter(s): {string.Join(", ", letters.CountBy(d => d.Status).OrderBy(c => DeadLetterStatuses.All.ToList().IndexOf(c.Key)).Select(c => $"{c.Value} {c.Key}"))}.");

    public static Command Explain(Option<bool> verbose)
    {
        var account = new Argument<string>("account") { Description = "Salesforce Account id, HubSpot company id or website domain" };
        var command = new Command("explain", "The chain of decisions about an account and why, in plain language: tier, owner, pod, SDR and marketer, committee, engagement, stage, matched leads, conflicts, and how each changed. Reads the state store only.");
        command.Arguments.Add(account);
        command.SetAction((parse, ct) => WithHost(verbose, parse, async (host, output) =>
        {
            var key = parse.GetValue(account)!;
            var explainer = new AccountExplainer(host.Services.GetRequiredService<StateStore>());
            var (id, candidates) = await explainer.ResolveAsync(key);
            if (id is null)
            {
                if (candidates.Count > 1)
                {
                    output.WriteLine($"{key} is the website of {candidates.Count} accounts; explain one of them by its id:");
                    foreach (var candidate in candidates)
                    {
                        output.WriteLine($"  {candidate}");
                    }
                    return ExitCodes.Failure;
                }
                output.WriteLine($"AbmSync knows no account {key} (not a Salesforce id, HubSpot company id or website domain it has read).");
                return ExitCodes.Failure;
            }
            foreach (var line in await explainer.ExplainAsync(id))
            {
                output.WriteLine(line);
            }
            return ExitCodes.Success;
        }, ct));
        return command;
    }

    public static Command Rules(Option<bool> verbose)
    {
        var proposed = new Option<string>("--rules") { Description = "The proposed rules file (a full rules.yaml)", Required = true };
        var examples = new Option<int>("--examples") { Description = "Examples listed per change", DefaultValueFactory = _ => 3 };
        var diff = new Command("diff", "What a proposed rules file would change against the current one, over the last snapshot in the state store: tier transitions, owners, SDRs and marketers reassigned, lead matches gained or lost. No API call; writes nothing.");
        diff.Options.Add(proposed);
        diff.Options.Add(examples);
        diff.SetAction((parse, ct) => WithHost(verbose, parse, async (host, output) =>
        {
            var rulesDiff = new RulesDiff(host.Services.GetRequiredService<StateStore>(), host.Services.GetRequiredService<SyncConfiguration>(),
                host.Services.GetRequiredService<TimeProvider>());
            var lines = await rulesDiff.CompareAsync(parse.GetValue(proposed)!, Math.Max(0, parse.GetValue(examples)));
            var (start, count) = Terminal.IsInteractive(output) && rulesDiff.Transitions.Count > 0 ? rulesDiff.TransitionLines : (lines.Count, 0);
            foreach (var line in lines.Take(start))
            {
                output.WriteLine(line);
            }
            if (count > 0)
            {
                // On a terminal the transitions read as a table: a rules change reviewed like a code change.
                Terminal.Table("Tier transitions", ["from", "to", "accounts", "examples"],
                    rulesDiff.Transitions.Select(t => (IReadOnlyList<string>)[t.From, t.To, t.Count.ToString("N0", CultureInfo.InvariantCulture), t.Examples]));
            }
            foreach (var line in lines.Skip(start + count))
            {
                output.WriteLine(line);
            }
            return ExitCodes.Success;
        }, ct));
        var command = new Command("rules", "Work with rules.yaml: review a change before it ships.");
        command.Subcommands.Add(diff);
        return command;
    }

    public static Command Report(Option<bool> verbose)
    {
        var count = new Option<int>("--runs") { Description = "How many recent runs", DefaultValueFactory = _ => 10 };
        var outFile = new Option<string?>("--out") { Description = "Write the weekly ABM scorecard, one self-contained HTML page, to this file" };
        var since = new Option<int>("--since") { Description = "The scorecard's period in days, up to now", DefaultValueFactory = _ => AbmScorecard.DefaultDays };
        var command = new Command("report", "Recent runs and open failures; with --out, the weekly ABM scorecard as an HTML page.");
        command.Options.Add(count);
        command.Options.Add(outFile);
        command.Options.Add(since);
        command.SetAction((parse, ct) => WithHost(verbose, parse, async (host, output) =>
        {
            var error = parse.InvocationConfiguration.Error;
            var days = parse.GetValue(since);
            if (days < 1)
            {
                await error.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"--since {days}: the period is a whole number of days, 1 or more"));
                return ExitCodes.Configuration;
            }
            if (parse.GetValue(outFile) is { } file)
            {
                var page = await Terminal.WithStatusAsync(output, false, $"Building the ABM scorecard of the last {days} day(s)…", () => host.Services.GetRequiredService<AbmScorecard>().RenderPageAsync(days));
                var path = file;
                try
                {
                    path = Path.GetFullPath(file);
                    await File.WriteAllTextAsync(path, page, ct);
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException or ArgumentException)
                {
                    // The path is the user's own input; the runtime's message says why (no such directory, denied).
                    await error.WriteLineAsync($"cannot write the scorecard to {path}: {e.Message}");
                    return ExitCodes.Configuration;
                }
                output.WriteLine($"wrote the ABM scorecard for the last {days} day(s) to {path}");
                return ExitCodes.Success;
            }
            var store = host.Services.GetRequiredService<StateStore>();
            foreach (var r in await store.RecentRunsAsync(parse.GetValue(count)))
            {
                output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"run {r.Id} {r.Object} {r.Mode} {r.Status}{(r.Status == "abandoned" && r.LastSeenAlive is { } seen ? $" (its process stopped; last seen alive {seen:u})" : "")} {r.StartedAt:u}: read {r.RecordsRead}, HubSpot records written {r.HubSpotRecordsWritten}, Salesforce records written {r.SalesforceRecordsWritten}, dead-lettered {r.DeadLettered}; API calls Salesforce {r.SalesforceCalls}{(r.EstimatedSalesforceCalls is { } es ? $" (estimated {es})" : "")}, HubSpot {r.HubSpotCalls}{(r.EstimatedHubSpotCalls is { } eh ? $" (estimated {eh})" : "")}{(r.Message is null ? "" : " — " + r.Message)}"));
            }
            var open = await store.GetDeadLettersAsync(null, DeadLetterStatuses.Open);
            var parked = await store.GetDeadLettersAsync(null, DeadLetterStatuses.Parked);
            var now = host.Services.GetRequiredService<TimeProvider>().GetUtcNow();
            var due = open.Count(d => IsDue(d, now));
            output.WriteLine($"dead letters: {open.Count} open ({due} due on the next run, {open.Count - due} backing off), {parked.Count} parked (abmsync dead-letters retry)");
            return ExitCodes.Success;
        }, ct));
        return command;
    }

    /// <summary>
    /// Runs a verb with the worker's services. Verbs that only read local state don't start the host, so they work
    /// without API credentials; verbs that call an API start it, which validates every setting first.
    /// </summary>
    static Task<int> WithHost(Option<bool> verbose, ParseResult parse, Func<IHost, TextWriter, Task<int>> body, CancellationToken ct, bool callsApis = false) => AbmSyncCli.Guard(async () =>
    {
        using var host = AbmSyncServices.BuildCommandHost(verbose: parse.GetValue(verbose));
        if (callsApis)
        {
            await host.StartAsync(ct);
        }
        await host.Services.GetRequiredService<StateStore>().MigrateAsync(ct);
        var code = await body(host, parse.InvocationConfiguration.Output);
        if (callsApis)
        {
            await host.StopAsync(ct);
        }
        return code;
    });
}

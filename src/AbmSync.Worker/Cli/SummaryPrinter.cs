using System.Globalization;
using AbmSync.Worker.Sync;

namespace AbmSync.Worker.Cli;

/// <summary>How a run reads on a terminal.</summary>
public static class SummaryPrinter
{
    public static void PrintRun(TextWriter output, SyncSummary s, bool dryRun)
    {
        var inv = CultureInfo.InvariantCulture;
        if (dryRun)
        {
            output.WriteLine($"Dry run: nothing was written. {s.Writes.Count} writes planned:");
            foreach (var w in s.Writes)
            {
                output.WriteLine(string.Create(inv, $"  {w.System} {w.Operation} {w.SalesforceId}{(w.HubSpotId is null ? "" : " → " + w.HubSpotId)}"));
                foreach (var (field, value) in w.Values.OrderBy(v => v.Key, StringComparer.Ordinal))
                {
                    output.WriteLine($"      {field} = {(value.Length == 0 ? "(clear)" : value)}");
                }
            }
            if (s.CreatedHubSpotProperties.Count > 0)
            {
                output.WriteLine($"  HubSpot properties to create: {string.Join(", ", s.CreatedHubSpotProperties)}");
            }
        }
        output.WriteLine(string.Create(inv, $"Accounts run {s.RunId} {s.Status}: read {s.RecordsRead}, unchanged {s.RecordsUnchanged}, HubSpot created {s.HubSpotCreated} / updated {s.HubSpotUpdated}, Salesforce updated {s.SalesforceUpdated}, newly linked {s.Linked}, dead-lettered {s.DeadLettered}"));
        output.WriteLine("  tiers: " + string.Join(" · ", s.AccountsPerTier.Select(t => string.Create(inv, $"{t.Key} {t.Value}"))));
        output.WriteLine(string.Create(inv, $"  owners: {s.AccountsWithHubSpotOwner} accounts have an owner mapped to HubSpot by email, {s.AccountsWithoutHubSpotOwner} do not"));
        if (s.UnmatchedOwnerEmails.Count > 0)
        {
            output.WriteLine($"    no HubSpot owner with the email of: {string.Join(", ", s.UnmatchedOwnerEmails.Take(5))}{(s.UnmatchedOwnerEmails.Count > 5 ? $" and {s.UnmatchedOwnerEmails.Count - 5} more" : "")}");
        }
        if (s.Message is not null)
        {
            output.WriteLine($"  {s.Message}");
        }
        output.WriteLine(string.Create(inv, $"  time: {s.Elapsed.TotalSeconds:0.00} s"));
    }
}

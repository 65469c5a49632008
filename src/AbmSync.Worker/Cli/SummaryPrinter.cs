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
            output.WriteLine($"Dry run: nothing was written. {s.Plans.Count} records would change:");
            foreach (var p in s.Plans)
            {
                output.WriteLine($"  {p.SalesforceId ?? "(new)"} ↔ {p.HubSpotId ?? "(new)"}{(p.Link == "None" ? "" : $" [{p.Link}]")}{(p.TierTo is null && p.TierFrom is null ? "" : $" tier {p.TierFrom ?? "(none)"} → {p.TierTo ?? "(none)"}")}");
                foreach (var (field, value) in p.SalesforceWrites.OrderBy(v => v.Key, StringComparer.Ordinal))
                {
                    output.WriteLine($"      Salesforce {field} = {value ?? "(clear)"}");
                }
                foreach (var (field, value) in p.HubSpotWrites.OrderBy(v => v.Key, StringComparer.Ordinal))
                {
                    output.WriteLine($"      HubSpot {field} = {value ?? "(clear)"}");
                }
                foreach (var c in p.Conflicts)
                {
                    output.WriteLine($"      conflict {c.SalesforceField}/{c.HubSpotField}: {c.Winner} wins ({c.Reason}){(c.Uncertain ? " [uncertain]" : "")}");
                }
                foreach (var c in p.Corrections)
                {
                    output.WriteLine($"      correction: {c.Side} {c.Field} was changed to {c.Found ?? "(blank)"}, put back to {c.PutBack ?? "(blank)"}");
                }
            }
            if (s.CreatedHubSpotProperties.Count > 0)
            {
                output.WriteLine($"  HubSpot properties to create: {string.Join(", ", s.CreatedHubSpotProperties)}");
            }
        }
        var name = s.Object.Length == 0 ? "Sync" : char.ToUpperInvariant(s.Object[0]) + s.Object[1..];
        output.WriteLine(string.Create(inv, $"{name} run {s.RunId} {s.Status}: read Salesforce {s.RecordsRead} ({s.Excluded} not included), HubSpot {s.HubSpotRead}; unchanged {s.RecordsUnchanged}, HubSpot created {s.HubSpotCreated} / updated {s.HubSpotUpdated}, Salesforce created {s.SalesforceCreated} / updated {s.SalesforceUpdated}, newly linked {s.Linked}, corrections {s.Corrections}, conflicts {s.Conflicts}, dead-lettered {s.DeadLettered}"));
        if (s.Deleted + s.Unlinked + s.Merged > 0)
        {
            output.WriteLine(string.Create(inv, $"  deletes and merges: {s.Deleted} deleted in Salesforce, {s.Unlinked} links ended, {s.Merged} moved or merged with a merge"));
        }
        if (s.LinkSetChanges > 0)
        {
            output.WriteLine(string.Create(inv, $"  contact roles and associations: {s.LinkSetChanges} added or removed"));
        }
        if (s.DeleteGap is not null)
        {
            output.WriteLine($"  {s.DeleteGap}");
        }
        foreach (var line in s.RuleReport)
        {
            output.WriteLine("  " + line);
        }
        // Tiers and owners are the accounts' rules: a pair without population rules has none to show.
        if (s.AccountsPerTier.Count > 0)
        {
            output.WriteLine("  tiers: " + string.Join(" · ", s.AccountsPerTier.Select(t => string.Create(inv, $"{t.Key} {t.Value}"))));
            output.WriteLine(string.Create(inv, $"  owners: {s.AccountsWithHubSpotOwner} accounts have an owner mapped to HubSpot by email, {s.AccountsWithoutHubSpotOwner} do not"));
            if (s.UnmatchedOwnerEmails.Count > 0)
            {
                output.WriteLine($"    no HubSpot owner with the email of: {string.Join(", ", s.UnmatchedOwnerEmails.Take(5))}{(s.UnmatchedOwnerEmails.Count > 5 ? $" and {s.UnmatchedOwnerEmails.Count - 5} more" : "")}");
            }
        }
        if (s.Message is not null)
        {
            output.WriteLine($"  {s.Message}");
        }
        output.WriteLine(string.Create(inv, $"  time: {s.Elapsed.TotalSeconds:0.00} s"));
    }
}

using System.Globalization;
using System.Text.Json;
using AbmSync.Core.Rules;
using AbmSync.Worker.State;

namespace AbmSync.Worker.Sync;

/// <summary>One tier's row of the scoreboard: its accounts, how many are engaged and surging, and their mean engagement and committee coverage.</summary>
public sealed record TierRow(string Tier, int Accounts, int Engaged, int Surging, decimal MeanEngagement, decimal MeanCoverage);

/// <summary>
/// The target list as the ledger and the decision table stand: accounts per tier with their engagement and buying
/// committee coverage, and the contacts per buying role. What the demo prints and a weekly review starts from.
/// </summary>
public sealed class AbmScoreboard(StateStore store)
{
    /// <summary>Open pipeline (amounts of open opportunities) and the share of it marketing influenced, with the counts.</summary>
    public sealed record Pipeline(int Open, decimal OpenAmount, int Influenced, decimal InfluencedAmount);

    public sealed record Board(IReadOnlyList<TierRow> Tiers, IReadOnlyDictionary<string, int> ContactsPerRole,
        IReadOnlyDictionary<string, int> AccountsPerStage, int Stalled, Pipeline OpenPipeline);

    public async Task<Board> BuildAsync()
    {
        var tiers = (await store.GetDecisionsAsync(ObjectPairs.Accounts, TierRules.Kind)).Where(d => d.Detail != TierRules.OffListDetail).ToList();
        var engagement = (await store.CurrentDecisionsAsync(ObjectPairs.Accounts, TierRules.EngagementKind)).ToDictionary(e => e.RecordId, StringComparer.Ordinal);
        var rows = new List<TierRow>();
        foreach (var tier in Tiers.All.Append("No tier"))
        {
            var members = tiers.Where(d => (d.Value ?? "No tier") == tier).Select(d => engagement.TryGetValue(d.RecordId, out var e) ? Read(e) : (Score: 0, Surge: false, Coverage: 0)).ToList();
            rows.Add(new TierRow(tier, members.Count, members.Count(m => m.Score > 0), members.Count(m => m.Surge),
                members.Count == 0 ? 0 : Math.Round((decimal)members.Average(m => m.Score), 1),
                members.Count == 0 ? 0 : Math.Round((decimal)members.Average(m => m.Coverage), 1)));
        }
        var roles = (await store.CurrentDecisionsAsync(ObjectPairs.Contacts, BuyingRoleRules.RoleKind))
            .GroupBy(r => r.Value is null ? "no role" : BuyingRoleRules.Label(r.Value))
            .OrderBy(g => g.Key == "no role").ThenByDescending(g => g.Count()).ThenBy(g => g.Key, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
        var stages = (await store.CurrentDecisionsAsync(ObjectPairs.Accounts, TierRules.StageKind))
            .Where(e => tiers.Any(d => d.RecordId == e.RecordId)).ToList();
        var perStage = Core.Engagement.AbmStages.All.ToDictionary(st => st, st => stages.Count(e => e.Value == st), StringComparer.Ordinal);
        var stalled = stages.Count(e => e.RuleId == "stages.stalled");
        var open = (await store.CurrentDecisionsAsync(ObjectPairs.Opportunities, OpportunityRules.InfluenceKind))
            .Select(OpportunityRules.Facts).OfType<OpportunityFacts>().Where(f => !f.IsClosed).ToList();
        var pipeline = new Pipeline(open.Count, open.Sum(f => f.Amount ?? 0), open.Count(f => f.Influenced), open.Where(f => f.Influenced).Sum(f => f.Amount ?? 0));
        return new Board(rows, roles, perStage, stalled, pipeline);
    }

    static (int Score, bool Surge, int Coverage) Read(LedgerEntry entry)
    {
        using var inputs = JsonDocument.Parse(entry.Inputs ?? "{}");
        var root = inputs.RootElement;
        return (root.TryGetProperty("score", out var s) ? s.GetInt32() : 0,
            root.TryGetProperty("surge", out var u) && u.GetBoolean(),
            root.TryGetProperty("coverage", out var c) ? c.GetInt32() : 0);
    }

    public static void Print(TextWriter output, Board board)
    {
        output.WriteLine("tier        accounts  any engagement  surging  mean engagement  mean committee coverage");
        foreach (var row in board.Tiers)
        {
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{row.Tier,-10} {row.Accounts,9} {Share(row.Engaged, row.Accounts),15} {row.Surging,8} {row.MeanEngagement,16:0.0} {row.MeanCoverage,23:0.0}%"));
        }
        output.WriteLine("contacts per buying role: " + string.Join(" · ", board.ContactsPerRole.Select(r => $"{r.Key} {r.Value}")));
        output.WriteLine("accounts per stage: " + string.Join(" · ", board.AccountsPerStage.Select(s => $"{s.Key} {s.Value}")) + $" ({board.Stalled} stalled)");
        var p = board.OpenPipeline;
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"open pipeline: {p.Open} opportunities, {p.OpenAmount:#,0}; marketing-influenced: {p.Influenced} ({Share(p.Influenced, p.Open)}), {p.InfluencedAmount:#,0} ({(p.OpenAmount == 0 ? "-" : $"{100m * p.InfluencedAmount / p.OpenAmount:0}%")} of the amount)"));
    }

    static string Share(int part, int whole) => whole == 0 ? "-" : string.Create(CultureInfo.InvariantCulture, $"{100m * part / whole:0}%");
}

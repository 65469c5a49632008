using System.Globalization;
using System.Text.Json;
using AbmSync.Connectors.Salesforce;
using AbmSync.Core.Engagement;
using AbmSync.Core.Sync;
using AbmSync.Worker.State;

namespace AbmSync.Worker.Sync;

/// <summary>What the accounts' stage reads of one opportunity, as its influence entry keeps it.</summary>
public sealed record OpportunityFacts(string? AccountId, DateTimeOffset? Created, bool IsWon, bool IsClosed, string? Stage, decimal? Amount,
    DateTimeOffset? LastProgress, bool Influenced);

/// <summary>
/// The opportunities' rule: marketing influence (<c>ABM_Marketing_Influenced__c</c>, <c>abm_marketing_influenced</c>)
/// when the account engaged within the attribution window before the opportunity was created. Its ledger entry keeps
/// the opportunity's facts (account, won, closed, stage, amount, last progress), which is what the accounts' stage
/// and the influenced pipeline read.
/// </summary>
public sealed class OpportunityRules(MarketingInfluence influence) : RecordRules(InfluenceKind)
{
    public const string InfluenceKind = "influence";
    public const string SalesforceInfluenced = "ABM_Marketing_Influenced__c";
    public const string HubSpotInfluenced = "abm_marketing_influenced";

    public override IReadOnlyList<string> SalesforceInputs { get; } =
        ["CreatedDate", "AccountId", "IsWon", "IsClosed", "StageName", "Amount", "LastModifiedDate", SalesforceInfluenced];
    public override IReadOnlyList<string> SalesforceOutputs { get; } = [SalesforceInfluenced];
    public override IReadOnlyList<string> HubSpotProperties { get; } = [HubSpotInfluenced];

    IReadOnlyDictionary<string, IReadOnlyList<DateTimeOffset>> signalDates = new Dictionary<string, IReadOnlyList<DateTimeOffset>>();

    // The accounts' run links the companies the signals name: read once it has finished.
    public override async Task PrepareAsync(RulesSnapshot snapshot) => signalDates = await snapshot.Engagement.SignalDatesAsync(snapshot.Now);

    /// <summary>
    /// When the opportunity came to be: the earlier of the Salesforce record's and its deal's creation, so that an
    /// opportunity created in Salesforce from a HubSpot deal counts from the deal, and the answer is the same on the
    /// run that creates it and on every run after.
    /// </summary>
    static DateTimeOffset? Created(RuleSubject subject) =>
        new[] { subject.Salesforce?.GetDateTime("CreatedDate"), EngagementReader.Date(subject.HubSpot?[ObjectPair.CreatedProperty]) }.Where(d => d is not null).Min();

    (InfluenceDecision Decision, OpportunityFacts Facts)? Decide(RuleSubject subject)
    {
        if (Created(subject) is not { } created || (subject.Salesforce is null && subject.SalesforceWrites is null))
        {
            return null;
        }
        var record = subject.Salesforce;
        string? Field(string name) => record is not null ? record.GetString(name) : subject.SalesforceWrites?.GetValueOrDefault(name);
        var account = Field("AccountId");
        var decision = influence.Assess(created, account is null ? [] : signalDates.GetValueOrDefault(account) ?? []);
        var stage = Field("StageName");
        var before = subject.SalesforceId is { } id && Written.TryGetValue(id, out var entry) ? Facts(entry) : null;
        // Progress is a change of stage. Salesforce keeps no date of it on the record we read, so the first sight
        // takes the last modification, and afterwards the moment a different stage is read.
        var progress = before is null ? record?.GetDateTime("LastModifiedDate") ?? created
            : before.Stage != stage ? record?.GetDateTime("SystemModstamp") ?? record?.GetDateTime("LastModifiedDate") ?? before.LastProgress
            : before.LastProgress;
        var amount = decimal.TryParse(Field("Amount"), NumberStyles.Float, CultureInfo.InvariantCulture, out var a) ? a : (decimal?)null;
        var facts = new OpportunityFacts(account, created, record?.GetBool("IsWon") ?? false, record?.GetBool("IsClosed") ?? false, stage,
            amount, progress, decision.Influenced);
        return (decision, facts);
    }

    public override RuleValues? ValuesFor(RuleSubject subject)
    {
        if (Decide(subject) is not { } d)
        {
            return null;
        }
        var value = d.Decision.Influenced ? "true" : "false";
        return new RuleValues(
            new Dictionary<string, string?> { [SalesforceInfluenced] = value },
            new Dictionary<string, string?> { [HubSpotInfluenced] = value });
    }

    public override IReadOnlyList<LedgerEntry> LedgerFor(RuleSubject subject, long runId, DateTimeOffset now, string rulesHash)
    {
        if (subject.SalesforceId is not { } id || Decide(subject) is not { } d)
        {
            return [];
        }
        var inputs = JsonSerializer.Serialize(d.Facts);
        var value = d.Decision.Influenced ? "true" : "false";
        Written.TryGetValue(id, out var before);
        if (before is not null && before.Value == value && before.Inputs == inputs)
        {
            return [];
        }
        return [new LedgerEntry(0, ObjectPairs.Opportunities, id, InfluenceKind, value, before?.Value, d.Decision.Reason, inputs, rulesHash, "influence", runId, now)];
    }

    public static OpportunityFacts? Facts(LedgerEntry entry) =>
        entry.Inputs is { } json ? JsonSerializer.Deserialize<OpportunityFacts>(json) : null;

    /// <summary>Every opportunity's facts as the ledger has them now, by account.</summary>
    public static async Task<IReadOnlyDictionary<string, List<OpportunityFacts>>> ByAccountAsync(StateStore store)
    {
        var byAccount = new Dictionary<string, List<OpportunityFacts>>(StringComparer.Ordinal);
        foreach (var entry in await store.CurrentDecisionsAsync(ObjectPairs.Opportunities, InfluenceKind))
        {
            if (Facts(entry) is { AccountId: { } account } facts)
            {
                if (!byAccount.TryGetValue(account, out var list))
                {
                    byAccount[account] = list = [];
                }
                list.Add(facts);
            }
        }
        return byAccount;
    }
}

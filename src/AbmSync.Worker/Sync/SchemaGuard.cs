using AbmSync.Connectors.HubSpot;
using AbmSync.Connectors.Salesforce;
using AbmSync.Core.Mapping;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AbmSync.Worker.Sync;

/// <summary>The live schema lacks something that a person must install (the Salesforce metadata, a permission).</summary>
public sealed class SetupRequiredException(string system, IReadOnlyList<string> missing, string hint)
    : Exception($"{system} is not set up for AbmSync:{Environment.NewLine}{string.Join(Environment.NewLine, missing.Select(m => "  - " + m))}{Environment.NewLine}{hint}")
{
    public IReadOnlyList<string> Missing { get; } = missing;
}

/// <summary>
/// Checks the mapping against both live schemas before a run reads or writes anything, and creates the HubSpot ABM
/// properties that are missing (idempotent). Salesforce fields are never created: they arrive as deployed metadata.
/// </summary>
public sealed partial class SchemaGuard(
    SalesforceClient salesforce, HubSpotClient hubSpot, SyncCache cache, TimeProvider time,
    IOptions<SyncOptions> options, ILogger<SchemaGuard> logger)
{
    /// <summary>What the pair's last check created in HubSpot (property names), for the summary.</summary>
    public IReadOnlyList<string> CreatedHubSpotProperties(ObjectPair pair) => cache.CreatedHubSpotProperties.GetValueOrDefault(pair.Name) ?? [];

    /// <summary>
    /// Checks the pair's mapping against both live schemas once per <see cref="SyncOptions.SchemaCacheDuration"/>
    /// (schemas change rarely, calls cost), and answers each mapped field's kind on both sides, so that values compare
    /// as what they are (a number read as "5000000.00" by one API and 5000000 by the other is one value).
    /// </summary>
    public async Task<SchemaKinds> EnsureAsync(ObjectPair pair, bool dryRun, CancellationToken ct)
    {
        await cache.SchemaGate.WaitAsync(ct);
        try
        {
            if (cache.SchemaCheckedAt is { } at && time.GetUtcNow() - at < options.Value.SchemaCacheDuration && cache.Kinds.TryGetValue(pair.Name, out var known))
            {
                return known;
            }
            var (created, properties) = await EnsureHubSpotPropertiesAsync(pair.HubSpotObject, dryRun, ct);
            cache.CreatedHubSpotProperties[pair.Name] = created;
            var hubSpotProperties = properties.ToDictionary(p => p.Name, StringComparer.Ordinal);
            var describe = await salesforce.DescribeAsync(pair.SalesforceObject, ct);
            // The daily allocation and the org's use of it, before the first page: the run's budget starts from here.
            cache.OrgLimits = await salesforce.GetLimitsAsync(ct);
            var problems = new List<ConfigurationProblem>();
            // A whenPresent field that either side lacks does not take part (the runner drops it), so it has nothing to
            // check; one that both sides have is checked like any other field.
            var absent = AbsentOptionalFields(pair.Mapping, describe.Fields.Select(f => f.Name), properties.Select(p => p.Name));
            // A pipelined field (a deal's stage) is checked as one value-mapped field per pipeline, at that pipeline's line.
            var mapping = pair.Mapping with
            {
                Fields = [.. pair.Mapping.Fields.Where(f => !absent.Contains(f)).SelectMany(f => f.Pipelines is { Count: > 0 } pipelines
                    ? pipelines.Select(p => f.InPipeline(p.Pipeline) with { Location = p.Location })
                    : [f])],
            };
            CheckSalesforce(describe, mapping, problems);
            if (pair.Rules?.Find<TierRules>() is { } tierRules)
            {
                // A criterion on any Salesforce Account field (Account.ABM_Strategic__c) needs the field in this org.
                foreach (var criterion in tierRules.Criteria)
                {
                    if (Core.Accounts.AccountProfile.SalesforceField(criterion.Field) is { } name && describe.Field(name) is null)
                    {
                        problems.Add(Problem(criterion.Location, $"criterion '{criterion.Name}': Salesforce Account has no field '{name}' (or the integration user cannot read it)"));
                    }
                }
            }
            if (!dryRun || created.Count == 0)
            {
                CheckHubSpot(hubSpotProperties, mapping, problems);
                var uncovered = new List<string>();
                CheckTypes(describe, hubSpotProperties, mapping, problems, uncovered);
                foreach (var notice in uncovered)
                {
                    LogCurrenciesUncovered(logger, notice);
                }
            }
            if (pair.Mapping.Fields.Any(f => f.Pipelines is { Count: > 0 }))
            {
                await CheckPipelinesAsync(pair.Mapping, problems, ct);
            }
            if (problems.Count > 0)
            {
                throw new ConfigurationFileException(problems);
            }
            var kinds = new SchemaKinds(
                describe.Fields.ToDictionary(f => f.Name, f => KindOf(f.Type), StringComparer.OrdinalIgnoreCase),
                properties.ToDictionary(p => p.Name, p => KindOfProperty(p.Type), StringComparer.Ordinal));
            // A dry run that would create properties has checked nothing that a real run may rely on.
            if (!(dryRun && created.Count > 0))
            {
                cache.Kinds[pair.Name] = kinds;
                cache.SchemaCheckedAt = time.GetUtcNow();
            }
            return kinds;
        }
        finally
        {
            cache.SchemaGate.Release();
        }
    }

    /// <summary>
    /// The pair as this org and portal can sync it: person accounts left out where the org has them (a consumer is
    /// not a target account, and its contact not a buyer), and <c>whenPresent</c> fields one side's schema lacks (no
    /// CurrencyIsoCode in a single-currency org) sitting the pair out.
    /// </summary>
    public static ObjectPair InThisOrg(ObjectPair pair, SchemaKinds kinds)
    {
        if (pair.ExcludePersonAccounts && kinds.Salesforce.ContainsKey(ObjectPair.PersonAccountField))
        {
            pair = pair.WithoutPersonAccounts();
        }
        return pair.WithoutFields(AbsentOptionalFields(pair.Mapping, kinds));
    }

    /// <summary>
    /// The mapping's <c>whenPresent</c> fields that the org's describe or the portal's properties lack (an association
    /// is no property: only its Salesforce side can be absent). A field either side lacks takes no part in the pair.
    /// </summary>
    public static IReadOnlyList<FieldMapping> AbsentOptionalFields(ObjectMapping mapping, SchemaKinds kinds) =>
        AbsentOptionalFields(mapping, kinds.Salesforce.Keys, kinds.HubSpot.Keys);

    static IReadOnlyList<FieldMapping> AbsentOptionalFields(ObjectMapping mapping, IEnumerable<string> salesforceFields, IEnumerable<string> hubSpotProperties)
    {
        var salesforce = salesforceFields.ToHashSet(StringComparer.OrdinalIgnoreCase);
        var hubSpot = hubSpotProperties.ToHashSet(StringComparer.Ordinal);
        return [.. mapping.Fields.Where(f => f.WhenPresent && (!salesforce.Contains(f.Salesforce) || (!f.IsAssociation && !hubSpot.Contains(f.HubSpot))))];
    }

    /// <summary>
    /// Creates the <c>abm</c> group and every missing ABM property of an object type. Returns the names created (in a
    /// dry run: the names that would be) and the object's properties afterwards.
    /// </summary>
    public async Task<(IReadOnlyList<string> Created, IReadOnlyList<HubSpotProperty> Properties)> EnsureHubSpotPropertiesAsync(
        string objectType, bool dryRun, CancellationToken ct)
    {
        var wanted = AbmFields.HubSpotProperties[objectType];
        var properties = await hubSpot.GetPropertiesAsync(objectType, ct: ct);
        var existing = properties.Select(p => p.Name).ToHashSet(StringComparer.Ordinal);
        var missing = wanted.Where(p => !existing.Contains(p.Name)).ToList();
        if (missing.Count == 0 || dryRun)
        {
            return ([.. missing.Select(m => m.Name)], properties);
        }
        var groups = await hubSpot.GetPropertyGroupsAsync(objectType, ct);
        if (!groups.Any(g => g.Name == AbmFields.HubSpotGroup))
        {
            try
            {
                await hubSpot.CreatePropertyGroupAsync(objectType, AbmFields.HubSpotGroup, "ABM (AbmSync)", ct: ct);
            }
            catch (HubSpotApiException e) when (e.StatusCode == System.Net.HttpStatusCode.Conflict)
            {
                // Created meanwhile, or by a replay of our own create after a gateway error: it is there.
            }
        }
        HubSpotPropertyCreateResult result;
        try
        {
            result = await hubSpot.CreatePropertiesAsync(objectType, missing, ct);
        }
        catch (HubSpotApiException e) when (e.StatusCode == System.Net.HttpStatusCode.Conflict)
        {
            result = new HubSpotPropertyCreateResult([], [new HubSpotError("OBJECT_ALREADY_EXISTS", e.Message, null, [], null)]);
        }
        if (result.Errors.Count > 0 && result.Errors.All(e => e.Category is "OBJECT_ALREADY_EXISTS" or "CONFLICT"))
        {
            // A replayed create (the first attempt landed, its answer was lost) is refused as existing: read what is there.
            var now = await hubSpot.GetPropertiesAsync(objectType, ct: ct);
            var names = now.Select(p => p.Name).ToHashSet(StringComparer.Ordinal);
            if (missing.All(m => names.Contains(m.Name)))
            {
                var created = now.Where(p => missing.Any(m => m.Name == p.Name)).ToList();
                LogCreatedProperties(logger, created.Count, objectType);
                return ([.. created.Select(p => p.Name)], now);
            }
        }
        if (result.Errors.Count > 0)
        {
            throw new SetupRequiredException("HubSpot", [.. result.Errors.Select(e => $"{objectType}: {e.Category}: {e.Message}")],
                "AbmSync could not create these properties; check that the token has the crm.schemas.*.write scopes.");
        }
        LogCreatedProperties(logger, result.Created.Count, objectType);
        return ([.. result.Created.Select(p => p.Name)], [.. properties, .. result.Created]);
    }

    static Core.Sync.FieldKind KindOf(string salesforceType) => salesforceType switch
    {
        "double" or "currency" or "int" or "percent" or "long" => Core.Sync.FieldKind.Number,
        "boolean" => Core.Sync.FieldKind.Boolean,
        "date" => Core.Sync.FieldKind.Date,
        "datetime" => Core.Sync.FieldKind.DateTime,
        "picklist" or "multipicklist" => Core.Sync.FieldKind.Picklist,
        "reference" or "id" => Core.Sync.FieldKind.Reference,
        _ => Core.Sync.FieldKind.Text,
    };

    static Core.Sync.FieldKind KindOfProperty(string hubSpotType) => hubSpotType switch
    {
        "number" => Core.Sync.FieldKind.Number,
        "bool" => Core.Sync.FieldKind.Boolean,
        "date" => Core.Sync.FieldKind.Date,
        "datetime" => Core.Sync.FieldKind.DateTime,
        "enumeration" => Core.Sync.FieldKind.Picklist,
        _ => Core.Sync.FieldKind.Text,
    };

    /// <summary>Lists the ABM fields the org lacks (empty when the metadata is deployed and visible to the integration user).</summary>
    public static IReadOnlyList<string> MissingSalesforceFields(SObjectDescribe describe) =>
        [.. AbmFields.SalesforceFields[describe.Name].Where(f => describe.Field(f) is null).Select(f => $"{describe.Name}.{f}")];

    static void CheckSalesforce(SObjectDescribe describe, ObjectMapping mapping, List<ConfigurationProblem> problems)
    {
        var missing = MissingSalesforceFields(describe);
        if (missing.Count > 0)
        {
            throw new SetupRequiredException("Salesforce", missing,
                "Deploy the metadata (cd connectors/salesforce-metadata && sf project deploy start --source-dir force-app) and assign the ABM_Integration permission set to the integration user.");
        }
        foreach (var name in AbmFields.SalesforceAccountWrites)
        {
            if (describe.Field(name) is { Updateable: false })
            {
                throw new SetupRequiredException("Salesforce", [$"Account.{name} is not updateable by the integration user"],
                    "Assign the ABM_Integration permission set (connectors/salesforce-metadata) to the integration user.");
            }
        }
        foreach (var condition in mapping.IncludeSalesforce)
        {
            // A parent's field (Account.Type) is checked as far as the relationship: the parent's describe is its own pair's.
            var relationship = condition.Field.Split('.') is { Length: 2 } path ? path[0] : null;
            if (relationship is not null
                ? !describe.Fields.Any(f => string.Equals(f.RelationshipName, relationship, StringComparison.OrdinalIgnoreCase))
                : describe.Field(condition.Field) is null)
            {
                problems.Add(Problem(condition.Location, $"Salesforce {mapping.SalesforceObject} has no field '{condition.Field}'"));
            }
        }
        foreach (var field in mapping.Fields.Where(f => f.Direction != SyncDirection.None))
        {
            var sf = describe.Field(field.Salesforce);
            if (sf is null)
            {
                problems.Add(Problem(field.Location, $"Salesforce {mapping.SalesforceObject} has no field '{field.Salesforce}' (or the integration user cannot see it)"));
                continue;
            }
            if (field.FlowsToSalesforce && !sf.Updateable)
            {
                problems.Add(Problem(field.Location, $"Salesforce field '{field.Salesforce}' is not updateable, but the mapping writes it ({Direction(field)})"));
            }
            if (field.Values is { } values && field.FlowsToHubSpot && sf.PicklistValues.Count > 0)
            {
                var picklist = sf.PicklistValues.Select(v => v.Value).ToHashSet(StringComparer.Ordinal);
                foreach (var key in values.Keys.Where(k => k != "*" && !picklist.Contains(k)))
                {
                    problems.Add(Problem(field.Location, $"value map names '{key}', which is not a value of the Salesforce picklist {mapping.SalesforceObject}.{field.Salesforce}"));
                }
                var unmapped = sf.PicklistValues.Where(v => v.Active && !values.ContainsKey(v.Value)).Select(v => v.Value).ToList();
                if (unmapped.Count > 0 && field.DefaultValue is null)
                {
                    problems.Add(Problem(field.Location, $"value map has no entry for the Salesforce picklist value(s) {string.Join(", ", unmapped.Select(v => $"'{v}'"))}; map them, map them to \"\" (no value), or add \"*\""));
                }
            }
        }
    }

    static void CheckHubSpot(Dictionary<string, HubSpotProperty> properties, ObjectMapping mapping, List<ConfigurationProblem> problems)
    {
        // An association is not a property: the associations API carries it.
        foreach (var field in mapping.Fields.Where(f => f.Direction != SyncDirection.None && !f.IsAssociation))
        {
            if (!properties.TryGetValue(field.HubSpot, out var property))
            {
                problems.Add(Problem(field.Location, $"HubSpot {mapping.HubSpotObject} has no property '{field.HubSpot}'"));
                continue;
            }
            if (field.FlowsToHubSpot && (property.ReadOnlyValue || property.Calculated))
            {
                problems.Add(Problem(field.Location, $"HubSpot property '{field.HubSpot}' is read-only, but the mapping writes it ({Direction(field)})"));
            }
            if (field.Values is { } values && field.FlowsToHubSpot && property.Type == "enumeration")
            {
                var options = property.Options.Select(o => o.Value).ToHashSet(StringComparer.Ordinal);
                foreach (var target in values.Values.Distinct().Where(v => v.Length > 0 && !options.Contains(v)))
                {
                    problems.Add(Problem(field.Location, $"value map writes '{target}', which is not an option of the HubSpot property {mapping.HubSpotObject}.{field.HubSpot}"));
                }
            }
        }
    }

    /// <summary>
    /// Each mapped pair must carry values both sides can hold: a number into a number or text, a checkbox into a
    /// boolean or text, a date into a date or text, and a picklist into an enumeration only through options the
    /// other side has. Anything goes into text. The owner transform turns a User id into an owner id by design.
    /// </summary>
    /// <remarks>
    /// A record's currency (<see cref="CurrencyField"/>) is an ISO code on both sides and never value-mapped: writing
    /// JPY as USD would change what its amount means. An org currency the portal lacks therefore does not stop the
    /// pair: it goes to <paramref name="uncovered"/>, and each record in it is dead-lettered with HubSpot's refusal.
    /// </remarks>
    static void CheckTypes(SObjectDescribe describe, Dictionary<string, HubSpotProperty> properties, ObjectMapping mapping, List<ConfigurationProblem> problems, List<string> uncovered)
    {
        foreach (var field in mapping.Fields.Where(f => f.Direction != SyncDirection.None && f.Transform is not FieldTransform.Owner and not FieldTransform.Link))
        {
            if (describe.Field(field.Salesforce) is not { } sf || !properties.TryGetValue(field.HubSpot, out var hs))
            {
                continue;
            }
            var sfKind = SalesforceKind(sf.Type);
            var hsKind = hs.Type switch
            {
                "number" => "number",
                "bool" => "boolean",
                "date" or "datetime" => "date",
                "enumeration" => "choice",
                _ => "text",
            };
            if (field.FlowsToHubSpot && !Fits(sfKind, hsKind, field))
            {
                problems.Add(Problem(field.Location, $"Salesforce {mapping.SalesforceObject}.{field.Salesforce} ({sf.Type}) cannot be written to HubSpot {field.HubSpot} ({hs.Type})"));
            }
            else if (field.FlowsToSalesforce && !Fits(hsKind, sfKind, field))
            {
                problems.Add(Problem(field.Location, $"HubSpot {field.HubSpot} ({hs.Type}) cannot be written to Salesforce {mapping.SalesforceObject}.{field.Salesforce} ({sf.Type})"));
            }
            if (field.FlowsToHubSpot && hsKind == "choice" && field.Values is null && sf.PicklistValues.Count > 0)
            {
                var options = hs.Options.Select(o => o.Value).ToHashSet(StringComparer.Ordinal);
                var missing = sf.PicklistValues.Where(v => v.Active && !options.Contains(v.Value)).Select(v => $"'{v.Value}'").ToList();
                if (missing.Count > 0 && string.Equals(field.Salesforce, CurrencyField, StringComparison.OrdinalIgnoreCase))
                {
                    uncovered.Add($"{field.Location}: HubSpot {mapping.HubSpotObject}.{field.HubSpot} has no currency {string.Join(", ", missing)} of the org; records in it are dead-lettered until the currency is added in HubSpot");
                }
                else if (missing.Count > 0)
                {
                    problems.Add(Problem(field.Location, $"HubSpot {field.HubSpot} has no option for the Salesforce value(s) {string.Join(", ", missing)}; add a value map"));
                }
            }
        }

        static bool Fits(string from, string to, FieldMapping field) => to switch
        {
            "text" => true,
            "choice" => from is "choice" or "text" || field.Values is not null,
            _ => from == to || (field.Values is not null && from is "choice" or "text"),
        };
    }

    static string SalesforceKind(string type) => type switch
    {
        "int" or "double" or "currency" or "percent" or "long" => "number",
        "boolean" => "boolean",
        "date" or "datetime" => "date",
        "picklist" or "multipicklist" => "choice",
        _ => "text",
    };

    static string Direction(FieldMapping field) => field.Direction switch
    {
        SyncDirection.ToHubSpot => "to-hubspot",
        SyncDirection.ToSalesforce => "to-salesforce",
        _ => "two-way",
    };

    /// <summary>
    /// A pipelined field's maps against HubSpot's pipelines: each pipeline exists, each stage is one of that
    /// pipeline's, and won and lost agree on both sides (a Salesforce stage that is won maps to a HubSpot stage that is
    /// closed with probability 1, one that is lost to a closed stage with probability 0), where the org answers
    /// OpportunityStage.
    /// </summary>
    async Task CheckPipelinesAsync(ObjectMapping mapping, List<ConfigurationProblem> problems, CancellationToken ct)
    {
        var pipelines = (await hubSpot.GetPipelinesAsync(mapping.HubSpotObject, ct)).Where(p => !p.Archived).ToDictionary(p => p.Id, StringComparer.Ordinal);
        var salesforceStages = await SalesforceStagesAsync(mapping.SalesforceObject, ct);
        foreach (var field in mapping.Fields.Where(f => f.Pipelines is { Count: > 0 }))
        {
            foreach (var map in field.Pipelines!)
            {
                if (!pipelines.TryGetValue(map.Pipeline, out var pipeline))
                {
                    problems.Add(Problem(map.Location, $"HubSpot {mapping.HubSpotObject} have no pipeline '{map.Pipeline}'; they have: {string.Join(", ", pipelines.Keys)}"));
                    continue;
                }
                var stages = pipeline.Stages.Where(st => !st.Archived).ToDictionary(st => st.Id, StringComparer.Ordinal);
                foreach (var (salesforceValue, stageId) in map.Values)
                {
                    if (!stages.TryGetValue(stageId, out var stage))
                    {
                        problems.Add(Problem(map.Location, $"'{stageId}' is not a stage of the HubSpot pipeline '{map.Pipeline}' ({pipeline.Label}); its stages: {string.Join(", ", stages.Keys)}"));
                    }
                    else if (salesforceStages.TryGetValue(salesforceValue, out var facts) && (facts.IsWon != stage.IsWon || (facts.IsClosed && !facts.IsWon) != stage.IsLost))
                    {
                        problems.Add(Problem(map.Location, $"'{salesforceValue}' is {Outcome(facts.IsClosed, facts.IsWon)} in Salesforce but HubSpot stage '{stageId}' is {Outcome(stage.IsClosed, stage.IsWon)}: won and lost must agree"));
                    }
                }
            }
        }

        static string Outcome(bool closed, bool won) => won ? "won" : closed ? "lost" : "open";
    }

    /// <summary>The org's opportunity stages with whether each is closed and won; empty where the org does not answer OpportunityStage.</summary>
    async Task<Dictionary<string, (bool IsClosed, bool IsWon)>> SalesforceStagesAsync(string sObject, CancellationToken ct)
    {
        var stages = new Dictionary<string, (bool, bool)>(StringComparer.Ordinal);
        if (sObject != "Opportunity")
        {
            return stages;
        }
        try
        {
            await foreach (var page in salesforce.QueryPagesAsync(SoqlQuery.From("OpportunityStage").Select("ApiName", "IsClosed", "IsWon"), ct: ct))
            {
                foreach (var stage in page.Records)
                {
                    if (stage.GetString("ApiName") is { } name)
                    {
                        stages[name] = (stage.GetBool("IsClosed") == true, stage.GetBool("IsWon") == true);
                    }
                }
            }
        }
        catch (SalesforceApiException e) when (e.ErrorCode is "INVALID_TYPE" or "INVALID_FIELD")
        {
        }
        return stages;
    }

    static ConfigurationProblem Problem(SourceLocation location, string reason) => new(location.File, location.Line, 1, reason);

    /// <summary>Salesforce's field for a record's currency, in orgs with multi-currency on: an ISO code, like HubSpot's deal currency.</summary>
    public const string CurrencyField = "CurrencyIsoCode";

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Notice}")]
    static partial void LogCurrenciesUncovered(ILogger logger, string notice);

    [LoggerMessage(Level = LogLevel.Information, Message = "Created {Count} ABM properties on HubSpot {ObjectType}")]
    static partial void LogCreatedProperties(ILogger logger, int count, string objectType);
}

namespace AbmSync.Core.Mapping;

/// <summary>Which way a mapped field travels.</summary>
public enum SyncDirection { ToHubSpot, ToSalesforce, TwoWay, None }

/// <summary>Who wins when both sides changed a two-way field since the last sync.</summary>
public enum ConflictPolicy { SalesforceWins, HubSpotWins, LatestWins, PreferSalesforceUnlessBlank, PreferHubSpotUnlessBlank }

/// <summary>How a value is reshaped on its way between the systems.</summary>
public enum FieldTransform { None, Domain, Owner, Trim, Lower, Upper, Date, Link }

/// <summary>What happens to the twin when a record is deleted on one side.</summary>
public enum DeletePolicy { Unlink, Propagate, Ignore }

/// <summary>How a record finds its twin before anything is created.</summary>
/// <remarks>
/// <see cref="ConvertedLead"/>: a Salesforce contact made by converting a lead takes over the lead's twin (the lead's
/// <c>ConvertedContactId</c> names it), so the person stays one HubSpot contact.
/// </remarks>
public enum MatchKey { LinkedId, Domain, Email, Name, ConvertedLead }

/// <summary>A location in a mapping file, kept so that checks against the live schema can point at the line.</summary>
public sealed record SourceLocation(string File, int Line)
{
    public override string ToString() => $"{File}:{Line}";
}

/// <summary>One mapped field pair.</summary>
/// <param name="Pipelines">Per HubSpot pipeline, the value map of a pipelined field (a deal's stage); the first is the default.</param>
/// <param name="SalesforceDefault">
/// What Salesforce holds where HubSpot has nothing, for a field Salesforce requires (a Lead's LastName and Company):
/// HubSpot's blank travels to Salesforce as this value, and this value travels back to HubSpot as blank, so a record
/// created from HubSpot is neither refused nor given a made-up value on the HubSpot side.
/// </param>
/// <param name="WhenPresent">
/// The field takes part only where both live schemas have it (<c>whenPresent: true</c>): Salesforce's
/// <c>CurrencyIsoCode</c> exists only in orgs with multi-currency on. Where either side lacks it the pair syncs
/// without it; where both have it, it is checked and synced like any other field.
/// </param>
public sealed record FieldMapping(
    string Salesforce,
    string HubSpot,
    SyncDirection Direction,
    ConflictPolicy? Conflict,
    FieldTransform Transform,
    IReadOnlyDictionary<string, string>? Values,
    SourceLocation Location,
    string? LinkPair = null,
    string? SalesforceDefault = null,
    IReadOnlyList<PipelineValueMap>? Pipelines = null,
    bool WhenPresent = false)
{
    /// <summary>The HubSpot property that names a record's pipeline (deals): it chooses the value map of a pipelined field.</summary>
    public const string PipelineProperty = "pipeline";

    /// <summary>
    /// The field as it applies to a record in <paramref name="pipeline"/>: a pipelined field (a deal's stage) takes
    /// that pipeline's value map; a record with no pipeline yet (a create) the first listed.
    /// </summary>
    public FieldMapping InPipeline(string? pipeline) => Pipelines is not { Count: > 0 } maps
        ? this
        : this with { Values = (maps.FirstOrDefault(m => m.Pipeline == pipeline) ?? maps[0]).Values };

    /// <summary>
    /// A HubSpot name <c>associations.{objectType}</c> is not a property: it is the record's primary association to
    /// that object type, which travels with the parent's link (<see cref="FieldTransform.Link"/>).
    /// </summary>
    public bool IsAssociation => HubSpot.StartsWith(AssociationPrefix, StringComparison.Ordinal);

    public const string AssociationPrefix = "associations.";

    /// <summary>The value map's fallback for values it does not name (<c>"*"</c>), if any.</summary>
    public string? DefaultValue => Values is not null && Values.TryGetValue("*", out var v) ? v : null;

    public bool FlowsToHubSpot => Direction is SyncDirection.ToHubSpot or SyncDirection.TwoWay;
    public bool FlowsToSalesforce => Direction is SyncDirection.ToSalesforce or SyncDirection.TwoWay;
}

/// <summary>
/// One pipeline's value map of a pipelined field: Salesforce value → HubSpot stage id, in the order written. Several
/// Salesforce values may map to one stage; HubSpot → Salesforce then takes the first listed.
/// </summary>
public sealed record PipelineValueMap(string Pipeline, IReadOnlyDictionary<string, string> Values, SourceLocation Location);

/// <summary>A structured inclusion condition on one field (never raw SOQL or raw filter text).</summary>
public sealed record InclusionCondition(
    string Field,
    InclusionOperator Operator,
    IReadOnlyList<string> Values,
    SourceLocation Location);

public enum InclusionOperator { In, NotIn, Equals, NotEquals, IsNull, IsNotNull }

/// <summary>One mapping file: an object pair and how its records travel.</summary>
public sealed record ObjectMapping(
    int Version,
    string SalesforceObject,
    string HubSpotObject,
    IReadOnlyList<InclusionCondition> IncludeSalesforce,
    IReadOnlyList<InclusionCondition> IncludeHubSpot,
    IReadOnlyList<MatchKey> Match,
    DeletePolicy OnDelete,
    IReadOnlyList<FieldMapping> Fields,
    SourceLocation Location)
{
    /// <summary>What a Salesforce merge does to the losers' HubSpot twins (<c>onMerge</c>).</summary>
    public MergePolicy OnMerge { get; init; } = MergePolicy.MergeTwins;
}

/// <summary>
/// A Salesforce merge moves the link to the master. <see cref="MergeTwins"/> (the default) also merges each loser's
/// HubSpot twin into the master's, so HubSpot keeps one record as Salesforce does; <see cref="Unlink"/> leaves the
/// losers' twins in HubSpot as they are, no longer linked.
/// </summary>
public enum MergePolicy { MergeTwins, Unlink }

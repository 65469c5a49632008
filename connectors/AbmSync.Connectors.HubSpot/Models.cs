namespace AbmSync.Connectors.HubSpot;

/// <summary>
/// A CRM record: every property value is a string (or null), as HubSpot sends it. <see cref="History"/> is set only
/// when the read asked for propertiesWithHistory: per property, its versions newest first.
/// </summary>
public sealed record HubSpotObject(
    string Id,
    IReadOnlyDictionary<string, string?> Properties,
    DateTimeOffset? CreatedAt,
    DateTimeOffset? UpdatedAt,
    bool Archived,
    IReadOnlyDictionary<string, IReadOnlyList<HubSpotPropertyVersion>>? History = null)
{
    public string? this[string property] => Properties.TryGetValue(property, out var value) ? value : null;
}

/// <summary>
/// One version of a property from propertiesWithHistory. <see cref="SourceType"/> says what wrote it (INTEGRATION,
/// CRM_UI, IMPORT, ...); <see cref="SourceId"/> which app or user; <see cref="UpdatedByUserId"/> is set for a person's edit.
/// </summary>
public sealed record HubSpotPropertyVersion(
    string? Value,
    DateTimeOffset Timestamp,
    string? SourceType,
    string? SourceId,
    string? UpdatedByUserId);

/// <summary>One page of a list; <see cref="NextAfter"/> is null on the last page.</summary>
public sealed record HubSpotPage(IReadOnlyList<HubSpotObject> Results, string? NextAfter);

/// <summary>One page of a search; <see cref="Total"/> is HubSpot's count of all matches.</summary>
public sealed record HubSpotSearchPage(long Total, IReadOnlyList<HubSpotObject> Results, string? NextAfter);

/// <summary>Upsert input: <see cref="Id"/> is the value of the unique idProperty (e.g. a Salesforce id).</summary>
public sealed record HubSpotUpsertInput(string Id, IReadOnlyDictionary<string, string?> Properties);

/// <summary>Update input: <see cref="Id"/> is the HubSpot record id.</summary>
public sealed record HubSpotUpdateInput(string Id, IReadOnlyDictionary<string, string?> Properties);

/// <summary>
/// Create input. <see cref="TraceId"/> is sent as objectWriteTraceId, which opts the batch in to partial success (207)
/// and lets each result be matched to its input; when null the input's index in the call is used.
/// </summary>
public sealed record HubSpotCreateInput(
    IReadOnlyDictionary<string, string?> Properties,
    string? TraceId = null,
    IReadOnlyList<HubSpotAssociationToCreate>? Associations = null);

/// <summary>An association written together with a created record.</summary>
public sealed record HubSpotAssociationToCreate(string ToId, int AssociationTypeId, string AssociationCategory = "HUBSPOT_DEFINED");

/// <summary>A HubSpot error (StandardError): <see cref="Ids"/> are the inputs it concerns, when HubSpot says so.</summary>
public sealed record HubSpotError(string Category, string Message, string? SubCategory, IReadOnlyList<string> Ids, string? CorrelationId);

/// <summary>The outcome of one batch input. Exactly one of <see cref="Record"/>/<see cref="Error"/> is set, except for archive (neither on success).</summary>
public sealed record HubSpotRecordOutcome(string InputId, HubSpotObject? Record, bool? IsNew, HubSpotError? Error)
{
    public bool IsSuccess => Error is null;
}

/// <summary>Per-input outcomes of a batch call, in the same order as the inputs.</summary>
public sealed record HubSpotBatchResult(IReadOnlyList<HubSpotRecordOutcome> Outcomes)
{
    public IReadOnlyList<HubSpotRecordOutcome> Succeeded => [.. Outcomes.Where(o => o.Error is null)];

    public IReadOnlyList<HubSpotRecordOutcome> Failed => [.. Outcomes.Where(o => o.Error is not null)];
}

public sealed record HubSpotPropertyOption(string Label, string Value, int? DisplayOrder = null, bool Hidden = false, string? Description = null);

/// <summary>A property as HubSpot describes it.</summary>
public sealed record HubSpotProperty(
    string Name,
    string Label,
    string Type,
    string FieldType,
    string? GroupName,
    bool HasUniqueValue,
    bool HubSpotDefined,
    bool Calculated,
    bool ReadOnlyValue,
    bool Archived,
    IReadOnlyList<HubSpotPropertyOption> Options)
{
    /// <summary><c>OWNER</c> for a HubSpot-user property, whose values are owner ids (externalOptions).</summary>
    public string? ReferencedObjectType { get; init; }
}

/// <summary>A property to create (PropertyCreate). Type/FieldType pairs: string/text, number/number, enumeration/select, bool/booleancheckbox, datetime/date.</summary>
public sealed record HubSpotPropertyDefinition(
    string Name,
    string Label,
    string Type,
    string FieldType,
    string GroupName,
    string? Description = null,
    bool HasUniqueValue = false,
    IReadOnlyList<HubSpotPropertyOption>? Options = null,
    string? ReferencedObjectType = null)
{
    /// <summary>A HubSpot-user property (type enumeration, field type select): its values are owner ids.</summary>
    public static HubSpotPropertyDefinition Owner(string name, string label, string groupName, string? description = null) =>
        new(name, label, "enumeration", "select", groupName, description, ReferencedObjectType: "OWNER");
}

/// <summary>Result of a property batch create: what was created and what HubSpot refused.</summary>
public sealed record HubSpotPropertyCreateResult(IReadOnlyList<HubSpotProperty> Created, IReadOnlyList<HubSpotError> Errors);

public sealed record HubSpotPropertyGroup(string Name, string Label, int? DisplayOrder, bool Archived);

/// <summary>An owner: <see cref="Id"/> is what hubspot_owner_id holds.</summary>
public sealed record HubSpotOwner(string Id, string? Email, string? FirstName, string? LastName, long? UserId, bool Archived)
{
    /// <summary>The teams the owner belongs to (a routing pod can be a team).</summary>
    public IReadOnlyList<HubSpotTeam> Teams { get; init; } = [];
}

public sealed record HubSpotTeam(string Id, string Name, bool Primary);

public sealed record HubSpotFilter(
    string PropertyName,
    string Operator,
    string? Value = null,
    string? HighValue = null,
    IReadOnlyList<string>? Values = null);

public sealed record HubSpotFilterGroup(IReadOnlyList<HubSpotFilter> Filters);

public sealed record HubSpotSort(string PropertyName, string Direction = "ASCENDING");

/// <summary>A CRM search (POST .../search). HubSpot allows limit ≤ 200 and stops paging at 10,000 results.</summary>
public sealed record HubSpotSearchRequest(
    IReadOnlyList<HubSpotFilterGroup> FilterGroups,
    IReadOnlyList<HubSpotSort> Sorts,
    IReadOnlyCollection<string> Properties,
    string? After = null,
    int Limit = 200,
    string? Query = null);

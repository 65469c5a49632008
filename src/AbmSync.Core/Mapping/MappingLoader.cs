using YamlDotNet.RepresentationModel;

namespace AbmSync.Core.Mapping;

/// <summary>
/// Loads the object mapping files of <c>mappings/</c> strictly: unknown keys, bad values and duplicate targets stop
/// the program with <c>file:line: reason</c>. Checks against the live schemas (Salesforce describe, HubSpot
/// properties) happen later, in the worker, using the locations kept here.
/// </summary>
public static class MappingLoader
{
    public const int CurrentVersion = 1;

    static readonly Dictionary<string, SyncDirection> Directions = new(StringComparer.Ordinal)
    {
        ["to-hubspot"] = SyncDirection.ToHubSpot,
        ["to-salesforce"] = SyncDirection.ToSalesforce,
        ["two-way"] = SyncDirection.TwoWay,
        ["none"] = SyncDirection.None,
    };

    static readonly Dictionary<string, ConflictPolicy> Conflicts = new(StringComparer.Ordinal)
    {
        ["salesforce-wins"] = ConflictPolicy.SalesforceWins,
        ["hubspot-wins"] = ConflictPolicy.HubSpotWins,
        ["latest-wins"] = ConflictPolicy.LatestWins,
        ["prefer-salesforce-unless-blank"] = ConflictPolicy.PreferSalesforceUnlessBlank,
        ["prefer-hubspot-unless-blank"] = ConflictPolicy.PreferHubSpotUnlessBlank,
    };

    static readonly Dictionary<string, FieldTransform> Transforms = new(StringComparer.Ordinal)
    {
        ["domain"] = FieldTransform.Domain,
        ["owner"] = FieldTransform.Owner,
        ["trim"] = FieldTransform.Trim,
        ["lower"] = FieldTransform.Lower,
        ["upper"] = FieldTransform.Upper,
        ["date"] = FieldTransform.Date,
    };

    static readonly Dictionary<string, DeletePolicy> DeletePolicies = new(StringComparer.Ordinal)
    {
        ["unlink"] = DeletePolicy.Unlink,
        ["propagate"] = DeletePolicy.Propagate,
        ["ignore"] = DeletePolicy.Ignore,
    };

    static readonly Dictionary<string, MergePolicy> MergePolicies = new(StringComparer.Ordinal)
    {
        ["merge-twins"] = MergePolicy.MergeTwins,
        ["unlink"] = MergePolicy.Unlink,
    };

    static readonly Dictionary<string, MatchKey> MatchKeys = new(StringComparer.Ordinal)
    {
        ["linked-id"] = MatchKey.LinkedId,
        ["domain"] = MatchKey.Domain,
        ["email"] = MatchKey.Email,
        ["name"] = MatchKey.Name,
        ["converted-lead"] = MatchKey.ConvertedLead,
    };

    /// <summary>Pairs whose records another pair's field may point at (by their link).</summary>
    static readonly string[] LinkablePairs = ["accounts"];

    /// <summary>Object pairs this version of AbmSync can sync.</summary>
    static readonly Dictionary<string, string> Pairs = new(StringComparer.Ordinal)
    {
        ["Account"] = "companies",
        ["Contact"] = "contacts",
        ["Lead"] = "contacts",
        ["Opportunity"] = "deals",
    };

    public static ObjectMapping LoadFile(string path) => Load(path, File.ReadAllText(path));

    public static ObjectMapping Load(string file, string yaml)
    {
        var reader = new YamlNodeReader(file);
        var root = YamlNodeReader.Parse(file, yaml, reader);
        if (root is null)
        {
            reader.ThrowIfAny();
            throw new InvalidOperationException("unreachable: a failed parse reports a problem");
        }
        var top = reader.Entries(root, "the mapping file", "version", "pair", "include", "match", "onDelete", "onMerge", "fields");
        reader.Require(top, root, "the mapping file", "version", "pair", "fields");

        var version = reader.Int(top.GetValueOrDefault("version"), "version", 1, int.MaxValue);
        if (version > CurrentVersion)
        {
            reader.Error(top["version"], $"version {version} is newer than this AbmSync understands ({CurrentVersion}); upgrade AbmSync");
        }

        string? salesforceObject = null, hubSpotObject = null;
        if (reader.Mapping(top.GetValueOrDefault("pair"), "pair") is { } pair)
        {
            var p = reader.Entries(pair, "pair", "salesforce", "hubspot");
            reader.Require(p, pair, "pair", "salesforce", "hubspot");
            salesforceObject = reader.String(p.GetValueOrDefault("salesforce"), "pair.salesforce");
            hubSpotObject = reader.String(p.GetValueOrDefault("hubspot"), "pair.hubspot");
            if (salesforceObject is not null && hubSpotObject is not null)
            {
                if (!Pairs.TryGetValue(salesforceObject, out var expected))
                {
                    reader.Error(p["salesforce"], $"Salesforce object '{salesforceObject}' is not one AbmSync syncs; expected one of: {string.Join(", ", Pairs.Keys)}");
                }
                else if (expected != hubSpotObject)
                {
                    reader.Error(p["hubspot"], $"Salesforce {salesforceObject} pairs with HubSpot '{expected}', not '{hubSpotObject}'");
                }
            }
        }

        IReadOnlyList<InclusionCondition> includeSalesforce = [], includeHubSpot = [];
        if (reader.Mapping(top.GetValueOrDefault("include"), "include") is { } include)
        {
            var i = reader.Entries(include, "include", "salesforce", "hubspot");
            includeSalesforce = ReadConditions(reader, i.GetValueOrDefault("salesforce"), "include.salesforce");
            includeHubSpot = ReadConditions(reader, i.GetValueOrDefault("hubspot"), "include.hubspot");
        }

        var match = new List<MatchKey>();
        foreach (var item in reader.Sequence(top.GetValueOrDefault("match"), "match")?.Children ?? [])
        {
            if (reader.Enum(item, "match key", MatchKeys) is { } key)
            {
                if (match.Contains(key))
                {
                    reader.Error(item, $"match key '{((YamlScalarNode)item).Value}' is listed twice");
                }
                match.Add(key);
            }
        }
        if (match.Count == 0)
        {
            match.Add(MatchKey.LinkedId);
        }

        var onDelete = reader.Enum(top.GetValueOrDefault("onDelete"), "onDelete", DeletePolicies) ?? DeletePolicy.Unlink;
        var onMerge = reader.Enum(top.GetValueOrDefault("onMerge"), "onMerge", MergePolicies) ?? MergePolicy.MergeTwins;
        var fields = ReadFields(reader, top.GetValueOrDefault("fields"));

        reader.ThrowIfAny();
        return new ObjectMapping(
            version!.Value, salesforceObject!, hubSpotObject!, includeSalesforce, includeHubSpot, match, onDelete, fields,
            new SourceLocation(file, 1)) { OnMerge = onMerge };
    }

    static List<FieldMapping> ReadFields(YamlNodeReader reader, YamlNode? node)
    {
        var fields = new List<FieldMapping>();
        var salesforceTargets = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        var hubSpotTargets = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        var sequence = reader.Sequence(node, "fields");
        if (node is not null && sequence is { Children.Count: 0 })
        {
            reader.Error(node, "fields is empty: map at least one field");
        }
        foreach (var item in sequence?.Children ?? [])
        {
            if (reader.Mapping(item, "each item of fields") is not { } field)
            {
                continue;
            }
            var line = (int)field.Start.Line;
            var f = reader.Entries(field, "a field", "salesforce", "hubspot", "direction", "conflict", "transform", "values", "link", "default", "pipelines", "whenPresent");
            reader.Require(f, field, "a field", "salesforce", "hubspot", "direction");
            var salesforce = reader.String(f.GetValueOrDefault("salesforce"), "salesforce");
            var hubSpot = reader.String(f.GetValueOrDefault("hubspot"), "hubspot");
            var direction = reader.Enum(f.GetValueOrDefault("direction"), "direction", Directions);
            var conflict = reader.Enum(f.GetValueOrDefault("conflict"), "conflict", Conflicts);
            var transform = reader.Enum(f.GetValueOrDefault("transform"), "transform", Transforms) ?? FieldTransform.None;
            // link: PAIR — a reference to a record of another pair (a contact's AccountId), carried as that pair's link:
            // the Salesforce id on one side, its twin's id (or the primary association) on the other.
            var link = reader.String(f.GetValueOrDefault("link"), "link");
            if (link is not null)
            {
                if (!LinkablePairs.Contains(link))
                {
                    reader.Error(f["link"], $"link '{link}' is not a pair a field can link to; expected one of: {string.Join(", ", LinkablePairs)}");
                }
                if (f.ContainsKey("transform") || f.ContainsKey("values"))
                {
                    reader.Error(f["link"], "a linked field takes no transform or value map: its value is the linked record's id");
                }
                transform = FieldTransform.Link;
            }
            else if (hubSpot is not null && hubSpot.StartsWith(FieldMapping.AssociationPrefix, StringComparison.Ordinal))
            {
                reader.Error(f["hubspot"], $"'{hubSpot}' is an association, not a property: it needs 'link' (the pair whose records it points at)");
            }
            // default: TEXT — what Salesforce holds for "none" in a field it requires; HubSpot's blank travels as it.
            var salesforceDefault = reader.String(f.GetValueOrDefault("default"), "default");
            if (salesforceDefault is not null && (transform is FieldTransform.Link or FieldTransform.Owner || f.ContainsKey("values")
                || salesforceDefault.Trim().Length == 0 || direction is SyncDirection.ToHubSpot or SyncDirection.None))
            {
                reader.Error(f["default"], "default is the text Salesforce holds where HubSpot has none; it needs a field that flows to Salesforce, no blank, and no link, owner or value map");
            }
            // whenPresent: true — the field takes part only where both live schemas have it (Salesforce's
            // CurrencyIsoCode exists only in multi-currency orgs); elsewhere the pair syncs without it.
            var whenPresent = reader.Bool(f.GetValueOrDefault("whenPresent"), "whenPresent") ?? false;
            IReadOnlyDictionary<string, string>? values = null;
            if (reader.Mapping(f.GetValueOrDefault("values"), "values") is { } map)
            {
                var dict = new Dictionary<string, string>(StringComparer.Ordinal);
                foreach (var (k, v) in map.Children)
                {
                    var from = reader.String(k, "a value map key");
                    var to = v is YamlScalarNode { Value: { } s } ? s : null;
                    if (to is null)
                    {
                        reader.Error(v, "a value map entry must map to a text value");
                    }
                    else if (from is not null && !dict.TryAdd(from, to))
                    {
                        reader.Error(k, $"value '{from}' is mapped twice");
                    }
                }
                values = dict;
            }

            // pipelines: { PIPELINE: { SALESFORCE VALUE: STAGE ID, ... }, ... } — a deal's stage is one of its pipeline's.
            List<PipelineValueMap>? pipelines = null;
            if (reader.Mapping(f.GetValueOrDefault("pipelines"), "pipelines") is { } pipelineNodes)
            {
                pipelines = [];
                if (values is not null || transform != FieldTransform.None)
                {
                    reader.Error(f["pipelines"], "pipelines holds the value maps itself: it takes no values and no transform");
                }
                foreach (var (k, v) in pipelineNodes.Children)
                {
                    var pipelineId = reader.String(k, "a pipeline id");
                    var stages = new Dictionary<string, string>(StringComparer.Ordinal);
                    if (reader.Mapping(v, $"pipeline '{pipelineId}'") is { } stageNodes)
                    {
                        foreach (var (from, to) in stageNodes.Children)
                        {
                            var salesforceValue = reader.String(from, "a Salesforce value");
                            if (to is not YamlScalarNode { Value: { Length: > 0 } stage })
                            {
                                reader.Error(to, "a stage map entry must map to a HubSpot stage id");
                            }
                            else if (salesforceValue is not null && !stages.TryAdd(salesforceValue, stage))
                            {
                                reader.Error(from, $"value '{salesforceValue}' is mapped twice in pipeline '{pipelineId}'");
                            }
                        }
                    }
                    if (pipelineId is not null)
                    {
                        if (pipelines.Any(p => p.Pipeline == pipelineId))
                        {
                            reader.Error(k, $"pipeline '{pipelineId}' is listed twice");
                        }
                        pipelines.Add(new PipelineValueMap(pipelineId, stages, new SourceLocation(reader.File, (int)k.Start.Line)));
                    }
                }
                if (pipelines.Count == 0)
                {
                    reader.Error(f["pipelines"], "pipelines needs at least one pipeline");
                }
            }

            if (direction == SyncDirection.TwoWay && !f.ContainsKey("conflict"))
            {
                reader.Error(field, "a two-way field needs a conflict policy (conflict: salesforce-wins, hubspot-wins, latest-wins, prefer-salesforce-unless-blank or prefer-hubspot-unless-blank)");
            }
            if (direction is SyncDirection.ToHubSpot or SyncDirection.ToSalesforce or SyncDirection.None && conflict is not null)
            {
                reader.Error(f["conflict"], "conflict applies only to two-way fields");
            }
            if (values is not null && transform is not FieldTransform.None and not FieldTransform.Trim)
            {
                reader.Error(f["values"], $"a value map cannot be combined with transform '{transform.ToString().ToLowerInvariant()}'");
            }
            if (direction is not null && direction != SyncDirection.None)
            {
                if (salesforce is not null && direction is SyncDirection.ToSalesforce or SyncDirection.TwoWay
                    && !salesforceTargets.TryAdd(salesforce, line))
                {
                    reader.Error(f["salesforce"], $"Salesforce field '{salesforce}' is already written by the mapping on line {salesforceTargets[salesforce]}");
                }
                if (hubSpot is not null && direction is SyncDirection.ToHubSpot or SyncDirection.TwoWay
                    && !hubSpotTargets.TryAdd(hubSpot, line))
                {
                    reader.Error(f["hubspot"], $"HubSpot property '{hubSpot}' is already written by the mapping on line {hubSpotTargets[hubSpot]}");
                }
            }
            if (salesforce is not null && hubSpot is not null && direction is not null)
            {
                fields.Add(new FieldMapping(salesforce, hubSpot, direction.Value, conflict, transform, values, new SourceLocation(reader.File, line), link, salesforceDefault, pipelines, whenPresent));
            }
        }
        return fields;
    }

    static List<InclusionCondition> ReadConditions(YamlNodeReader reader, YamlNode? node, string what)
    {
        var conditions = new List<InclusionCondition>();
        foreach (var item in reader.Sequence(node, what)?.Children ?? [])
        {
            if (reader.Mapping(item, $"each item of {what}") is not { } condition)
            {
                continue;
            }
            var c = reader.Entries(condition, $"a condition of {what}", "field", "in", "notIn", "equals", "notEquals", "isNull");
            reader.Require(c, condition, $"a condition of {what}", "field");
            var field = reader.String(c.GetValueOrDefault("field"), "field");
            var operators = c.Keys.Where(k => k != "field").ToList();
            if (operators.Count != 1)
            {
                reader.Error(condition, "a condition needs exactly one of: in, notIn, equals, notEquals, isNull");
                continue;
            }
            var op = operators[0];
            var valueNode = c[op];
            (InclusionOperator, IReadOnlyList<string>)? parsed = op switch
            {
                "in" => (InclusionOperator.In, NonEmpty(reader, valueNode, "in")),
                "notIn" => (InclusionOperator.NotIn, NonEmpty(reader, valueNode, "notIn")),
                "equals" => reader.String(valueNode, "equals") is { } eq ? (InclusionOperator.Equals, [eq]) : null,
                "notEquals" => reader.String(valueNode, "notEquals") is { } ne ? (InclusionOperator.NotEquals, [ne]) : null,
                _ => (valueNode as YamlScalarNode)?.Value switch
                {
                    "true" => (InclusionOperator.IsNull, []),
                    "false" => (InclusionOperator.IsNotNull, []),
                    _ => Invalid(reader, valueNode, "isNull must be true or false"),
                },
            };
            if (field is not null && parsed is { } p)
            {
                conditions.Add(new InclusionCondition(field, p.Item1, p.Item2, new SourceLocation(reader.File, (int)condition.Start.Line)));
            }
        }
        return conditions;
    }

    static IReadOnlyList<string> NonEmpty(YamlNodeReader reader, YamlNode node, string what)
    {
        var list = reader.StringList(node, what);
        if (list.Count == 0 && node is YamlSequenceNode)
        {
            reader.Error(node, $"{what} needs at least one value");
        }
        return list;
    }

    static (InclusionOperator, IReadOnlyList<string>)? Invalid(YamlNodeReader reader, YamlNode node, string reason)
    {
        reader.Error(node, reason);
        return null;
    }
}

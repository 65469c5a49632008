using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace AbmSync.Sandbox.Salesforce;

public enum DmlOp { Create, Update, Upsert, Delete }

/// <summary>The outcome of one record in a DML call (SaveResult, UpsertResult, DeleteResult).</summary>
public sealed record SaveResult(string? Id, IReadOnlyList<SfError> Errors, bool? Created = null)
{
    public bool Success => Errors.Count == 0;

    public static SaveResult Fail(string? id, string statusCode, string message, params string[] fields) =>
        new(id, [new SfError(statusCode, message, fields)]);

    /// <summary>The record <paramref name="id"/> (null for a create) could not be saved: another transaction holds row <paramref name="row"/>.</summary>
    public static SaveResult RowLocked(string? id, string row) =>
        Fail(id, "UNABLE_TO_LOCK_ROW", $"unable to obtain exclusive access to this record or 1 records: {row}");

    public JsonObject ToJson(bool upsert)
    {
        var json = new JsonObject();
        if (Id is not null)
        {
            json["id"] = Id;
        }
        json["success"] = Success;
        json["errors"] = new JsonArray([.. Errors.Select(e => (JsonNode)e.ToJson())]);
        if (upsert)
        {
            json["created"] = Created ?? false;
        }
        return json;
    }
}

/// <summary>A lookup given by the parent's external id (<c>"Account": {"ABM_HubSpot_Id__c": "42"}</c>), resolved at write time.</summary>
public sealed record ExternalRef(string KeyField, string Value);

/// <summary>A record's field values as the caller sent them, already converted to the field types.</summary>
public sealed record RecordInput(SfObject Type, string? Id, IReadOnlyDictionary<SfField, object?> Values);

/// <summary>
/// Writes: JSON conversion (whose failures fail the whole request, as deserialization does in the real API) and
/// per-record validation and application (whose failures are per-record results). Callers hold the store's gate.
/// </summary>
public sealed class Dml(OrgStore store, Func<double>? lockFault = null, Func<string, UserAccess>? accessOf = null,
    OrgRules.LeadAssignmentRule? leadAssignment = null)
{
    readonly System.Collections.Concurrent.ConcurrentQueue<string> injectedLocks = new();

    /// <summary>Every record the injected lock fault refused, once per refusal, in order: tests check what became of them.</summary>
    public IReadOnlyList<string> InjectedLocks => [.. injectedLocks];

    /// <summary>
    /// Converts one JSON record; unknown fields and unconvertible values throw <see cref="SfRequestException"/>. A field
    /// <paramref name="access"/> cannot read is unknown to its user, as the deserializer of the real API has it.
    /// </summary>
    public static RecordInput Parse(SfObject type, JsonObject json, bool allowId, UserAccess? access = null)
    {
        access ??= UserAccess.Full;
        string? id = null;
        var values = new Dictionary<SfField, object?>();
        foreach (var (key, node) in json)
        {
            if (key == "attributes")
            {
                continue;
            }
            if (string.Equals(key, "Id", StringComparison.OrdinalIgnoreCase))
            {
                if (!allowId)
                {
                    throw new SfRequestException(400, "INVALID_FIELD", $"Unable to create/update fields: Id. Please check the security settings of this field and verify that it is read/write for your profile or permission set.", ["Id"]);
                }
                id = node is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;
                continue;
            }
            if (type.Relationship(key) is { } lookup && access.CanRead(type, lookup) && node is JsonObject parent)
            {
                var keys = parent.Where(p => p.Key != "attributes").ToList();
                if (keys.Count != 1 || keys[0].Value is not JsonValue keyValue)
                {
                    throw new SfRequestException(400, "INVALID_FIELD", $"A reference to {key} must name exactly one external id field and its value");
                }
                values[lookup] = new ExternalRef(keys[0].Key, keyValue.GetValueKind() == JsonValueKind.String ? keyValue.GetValue<string>() : keyValue.ToJsonString());
                continue;
            }
            var field = type.Field(key) is { } known && access.CanRead(type, known)
                ? known
                : throw new SfRequestException(400, "INVALID_FIELD", $"No such column '{key}' on sobject of type {type.Name}");
            values[field] = Convert(field, node);
        }
        return new RecordInput(type, id, values);
    }

    static object? Convert(SfField field, JsonNode? node)
    {
        if (node is null)
        {
            return null;
        }
        if (node is not JsonValue value)
        {
            throw ParserError(field, node.GetValueKind() == JsonValueKind.Array ? "START_ARRAY" : "START_OBJECT", node.ToJsonString());
        }
        var kind = value.GetValueKind();
        var text = kind == JsonValueKind.String ? value.GetValue<string>() : value.ToJsonString();
        var token = kind switch { JsonValueKind.String => "VALUE_STRING", JsonValueKind.Number => "VALUE_NUMBER_INT", _ => "VALUE_" + kind.ToString().ToUpperInvariant() };
        switch (field.Type)
        {
            case SfType.Boolean:
                if (kind is JsonValueKind.True or JsonValueKind.False)
                {
                    return kind == JsonValueKind.True;
                }
                if (kind == JsonValueKind.String && bool.TryParse(text, out var b))
                {
                    return b;
                }
                throw ParserError(field, token, text);
            case SfType.Int or SfType.Double or SfType.Currency or SfType.Percent:
                if (kind is JsonValueKind.Number or JsonValueKind.String
                    && decimal.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var d))
                {
                    return d;
                }
                throw ParserError(field, token, text);
            case SfType.Date:
                if (kind == JsonValueKind.String && DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
                {
                    return date;
                }
                throw ParserError(field, token, text);
            case SfType.DateTime:
                if (kind == JsonValueKind.String && ParseDateTime(text) is { } stamp)
                {
                    return stamp;
                }
                throw ParserError(field, token, text);
            default:
                // Text fields take any scalar; Salesforce stores its text.
                return kind switch
                {
                    JsonValueKind.String => text,
                    JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False => text,
                    _ => throw ParserError(field, token, text),
                };
        }
    }

    static readonly string[] DateTimeForms =
    [
        "yyyy-MM-dd'T'HH:mm:ss.FFFFFFFK", "yyyy-MM-dd'T'HH:mm:ssK", "yyyy-MM-dd'T'HH:mm:ss.FFFFFFFzzz", "yyyy-MM-dd'T'HH:mm:ss.FFFzz'00'",
    ];

    /// <summary>ISO-8601 as the REST API accepts it: Z, +hh:mm or +hhmm offsets, optional fraction.</summary>
    public static DateTimeOffset? ParseDateTime(string text)
    {
        var normalized = text;
        // "+0000" has no colon; .NET's zzz wants one.
        if (text.Length > 5 && (text[^5] == '+' || text[^5] == '-') && text[^4..].All(char.IsAsciiDigit))
        {
            normalized = text[..^2] + ":" + text[^2..];
        }
        return DateTimeOffset.TryParseExact(normalized, DateTimeForms, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var value)
            ? value.ToUniversalTime()
            : null;
    }

    static SfRequestException ParserError(SfField field, string token, string text) => new(400, "JSON_PARSER_ERROR",
        $"Cannot deserialize instance of {field.SoapTypeName} from {token} value {text} or request may be missing a required field");

    /// <summary>Creates, updates or deletes one record, or answers why not. Changes are recorded in <paramref name="undo"/>.</summary>
    /// <param name="allowDuplicates">The caller sent <c>Sforce-Duplicate-Rule-Header: allowSave=true</c>.</param>
    /// <param name="autoAssign">
    /// Run the active assignment rule on a Lead saved: REST writes do unless <c>Sforce-Auto-Assign: FALSE</c>; Bulk API
    /// 2.0 ingest does not (it would need the job's assignmentRuleId, which the sandbox does not serve).
    /// </param>
    public SaveResult Save(DmlOp op, RecordInput input, SfRecord? target, string userId, List<(SfRecord Record, object?[]? Before)> undo,
        bool allowDuplicates = false, bool autoAssign = false)
    {
        var type = input.Type;
        var access = accessOf?.Invoke(userId) ?? UserAccess.Full;
        if (lockFault is not null && target is not null && lockFault() > 0)
        {
            // Injected contention, as another transaction holding the row would cause.
            injectedLocks.Enqueue(target.Id);
            return SaveResult.RowLocked(target.Id, target.Id);
        }
        if (!type.Writable)
        {
            return SaveResult.Fail(target?.Id, "INSUFFICIENT_ACCESS_OR_READONLY", "insufficient access rights on object id");
        }
        if (target is not null)
        {
            if (target.IsDeleted)
            {
                return SaveResult.Fail(target.Id, "ENTITY_IS_DELETED", "entity is deleted");
            }
            if (target["IsConverted"] is true && op != DmlOp.Delete)
            {
                return SaveResult.Fail(target.Id, "CANNOT_UPDATE_CONVERTED_LEAD", "cannot reference converted lead");
            }
        }
        if (ObjectRefusal(op, type, target, access) is { } refused)
        {
            return refused;
        }
        if (op == DmlOp.Delete)
        {
            undo.Add((target!, target!.Snapshot()));
            Stamp(target, userId);
            target["IsDeleted"] = true;
            target.DeletedAt = target["SystemModstamp"] as DateTimeOffset?;
            return new SaveResult(target.Id, []);
        }

        var creating = target is null;
        // The schema's createable/updateable and the user's field-level security, which describe reports together.
        var readOnly = input.Values.Keys.Where(f => creating ? !access.CanCreate(type, f) : !access.CanUpdate(type, f)).Select(f => f.Name).ToArray();
        if (readOnly.Length > 0)
        {
            return SaveResult.Fail(target?.Id, "INVALID_FIELD_FOR_INSERT_UPDATE",
                $"Unable to create/update fields: {string.Join(", ", readOnly)}. Please check the security settings of this field and verify that it is read/write for your profile or permission set.",
                readOnly);
        }
        var missing = type.Fields.Where(f => f.Required && (creating ? input.Values.GetValueOrDefault(f) is null : input.Values.TryGetValue(f, out var v) && v is null))
            .Select(f => f.Name).ToArray();
        if (missing.Length > 0)
        {
            return SaveResult.Fail(target?.Id, "REQUIRED_FIELD_MISSING", $"Required fields are missing: [{string.Join(", ", missing)}]", missing);
        }
        var values = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var (field, raw) in input.Values)
        {
            var (value, error) = Check(type, field, raw, target);
            if (error is not null)
            {
                return new SaveResult(target?.Id, [error]);
            }
            values[field.Name] = value;
        }
        if (!creating && values.TryGetValue("OwnerId", out var newOwner) && newOwner is string owner && owner != target!["OwnerId"] as string
            && target["OwnerId"] as string != userId && !access.CanTransfer(type))
        {
            // Changing the owner of someone else's record is a transfer: the Transfer Record permission (Transfer Leads for a lead).
            return SaveResult.Fail(target.Id, "INSUFFICIENT_ACCESS_OR_READONLY", "insufficient access rights on object id", ["OwnerId"]);
        }
        // The order of the save: system validation (above), then the org's validation rules, then its duplicate rules.
        if (OrgRules.Validate(type, values, target) is { } invalid)
        {
            return new SaveResult(target?.Id, [invalid]);
        }
        if (OrgRules.FindDuplicates(store, type, values, target, creating) is { Count: > 0 } duplicates && !allowDuplicates)
        {
            return new SaveResult(target?.Id, [OrgRules.DuplicateError(type, duplicates)]);
        }

        var record = target ?? store.Add(type);
        var before = creating ? null : record.Snapshot();
        undo.Add((record, before));
        if (creating)
        {
            foreach (var field in type.Fields)
            {
                record[field.Name] = field.Type == SfType.Boolean ? false : null;
            }
            record["Id"] = record.Id;
            record["CreatedDate"] = null;
            record["CreatedById"] = userId;
            if (type.Field("OwnerId") is not null)
            {
                record["OwnerId"] = userId;
            }
            if (type.Name == "Lead")
            {
                record["Status"] = SfSchema.LeadStatuses[0];
            }
            foreach (var field in type.Fields.Where(f => f.DefaultPicklistValue is not null))
            {
                record[field.Name] = field.DefaultPicklistValue;
            }
        }
        foreach (var (name, value) in values)
        {
            record[name] = value;
        }
        if (autoAssign && leadAssignment is not null && type.Name == "Lead")
        {
            // Assignment rules run after the save's validation, so an owner the request names is checked and then
            // replaced: the rule decides, whatever OwnerId the caller sent.
            record["OwnerId"] = leadAssignment.QueueId;
        }
        Derive(record);
        var stamp = Stamp(record, userId);
        if (creating)
        {
            record["CreatedDate"] = record["SystemModstamp"];
        }
        Track(record, before, userId, stamp, undo);
        KeepOnePrimary(record, userId, stamp, undo);
        return new SaveResult(record.Id, [], creating);
    }

    /// <summary>
    /// "Each Opportunity has only one primary contact" (OpportunityContactRole.IsPrimary): a role saved as primary
    /// takes the flag from the opportunity's other roles, which are saved with it (one transaction, one stamp).
    /// </summary>
    void KeepOnePrimary(SfRecord record, string userId, DateTimeOffset stamp, List<(SfRecord Record, object?[]? Before)> undo)
    {
        if (record.Type.Name != "OpportunityContactRole" || record["IsPrimary"] is not true || record["OpportunityId"] is not string opportunityId)
        {
            return;
        }
        foreach (var other in store.WithValue(record.Type, record.Type.Field("OpportunityId")!, opportunityId).Where(r => r != record && r["IsPrimary"] is true).ToList())
        {
            undo.Add((other, other.Snapshot()));
            other["IsPrimary"] = false;
            other["SystemModstamp"] = stamp;
            other["LastModifiedDate"] = stamp;
            other["LastModifiedById"] = userId;
        }
    }

    /// <summary>
    /// A change the platform makes itself, past the checks a caller's save meets (read-only fields, a converted lead):
    /// lead conversion marks the lead. Stamped, tracked and undoable like any save.
    /// </summary>
    public void SystemUpdate(SfRecord record, IReadOnlyDictionary<string, object?> values, string userId, List<(SfRecord Record, object?[]? Before)> undo)
    {
        var before = record.Snapshot();
        undo.Add((record, before));
        foreach (var (name, value) in values)
        {
            record[name] = value;
        }
        Derive(record);
        var stamp = Stamp(record, userId);
        if (values.TryGetValue("IsDeleted", out var deleted))
        {
            record.DeletedAt = deleted is true ? record["SystemModstamp"] as DateTimeOffset? : null;
        }
        Track(record, before, userId, stamp, undo);
    }

    /// <summary>Object permissions: create, edit and delete each need their own grant.</summary>
    static SaveResult? ObjectRefusal(DmlOp op, SfObject type, SfRecord? target, UserAccess access) => op switch
    {
        DmlOp.Delete when !access.CanDelete(type) => SaveResult.Fail(target?.Id, "INSUFFICIENT_ACCESS_OR_READONLY", "insufficient access rights on object id"),
        _ when op != DmlOp.Delete && target is null && !access.CanCreate(type) =>
            SaveResult.Fail(null, "INSUFFICIENT_ACCESS_OR_READONLY", $"entity type cannot be inserted: {type.Name}"),
        _ when op != DmlOp.Delete && target is not null && !access.CanEdit(type) =>
            SaveResult.Fail(target.Id, "INSUFFICIENT_ACCESS_OR_READONLY", $"entity type cannot be updated: {type.Name}"),
        _ => null,
    };

    DateTimeOffset? transactionStamp;

    /// <summary>
    /// One transaction of several records (an sObject Collections call, a Bulk API internal batch): Salesforce stamps
    /// every record saved in it with the same SystemModstamp, which is why incremental readers must page ties by Id.
    /// Callers hold the store's gate, so one transaction runs at a time.
    /// </summary>
    public IDisposable Transaction()
    {
        transactionStamp = store.NextStamp();
        return new EndTransaction(this);
    }

    sealed class EndTransaction(Dml dml) : IDisposable
    {
        public void Dispose() => dml.transactionStamp = null;
    }

    DateTimeOffset Stamp(SfRecord record, string userId)
    {
        var stamp = transactionStamp ?? store.NextStamp();
        record["SystemModstamp"] = stamp;
        record["LastModifiedDate"] = stamp;
        record["LastModifiedById"] = userId;
        return stamp;
    }

    /// <summary>
    /// Field history, as an org with Track Field History on records it: a "created" row for a new record, else one row
    /// per tracked field whose value changed (an update that changes nothing tracked adds none), stamped like the
    /// record and by the same user. A lookup change (Owner) adds two rows, one with the users' names and one with their
    /// ids, as the platform does. The rows join <paramref name="undo"/> so that an allOrNone rollback takes them back.
    /// </summary>
    void Track(SfRecord record, object?[]? before, string userId, DateTimeOffset stamp, List<(SfRecord Record, object?[]? Before)> undo)
    {
        var type = record.Type;
        if (type.History is not { } history)
        {
            return;
        }
        if (before is null)
        {
            AddHistory(history, record, SfSchema.CreatedHistoryField, null, null, null, userId, stamp, undo);
            return;
        }
        foreach (var name in type.TrackedFields)
        {
            var field = type.Field(name)!;
            var (old, now) = (before[type.IndexOf(field.Name)], record[field.Name]);
            if (Equals(old, now))
            {
                continue;
            }
            var historyName = SfSchema.HistoryFieldName(type, field);
            if (field.Type == SfType.Reference)
            {
                AddHistory(history, record, historyName, "Text", NameOf(old), NameOf(now), userId, stamp, undo);
            }
            AddHistory(history, record, historyName, SfSchema.HistoryDataType(field), old, now, userId, stamp, undo);
        }
    }

    string? NameOf(object? id) => store.Get(id as string)?["Name"] as string;

    void AddHistory(SfObject history, SfRecord parent, string field, string? dataType, object? old, object? now, string userId, DateTimeOffset stamp,
        List<(SfRecord Record, object?[]? Before)> undo)
    {
        var row = store.Add(history);
        row["Id"] = row.Id;
        row["IsDeleted"] = false;
        row[parent.Type.Name + "Id"] = parent.Id;
        row["CreatedById"] = userId;
        row["CreatedDate"] = stamp;
        row["Field"] = field;
        row["DataType"] = dataType;
        // anyType values keep their field's type, so the JSON answer has numbers as numbers; text is cut at 255.
        row["OldValue"] = old is string o && o.Length > 255 ? o[..255] : old;
        row["NewValue"] = now is string n && n.Length > 255 ? n[..255] : now;
        undo.Add((row, null));
    }

    /// <summary>Fields the platform computes: full names, and the opportunity stage's facts.</summary>
    public static void Derive(SfRecord record)
    {
        if (record.Type.Field("FirstName") is not null && record.Type.Field("Name") is { Createable: false })
        {
            var first = record["FirstName"] as string;
            record["Name"] = string.IsNullOrEmpty(first) ? record["LastName"] : $"{first} {record["LastName"]}";
        }
        if (record.Type.Name == "Opportunity" && record["StageName"] is string stage)
        {
            var facts = SfSchema.StageFacts(stage);
            record["IsClosed"] = facts.IsClosed;
            record["IsWon"] = facts.IsWon;
            record["ForecastCategoryName"] = facts.Forecast;
            record["Probability"] ??= (decimal)facts.Probability;
        }
    }

    (object? Value, SfError? Error) Check(SfObject type, SfField field, object? value, SfRecord? target)
    {
        if (value is null)
        {
            return field.Type == SfType.Boolean
                ? (null, new SfError("INVALID_TYPE_ON_FIELD_IN_RECORD", $"{field.Label}: value not of required type: null", [field.Name]))
                // A restricted picklist that is never null (a record's CurrencyIsoCode) refuses null as it refuses a bad value.
                : field is { RestrictedPicklist: true, Nillable: false }
                    ? (null, new SfError("INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST", $"{field.Label}: bad value for restricted picklist field: null", [field.Name]))
                    : (null, null);
        }
        switch (field.Type)
        {
            case SfType.String or SfType.Textarea or SfType.Email or SfType.Url or SfType.Phone or SfType.Picklist:
                // The platform trims an email address before it checks and stores it.
                var text = field.Type == SfType.Email ? ((string)value).Trim() : (string)value;
                if (field.Length > 0 && text.Length > field.Length)
                {
                    return (null, new SfError("STRING_TOO_LONG", $"{field.Label}: data value too large: {text} (max length={field.Length})", [field.Name]));
                }
                if (field.Type == SfType.Email && text.Length > 0 && !LooksLikeEmail(text))
                {
                    return (null, new SfError("INVALID_EMAIL_ADDRESS", $"{field.Label}: invalid email address: {text}", [field.Name]));
                }
                if (field.RestrictedPicklist && !field.PicklistValues.Contains(text, StringComparer.Ordinal))
                {
                    return (null, new SfError("INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST", $"{field.Label}: bad value for restricted picklist field: {text}", [field.Name]));
                }
                if (text.Length == 0)
                {
                    // The API stores an empty string as null.
                    return (null, null);
                }
                if (field.Unique && FindUnique(type, field, text, target) is { } other)
                {
                    return (null, new SfError("DUPLICATE_VALUE", $"duplicate value found: {field.Name} duplicates value on record with id: {other.Id}", [field.Name]));
                }
                return (text, null);
            case SfType.Int or SfType.Double or SfType.Currency or SfType.Percent:
                var number = Math.Round((decimal)value, field.Type == SfType.Int ? 0 : field.Scale, MidpointRounding.AwayFromZero);
                var integerDigits = field.Precision - (field.Type == SfType.Int ? 0 : field.Scale);
                if (field.Precision > 0 && Math.Abs(Math.Truncate(number)) >= Pow10(integerDigits))
                {
                    return (null, new SfError("NUMBER_OUTSIDE_VALID_RANGE", $"{field.Label}: value outside of valid range on numeric field: {value}", [field.Name]));
                }
                return (number, null);
            case SfType.Reference when value is ExternalRef reference:
                var parentType = store.Schema.Target(field);
                var keyField = parentType?.Field(reference.KeyField);
                if (parentType is null || keyField is null || (!keyField.ExternalId && keyField.Type != SfType.Id))
                {
                    return (null, new SfError("INVALID_FIELD", $"Field {reference.KeyField} is not an external id field of {parentType?.Name}", [field.Name]));
                }
                var parents = MatchExternalId(parentType, keyField, reference.Value);
                if (parents.Count == 0)
                {
                    return (null, new SfError("INVALID_FIELD", $"Foreign key external ID: {reference.Value} not found for field {keyField.Name} in entity {parentType.Name}", [field.Name]));
                }
                if (parents.Count > 1)
                {
                    return (null, new SfError("DUPLICATE_EXTERNAL_ID", $"Foreign key external ID: {reference.Value} matches more than one {parentType.Name}: [{string.Join(", ", parents.Select(p => p.Id))}]", [field.Name]));
                }
                return Check(type, field, parents[0].Id, target);
            case SfType.Reference:
                var id = SalesforceId.Normalize((string)value);
                if (id is null)
                {
                    return (null, new SfError("MALFORMED_ID", $"{field.Label}: id value of incorrect type: {value}", [field.Name]));
                }
                var referenced = store.Get(id);
                var prefixOk = field.ReferenceTo.Any(t => store.Schema.Find(t)?.KeyPrefix is { } p && id.StartsWith(p, StringComparison.Ordinal));
                if (!prefixOk)
                {
                    return (null, new SfError("FIELD_INTEGRITY_EXCEPTION", $"{field.Label}: id value of incorrect type: {value}", [field.Name]));
                }
                if (referenced is null || referenced.IsDeleted)
                {
                    return (null, new SfError("INVALID_CROSS_REFERENCE_KEY", $"invalid cross reference id", [field.Name]));
                }
                if (field.Name == "OwnerId" && referenced["IsActive"] is false)
                {
                    return (null, new SfError("INVALID_CROSS_REFERENCE_KEY", $"operation performed with inactive user [{id}] as owner of {type.Name.ToLowerInvariant()}", [field.Name]));
                }
                return (id, null);
            default:
                return (value, null);
        }
    }

    static decimal Pow10(int digits)
    {
        var result = 1m;
        for (var i = 0; i < digits; i++)
        {
            result *= 10;
        }
        return result;
    }

    static bool LooksLikeEmail(string text)
    {
        var at = text.IndexOf('@', StringComparison.Ordinal);
        return at > 0 && at == text.LastIndexOf('@') && text.IndexOf('.', at) > at + 1 && !text.EndsWith('.') && !text.Any(char.IsWhiteSpace);
    }

    SfRecord? FindUnique(SfObject type, SfField field, string value, SfRecord? except) =>
        store.WithValue(type, field, value).FirstOrDefault(r => r != except);

    /// <summary>Records whose external id field equals <paramref name="value"/> (case-insensitive, as our text external ids are).</summary>
    public IReadOnlyList<SfRecord> MatchExternalId(SfObject type, SfField field, string value)
    {
        if (field.Name == "Id")
        {
            return store.Get(value) is { } r && r.Type == type && !r.IsDeleted ? [r] : [];
        }
        return [.. store.WithValue(type, field, value)];
    }

    /// <summary>Restores the store after a rolled-back allOrNone call.</summary>
    public void Rollback(List<(SfRecord Record, object?[]? Before)> undo)
    {
        for (var i = undo.Count - 1; i >= 0; i--)
        {
            var (record, before) = undo[i];
            if (before is null)
            {
                store.Remove(record);
            }
            else
            {
                record.Restore(before);
            }
        }
    }
}

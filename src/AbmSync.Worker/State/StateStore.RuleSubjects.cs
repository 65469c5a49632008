using System.Data.Common;
using System.Text.Json;
using Dapper;

namespace AbmSync.Worker.State;

/// <summary>One record as the rules last read it: its pair (or "users"), its Salesforce id and the fields the rules read.</summary>
public sealed record RuleSubjectRow(string Object, string RecordId, IReadOnlyDictionary<string, string?> Fields);

public sealed partial class StateStore
{
    /// <summary>The <see cref="RuleSubjectRow.Object"/> of the Salesforce users routing reads (role field, teams).</summary>
    public const string UsersSubject = "users";

    /// <summary>Stores rows of the rules' snapshot outside a page (the users' roster; a benchmark's snapshot), replacing older ones.</summary>
    public async Task SaveRuleSubjectsAsync(IReadOnlyList<RuleSubjectRow> rows, long? runId = null)
    {
        if (rows.Count == 0)
        {
            return;
        }
        await using var connection = Open();
        await using var transaction = await connection.BeginTransactionAsync();
        await UpsertRuleSubjectsAsync(connection, transaction, rows, [], runId, Text(time.GetUtcNow()));
        await transaction.CommitAsync();
    }

    /// <summary>Replaces every row of <paramref name="object"/> with <paramref name="rows"/> (the users' roster, read whole).</summary>
    public async Task ReplaceRuleSubjectsAsync(string @object, IReadOnlyList<RuleSubjectRow> rows, long? runId = null)
    {
        await using var connection = Open();
        await using var transaction = await connection.BeginTransactionAsync();
        await connection.ExecuteAsync("DELETE FROM rule_subject WHERE object = @object", new { @object }, transaction);
        await UpsertRuleSubjectsAsync(connection, transaction, rows, [], runId, Text(time.GetUtcNow()));
        await transaction.CommitAsync();
    }

    static async Task UpsertRuleSubjectsAsync(DbConnection connection, DbTransaction transaction, IReadOnlyList<RuleSubjectRow> rows,
        IReadOnlyList<(string Object, string RecordId)> gone, long? runId, string now)
    {
        if (rows.Count > 0)
        {
            // One prepared command for the page: a first sync stores tens of thousands of rows.
            await using var command = connection.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = """
                INSERT INTO rule_subject (object, record_id, fields, run_id, read_at) VALUES (@object, @record, @fields, @run, @now)
                ON CONFLICT (object, record_id) DO UPDATE SET fields = excluded.fields, run_id = excluded.run_id, read_at = excluded.read_at
                """;
            var objectParameter = Parameter(command, "object");
            var recordParameter = Parameter(command, "record");
            var fieldsParameter = Parameter(command, "fields");
            var runParameter = Parameter(command, "run");
            var nowParameter = Parameter(command, "now");
            runParameter.Value = runId is { } r ? r : DBNull.Value;
            nowParameter.Value = now;
            foreach (var row in rows)
            {
                objectParameter.Value = row.Object;
                recordParameter.Value = row.RecordId;
                fieldsParameter.Value = JsonSerializer.Serialize(row.Fields);
                await command.ExecuteNonQueryAsync();
            }
        }
        foreach (var (@object, recordId) in gone)
        {
            await connection.ExecuteAsync("DELETE FROM rule_subject WHERE object = @object AND record_id = @recordId", new { @object, recordId }, transaction);
        }
    }

    static DbParameter Parameter(DbCommand command, string name)
    {
        var p = command.CreateParameter();
        p.ParameterName = "@" + name;
        command.Parameters.Add(p);
        return p;
    }

    /// <summary>Every row of one object's snapshot, streamed in record id order (a million accounts never sit in a list twice).</summary>
    public async IAsyncEnumerable<RuleSubjectRow> RuleSubjectsAsync(string @object)
    {
        await using var connection = Open();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT record_id, fields FROM rule_subject WHERE object = @object ORDER BY record_id";
        Parameter(command, "object").Value = @object;
        await using var reader = await command.ExecuteReaderAsync();
        var names = new Dictionary<string, string>(StringComparer.Ordinal);
        while (await reader.ReadAsync())
        {
            yield return new RuleSubjectRow(@object, reader.GetString(0), Fields(reader.GetString(1), names));
        }
    }

    /// <summary>
    /// A row's fields, as JsonSerializer reads them into a dictionary (the last of a repeated name wins, a value that
    /// is neither text nor null is an error), with each field name one string for the whole stream: every row
    /// names the same fields, and ten million rows would otherwise carry ten million copies of each.
    /// </summary>
    static Dictionary<string, string?> Fields(string json, Dictionary<string, string> names)
    {
        var fields = new Dictionary<string, string?>();
        var reader = new Utf8JsonReader(System.Text.Encoding.UTF8.GetBytes(json));
        if (!reader.Read() || reader.TokenType == JsonTokenType.Null)
        {
            return fields;
        }
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            throw new JsonException($"rule_subject fields: expected an object, found {reader.TokenType}");
        }
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var read = reader.GetString()!;
            if (!names.TryGetValue(read, out var name))
            {
                names[read] = name = read;
            }
            reader.Read();
            fields[name] = reader.TokenType switch
            {
                JsonTokenType.String => reader.GetString(),
                JsonTokenType.Null => null,
                _ => throw new JsonException($"rule_subject fields: {name} is {reader.TokenType}, not text"),
            };
        }
        return fields;
    }

    /// <summary>How many rows one object's snapshot holds.</summary>
    public async Task<long> CountRuleSubjectsAsync(string @object)
    {
        await using var connection = Open();
        return await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM rule_subject WHERE object = @object", new { @object });
    }
}

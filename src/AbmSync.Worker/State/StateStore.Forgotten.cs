using System.Security.Cryptography;
using System.Text;
using Dapper;

namespace AbmSync.Worker.State;

/// <summary>People deleted for good in HubSpot (GDPR), kept as a hash of their email only.</summary>
public sealed partial class StateStore
{
    /// <summary>SHA-256 of the trimmed, lower-case email, in hex: enough to recognise the person, never to read the email back.</summary>
    public static string EmailHash(string email) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(email.Trim().ToLowerInvariant())));

    /// <summary>Which of these emails belong to people deleted for good in HubSpot.</summary>
    public async Task<HashSet<string>> ForgottenAsync(IReadOnlyCollection<string> emails)
    {
        var byHash = emails.Distinct(StringComparer.OrdinalIgnoreCase).ToDictionary(EmailHash, e => e, StringComparer.Ordinal);
        var found = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        if (byHash.Count == 0)
        {
            return found;
        }
        await using var connection = Open();
        foreach (var chunk in byHash.Keys.Chunk(500))
        {
            foreach (var hash in await connection.QueryAsync<string>($"SELECT email_hash FROM forgotten_person WHERE {InList("email_hash", "chunk")}", new { chunk }))
            {
                found.Add(byHash[hash]);
            }
        }
        return found;
    }
}

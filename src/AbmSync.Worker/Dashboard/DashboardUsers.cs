using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

namespace AbmSync.Worker.Dashboard;

/// <summary>
/// Checks dashboard credentials against <c>Worker:Users</c>. A PasswordHasher hash costs a hundred thousand PBKDF2
/// rounds by design; the dashboard sends the same Basic header with every request and polls, so a verified pair is
/// remembered for a few minutes under a keyed hash of the header, never the password itself.
/// </summary>
public sealed class DashboardUsers(IOptions<WorkerOptions> options, TimeProvider time)
{
    static readonly TimeSpan Remembered = TimeSpan.FromMinutes(5);
    readonly PasswordHasher<string> hasher = new();
    readonly ConcurrentDictionary<string, (string User, string Role, DateTimeOffset Until)> verified = new(StringComparer.Ordinal);
    // Per process: a remembered key means nothing outside it.
    readonly byte[] key = RandomNumberGenerator.GetBytes(32);

    /// <summary>The user's role when the name and password are right; null otherwise.</summary>
    public (string User, string Role)? Verify(string user, string password)
    {
        var cacheKey = Convert.ToHexString(HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(user + "\n" + password)));
        var now = time.GetUtcNow();
        if (verified.TryGetValue(cacheKey, out var hit) && hit.Until > now && options.Value.Users.TryGetValue(hit.User, out var still) && still.Role == hit.Role)
        {
            return (hit.User, hit.Role);
        }
        if (!options.Value.Users.TryGetValue(user, out var account))
        {
            // Same work as a wrong password, so that a name's existence does not show in the answer's time.
            hasher.VerifyHashedPassword(user, DummyHash, password);
            return null;
        }
        if (hasher.VerifyHashedPassword(user, account.PasswordHash, password) == PasswordVerificationResult.Failed)
        {
            return null;
        }
        if (verified.Count > 1_000)
        {
            verified.Clear();
        }
        verified[cacheKey] = (user, account.Role, now + Remembered);
        return (user, account.Role);
    }

    static readonly string DummyHash = new PasswordHasher<string>().HashPassword("nobody", Convert.ToHexString(RandomNumberGenerator.GetBytes(16)));

    /// <summary>A PasswordHasher v3 hash: base64 of a 0x01 format marker, PRF, rounds, salt and subkey (61 bytes and more).</summary>
    public static bool IsPasswordHash(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return false;
        }
        var bytes = new byte[text.Length];
        return Convert.TryFromBase64String(text, bytes, out var length) && length >= 61 && bytes[0] == 0x01;
    }

    public static string Hash(string user, string password) => new PasswordHasher<string>().HashPassword(user, password);
}

using System.Text.RegularExpressions;

namespace AbmSync.Worker.Cli;

/// <summary>
/// Turns the configuration binder's "failed to convert" error into one line that names the key and the form it
/// expects. The binder's own message quotes the value, which may be a secret in the wrong place: it is never shown.
/// </summary>
internal static partial class SettingsConversion
{
    public static string? Describe(Exception e)
    {
        for (Exception? current = e; current is not null; current = current.InnerException)
        {
            if (current is InvalidOperationException && BinderMessage().Match(current.Message) is { Success: true } match)
            {
                var key = match.Groups["key"].Value;
                return $"settings: {key} must be {ExpectedForm(match.Groups["type"].Value)}; the value given is not (it is not shown, in case it is a secret)";
            }
        }
        return null;
    }

    static string ExpectedForm(string typeName)
    {
        var type = Type.GetType(typeName) ?? AppDomain.CurrentDomain.GetAssemblies()
            .Select(a => a.GetType(typeName, throwOnError: false))
            .FirstOrDefault(t => t is not null);
        type = type is null ? null : Nullable.GetUnderlyingType(type) ?? type;
        if (type is { IsEnum: true })
        {
            return $"one of: {string.Join(", ", Enum.GetNames(type))}";
        }
        return type?.FullName switch
        {
            "System.Int32" or "System.Int64" or "System.Int16" => "a whole number",
            "System.Double" or "System.Decimal" or "System.Single" => "a number (with a '.' for decimals)",
            "System.Boolean" => "true or false",
            "System.TimeSpan" => "a duration as [d.]hh:mm:ss, such as 00:00:30",
            "System.Uri" => "an absolute URL with a valid host and port (1–65535), such as https://login.salesforce.com",
            "System.DateTimeOffset" or "System.DateTime" => "a date and time such as 2026-12-01T00:00:00Z",
            _ => $"a value of type {type?.Name ?? typeName}",
        };
    }

    [GeneratedRegex(@"^Failed to convert configuration value '.*' at '(?<key>[^']+)' to type '(?<type>[^']+)'", RegexOptions.Singleline | RegexOptions.CultureInvariant)]
    private static partial Regex BinderMessage();
}

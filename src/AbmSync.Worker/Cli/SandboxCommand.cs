using System.CommandLine;
using AbmSync.Sandbox;

namespace AbmSync.Worker.Cli;

/// <summary><c>abmsync sandbox</c>: the two API emulators, until stopped.</summary>
public static class SandboxCommand
{
    public static Command Create()
    {
        var command = new Command("sandbox", "Run local emulators of the Salesforce REST and HubSpot CRM APIs with seeded data, until stopped.");
        var salesforcePort = new Option<int>("--salesforce-port") { Description = "Loopback port of the Salesforce emulator (0: any free port)" };
        var hubSpotPort = new Option<int>("--hubspot-port") { Description = "Loopback port of the HubSpot emulator (0: any free port)" };
        var accounts = new Option<int>("--accounts") { Description = "Live Salesforce accounts in the seeded org", DefaultValueFactory = _ => 1000 };
        var seed = new Option<int>("--seed") { Description = "Seed of the synthetic world: same seed, same records, same ids", DefaultValueFactory = _ => 1 };
        var latency = new Option<int>("--latency-ms") { Description = "Delay added to every answer" };
        var jitter = new Option<int>("--latency-jitter-ms") { Description = "A further delay per answer, uniform between 0 and this, drawn from the seed" };
        var rowLockWait = new Option<int>("--row-lock-wait-ms") { Description = "How long a Salesforce write waits for a parent row another write holds before UNABLE_TO_LOCK_ROW", DefaultValueFactory = _ => 1000 };
        var hubSpotRate = new Option<string>("--hubspot-rate") { Description = "HubSpot burst limit", DefaultValueFactory = _ => "190/10s" };
        var salesforceFaults = new Option<string?>("--salesforce-faults") { Description = "Salesforce fault injection, e.g. lock:0.01,503:0.02" };
        var hubSpotFaults = new Option<string?>("--hubspot-faults") { Description = "HubSpot fault injection, e.g. 429:0.05,502:0.02" };
        var faults = new Option<string?>("--faults") { Description = "Fault injection for both emulators (each takes the kinds it knows)" };
        var tokenTtl = new Option<int>("--token-ttl") { Description = "Salesforce access-token lifetime in seconds", DefaultValueFactory = _ => 7200 };
        var dailyLimit = new Option<int>("--salesforce-daily-limit") { Description = "Salesforce daily API request allocation", DefaultValueFactory = _ => 100_000 };
        var emptyPortal = new Option<bool>("--empty-portal") { Description = "Start the HubSpot portal without seeded records (owners and default properties only)" };
        var personAccounts = new Option<int>("--person-accounts") { Description = "Enable person accounts in the org and seed this many (0: the feature is off)" };
        var currencies = new Option<string?>("--currencies") { Description = "Enable multi-currency in the org with these active currencies, the corporate one first, e.g. USD,EUR,GBP (none: a single-currency org without CurrencyIsoCode)" };
        foreach (var option in new Option[] { salesforcePort, hubSpotPort, accounts, seed, latency, jitter, rowLockWait, hubSpotRate, salesforceFaults, hubSpotFaults, faults, tokenTtl, dailyLimit, emptyPortal, personAccounts, currencies })
        {
            command.Options.Add(option);
        }
        command.Validators.Add(result =>
        {
            if (result.GetValue(accounts) < 0)
            {
                result.AddError("--accounts must be 0 or more");
            }
            if (result.GetValue(personAccounts) < 0)
            {
                result.AddError("--person-accounts must be 0 or more");
            }
            try
            {
                Sandbox.Salesforce.SfSchema.ValidateCurrencies(CurrencyList(result.GetValue(currencies)));
            }
            catch (ArgumentException e)
            {
                result.AddError($"--currencies: {e.Message}");
            }
        });
        command.SetAction(async (parse, ct) =>
        {
            var options = new SandboxOptions
            {
                SalesforcePort = parse.GetValue(salesforcePort),
                HubSpotPort = parse.GetValue(hubSpotPort),
                Accounts = parse.GetValue(accounts),
                Seed = parse.GetValue(seed),
                Latency = TimeSpan.FromMilliseconds(parse.GetValue(latency)),
                LatencyJitter = TimeSpan.FromMilliseconds(parse.GetValue(jitter)),
                RowLockWait = TimeSpan.FromMilliseconds(parse.GetValue(rowLockWait)),
                HubSpotRate = parse.GetValue(hubSpotRate)!,
                SalesforceFaults = parse.GetValue(salesforceFaults) ?? parse.GetValue(faults),
                HubSpotFaults = parse.GetValue(hubSpotFaults) ?? parse.GetValue(faults),
                TokenTtl = TimeSpan.FromSeconds(parse.GetValue(tokenTtl)),
                SalesforceDailyLimit = parse.GetValue(dailyLimit),
                SeedHubSpot = !parse.GetValue(emptyPortal),
                PersonAccounts = parse.GetValue(personAccounts),
                Currencies = CurrencyList(parse.GetValue(currencies)),
            };
            SandboxHost sandbox;
            try
            {
                sandbox = await SandboxHost.StartAsync(options, cancellationToken: ct);
            }
            catch (ArgumentException e)
            {
                // A bad --salesforce-faults / --hubspot-faults / --hubspot-rate value: say which, don't dump a stack.
                await parse.InvocationConfiguration.Error.WriteLineAsync($"sandbox: {e.Message}");
                return ExitCodes.Configuration;
            }
            await using var _ = sandbox;
            var output = parse.InvocationConfiguration.Output;
            foreach (var (key, value) in sandbox.EnvironmentLines)
            {
                output.WriteLine($"{key}={value}");
            }
            output.WriteLine($"# Salesforce org: {sandbox.SalesforceUrl}  HubSpot portal: {sandbox.HubSpotUrl}  ({options.Accounts} accounts, seed {options.Seed}). Ctrl+C stops.");
            output.Flush();
            try
            {
                await Task.Delay(Timeout.Infinite, ct);
            }
            catch (OperationCanceledException)
            {
            }
            return ExitCodes.Success;
        });
        return command;
    }

    /// <summary>"USD, eur,GBP" → [USD, EUR, GBP]: the order is kept, since the first is the corporate currency.</summary>
    static IReadOnlyList<string> CurrencyList(string? text) =>
        [.. (text ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(c => c.ToUpperInvariant())];
}

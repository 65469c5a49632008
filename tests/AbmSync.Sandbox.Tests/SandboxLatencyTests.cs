using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text;
using AbmSync.Sandbox.Tests.Salesforce;

namespace AbmSync.Sandbox.Tests;

/// <summary>Latency and its jitter: every answer waits Latency plus a seeded uniform extra in [0, LatencyJitter).</summary>
[Collection(TimingCollection.Name)]
public sealed class SandboxLatencyTests
{
    static readonly TimeSpan Latency = TimeSpan.FromMilliseconds(100);
    static readonly TimeSpan Jitter = TimeSpan.FromMilliseconds(200);

    [Fact]
    public void Draws_FillTheJitterBand_AndRepeatBySeed()
    {
        var draws = new TimeSpan[2000];
        var latency = new SandboxLatency(Latency, Jitter, seed: 7);
        for (var i = 0; i < draws.Length; i++)
        {
            draws[i] = latency.Draw();
        }

        Assert.All(draws, d => Assert.InRange(d, Latency, Latency + Jitter));
        // Uniform over the band: both ends reached, the middle on average.
        Assert.True(draws.Min() < Latency + Jitter * 0.02, $"lowest {draws.Min()}");
        Assert.True(draws.Max() > Latency + Jitter * 0.98, $"highest {draws.Max()}");
        Assert.InRange(draws.Average(d => d.TotalMilliseconds), 190, 210);

        var again = new SandboxLatency(Latency, Jitter, seed: 7);
        Assert.Equal(draws, draws.Select(_ => again.Draw()));
        var other = new SandboxLatency(Latency, Jitter, seed: 8);
        Assert.NotEqual(draws, draws.Select(_ => other.Draw()));

        var steady = new SandboxLatency(Latency, TimeSpan.Zero, seed: 7);
        Assert.All(Enumerable.Range(0, 20), _ => Assert.Equal(Latency, steady.Draw()));
        Assert.Throws<ArgumentOutOfRangeException>(() => new SandboxLatency(Latency, TimeSpan.FromMilliseconds(-1), seed: 7));
    }

    static async Task<TimeSpan> TimeAsync(HttpClient client, Func<HttpRequestMessage> request)
    {
        using var message = request();
        var clock = Stopwatch.StartNew();
        using var response = await client.SendAsync(message);
        await response.Content.ReadAsByteArrayAsync();
        return clock.Elapsed;
    }

    static void AssertInBandAndVarying(IReadOnlyList<TimeSpan> delays, string what)
    {
        // A delay never ends early; loopback and the handler add a little on top, a busy machine (a CI runner with a
        // build beside it) now and then far more: most must be in the band, none below it.
        Assert.All(delays, d => Assert.True(d >= Latency - TimeSpan.FromMilliseconds(2), $"{what}: {d} is shorter than the latency"));
        Assert.True(delays.Count(d => d <= Latency + Jitter + TimeSpan.FromMilliseconds(150)) >= delays.Count * 7 / 10,
            $"{what}: most delays are above the band: {string.Join(", ", delays.Select(d => d.TotalMilliseconds.ToString("0", System.Globalization.CultureInfo.InvariantCulture)))} ms");
        Assert.True(delays.Max() - delays.Min() >= Jitter / 4, $"{what}: the delays hardly vary: {string.Join(", ", delays.Select(d => d.TotalMilliseconds.ToString("0", System.Globalization.CultureInfo.InvariantCulture)))} ms");
    }

    [Fact]
    public async Task Answers_OnBothPorts_WaitLatencyPlusJitter_WritesAndRefusedWritesToo()
    {
        await using var org = await Org.StartAsync(new SandboxOptions { Accounts = 30, Seed = 5, Latency = Latency, LatencyJitter = Jitter });
        using var client = await org.LoginAsRepAsync();
        using var hubSpot = new HttpClient { BaseAddress = org.Host.HubSpotUrl };
        hubSpot.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", SandboxCredentials.HubSpotAccessToken);
        var account = (await Org.QueryAsync(client, "SELECT Id FROM Account LIMIT 1"))["records"]![0]!["Id"]!.GetValue<string>();
        HttpRequestMessage Write(string body) => new(HttpMethod.Patch, $"/services/data/{Org.V}/composite/sobjects")
        {
            Content = new StringContent(body, Encoding.UTF8, "application/json"),
        };
        var update = $$"""{"records": [{"attributes": {"type": "Account"}, "id": "{{account}}", "BillingCity": "Lyon"}]}""";
        // Warm both paths, so that the first timings are not the JIT's.
        await TimeAsync(client, () => new(HttpMethod.Get, "/services/data"));
        await TimeAsync(client, () => Write(update));
        await TimeAsync(hubSpot, () => new(HttpMethod.Get, "/crm/v3/objects/companies?limit=1"));

        var reads = new List<TimeSpan>();
        var writes = new List<TimeSpan>();
        var portal = new List<TimeSpan>();
        for (var i = 0; i < 10; i++)
        {
            reads.Add(await TimeAsync(client, () => new(HttpMethod.Get, "/services/data")));
            // A write serves its own delay, inside its row locks: it is drawn from the same band.
            writes.Add(await TimeAsync(client, () => Write(update)));
            portal.Add(await TimeAsync(hubSpot, () => new(HttpMethod.Get, "/crm/v3/objects/companies?limit=1")));
        }
        AssertInBandAndVarying(reads, "Salesforce reads");
        AssertInBandAndVarying(writes, "Salesforce writes");
        AssertInBandAndVarying(portal, "HubSpot reads");

        // A write refused before it took any lock (its body is no JSON object) still waits its latency.
        var refused = await TimeAsync(client, () => Write("[]"));
        Assert.True(refused >= Latency - TimeSpan.FromMilliseconds(2), $"the refused write answered after {refused}, before its latency");
    }
}

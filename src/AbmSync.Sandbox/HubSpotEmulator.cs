using Microsoft.AspNetCore.Builder;

namespace AbmSync.Sandbox;

/// <summary>Placeholder: the HubSpot portal emulator. Another engineer fills it in.</summary>
public sealed class HubSpotEmulator(SyntheticWorld world, SandboxOptions options, TimeProvider time)
{
    public SandboxStats Stats { get; } = new();
    public Uri? BaseUrl { get; set; }
    public object Export() => new { companies = Array.Empty<object>(), _world = world.Seed, _o = options.Seed, _t = time.GetUtcNow() };
    public void Map(WebApplication app) { }
}

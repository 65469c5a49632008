namespace AbmSync.Integration.Tests.Sync;

// This project does not reference Microsoft.Extensions.TimeProvider.Testing (FakeTimeProvider); these two clocks are
// all the lease tests need of it.

/// <summary>The real clock moved by a fixed amount: a worker whose clock disagrees with everyone else's.</summary>
sealed class SkewedClock(TimeSpan offset) : TimeProvider
{
    public override DateTimeOffset GetUtcNow() => System.GetUtcNow() + offset;
}

/// <summary>A clock that moves only when told to, so an expiry test never depends on how fast the machine is.</summary>
sealed class ManualClock(DateTimeOffset start) : TimeProvider
{
    DateTimeOffset now = start;

    public override DateTimeOffset GetUtcNow() => now;

    public void Advance(TimeSpan by) => now += by;
}

/// <summary>The real clock, moved forward when told: the days between two syncs pass in an instant, for both sides at once.</summary>
sealed class MovableClock : TimeProvider
{
    TimeSpan offset;

    public override DateTimeOffset GetUtcNow() => System.GetUtcNow() + offset;

    public void Advance(TimeSpan by) => offset += by;
}

using System.Diagnostics;
using KmsGrants.Engine;
using Xunit;

public class AdaptiveRateLimiterTests
{
    [Fact]
    public void Starts_at_KMSs_default_quota_or_the_ceiling()
    {
        using var unlimited = new AdaptiveRateLimiter();
        Assert.Equal(AdaptiveRateLimiter.InitialRate, unlimited.Rate);
        using var capped = new AdaptiveRateLimiter(10);
        Assert.Equal(10, capped.Rate);
    }

    [Fact]
    public async Task A_throttle_cuts_the_rate_once_per_round()
    {
        using var limiter = new AdaptiveRateLimiter();
        var sent = new List<long>();
        for (var i = 0; i < 5; i++) sent.Add(await limiter.WaitAsync(CancellationToken.None));
        var before = limiter.Rate;

        limiter.OnThrottled(sent[0]);
        var afterFirst = limiter.Rate;
        Assert.True(afterFirst <= before * AdaptiveRateLimiter.DecreaseFactor + 0.01, $"{afterFirst} after {before}");

        // Requests sent before the cut say nothing about the new rate.
        limiter.OnThrottled(sent[1]);
        limiter.OnThrottled(sent[4]);
        Assert.Equal(afterFirst, limiter.Rate);
        Assert.Equal(1, limiter.ThrottleEvents);

        var later = await limiter.WaitAsync(CancellationToken.None);
        limiter.OnThrottled(later);
        Assert.True(limiter.Rate < afterFirst);
    }

    [Fact]
    public async Task Paces_requests_to_the_rate()
    {
        using var limiter = new AdaptiveRateLimiter(20);
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < 21; i++) await limiter.WaitAsync(CancellationToken.None);
        // 21 permits at 20/s with a burst of one: about a second; generous bounds for a loaded machine.
        Assert.InRange(clock.Elapsed.TotalSeconds, 0.8, 3.0);
    }

    [Fact]
    public async Task Never_exceeds_the_ceiling_after_growth()
    {
        using var limiter = new AdaptiveRateLimiter(5);
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(1.2))
            limiter.OnAccepted(await limiter.WaitAsync(CancellationToken.None));
        Assert.True(limiter.Rate <= 5);
    }

    [Fact]
    public async Task Waiting_is_cancellable()
    {
        using var limiter = new AdaptiveRateLimiter(1);
        await limiter.WaitAsync(CancellationToken.None);
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(100));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => limiter.WaitAsync(cts.Token));
    }
}

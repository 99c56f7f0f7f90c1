using System;
using System.Diagnostics;
using System.Threading;
using System.Threading.RateLimiting;
using System.Threading.Tasks;

namespace KmsGrants.Engine
{
    /// <summary>Paces requests to what KMS accepts. A token bucket (System.Threading.RateLimiting) does the pacing;
    /// this class only chooses its rate, in the manner of TCP congestion control:
    /// <list type="bullet">
    /// <item>start at KMS's documented default quota and double every half second while the rate is what limits
    /// us and nothing is throttled (slow start);</item>
    /// <item>on ThrottlingException, cut the rate to <see cref="DecreaseFactor"/> of what was really being sent, once per
    /// round: throttles of requests sent before the last cut say nothing about the new rate and are ignored;</item>
    /// <item>after a throttle, grow additively, a few percent a second, to probe for unused quota.</item>
    /// </list>
    /// KMS quotas are token buckets too, so the quota's burst absorbs the short dips below it.
    /// The SDK's own adaptive retry mode is not used: with many requests in flight it fails requests outright
    /// (shared/docs/kms-grants.md, "Measured here").</summary>
    public sealed class AdaptiveRateLimiter : IDisposable
    {
        /// <summary>KMS's default RetireGrant quota, requests per second (Developer Guide, "Request quotas").</summary>
        public const double InitialRate = 50;
        public const double DecreaseFactor = 0.8;
        public const double IncreasePerSecond = 0.05;
        public const double MinimumRate = 1;
        public const double MaximumRate = 5000;
        static readonly long SlowStartRound = Stopwatch.Frequency / 2;
        static readonly long GrowthRound = Stopwatch.Frequency;

        readonly object _gate = new object();
        readonly double _ceiling;
        readonly Stopwatch _clock = Stopwatch.StartNew();
        readonly long[] _sentTicks = new long[4096];   // ring of recent send times, to measure the real send rate
        int _sentNext;
        TokenBucketRateLimiter _bucket;
        double _rate;
        bool _slowStart = true;
        long _lastChangeTicks;
        long _lastDecreaseTicks = long.MinValue;
        bool _disposed;

        public AdaptiveRateLimiter(double? maxRequestsPerSecond = null)
        {
            _ceiling = maxRequestsPerSecond is > 0 ? Math.Min(maxRequestsPerSecond.Value, MaximumRate) : MaximumRate;
            _rate = Math.Min(InitialRate, _ceiling);
            _bucket = NewBucket(_rate);
        }

        /// <summary>Requests per second the limiter allows now.</summary>
        public double Rate { get { lock (_gate) return _rate; } }
        public int ThrottleEvents { get; private set; }

        /// <summary>Waits for a permit to send one request, and returns the send time to hand back with its outcome.</summary>
        public async Task<long> WaitAsync(CancellationToken cancellation)
        {
            while (true)
            {
                TokenBucketRateLimiter bucket;
                lock (_gate)
                {
                    if (_disposed) throw new ObjectDisposedException(nameof(AdaptiveRateLimiter));
                    bucket = _bucket;
                }
                try
                {
                    using var lease = await bucket.AcquireAsync(1, cancellation).ConfigureAwait(false);
                    if (!lease.IsAcquired) continue;   // the bucket was replaced while we queued on it
                }
                catch (ObjectDisposedException) { continue; }

                lock (_gate)
                {
                    var now = _clock.ElapsedTicks;
                    _sentTicks[_sentNext] = now;
                    _sentNext = (_sentNext + 1) % _sentTicks.Length;
                    return now;
                }
            }
        }

        /// <summary>A request sent at <paramref name="sentTicks"/> was accepted (anything but a throttle).</summary>
        public void OnAccepted(long sentTicks)
        {
            lock (_gate)
            {
                var now = _clock.ElapsedTicks;
                var round = _slowStart ? SlowStartRound : GrowthRound;
                if (now - _lastChangeTicks < round) return;
                // Grow only when the limiter is what holds us back; otherwise the rate would balloon while
                // concurrency or latency is the real bound, and the first throttle would find it far too high.
                var sending = SendRate(now, round);
                if (sending < _rate * 0.8) { _lastChangeTicks = now; return; }
                var next = _slowStart ? _rate * 2 : _rate + Math.Max(0.5, _rate * IncreasePerSecond);
                SetRate(next, now);
            }
        }

        /// <summary>A request sent at <paramref name="sentTicks"/> got ThrottlingException.</summary>
        public void OnThrottled(long sentTicks)
        {
            lock (_gate)
            {
                if (sentTicks < _lastDecreaseTicks) return;
                var now = _clock.ElapsedTicks;
                var sending = SendRate(now, GrowthRound);
                var basis = sending > 0 ? Math.Min(_rate, sending) : _rate;
                _slowStart = false;
                ThrottleEvents++;
                _lastDecreaseTicks = now;
                SetRate(basis * DecreaseFactor, now);
            }
        }

        void SetRate(double rate, long now)
        {
            rate = Math.Max(MinimumRate, Math.Min(_ceiling, rate));
            _lastChangeTicks = now;
            if (Math.Abs(rate - _rate) < 0.01) return;
            _rate = rate;
            var old = _bucket;
            _bucket = NewBucket(rate);
            old.Dispose();   // fails its queued waiters, which then queue on the new bucket
        }

        /// <summary>Requests per second actually sent over the last <paramref name="window"/> ticks.</summary>
        double SendRate(long now, long window)
        {
            var count = 0;
            foreach (var t in _sentTicks)
                if (t != 0 && now - t <= window) count++;
            return count * (double)Stopwatch.Frequency / window;
        }

        /// <summary>A bucket refilled in steps of about 50 ms, holding one step's tokens at most, so bursts stay small.</summary>
        static TokenBucketRateLimiter NewBucket(double rate)
        {
            var tokensPerStep = Math.Max(1, (int)Math.Ceiling(rate / 20));
            return new TokenBucketRateLimiter(new TokenBucketRateLimiterOptions
            {
                TokenLimit = tokensPerStep,
                TokensPerPeriod = tokensPerStep,
                ReplenishmentPeriod = TimeSpan.FromSeconds(tokensPerStep / rate),
                QueueLimit = int.MaxValue,
                QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
                AutoReplenishment = true,
            });
        }

        public void Dispose()
        {
            lock (_gate)
            {
                _disposed = true;
                _bucket.Dispose();
            }
        }
    }
}

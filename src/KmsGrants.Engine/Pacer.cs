using System;
using System.Threading;
using System.Threading.RateLimiting;
using System.Threading.Tasks;

namespace KmsGrants.Engine
{
    /// <summary>Paces one Region's requests at the rate its <see cref="RateController"/> chooses, on
    /// System.Threading.RateLimiting's token bucket. The bucket's rate is fixed at creation, so a new rate means a new
    /// bucket, which starts with the permits the old one still held when the rate rises (a fresh bucket would hand out a
    /// free burst at every change) and with none when it falls: a lower rate follows a throttle, so KMS's bucket is empty
    /// and a carried permit is one more throttle. It refills in steps of StepSeconds and holds one step's permits at most, so bursts stay small.
    /// One waiter at a time: the Region's dispatcher.</summary>
    internal sealed class Pacer : IDisposable
    {
        /// <summary>Permits come in steps of this much time at the rate: coarse enough for timers on every platform.</summary>
        internal const double StepSeconds = 0.05;

        TokenBucketRateLimiter? _bucket;
        double _rate;

        public async Task WaitAsync(double rate, CancellationToken cancellation)
        {
            if (_bucket == null || Math.Abs(rate - _rate) > 0.01 * _rate) Replace(rate);
            while (true)
            {
                using var lease = await _bucket!.AcquireAsync(1, cancellation).ConfigureAwait(false);
                if (lease.IsAcquired) return;
            }
        }

        void Replace(double rate)
        {
            // The first bucket lets the first request go at once.
            var carried = _bucket == null ? 1 : rate < _rate ? 0 : _bucket.GetStatistics()?.CurrentAvailablePermits ?? 0;
            _bucket?.Dispose();
            var step = Math.Max(1, (int)Math.Ceiling(rate * StepSeconds));
            _bucket = new TokenBucketRateLimiter(new TokenBucketRateLimiterOptions
            {
                TokenLimit = step,
                TokensPerPeriod = step,
                ReplenishmentPeriod = TimeSpan.FromSeconds(step / rate),
                QueueLimit = 1,
                QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
                AutoReplenishment = true,
            });
            // Start with what the old bucket held, not a full bucket.
            var drain = step - (int)Math.Min(step, Math.Max(0, carried));
            if (drain > 0) _bucket.AttemptAcquire(drain).Dispose();
            _rate = rate;
        }

        public void Dispose() => _bucket?.Dispose();
    }
}

using System;
using System.Diagnostics;
using System.Threading;
using System.Threading.Tasks;

namespace KmsGrants.Engine
{
    /// <summary>When requests may go at a rate that may change before every request: virtual scheduling (GCRA). Each
    /// request is due 1/rate after the previous one and may go up to <see cref="BurstSeconds"/> early, which absorbs
    /// coarse timers (15 ms on Windows). A lower rate follows a throttle, when KMS's bucket is empty, so it carries no
    /// early credit: the next request waits a full interval after the last one. Pure (time is passed in): the
    /// <see cref="Pacer"/> runs it in real time, the tests' quota simulator in virtual time.</summary>
    internal sealed class PacingSchedule
    {
        internal const double BurstSeconds = 0.05;

        double _due = double.NegativeInfinity;
        double _lastSent = double.NegativeInfinity;
        double _rate;

        /// <summary>Seconds to wait before a request may go at <paramref name="rate"/> (0: now).</summary>
        public double Wait(double now, double rate)
        {
            if (rate < _rate) _due = Math.Max(_due, _lastSent + 1 / rate + BurstSeconds);
            _rate = rate;
            return Math.Max(0, _due - BurstSeconds - now);
        }

        /// <summary>A request went at <paramref name="now"/>, at the rate last passed to <see cref="Wait"/>.</summary>
        public void Sent(double now)
        {
            _due = Math.Max(_due, now) + 1 / _rate;
            _lastSent = now;
        }
    }

    /// <summary>Paces one Region's requests at the rate its <see cref="RateController"/> chooses, on a
    /// <see cref="PacingSchedule"/>; not System.Threading.RateLimiting, whose rates are fixed at creation (docs/design/rate-control.md,
    /// "The pacer"). One waiter at a time: the Region's dispatcher.</summary>
    internal sealed class Pacer
    {
        readonly Stopwatch _clock = Stopwatch.StartNew();
        readonly PacingSchedule _schedule = new PacingSchedule();

        public async Task WaitAsync(double rate, CancellationToken cancellation)
        {
            while (true)
            {
                cancellation.ThrowIfCancellationRequested();
                var wait = _schedule.Wait(_clock.Elapsed.TotalSeconds, rate);
                if (wait <= 0) break;
                await Task.Delay(TimeSpan.FromSeconds(Math.Max(wait, 0.001)), cancellation).ConfigureAwait(false);
            }
            _schedule.Sent(_clock.Elapsed.TotalSeconds);
        }
    }
}

using System;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Threading;
using System.Threading.Tasks;
using Amazon.KeyManagementService.Model;

namespace KmsGrants.Engine
{
    public sealed class RetireOptions
    {
        /// <summary>Requests in flight at most. The rate limiter, not this, paces requests to the quota; 32 keeps a raised
        /// quota (hundreds of rps) busy at round trips of 50-100 ms, and KMS's default 50 rps up to 600 ms.</summary>
        public const int DefaultThrottleLimit = 32;

        public int ThrottleLimit { get; set; } = DefaultThrottleLimit;
        public double? MaxRequestsPerSecond { get; set; }
        public bool DryRun { get; set; }
        /// <summary>Attempts against faults; 0 takes the connection's (see KmsConnection.RetireAttempts).</summary>
        public int MaxAttempts { get; set; }
        /// <summary>Throttled attempts tolerated per grant before it is reported as throttled.</summary>
        public int MaxThrottledAttempts { get; set; } = 30;
    }

    /// <summary>The outcome of one grant, with the error (if any) in the engine's terms.</summary>
    public sealed class RetireOutcome
    {
        public RetireOutcome(GrantReference grant, RetireResult result, KmsError? error)
        {
            Grant = grant;
            Result = result;
            Error = error;
        }

        public GrantReference Grant { get; }
        public RetireResult Result { get; }
        public KmsError? Error { get; }
        /// <summary>Notes worth a verbose line, e.g. why a NotFound counts as retired.</summary>
        public string? Note { get; internal set; }
    }

    /// <summary>Retires grants concurrently: at most ThrottleLimit requests in flight, paced by an
    /// <see cref="AdaptiveRateLimiter"/>, retried on throttling and faults with jittered backoff.
    /// The pipeline thread calls <see cref="Submit"/> and <see cref="Drain"/>; outcomes come back in completion
    /// order. Memory is bounded by ThrottleLimit plus outcomes not yet drained.</summary>
    public sealed class RetireRunner : IDisposable
    {
        readonly KmsConnection _connection;
        readonly RetireOptions _options;
        readonly AdaptiveRateLimiter _rate;
        readonly SemaphoreSlim _slots;
        readonly BlockingCollection<RetireOutcome> _completed = new BlockingCollection<RetireOutcome>();
        readonly CancellationToken _stop;
        // In-flight HTTP calls are never cancelled by a stop (their outcome must be known); only by Dispose.
        readonly CancellationTokenSource _abort = new CancellationTokenSource();
        readonly Stopwatch _clock = Stopwatch.StartNew();
        readonly int _maxAttempts;
        // -WhatIf safety: until one DryRunOperationException proves the endpoint honours DryRun, DryRun requests go
        // one at a time, and after a success answer (the endpoint ignored DryRun) none go at all.
        readonly SemaphoreSlim _dryRunProbe = new SemaphoreSlim(1);
        volatile bool _dryRunConfirmed;
        volatile bool _dryRunIgnored;
        int _inFlight;
        long _requests;
        long _throttled;
        long _submitted;
        long _finished;

        public RetireRunner(KmsConnection connection, RetireOptions options, CancellationToken stop)
        {
            _connection = connection;
            _options = options;
            _stop = stop;
            _rate = new AdaptiveRateLimiter(options.MaxRequestsPerSecond);
            _slots = new SemaphoreSlim(Math.Max(1, options.ThrottleLimit));
            _maxAttempts = options.MaxAttempts > 0 ? options.MaxAttempts : connection.RetireAttempts;
        }

        public int InFlight => Volatile.Read(ref _inFlight);
        public long Submitted => Interlocked.Read(ref _submitted);
        public long Finished => Interlocked.Read(ref _finished);
        public long Requests => Interlocked.Read(ref _requests);
        public long ThrottledResponses => Interlocked.Read(ref _throttled);
        public double CurrentRateLimit => _rate.Rate;
        public TimeSpan Elapsed => _clock.Elapsed;

        /// <summary>Starts retiring <paramref name="grant"/> once a slot is free. While it waits, finished outcomes
        /// are handed to <paramref name="onOutcome"/> on the calling thread. Returns false (and starts nothing)
        /// when the run was stopped first.</summary>
        public bool Submit(GrantReference grant, Action<RetireOutcome> onOutcome)
        {
            while (!_slots.Wait(50))
            {
                Drain(onOutcome);
                if (_stop.IsCancellationRequested) return false;
            }
            if (_stop.IsCancellationRequested)
            {
                _slots.Release();
                return false;
            }
            Interlocked.Increment(ref _inFlight);
            Interlocked.Increment(ref _submitted);
            _ = Task.Run(() => RunAsync(grant));
            Drain(onOutcome);
            return true;
        }

        /// <summary>Waits for everything in flight, handing outcomes over as they finish. <paramref name="tick"/> runs
        /// at least every 200 ms (for progress).</summary>
        public void Complete(Action<RetireOutcome> onOutcome, Action? tick = null)
        {
            while (InFlight > 0 || _completed.Count > 0)
            {
                if (_completed.TryTake(out var outcome, TimeSpan.FromMilliseconds(200))) onOutcome(outcome);
                tick?.Invoke();
            }
        }

        /// <summary>Hands every finished outcome to <paramref name="onOutcome"/> without waiting.</summary>
        void Drain(Action<RetireOutcome> onOutcome)
        {
            while (_completed.TryTake(out var outcome))
                onOutcome(outcome);
        }

        async Task RunAsync(GrantReference grant)
        {
            RetireOutcome outcome;
            try
            {
                outcome = await RetireAsync(grant).ConfigureAwait(false);
            }
            catch (Exception e)
            {
                var error = KmsError.From(e);
                outcome = new RetireOutcome(grant, NewResult(grant, RetireStatus.Failed, 0, error, TimeSpan.Zero), error);
            }
            Interlocked.Increment(ref _finished);
            _completed.Add(outcome);
            Interlocked.Decrement(ref _inFlight);
            _slots.Release();
        }

        async Task<RetireOutcome> RetireAsync(GrantReference grant)
        {
            var probing = _options.DryRun && !_dryRunConfirmed;
            if (probing) await _dryRunProbe.WaitAsync(_abort.Token).ConfigureAwait(false);
            try
            {
                if (_dryRunIgnored)
                {
                    var refused = KmsError.DryRunNotHonored(_connection.Endpoint);
                    return new RetireOutcome(grant, NewResult(grant, RetireStatus.NotAttempted, 0, refused, TimeSpan.Zero), refused);
                }
                return await SendWithRetriesAsync(grant).ConfigureAwait(false);
            }
            finally
            {
                if (probing) _dryRunProbe.Release();
            }
        }

        async Task<RetireOutcome> SendWithRetriesAsync(GrantReference grant)
        {
            var started = _clock.Elapsed;
            var request = new RetireGrantRequest();
            if (grant.ByToken) request.GrantToken = grant.GrantToken;
            else { request.KeyId = grant.KeyId; request.GrantId = grant.GrantId; }
            if (_options.DryRun) request.DryRun = true;

            var attempts = 0;
            var faults = 0;
            var throttles = 0;
            var responseLost = false;
            var random = new Random(unchecked(Environment.TickCount * 31 + grant.GetHashCode()));

            while (true)
            {
                // Once stopped, send no more, except to learn the fate of a grant whose last response was lost:
                // leaving that unknown would make the report untrue.
                if (_stop.IsCancellationRequested && !responseLost)
                    return Stopped(grant, attempts, started);

                long sent;
                try
                {
                    sent = await _rate.WaitAsync(responseLost ? _abort.Token : _stop).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (_stop.IsCancellationRequested && !_abort.IsCancellationRequested)
                {
                    return Stopped(grant, attempts, started);
                }
                attempts++;
                Interlocked.Increment(ref _requests);
                KmsError error;
                var sends = SendCounter.Begin();
                try
                {
                    await _connection.RetireClient.RetireGrantAsync(request, _abort.Token).ConfigureAwait(false);
                    _rate.OnAccepted(sent);
                    attempts += HiddenResends(sends);
                    if (!_options.DryRun) return Done(grant, RetireStatus.Retired, attempts, null, started);
                    // A DryRun never succeeds on KMS. Success means the endpoint ignored DryRun and retired the grant.
                    _dryRunIgnored = true;
                    return Done(grant, RetireStatus.Retired, attempts, KmsError.DryRunNotHonored(_connection.Endpoint), started);
                }
                catch (Exception e) when (!_abort.IsCancellationRequested)
                {
                    error = KmsError.From(e);
                }
                var resent = HiddenResends(sends);
                attempts += resent;
                responseLost |= resent > 0;

                if (error.Kind == KmsErrorKind.Throttled)
                {
                    Interlocked.Increment(ref _throttled);
                    _rate.OnThrottled(sent);
                    if (++throttles >= _options.MaxThrottledAttempts)
                        return Done(grant, Failed, attempts, error, started);
                    await Task.Delay(random.Next(0, 50)).ConfigureAwait(false);
                    continue;
                }
                _rate.OnAccepted(sent);

                if (error.Kind == KmsErrorKind.DryRunSucceeded)
                {
                    _dryRunConfirmed = true;
                    return Done(grant, RetireStatus.WouldRetire, attempts, null, started);
                }

                if (error.IsRetryable)
                {
                    responseLost |= error.OutcomeUnknown;
                    if (++faults >= _maxAttempts || (_stop.IsCancellationRequested && faults > 1))
                    {
                        var unknown = Done(grant, Failed, attempts, error, started);
                        if (responseLost)
                            unknown.Result.Message = $"{error.Message} The outcome is unknown: the last response was lost, so the grant may or may not have been retired.";
                        return unknown;
                    }
                    await Task.Delay(Backoff(faults, random)).ConfigureAwait(false);
                    continue;
                }

                if (error.Kind == KmsErrorKind.NotFound && responseLost && !_options.DryRun)
                {
                    var retired = Done(grant, RetireStatus.RetiredOnRetry, attempts, null, started);
                    retired.Note = $"{grant}: an earlier attempt's response was lost (a fault, a dropped connection, or a copy the HTTP stack re-sent) and the retry found the grant gone; the earlier attempt retired it.";
                    return retired;
                }
                return Done(grant, Failed, attempts, error, started);
            }
        }

        RetireStatus Failed => _options.DryRun ? RetireStatus.WouldFail : RetireStatus.Failed;

        /// <summary>Copies of the request the HTTP stack sent beyond the first (see SendCounter); each is an attempt
        /// whose response was lost.</summary>
        int HiddenResends(SendCounter sends)
        {
            var extra = Math.Max(0, sends.Sends - 1);
            if (extra > 0) Interlocked.Add(ref _requests, extra);
            return extra;
        }

        /// <summary>Full jitter exponential backoff: 100 ms base, 5 s cap (the AWS SDKs' standard retry shape).</summary>
        static TimeSpan Backoff(int failures, Random random)
        {
            var cap = Math.Min(5000, 100 * Math.Pow(2, failures - 1));
            return TimeSpan.FromMilliseconds(random.NextDouble() * cap);
        }

        RetireOutcome Stopped(GrantReference grant, int attempts, TimeSpan started)
        {
            var outcome = Done(grant, attempts == 0 ? RetireStatus.NotAttempted : Failed, attempts, null, started);
            outcome.Result.Message = attempts == 0
                ? "The command was stopped before this grant's request was sent."
                : "The command was stopped before this grant could be retried; it was not retired.";
            return outcome;
        }

        RetireOutcome Done(GrantReference grant, RetireStatus status, int attempts, KmsError? error, TimeSpan started)
            => new RetireOutcome(grant, NewResult(grant, status, attempts, error, _clock.Elapsed - started), error);

        RetireResult NewResult(GrantReference grant, RetireStatus status, int attempts, KmsError? error, TimeSpan elapsed) => new RetireResult
        {
            KeyId = grant.KeyId,
            GrantId = grant.GrantId,
            GrantToken = grant.GrantToken,
            Status = status,
            DryRun = _options.DryRun,
            Attempts = attempts,
            ErrorCode = error?.Code,
            Message = error?.Message,
            Elapsed = elapsed,
        };

        public void Dispose()
        {
            _abort.Cancel();
            _rate.Dispose();
            _dryRunProbe.Dispose();
            _abort.Dispose();
        }
    }
}

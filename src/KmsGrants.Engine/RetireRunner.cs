using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Amazon.KeyManagementService.Model;

namespace KmsGrants.Engine
{
    public sealed class RetireOptions
    {
        /// <summary>A ceiling on requests per second in each Region; null for none.</summary>
        public double? MaxRequestsPerSecond { get; set; }
        /// <summary>A ceiling on requests in flight in each Region; null for the rate controller's own.</summary>
        public int? ThrottleLimit { get; set; }
        public bool DryRun { get; set; }
        /// <summary>Keep the rate controllers' decisions for <see cref="RetireRunner.TakeTrace"/> (-Debug).</summary>
        public bool Trace { get; set; }
    }

    /// <summary>The outcome of one grant, with the error (if any) in the engine's terms.</summary>
    public sealed class RetireOutcome
    {
        public RetireOutcome(GrantReference grant, RetireResult result, KmsError? error, string? note, bool abandoned = false)
        {
            Grant = grant;
            Result = result;
            Error = error;
            Note = note;
            Abandoned = abandoned;
        }

        /// <summary>Never sent because the run (or its Region) stopped: reported once for all, not grant by grant.</summary>
        public bool Abandoned { get; }

        public GrantReference Grant { get; }
        public RetireResult Result { get; }
        public KmsError? Error { get; }
        /// <summary>Worth a verbose line, e.g. why a NotFound counts as retired.</summary>
        public string? Note { get; }
    }

    /// <summary>A snapshot of one Region's lane, for progress and the run's tally.</summary>
    public sealed class LaneStatus
    {
        public string Region { get; internal set; } = "";
        public long Finished { get; internal set; }
        public int InFlight { get; internal set; }
        public int Queued { get; internal set; }
        public long Requests { get; internal set; }
        public long Throttled { get; internal set; }
        public double Rate { get; internal set; }
        public double? QuotaEstimate { get; internal set; }
    }

    /// <summary>Retires grants concurrently, one lane per Region, each paced by its own <see cref="RateController"/> (KMS
    /// quotas are per account and Region, so Regions run side by side, each at its own quota). The pipeline thread calls
    /// <see cref="Submit"/>, which reads ahead up to <see cref="ReadAhead"/> grants so that every lane stays busy even
    /// when the input is sorted by Region, and <see cref="Complete"/>; outcomes come back on that thread in completion
    /// order. A lane's dispatcher sends a grant when a permit of its pacer and a slot of its window are both free; what
    /// to do after each attempt is <see cref="RetirePolicy"/>'s.
    /// <para>A stop (Ctrl+C, a downstream stop, a failure that would fail everything, an endpoint gone silent) sends
    /// nothing new; requests in flight get <see cref="StopGrace"/> to answer, then are abandoned and reported Unknown.
    /// Grants never sent are reported NotAttempted.</para></summary>
    public sealed class RetireRunner : IDisposable
    {
        /// <summary>Grants taken from the pipeline but not yet finished, at most: enough for several Regions' lanes to
        /// run at once from input sorted by Region, small enough to stay a few megabytes.</summary>
        public const int ReadAhead = 10_000;
        /// <summary>How long requests in flight may still answer after a stop.</summary>
        public static readonly TimeSpan StopGrace = TimeSpan.FromSeconds(2);
        /// <summary>With requests in flight and no answer of any kind for this long, the endpoint is taken to be gone
        /// (three per-attempt time-outs: a stall, not a slow answer).</summary>
        public static readonly TimeSpan SilenceLimit = TimeSpan.FromTicks(3 * KmsSession.AttemptTimeout.Ticks);

        /// <summary>A Region whose every answer for this long was a throttle (its quota taken by other clients, or 0)
        /// stops, like one refusing the credentials: at the slowest pace each grant would otherwise take 30 throttles one
        /// after another, half a minute apiece, without end in sight.</summary>
        public static readonly TimeSpan ThrottledThroughoutLimit = TimeSpan.FromSeconds(30);

        readonly KmsSession _session;
        readonly RetireOptions _options;
        readonly CancellationTokenSource _stopping;
        readonly CancellationTokenSource _abort = new CancellationTokenSource();
        readonly ConcurrentDictionary<string, Lane> _lanes = new ConcurrentDictionary<string, Lane>(StringComparer.Ordinal);
        readonly BlockingCollection<RetireOutcome> _completed = new BlockingCollection<RetireOutcome>();
        readonly ConcurrentQueue<string> _trace = new ConcurrentQueue<string>();
        readonly ConcurrentDictionary<string, KmsError> _refusedRegions = new ConcurrentDictionary<string, KmsError>(StringComparer.Ordinal);
        readonly Stopwatch _clock = Stopwatch.StartNew();
        readonly object _stopGate = new object();
        int _outstanding;
        long _submitted;
        long _finished;
        volatile bool _inputEnded;
        long _lastAnswerTicks;
        string? _stopReason;

        public RetireRunner(KmsSession session, RetireOptions options, CancellationToken userStop)
        {
            _session = session;
            _options = options;
            _stopping = CancellationTokenSource.CreateLinkedTokenSource(userStop);
        }

        public long Submitted => Interlocked.Read(ref _submitted);
        public long Finished => Interlocked.Read(ref _finished);
        public int Outstanding => Volatile.Read(ref _outstanding);
        public TimeSpan Elapsed => _clock.Elapsed;
        public bool Stopping => _stopping.IsCancellationRequested;
        /// <summary>Why the run stopped, when it did (set by <see cref="Stop"/>; Ctrl+C reads "stopped by the user").</summary>
        public string? StopReason => _stopReason ?? (Stopping ? "stopped by the user (Ctrl+C)" : null);
        /// <summary>An error that stopped the run for every grant (bad credentials, an endpoint that is not KMS, one that
        /// does not honour DryRun, one gone silent); the command reports it as terminating.</summary>
        public KmsError? FatalError { get; private set; }
        /// <summary>The grant whose answer was <see cref="FatalError"/>, when a grant's was (not for a silent endpoint or
        /// the DryRun check's canary): the error names it and has it as target.</summary>
        public GrantReference? FatalGrant { get; private set; }
        /// <summary>Regions other than the command's own that refused the credentials (a signature scoped to a Region the
        /// endpoint does not serve, an opt-in Region not enabled): only their grants stopped.</summary>
        public IReadOnlyDictionary<string, KmsError> RefusedRegions => _refusedRegions;
        public IReadOnlyList<LaneStatus> Lanes => _lanes.Values.Select(l => l.Status()).OrderBy(s => s.Region, StringComparer.Ordinal).ToList();
        public long Requests => _lanes.Values.Sum(l => Interlocked.Read(ref l.Requests));
        public long ThrottledResponses => _lanes.Values.Sum(l => Interlocked.Read(ref l.Throttled));

        /// <summary>Takes one grant into the run. Blocks while <see cref="ReadAhead"/> grants are outstanding, handing
        /// finished outcomes to <paramref name="onOutcome"/> meanwhile. Returns false (and takes nothing) once stopping.</summary>
        public bool Submit(GrantReference grant, Action<RetireOutcome> onOutcome)
        {
            while (Outstanding >= ReadAhead && !Stopping)
                if (_completed.TryTake(out var outcome, 50)) onOutcome(outcome);
            if (Stopping) return false;
            var lane = _lanes.GetOrAdd(_session.RegionOf(grant), region => new Lane(this, region));
            Interlocked.Increment(ref _outstanding);
            Interlocked.Increment(ref _submitted);
            lane.Enqueue(new Work(grant, lane.Region));
            Drain(onOutcome);
            return true;
        }

        /// <summary>Takes in a grant whose Region refused the credentials before its RetireGrant could go out (the DescribeKey
        /// of its alias there was refused). It finishes as if its own request had been refused, so that Region stops as it
        /// would for a key ARN there and the others go on. Returns false (and takes nothing) once stopping.</summary>
        public bool SubmitRefused(GrantReference grant, string region, KmsError refusal, Action<RetireOutcome> onOutcome)
        {
            if (Stopping) return false;
            _lanes.GetOrAdd(region, r => new Lane(this, r));
            Interlocked.Increment(ref _outstanding);
            Interlocked.Increment(ref _submitted);
            var work = new Work(grant, region) { Started = _clock.Elapsed };
            if (_refusedRegions.TryGetValue(region, out var earlier)) Finish(work, RetirePolicy.RegionRefused(earlier, region), abandoned: true);
            else Finish(work, RetirePolicy.RefusedBeforeSending(refusal, _options.DryRun));
            Drain(onOutcome);
            return true;
        }

        /// <summary>Waits for every grant taken in, handing outcomes over as they finish. <paramref name="tick"/> runs at
        /// least every 200 ms (for progress). Returns early only on a stop, which <see cref="FinishAfterStop"/> completes.</summary>
        public void Complete(Action<RetireOutcome> onOutcome, Action? tick = null)
        {
            _inputEnded = true;
            while ((Outstanding > 0 || _completed.Count > 0) && !Stopping)
            {
                if (_completed.TryTake(out var outcome, 200)) onOutcome(outcome);
                tick?.Invoke();
            }
            if (Stopping) FinishAfterStop(onOutcome);
        }

        /// <summary>The rate controllers' decisions since the last call (with <see cref="RetireOptions.Trace"/>).</summary>
        public IEnumerable<string> TakeTrace()
        {
            while (_trace.TryDequeue(out var line)) yield return line;
        }

        /// <summary>Stops the run: nothing new is sent (queued grants finish as NotAttempted at once).</summary>
        public void Stop(string reason, KmsError? fatal = null, GrantReference? fatalGrant = null)
        {
            lock (_stopGate)
            {
                if (fatal != null && FatalError == null)
                {
                    FatalError = fatal;
                    FatalGrant = fatalGrant;
                }
                if (_stopReason == null) _stopReason = reason;
            }
            _stopping.Cancel();
            foreach (var lane in _lanes.Values) lane.Wake();
        }

        /// <summary>After a stop: requests in flight get <see cref="StopGrace"/> to answer, then are abandoned; every
        /// outcome is handed to <paramref name="onOutcome"/> (which, after Ctrl+C, can only keep them). Returns within
        /// about StopGrace plus a second, whatever the endpoint does.</summary>
        public void FinishAfterStop(Action<RetireOutcome> onOutcome)
        {
            if (!Stopping) Stop("stopped");
            var grace = Stopwatch.StartNew();
            while (Outstanding > 0 && grace.Elapsed < StopGrace)
                if (_completed.TryTake(out var outcome, 20)) onOutcome(outcome);
            if (Outstanding > 0) _abort.Cancel();
            // Abandoned requests end at once; backoff timers wake on the abort. A last bound, whatever happens.
            while (Outstanding > 0 && grace.Elapsed < StopGrace + TimeSpan.FromSeconds(1))
                if (_completed.TryTake(out var outcome, 20)) onOutcome(outcome);
            Drain(onOutcome);
        }

        void Drain(Action<RetireOutcome> onOutcome)
        {
            while (_completed.TryTake(out var outcome)) onOutcome(outcome);
        }

        void Finish(Work work, RetireDecision decision, bool abandoned = false)
        {
            var error = decision.Error;
            var result = new RetireResult
            {
                KeyId = work.Grant.KeyId,
                GrantId = work.Grant.GrantId,
                GrantToken = work.Grant.GrantToken,
                Region = work.Region,
                Status = decision.Status,
                DryRun = _options.DryRun,
                Attempts = work.State.Attempts,
                ErrorCode = error?.Code,
                Message = decision.Message ?? error?.Message,
                Elapsed = _clock.Elapsed - work.Started,
            };
            if (error is { StopsEverything: true } && !abandoned)
            {
                // A Region other than the command's own refusing the credentials stops that Region only: the others
                // may well accept them. Anything else would fail every request alike.
                if (error.Kind is KmsErrorKind.InvalidSignature or KmsErrorKind.UnrecognizedClient
                    && work.Region != _session.DefaultRegion && _lanes.TryGetValue(work.Region, out var refused))
                {
                    _refusedRegions.TryAdd(work.Region, error);
                    refused.Wake();
                }
                else Stop($"{error.Code}: every request would fail alike", error, work.Grant);
            }
            if (_lanes.TryGetValue(work.Region, out var lane)) Interlocked.Increment(ref lane.Finished);
            Interlocked.Increment(ref _finished);
            _completed.Add(new RetireOutcome(work.Grant, result, error, decision.Note, abandoned));
            Interlocked.Decrement(ref _outstanding);
        }

        void HeardAnswer() => Interlocked.Exchange(ref _lastAnswerTicks, _clock.ElapsedTicks);

        /// <summary>Requests in flight and nothing heard for <see cref="SilenceLimit"/>: the endpoint accepts connections
        /// but does not answer (or trickles bytes). Stop rather than let every grant wait out its time-outs.</summary>
        void CheckSilence()
        {
            if (Stopping || _lanes.Values.All(l => l.InFlight == 0)) return;
            var heard = Interlocked.Read(ref _lastAnswerTicks);
            var silentFor = TimeSpan.FromSeconds((_clock.ElapsedTicks - heard) / (double)Stopwatch.Frequency);
            if (silentFor < SilenceLimit) return;
            Stop($"the endpoint ({_session.EndpointDisplay}) has not answered for {SilenceLimit.TotalSeconds:0} s",
                new KmsError(KmsErrorKind.Unresponsive, "EndpointUnresponsive",
                    $"{_session.EndpointDisplay} accepted requests but answered none for {SilenceLimit.TotalSeconds:0} s (each attempt allows {KmsSession.AttemptTimeout.TotalSeconds:0} s)."));
        }

        public void Dispose()
        {
            _stopping.Cancel();
            _abort.Cancel();
            foreach (var lane in _lanes.Values) lane.Wake();
            foreach (var lane in _lanes.Values) lane.Dispose();
            _abort.Dispose();
            _stopping.Dispose();
        }

        sealed class Work
        {
            public Work(GrantReference grant, string region)
            {
                Grant = grant;
                Region = region;
            }

            public GrantReference Grant { get; }
            public string Region { get; }
            public GrantAttempts State { get; } = new GrantAttempts();
            public TimeSpan Started { get; set; }
        }

        /// <summary>-WhatIf safety, per Region. Unchecked: a canary goes before the next grant. Ignored: nothing more is sent.</summary>
        enum DryRunCheck { Unchecked, Honoured, Ignored }

        /// <summary>One Region: its clients, rate controller, pacer and queues, and the dispatcher that sends.</summary>
        sealed class Lane : IDisposable
        {
            readonly RetireRunner _runner;
            readonly RegionClients _clients;
            readonly RateController _controller;
            readonly Pacer _pacer = new Pacer();
            readonly object _gate = new object();
            readonly Queue<Work> _new = new Queue<Work>();
            readonly Queue<Work> _retries = new Queue<Work>();
            readonly SemaphoreSlim _wake = new SemaphoreSlim(0);
            readonly Random _random = new Random();
            readonly Task _dispatcher;
            DryRunCheck _dryRun = DryRunCheck.Unchecked;
            double _lastAccepted;
            int _throttlesSinceAccepted;
            KmsError? _dryRunRefusal;
            int _inFlight;
            int _backingOff;
            public long Requests;
            public long Throttled;
            public long Finished;

            public Lane(RetireRunner runner, string region)
            {
                _runner = runner;
                Region = region;
                _clients = runner._session.ClientsFor(region);
                _controller = new RateController(runner._options.MaxRequestsPerSecond, runner._options.ThrottleLimit);
                if (runner._options.Trace) _controller.Trace = m => runner._trace.Enqueue($"{region}: {m}; pacing {_controller.Rate:0.#}/s, {_inFlight} in flight");
                _lastAccepted = Now;
                _dispatcher = Task.Run(DispatchAsync);
            }

            public string Region { get; }
            public int InFlight => Volatile.Read(ref _inFlight);
            double Now => _runner._clock.Elapsed.TotalSeconds;

            public LaneStatus Status()
            {
                lock (_gate)
                    return new LaneStatus
                    {
                        Region = Region, Finished = Interlocked.Read(ref Finished), InFlight = _inFlight, Queued = _new.Count + _retries.Count + _backingOff,
                        Requests = Interlocked.Read(ref Requests), Throttled = Interlocked.Read(ref Throttled),
                        Rate = _controller.Rate, QuotaEstimate = _controller.QuotaEstimate,
                    };
            }

            public void Enqueue(Work work)
            {
                work.Started = _runner._clock.Elapsed;
                lock (_gate) _new.Enqueue(work);
                Wake();
            }

            public void Wake() => _wake.Release();

            async Task DispatchAsync()
            {
                var stopping = _runner._stopping.Token;
                while (!_runner._abort.IsCancellationRequested)
                {
                    Work? next;
                    lock (_gate)
                    {
                        _controller.RequestsLeft = _runner._inputEnded ? _new.Count + _retries.Count + _backingOff : null;
                        _controller.OnTick(Now);
                        if (stopping.IsCancellationRequested || Refusal != null) AbandonQueued();
                        if (stopping.IsCancellationRequested) FinishRetriesWithoutUnknowns();
                        next = _retries.Count > 0 ? _retries.Peek() : _new.Count > 0 ? _new.Peek() : null;
                        if (next != null && _inFlight >= _controller.MaxInFlight) next = null;
                    }
                    _runner.CheckSilence();
                    CheckThrottledThroughout();
                    if (next == null)
                    {
                        await _wake.WaitAsync(50).ConfigureAwait(false);
                        continue;
                    }
                    if (_runner._options.DryRun && _dryRun == DryRunCheck.Unchecked)
                    {
                        // Unproven: this grant is not sent, and the next one gets its own canary (on its own key).
                        if (await CheckDryRunAsync(next.Grant).ConfigureAwait(false) is KmsError unproven)
                            lock (_gate)
                                if (_new.Count > 0 && ReferenceEquals(_new.Peek(), next))
                                    _runner.Finish(_new.Dequeue(), RetirePolicy.DryRunUnproven(unproven));
                        continue;
                    }
                    double rate;
                    lock (_gate) rate = _controller.Rate;
                    try
                    {
                        // A retry may still go out while stopping (to learn an unknown outcome); new grants may not.
                        await _pacer.WaitAsync(rate, _retries.Count > 0 ? _runner._abort.Token : stopping).ConfigureAwait(false);
                    }
                    catch (OperationCanceledException)
                    {
                        continue;
                    }
                    Work work;
                    long ticket;
                    lock (_gate)
                    {
                        // A throttle came while this permit was awaited at the old rate: wait again at the new one.
                        if (_controller.Rate < 0.99 * rate) continue;
                        var wasIdle = _inFlight == 0 && _backingOff == 0 && _retries.Count == 0;
                        if (_retries.Count > 0) work = _retries.Dequeue();
                        else if (_new.Count > 0 && !stopping.IsCancellationRequested) work = _new.Dequeue();
                        else continue;
                        // Silence and throttling are measured while waiting on KMS, not while the input paused (a slow
                        // source upstream, a script's Start-Sleep): an idle stretch ends with a fresh start.
                        if (wasIdle)
                        {
                            Volatile.Write(ref _lastAccepted, Now);
                            if (_runner._lanes.Values.All(l => l.InFlight == 0)) _runner.HeardAnswer();
                        }
                        _inFlight++;
                        ticket = _controller.OnSent(Now);
                    }
                    _ = AttemptAsync(work, ticket);
                }
                lock (_gate) AbandonQueued();
            }

            /// <summary>At a stop, only retries that can still learn an unknown outcome go out. (Called under the lock.)</summary>
            void FinishRetriesWithoutUnknowns()
            {
                for (var i = _retries.Count; i > 0; i--)
                {
                    var work = _retries.Dequeue();
                    if (work.State.OutcomeUnknown) _retries.Enqueue(work);
                    else _runner.Finish(work, RetirePolicy.StoppedBeforeRetry(work.State, _runner._options.DryRun));
                }
            }

            void CheckThrottledThroughout()
            {
                if (Refusal != null || Volatile.Read(ref _throttlesSinceAccepted) < 5) return;
                var since = Now - Volatile.Read(ref _lastAccepted);
                if (since < ThrottledThroughoutLimit.TotalSeconds) return;
                _runner._refusedRegions.TryAdd(Region, new KmsError(KmsErrorKind.Throttled, "ThrottlingException",
                    $"KMS in {Region} throttled every request for {since:0} s: its RetireGrant quota is taken by other clients, or is 0."));
                Wake();
            }

            KmsError? Refusal => _runner._refusedRegions.TryGetValue(Region, out var refusal) ? refusal : null;

            /// <summary>Grants never sent, at a stop or when this Region refused the credentials: NotAttempted, at once.
            /// (Called under the lock.)</summary>
            void AbandonQueued()
            {
                var decision = Refusal is KmsError refused ? RetirePolicy.RegionRefused(refused, Region)
                    : _dryRunRefusal is KmsError refusal ? RetirePolicy.DryRunRefused(refusal) : RetirePolicy.NotSent();
                while (_new.Count > 0) _runner.Finish(_new.Dequeue(), decision, abandoned: true);
                if (Refusal is KmsError stopped)
                    while (_retries.Count > 0)
                    {
                        var work = _retries.Dequeue();
                        _runner.Finish(work, RetirePolicy.RegionStoppedBeforeRetry(work.State, stopped, Region, _runner._options.DryRun), abandoned: true);
                    }
            }

            async Task AttemptAsync(Work work, long ticket)
            {
                var (error, sends) = await SendAsync(Request(work.Grant, _runner._options.DryRun)).ConfigureAwait(false);
                var answered = error == null || error.HttpStatus != null;
                if (answered) _runner.HeardAnswer();
                if (error?.Kind == KmsErrorKind.Throttled) Interlocked.Increment(ref _throttlesSinceAccepted);
                else if (answered) { Volatile.Write(ref _lastAccepted, Now); Volatile.Write(ref _throttlesSinceAccepted, 0); }
                if (error?.Kind == KmsErrorKind.Throttled) Interlocked.Increment(ref Throttled);

                RetireDecision decision;
                lock (_gate)
                {
                    _controller.OnResponse(ticket, Now, error?.Kind == KmsErrorKind.Throttled ? ResponseKind.Throttled : answered ? ResponseKind.Accepted : ResponseKind.Lost);
                    _inFlight--;
                    decision = RetirePolicy.AfterAttempt(work.State, error, sends, _runner._options.DryRun,
                        _runner._session.RetireAttempts, _runner.Stopping, _random);
                    if (decision.IsRetry) _backingOff++;
                }
                if (decision.IsRetry) _ = RetryLaterAsync(work, decision.RetryAfter!.Value);
                else _runner.Finish(work, decision);
                Wake();
            }

            async Task RetryLaterAsync(Work work, TimeSpan delay)
            {
                try { await Task.Delay(delay, _runner._abort.Token).ConfigureAwait(false); }
                catch (OperationCanceledException) { }
                lock (_gate)
                {
                    _backingOff--;
                    if (_runner._abort.IsCancellationRequested)
                    {
                        _runner.Finish(work, RetirePolicy.AfterAttempt(work.State, KmsError.StoppedInFlight(), 0, _runner._options.DryRun, 0, true, _random));
                        return;
                    }
                    _retries.Enqueue(work);
                }
                Wake();
            }

            /// <summary>Before the first DryRun request of this Region, proves that the endpoint honours DryRun: a DryRun
            /// RetireGrant of a grant that cannot exist must be refused by KMS (a 4xx KMS error about the request). Success
            /// means the endpoint ignores DryRun (moto does) and would retire real grants under -WhatIf: nothing more is sent
            /// and the run stops. A fault, no answer, an answer that is not KMS's, or a refusal of the credentials prove
            /// nothing (moto answers a DryRun on an unknown key with HTTP 500, and retires a real grant's): returns that
            /// error, and the grant is not sent. Null: decided (or stopping).</summary>
            async Task<KmsError?> CheckDryRunAsync(GrantReference sample)
            {
                var canary = sample.ByToken
                    ? new GrantReference(null, null, "AQpAM2KmsGrantsDryRunCheck" + Guid.NewGuid().ToString("N"))
                    : new GrantReference(sample.KeyId, new string('0', 64), null);
                var state = new GrantAttempts();
                while (true)
                {
                    try
                    {
                        await _pacer.WaitAsync(_controller.Rate, _runner._stopping.Token).ConfigureAwait(false);
                    }
                    catch (OperationCanceledException)
                    {
                        return null;   // stopping: the queued grants are abandoned by the loop
                    }
                    var (error, sends) = await SendAsync(Request(canary, dryRun: true)).ConfigureAwait(false);
                    if (error?.HttpStatus != null) _runner.HeardAnswer();
                    if (error == null)
                    {
                        _dryRunRefusal = KmsError.DryRunNotHonored(_runner._session.EndpointDisplay);
                        _dryRun = DryRunCheck.Ignored;
                        _runner.Stop("the endpoint does not honour DryRun", _dryRunRefusal);
                        return null;
                    }
                    if (error.Kind == KmsErrorKind.DryRunSucceeded || error.IsKmsRefusal)
                    {
                        _dryRun = DryRunCheck.Honoured;
                        return null;
                    }
                    if (error.Kind == KmsErrorKind.Throttled) Interlocked.Increment(ref Throttled);
                    // The canary retries as a grant would; what would end a grant's attempts ends the canary's.
                    var decision = RetirePolicy.AfterAttempt(state, error, sends, dryRun: true,
                        _runner._session.RetireAttempts, _runner.Stopping, _random);
                    if (!decision.IsRetry) return error;
                    try { await Task.Delay(decision.RetryAfter!.Value, _runner._stopping.Token).ConfigureAwait(false); }
                    catch (OperationCanceledException) { return null; }
                }
            }

            /// <summary>One RetireGrant attempt, within the per-attempt time-out: its error (null: success) and how often
            /// the request reached the wire, which <see cref="Requests"/> counts.</summary>
            async Task<(KmsError? Error, int Sends)> SendAsync(RetireGrantRequest request)
            {
                var sends = SendCounter.Begin();
                KmsError? error = null;
                using (var attempt = CancellationTokenSource.CreateLinkedTokenSource(_runner._abort.Token))
                {
                    attempt.CancelAfter(KmsSession.AttemptTimeout);
                    try
                    {
                        await _clients.Retire.RetireGrantAsync(request, attempt.Token).ConfigureAwait(false);
                    }
                    catch (Exception e)
                    {
                        error = _runner._abort.IsCancellationRequested ? KmsError.StoppedInFlight()
                            : KmsError.From(e, timedOut: attempt.IsCancellationRequested, sends: sends.Sends);
                    }
                }
                Interlocked.Add(ref Requests, Math.Max(1, sends.Sends));
                return (error, sends.Sends);
            }

            static RetireGrantRequest Request(GrantReference grant, bool dryRun)
            {
                var request = new RetireGrantRequest();
                if (grant.ByToken) request.GrantToken = grant.GrantToken;
                else { request.KeyId = grant.KeyId; request.GrantId = grant.GrantId; }
                if (dryRun) request.DryRun = true;
                return request;
            }

            public void Dispose()
            {
                try { _dispatcher.Wait(TimeSpan.FromSeconds(1)); } catch (AggregateException) { }
                _wake.Dispose();
            }
        }
    }
}

using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;

namespace KmsGrants.Engine
{
    /// <summary>One Region of a run: its clients, rate controller, pacer, DryRun proof and queues, and the dispatcher that
    /// sends a grant when a permit of its pacer and a slot of its window are both free. KMS quotas are per account and
    /// Region, so each Region runs in its own lane at its own quota. What to do after each attempt is
    /// <see cref="AttemptPolicy"/>'s; what stops the lane or the run is <see cref="StopRules"/>', watched by the run.</summary>
    internal sealed class RegionLane : IDisposable
    {
        readonly ILaneOwner _run;
        readonly RegionClients _clients;
        readonly RateController _controller;
        readonly Pacer _pacer = new Pacer();
        // Per key (or "by token"): an endpoint may answer one key's impossible grant as KMS does and another's not.
        readonly Dictionary<string, DryRunProof> _proofs = new Dictionary<string, DryRunProof>(StringComparer.Ordinal);
        readonly object _gate = new object();
        readonly Queue<RunItem> _new = new Queue<RunItem>();
        readonly Queue<RunItem> _retries = new Queue<RunItem>();
        readonly SemaphoreSlim _wake = new SemaphoreSlim(0);
        readonly Random _random = new Random();
        readonly Task _dispatcher;
        int _inFlight;
        int _backingOff;
        long _requests;
        long _throttled;
        long _finished;
        // KMS has answered a real grant's DryRun with "would succeed": until then DryRuns go one at a time, so that an
        // endpoint refusing impossible grants as KMS does but ignoring DryRun on real ones changes at most one grant.
        bool _dryRunVerdictSeen;
        // The lane has been empty (nothing in flight, backing off or queued) since its last send: the next send ends an
        // idle stretch (StopRules.OnBusyAgain). Grants queued behind the pacer are not idle, however few are in flight.
        bool _wentIdle = true;

        public RegionLane(ILaneOwner run, string region)
        {
            _run = run;
            Region = region;
            _clients = run.Session.ClientsFor(region);
            _controller = new RateController(run.Options.MaxRequestsPerSecond, run.Options.ThrottleLimit);
            if (run.Options.Trace) _controller.Trace = m => run.Trace($"{region}: {m}; pacing {_controller.Rate:0.#}/s, {_inFlight} in flight");
            _dispatcher = Task.Run(DispatchAsync);
        }

        public string Region { get; }
        public int InFlight => Volatile.Read(ref _inFlight);
        public long Requests => Interlocked.Read(ref _requests);
        public long Throttled => Interlocked.Read(ref _throttled);
        double Now => _run.Now;

        public LaneStatus Status()
        {
            lock (_gate)
                return new LaneStatus
                {
                    Region = Region, Finished = Interlocked.Read(ref _finished), InFlight = _inFlight, Requests = Requests,
                    Throttled = Throttled, Rate = _controller.Rate, QuotaEstimate = _controller.QuotaEstimate,
                };
        }

        public void Enqueue(RunItem work)
        {
            lock (_gate) _new.Enqueue(work);
            Wake();
        }

        public void Wake() => _wake.Release();

        public void CountFinished() => Interlocked.Increment(ref _finished);

        async Task DispatchAsync()
        {
            var stopping = _run.StopToken;
            while (!_run.AbortToken.IsCancellationRequested)
            {
                RunItem? next;
                lock (_gate)
                {
                    _controller.RequestsLeft = _run.InputEnded ? _new.Count + _retries.Count + _backingOff : null;
                    _controller.OnTick(Now);
                    FinishUnsendable();
                    next = _retries.Count > 0 ? _retries.Peek() : _new.Count > 0 ? _new.Peek() : null;
                    // A listing waits while the pipeline has not taken the pages it already brought back: waiting on the
                    // pipeline (a prompt, a slow consumer), not on KMS, so with nothing on the wire the lane is idle, and the
                    // silence and throttling clocks start afresh when it sends again.
                    var waitsForPipeline = next != null && _run.Backlogged;
                    if ((next == null || waitsForPipeline) && _inFlight == 0 && _backingOff == 0) _wentIdle = true;
                    var window = _run.Options.DryRun && !_dryRunVerdictSeen ? 1 : _controller.MaxInFlight;
                    if (next != null && (_inFlight >= window || waitsForPipeline)) next = null;
                }
                if (next == null)
                {
                    await _wake.WaitAsync(50).ConfigureAwait(false);
                    continue;
                }
                if (_run.Options.DryRun && !ProofFor(next.Grant).Proven)
                {
                    await ProveDryRunAsync(next).ConfigureAwait(false);
                    continue;
                }
                double rate;
                lock (_gate) rate = _controller.Rate;
                try
                {
                    // A retry may still go out while stopping (to learn an unknown outcome); new grants may not.
                    await _pacer.WaitAsync(rate, _retries.Count > 0 ? _run.AbortToken : stopping).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    continue;
                }
                RunItem work;
                long ticket;
                lock (_gate)
                {
                    // A throttle came while this permit was awaited at the old rate: wait again at the new one.
                    if (_controller.Rate < 0.99 * rate) continue;
                    if (_retries.Count > 0) work = _retries.Dequeue();
                    else if (_new.Count > 0 && !stopping.IsCancellationRequested) work = _new.Dequeue();
                    else continue;
                    if (_wentIdle) _run.OnBusyAgain(Region);
                    _wentIdle = false;
                    _inFlight++;
                    work.InFlight = true;
                    ticket = _controller.OnSent(Now);
                }
                _ = AttemptAsync(work, ticket);
            }
            lock (_gate) FinishUnsendable(all: true);
        }

        /// <summary>Finishes the grants that can no longer be sent: at a stop, the new ones, and the retries that cannot
        /// learn an unknown outcome (those may still go out); when this Region stopped, every one waiting. (Under the lock.)</summary>
        void FinishUnsendable(bool all = false)
        {
            var regionStopped = _run.RegionStop(Region) != null;
            if (!_run.Stopping && !regionStopped && !all) return;
            while (_new.Count > 0)
            {
                var work = _new.Dequeue();
                _run.Finish(work, _run.Unsendable(work));
            }
            for (var i = _retries.Count; i > 0; i--)
            {
                var work = _retries.Dequeue();
                if (work.State.OutcomeUnknown && !regionStopped && !all) _retries.Enqueue(work);
                else _run.Finish(work, _run.Unsendable(work));
            }
        }

        DryRunProof ProofFor(GrantReference grant)
        {
            var key = grant.ByToken ? "" : grant.KeyId!;
            lock (_gate)
            {
                if (!_proofs.TryGetValue(key, out var proof)) _proofs[key] = proof = new DryRunProof();
                return proof;
            }
        }

        /// <summary>Until the endpoint is proven to honour DryRun for this grant's key, the grant at the head of the queue
        /// waits for the canaries (<see cref="DryRunProof"/>); an unproven answer finishes that grant unsent.</summary>
        async Task ProveDryRunAsync(RunItem head)
        {
            var proof = ProofFor(head.Grant);
            // A key whose canaries keep proving nothing: its grants are not tried again, each a canary's full retries.
            var answer = proof.GivenUp ?? await proof.ProveAsync(head.Grant, _run.Operation, SendCanaryAsync, _run.Policy, () => _run.Stopping || _run.RegionStop(Region) != null, _random,
                _run.Session.EndpointDisplay, _run.StopToken).ConfigureAwait(false);
            if (answer is { Kind: KmsErrorKind.DryRunNotHonored })
            {
                _run.Stop("the endpoint does not honour DryRun", answer);
                return;
            }
            if (answer == null) return;
            lock (_gate)
                if (_new.Count > 0 && ReferenceEquals(_new.Peek(), head))
                    _run.Finish(_new.Dequeue(), proof.GivenUp != null ? _run.Policy.KeyUnproven(answer) : _run.Policy.DryRunUnproven(answer));
        }

        async Task<(KmsError? Error, int Sends)> SendCanaryAsync(GrantOperation operation, GrantReference canary)
        {
            double rate;
            lock (_gate) rate = _controller.Rate;
            await _pacer.WaitAsync(rate, _run.StopToken).ConfigureAwait(false);
            // In flight like any request: a canary that gets no answer is the silence the stop rules watch for, and its
            // throttles slow the Region as a grant's do (else a throttled canary is retried at the starting rate).
            bool wasIdle;
            long ticket;
            lock (_gate)
            {
                wasIdle = _wentIdle;
                _wentIdle = false;
                _inFlight++;
                ticket = _controller.OnSent(Now);
            }
            if (wasIdle) _run.OnBusyAgain(Region);
            KmsError? error = null;
            var answered = false;
            try
            {
                int sends;
                (error, sends, _) = await SendAsync(operation, new RunItem(canary, null, Region, TimeSpan.Zero), dryRun: true).ConfigureAwait(false);
                answered = CountAnswer(error);
                return (error, sends);
            }
            finally
            {
                lock (_gate)
                {
                    _controller.OnResponse(ticket, Now, error?.Kind == KmsErrorKind.Throttled ? ResponseKind.Throttled : answered ? ResponseKind.Accepted : ResponseKind.Lost);
                    _inFlight--;
                }
            }
        }

        async Task AttemptAsync(RunItem item, long ticket)
        {
            var operation = _run.Operation;
            var (error, sends, answer) = await SendAsync(operation, item, _run.Options.DryRun).ConfigureAwait(false);
            item.InFlight = false;
            var answered = CountAnswer(error);
            var more = false;
            if (error == null)
            {
                // A listing's page goes to the pipeline as it comes; the item's next page follows as its next request.
                if (operation.GrantsIn(answer, _clients.RedactSecrets) is { } grants) _run.Emit(item, grants);
                (more, error) = operation.Next(item, answer);
                item.Answer = answer;
            }
            AttemptDecision decision = default;
            lock (_gate)
            {
                var kind = error?.Kind == KmsErrorKind.Throttled ? ResponseKind.Throttled : answered ? ResponseKind.Accepted : ResponseKind.Lost;
                _controller.OnResponse(ticket, Now, kind);
                _inFlight--;
                if (error?.Kind == KmsErrorKind.DryRunSucceeded) _dryRunVerdictSeen = true;
                if (more)
                {
                    item.State.NextRequest();
                    _retries.Enqueue(item);
                }
                else
                {
                    decision = _run.Policy.AfterAttempt(item.State, error, sends, _run.Stopping, _random, Now);
                    if (decision.IsRetry) _backingOff++;
                }
            }
            if (!more)
            {
                if (decision.IsRetry) _ = RetryLaterAsync(item, decision.RetryAfter!.Value);
                else _run.Finish(item, decision);
            }
            Wake();
        }

        /// <summary>Tells the run an answer came (any HTTP answer), and counts throttles. Returns whether one came.</summary>
        bool CountAnswer(KmsError? error)
        {
            var answered = error == null || error.HttpStatus != null;
            var throttled = error?.Kind == KmsErrorKind.Throttled;
            if (answered) _run.OnAnswer(Region, throttled);
            if (throttled) Interlocked.Increment(ref _throttled);
            return answered;
        }

        async Task RetryLaterAsync(RunItem work, TimeSpan delay)
        {
            try { await Task.Delay(delay, _run.AbortToken).ConfigureAwait(false); }
            catch (OperationCanceledException) { }
            lock (_gate)
            {
                _backingOff--;
                // Given up while waiting: the same rule as for a grant queued for its retry.
                if (_run.AbortToken.IsCancellationRequested) _run.Finish(work, _run.Unsendable(work));
                else _retries.Enqueue(work);
            }
            Wake();
        }

        /// <summary>One attempt, within the per-attempt time-out: its error (null: success), how often the request reached
        /// the wire (which <see cref="Requests"/> counts), and KMS's answer.</summary>
        async Task<(KmsError? Error, int Sends, object? Answer)> SendAsync(GrantOperation operation, RunItem item, bool dryRun)
        {
            var counter = SendCounter.Begin();
            KmsError? error = null;
            object? answer = null;
            using (var attempt = CancellationTokenSource.CreateLinkedTokenSource(_run.AbortToken))
            {
                attempt.CancelAfter(KmsSession.AttemptTimeout);
                try
                {
                    answer = await operation.SendAsync(_clients.Run, item, dryRun, attempt.Token).ConfigureAwait(false);
                }
                catch (Exception e)
                {
                    error = _run.AbortToken.IsCancellationRequested ? KmsError.StoppedInFlight()
                        : _run.Session.ErrorFrom(e, timedOut: attempt.IsCancellationRequested, sends: counter.Sends);
                }
            }
            // A request given up before any of it was sent was not a request.
            var counted = error?.Kind == KmsErrorKind.Stopped && counter.Sends == 0 ? 0 : Math.Max(1, counter.Sends);
            Interlocked.Add(ref _requests, counted);
            return (error, counter.Sends, answer);
        }

        public void Dispose()
        {
            try { _dispatcher.Wait(TimeSpan.FromSeconds(1)); } catch (AggregateException) { }
            _wake.Dispose();
        }
    }
}

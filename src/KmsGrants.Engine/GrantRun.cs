using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Threading;

namespace KmsGrants.Engine
{
    /// <summary>One run of RetireGrant or RevokeGrant over every grant a command takes in: one <see cref="RegionLane"/> per
    /// Region, the stops, and the rule that <b>every grant taken in yields exactly one result</b> — whatever happens, and
    /// however the run ends. The pipeline thread calls <see cref="Submit"/>, which reads ahead up to
    /// <see cref="ReadAhead"/> grants so that every lane stays busy even when the input is sorted by Region, and
    /// <see cref="Complete"/>; results come back on that thread in completion order.
    /// <para>A stop (Ctrl+C, a downstream stop, -ErrorAction Stop, an error that would fail every request, an endpoint
    /// gone silent) sends nothing new; requests in flight get <see cref="StopGrace"/> to answer, then are given up and
    /// reported Unknown. Grants never sent are NotAttempted, those taken in after the stop too.</para></summary>
    public sealed class GrantRun : ILaneOwner, IDisposable
    {
        /// <summary>Grants taken in but not yet finished, at most: enough for several Regions' lanes to run at once from
        /// input sorted by Region, small enough to stay a few megabytes.</summary>
        public const int ReadAhead = 10_000;
        /// <summary>How long requests in flight may still answer after a stop.</summary>
        public static readonly TimeSpan StopGrace = TimeSpan.FromSeconds(2);
        /// <summary>After the grace, how long given-up requests and backoffs have to wind down before the run finishes
        /// what is left itself.</summary>
        static readonly TimeSpan WindDown = TimeSpan.FromSeconds(1);

        readonly CancellationTokenSource _stopping;
        readonly CancellationTokenSource _abort = new CancellationTokenSource();
        readonly ConcurrentDictionary<string, RegionLane> _lanes = new ConcurrentDictionary<string, RegionLane>(StringComparer.Ordinal);
        readonly BlockingCollection<GrantReport> _completed = new BlockingCollection<GrantReport>();
        // Taken in and not yet finished: what the run finishes itself if a lane cannot.
        readonly ConcurrentDictionary<Work, byte> _pending = new ConcurrentDictionary<Work, byte>();
        readonly ConcurrentQueue<string> _trace = new ConcurrentQueue<string>();
        // Regions that stopped alone: they refused the credentials, or throttled everything.
        readonly ConcurrentDictionary<string, KmsError> _stoppedRegions = new ConcurrentDictionary<string, KmsError>(StringComparer.Ordinal);
        readonly StopRules _rules;
        readonly Stopwatch _clock = Stopwatch.StartNew();
        readonly object _stopGate = new object();
        // The stop rules are checked on the run's own clock, not by the lanes: a lane may be waiting on a canary.
        readonly Timer _watchdog;
        int _watching;
        long _submitted;
        long _finished;
        volatile bool _inputEnded;
        string? _stopReason;

        public GrantRun(KmsSession session, GrantOperation operation, RunOptions options, CancellationToken userStop)
        {
            Session = session;
            Operation = operation;
            Options = options;
            Policy = new AttemptPolicy(operation, options.DryRun, session.AttemptsAgainstFaults);
            _stopping = CancellationTokenSource.CreateLinkedTokenSource(userStop);
            _rules = new StopRules(session.DefaultRegion, session.EndpointDisplay, Now);
            _watchdog = new Timer(_ => Watch(), null, WatchEvery, WatchEvery);
        }

        static readonly TimeSpan WatchEvery = TimeSpan.FromMilliseconds(100);

        public KmsSession Session { get; }
        public GrantOperation Operation { get; }
        public RunOptions Options { get; }
        public AttemptPolicy Policy { get; }
        public long Submitted => Interlocked.Read(ref _submitted);
        public long Finished => Interlocked.Read(ref _finished);
        public int Outstanding => _pending.Count;
        public TimeSpan Elapsed => _clock.Elapsed;
        public double Now => _clock.Elapsed.TotalSeconds;
        public bool Stopping => _stopping.IsCancellationRequested;
        public bool InputEnded => _inputEnded;
        public CancellationToken StopToken => _stopping.Token;
        public CancellationToken AbortToken => _abort.Token;
        /// <summary>Why the run stopped, when it did (set by <see cref="Stop"/>; Ctrl+C reads "stopped by the user").</summary>
        public string? StopReason => _stopReason ?? (Stopping ? UserStopReason : null);

        public const string UserStopReason = "stopped by the user (Ctrl+C)";
        /// <summary>An error that stopped the run for every grant (bad credentials, an endpoint that is not KMS, one that
        /// does not honour DryRun, one gone silent).</summary>
        public KmsError? FatalError { get; private set; }
        /// <summary>The grant whose answer was <see cref="FatalError"/>, when a grant's was (not for a silent endpoint or
        /// a DryRun canary): the error names it and has it as target.</summary>
        public GrantReference? FatalGrant { get; private set; }
        /// <summary>Regions that stopped alone (<see cref="StopRules.ScopeOf"/>, <see cref="StopRules.RegionStopDue"/>).</summary>
        public IReadOnlyDictionary<string, KmsError> StoppedRegions => _stoppedRegions;
        public IReadOnlyList<LaneStatus> Lanes => _lanes.Values.Select(l => l.Status()).OrderBy(s => s.Region, StringComparer.Ordinal).ToList();
        public long Requests => _lanes.Values.Sum(l => l.Requests);
        public long ThrottledResponses => _lanes.Values.Sum(l => l.Throttled);

        /// <summary>Takes one grant into the run, for <paramref name="region"/> (<see cref="RegionRouting.RegionOf"/>). Blocks
        /// while <see cref="ReadAhead"/> grants are outstanding, handing results to <paramref name="onResult"/> meanwhile.
        /// Once the run has stopped, the grant is finished at once, unsent.</summary>
        public void Submit(GrantReference grant, string region, Action<GrantReport> onResult)
        {
            // Taken in first: a stop thrown while results are handed over below (a later Select-Object -First) leaves it
            // pending, and the stop gives it its result.
            var work = TakeIn(grant, region);
            while (Outstanding > ReadAhead && !Stopping)
                if (_completed.TryTake(out var report, 50)) onResult(report);
            if (Stopping || RegionStop(region) != null) Finish(work, Unsendable(work));
            else _lanes.GetOrAdd(region, r => new RegionLane(this, r)).Enqueue(work);
            Drain(onResult);
        }

        /// <summary>Takes in a grant whose own request cannot go out because a lookup for it failed in
        /// <paramref name="region"/> (its alias's DescribeKey): it finishes as if its request had got that answer, so a
        /// Region that refused the credentials stops as it would for a key ARN there.</summary>
        public void SubmitFailedLookup(GrantReference grant, string region, KmsError error, Action<GrantReport> onResult)
        {
            var work = TakeIn(grant, region);
            Finish(work, Stopping || RegionStop(region) != null ? Unsendable(work) : Policy.FailedBeforeSending(error));
            Drain(onResult);
        }

        /// <summary>Waits for every grant taken in, handing results over as they finish. <paramref name="tick"/> runs at
        /// least every 200 ms (for progress). On a stop, <see cref="FinishAfterStop"/> completes it.</summary>
        public void Complete(Action<GrantReport> onResult, Action? tick = null)
        {
            _inputEnded = true;
            while ((Outstanding > 0 || _completed.Count > 0) && !Stopping)
            {
                if (_completed.TryTake(out var report, 200)) onResult(report);
                tick?.Invoke();
            }
            if (Stopping) FinishAfterStop(onResult);
        }

        /// <summary>The rate controllers' decisions since the last call (with <see cref="RunOptions.Trace"/>).</summary>
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
                _stopReason ??= reason;
            }
            _stopping.Cancel();
            foreach (var lane in _lanes.Values) lane.Wake();
        }

        void ILaneOwner.Stop(string reason, KmsError error) => Stop(reason, error);

        /// <summary>After a stop: requests in flight get <see cref="StopGrace"/> to answer, then are given up; every
        /// result is handed to <paramref name="onResult"/> (which, after Ctrl+C, can only keep them). Returns within about
        /// StopGrace plus a second, whatever the endpoint does — and with every grant taken in finished.</summary>
        public void FinishAfterStop(Action<GrantReport> onResult)
        {
            if (!Stopping) Stop("stopped");
            var grace = Stopwatch.StartNew();
            while (Outstanding > 0 && grace.Elapsed < StopGrace)
                if (_completed.TryTake(out var report, 20)) onResult(report);
            if (Outstanding > 0) _abort.Cancel();
            // Given-up requests end at once; backoff timers wake on the abort.
            while (Outstanding > 0 && grace.Elapsed < StopGrace + WindDown)
                if (_completed.TryTake(out var report, 20)) onResult(report);
            // Whatever still has no result gets one now: a late answer finds it finished and is dropped.
            foreach (var work in _pending.Keys.ToList())
                Finish(work, work.InFlight ? Policy.AfterAttempt(work.State, KmsError.StoppedInFlight(), 1, stopping: true, new Random()) : Unsendable(work));
            Drain(onResult);
        }

        /// <summary>The one result of a grant. Called once per grant, by whichever part of the run decided it; a second
        /// call is ignored.</summary>
        void ILaneOwner.Finish(Work work, AttemptDecision decision) => Finish(work, decision);

        void Finish(Work work, AttemptDecision decision)
        {
            if (!work.TryFinish()) return;
            var error = decision.Error;
            var result = Operation.NewResult(decision.Outcome);
            result.KeyId = work.Grant.KeyId;
            result.GrantId = work.Grant.GrantId;
            result.GrantToken = work.Grant.GrantToken;
            result.Region = work.Region;
            result.DryRun = Options.DryRun;
            result.Attempts = work.State.Attempts;
            result.ErrorCode = error?.Code;
            result.Message = decision.Message ?? error?.Message;
            result.Elapsed = _clock.Elapsed - work.Started;
            if (error != null && !decision.ReportedInBulk)
            {
                StopScope scope;
                lock (_rules) scope = _rules.ScopeOf(error, work.Region);
                if (scope == StopScope.Region) StopRegion(work.Region, error);
                else if (scope == StopScope.Run) Stop($"{error.Code}: every request would fail alike", error, work.Grant);
            }
            if (_lanes.TryGetValue(work.Region, out var lane)) lane.CountFinished();
            Interlocked.Increment(ref _finished);
            _completed.Add(new GrantReport(work.Grant, result, error, decision.Note, decision.Bulk));
            _pending.TryRemove(work, out _);
        }

        /// <summary>Why this Region stopped alone, if it did.</summary>
        public KmsError? RegionStop(string region) => _stoppedRegions.TryGetValue(region, out var stop) ? stop : null;

        /// <summary>The decision for a grant that can no longer be sent: its Region's stop, the endpoint found to ignore
        /// DryRun, or the run's stop (<see cref="AttemptPolicy.StoppedBeforeSending"/>: one rule wherever it waited).</summary>
        AttemptDecision ILaneOwner.Unsendable(Work work) => Unsendable(work);

        AttemptDecision Unsendable(Work work)
        {
            if (RegionStop(work.Region) is KmsError regionStop) return Policy.StoppedBeforeSending(work.State, regionStop, work.Region);
            if (FatalError is { Kind: KmsErrorKind.DryRunNotHonored } notHonored && work.State.Attempts == 0) return Policy.DryRunNotHonored(notHonored);
            return Policy.StoppedBeforeSending(work.State);
        }

        void ILaneOwner.OnBusyAgain(string region)
        {
            var wholeRunIdle = _lanes.Values.All(l => l.InFlight == 0);
            lock (_rules) _rules.OnBusyAgain(region, Now, wholeRunIdle);
        }

        void ILaneOwner.OnAnswer(string region, bool throttled)
        {
            lock (_rules) _rules.OnAnswer(region, Now, throttled);
        }

        /// <summary>Applies the stop rules that are due (one watcher at a time).</summary>
        void Watch()
        {
            if (Stopping || Interlocked.Exchange(ref _watching, 1) == 1) return;
            try
            {
                KmsError? runStop;
                var regionStops = new List<(string, KmsError)>();
                lock (_rules)
                {
                    runStop = _rules.RunStopDue(Now, _lanes.Values.Sum(l => l.InFlight));
                    foreach (var region in _lanes.Keys)
                        if (RegionStop(region) == null && _rules.RegionStopDue(region, Now, Operation.ApiName) is KmsError due)
                            regionStops.Add((region, due));
                }
                if (runStop != null) Stop($"the endpoint ({Session.EndpointDisplay}) has not answered for {StopRules.SilenceSeconds:0} s", runStop);
                foreach (var (region, stop) in regionStops) StopRegion(region, stop);
            }
            finally
            {
                Volatile.Write(ref _watching, 0);
            }
        }

        void ILaneOwner.Trace(string line) => _trace.Enqueue(line);

        void StopRegion(string region, KmsError error)
        {
            _stoppedRegions.TryAdd(region, error);
            if (_lanes.TryGetValue(region, out var lane)) lane.Wake();
        }

        Work TakeIn(GrantReference grant, string region)
        {
            var work = new Work(grant, region, _clock.Elapsed);
            _pending[work] = 0;
            Interlocked.Increment(ref _submitted);
            return work;
        }

        void Drain(Action<GrantReport> onResult)
        {
            while (_completed.TryTake(out var report)) onResult(report);
        }

        public void Dispose()
        {
            _watchdog.Dispose();
            _stopping.Cancel();
            _abort.Cancel();
            foreach (var lane in _lanes.Values) lane.Wake();
            foreach (var lane in _lanes.Values) lane.Dispose();
            _abort.Dispose();
            _stopping.Dispose();
        }
    }
}

using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Threading;

namespace KmsGrants.Engine
{
    /// <summary>One run of a <see cref="GrantOperation"/> (RetireGrant, RevokeGrant, CreateGrant, or a listing) over every
    /// item a command takes in: one <see cref="RegionLane"/> per Region, the stops, and the rule that <b>every item taken
    /// in yields exactly one result</b> — whatever happens, and however the run ends. The pipeline thread calls
    /// <see cref="Submit"/>, which reads ahead up to <see cref="ReadAhead"/> items so that every lane stays busy even when
    /// the input is sorted by Region, and <see cref="Complete"/>; results (and a listing's pages) come back on that thread
    /// in completion order.
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
        readonly BlockingCollection<RunEvent> _completed = new BlockingCollection<RunEvent>();
        // Taken in and not yet finished: what the run finishes itself if a lane cannot.
        readonly ConcurrentDictionary<RunItem, byte> _pending = new ConcurrentDictionary<RunItem, byte>();
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
        int _pagesWaiting;
        volatile bool _inputEnded;
        string? _stopReason;

        public GrantRun(KmsSession session, GrantOperation operation, RunOptions options, CancellationToken userStop)
        {
            Session = session;
            Operation = operation;
            Options = options;
            Policy = new AttemptPolicy(operation, options.DryRun, session.AttemptsAgainstFaults);
            _stopping = CancellationTokenSource.CreateLinkedTokenSource(userStop);
            _rules = new StopRules(options.RegionsStopAlone ? null : session.DefaultRegion, session.EndpointDisplay, Now);
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
        /// <summary>Pages handed back that the pipeline has not taken yet, at most (a few thousand grants): a listing
        /// sends no more requests meanwhile, so memory follows the slowest consumer, not the account's grants.</summary>
        public const int MaxPagesWaiting = 32;
        public bool Backlogged => Volatile.Read(ref _pagesWaiting) >= MaxPagesWaiting;
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

        /// <summary>Takes one item into the run, for <paramref name="region"/> (<see cref="RegionRouting.RegionOf"/>): a grant,
        /// or a key or principal with its <paramref name="request"/> (a new grant's <see cref="GrantSpec"/>, a
        /// <see cref="ListingRequest"/>). Blocks while <see cref="ReadAhead"/> items are outstanding, handing results to
        /// <paramref name="onEvent"/> meanwhile. Once the run has stopped, the item is finished at once, unsent.</summary>
        public void Submit(GrantReference grant, string region, Action<RunEvent> onEvent, object? request = null)
        {
            // Taken in first: a stop thrown while results are handed over below (a later Select-Object -First) leaves it
            // pending, and the stop gives it its result.
            var item = TakeIn(grant, region, request);
            while (Outstanding > ReadAhead && !Stopping)
                if (TryTake(out var report, 50)) onEvent(report);
            if (Stopping || RegionStop(region) != null) Finish(item, Unsendable(item));
            else _lanes.GetOrAdd(region, r => new RegionLane(this, r)).Enqueue(item);
            Drain(onEvent);
        }

        /// <summary>Takes in a grant whose own request cannot go out because a lookup for it failed in
        /// <paramref name="region"/> (its alias's DescribeKey): it finishes as if its request had got that answer, so a
        /// Region that refused the credentials stops as it would for a key ARN there.</summary>
        public void SubmitFailedLookup(GrantReference grant, string region, KmsError error, Action<RunEvent> onEvent, object? request = null)
        {
            var item = TakeIn(grant, region, request);
            Finish(item, Stopping || RegionStop(region) != null ? Unsendable(item) : Policy.FailedBeforeSending(error));
            Drain(onEvent);
        }

        /// <summary>Waits for every grant taken in, handing results over as they finish. <paramref name="tick"/> runs at
        /// least every 200 ms (for progress). On a stop, <see cref="FinishAfterStop"/> completes it.</summary>
        public void Complete(Action<RunEvent> onEvent, Action? tick = null)
        {
            _inputEnded = true;
            while ((Outstanding > 0 || _completed.Count > 0) && !Stopping)
            {
                if (TryTake(out var report, 200)) onEvent(report);
                tick?.Invoke();
            }
            if (Stopping) FinishAfterStop(onEvent);
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
        public void FinishAfterStop(Action<RunEvent> onEvent)
        {
            if (!Stopping) Stop("stopped");
            var grace = Stopwatch.StartNew();
            while (Outstanding > 0 && grace.Elapsed < StopGrace)
                if (TryTake(out var report, 20)) onEvent(report);
            if (Outstanding > 0) _abort.Cancel();
            // Given-up requests end at once; backoff timers wake on the abort.
            while (Outstanding > 0 && grace.Elapsed < StopGrace + WindDown)
                if (TryTake(out var report, 20)) onEvent(report);
            // Whatever still has no result gets one now: a late answer finds it finished and is dropped.
            foreach (var item in _pending.Keys.ToList())
                Finish(item, item.InFlight ? Policy.AfterAttempt(item.State, KmsError.StoppedInFlight(), 1, stopping: true, new Random(), Now) : Unsendable(item));
            Drain(onEvent);
        }

        /// <summary>The one result of an item. Called once per item, by whichever part of the run decided it; a second
        /// call is ignored.</summary>
        void ILaneOwner.Finish(RunItem item, AttemptDecision decision) => Finish(item, decision);

        void ILaneOwner.Emit(RunItem item, IReadOnlyList<GrantInfo> grants)
        {
            Interlocked.Increment(ref _pagesWaiting);
            _completed.Add(new PageReport(item.Grant, item.Request, item.Region, grants));
        }

        void Finish(RunItem item, AttemptDecision decision)
        {
            if (!item.TryFinish()) return;
            var error = decision.Error;
            var result = Operation.NewResult(decision.Outcome);
            result.KeyId = item.Grant.KeyId;
            result.GrantId = item.Grant.GrantId;
            result.GrantToken = item.Grant.GrantToken;
            result.Region = item.Region;
            result.DryRun = Options.DryRun;
            result.Attempts = item.State.Attempts;
            result.ErrorCode = error?.Code;
            result.Message = decision.Message ?? error?.Message;
            result.Elapsed = _clock.Elapsed - item.Started;
            Operation.Complete(result, item);
            if (error != null && !decision.ReportedInBulk)
            {
                StopScope scope;
                lock (_rules) scope = _rules.ScopeOf(error, item.Region);
                if (scope == StopScope.Region) StopRegion(item.Region, error);
                else if (scope == StopScope.Run) Stop($"{error.Code}: every request would fail alike", error, item.Grant);
            }
            if (_lanes.TryGetValue(item.Region, out var lane)) lane.CountFinished();
            Interlocked.Increment(ref _finished);
            _completed.Add(new GrantReport(item.Grant, result, error, decision.Note, decision.Bulk, item.Request));
            _pending.TryRemove(item, out _);
        }

        /// <summary>Why this Region stopped alone, if it did.</summary>
        public KmsError? RegionStop(string region) => _stoppedRegions.TryGetValue(region, out var stop) ? stop : null;

        /// <summary>The decision for a grant that can no longer be sent: its Region's stop, the endpoint found to ignore
        /// DryRun, or the run's stop (<see cref="AttemptPolicy.StoppedBeforeSending"/>: one rule wherever it waited).</summary>
        AttemptDecision ILaneOwner.Unsendable(RunItem item) => Unsendable(item);

        AttemptDecision Unsendable(RunItem item)
        {
            if (RegionStop(item.Region) is KmsError regionStop) return Policy.StoppedBeforeSending(item.State, regionStop, item.Region);
            if (FatalError is { Kind: KmsErrorKind.DryRunNotHonored } notHonored && item.State.Attempts == 0) return Policy.DryRunNotHonored(notHonored);
            return Policy.StoppedBeforeSending(item.State);
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

        RunItem TakeIn(GrantReference grant, string region, object? request)
        {
            var item = new RunItem(grant, request, region, _clock.Elapsed);
            Operation.Prepare(item);
            _pending[item] = 0;
            Interlocked.Increment(ref _submitted);
            return item;
        }

        bool TryTake(out RunEvent report, int millisecondsTimeout)
        {
            if (!_completed.TryTake(out report!, millisecondsTimeout)) return false;
            if (report is PageReport) Interlocked.Decrement(ref _pagesWaiting);
            return true;
        }

        void Drain(Action<RunEvent> onEvent)
        {
            while (TryTake(out var report, 0)) onEvent(report);
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

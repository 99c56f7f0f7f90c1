using System;
using System.Threading;

namespace KmsGrants.Engine
{
    public sealed class RunOptions
    {
        /// <summary>A ceiling on requests per second in each Region; null for none.</summary>
        public double? MaxRequestsPerSecond { get; set; }
        /// <summary>A ceiling on requests in flight in each Region; null for the rate controller's own.</summary>
        public int? ThrottleLimit { get; set; }
        public bool DryRun { get; set; }
        /// <summary>Keep the rate controllers' decisions for <see cref="GrantRun.TakeTrace"/> (-Debug).</summary>
        public bool Trace { get; set; }
    }

    /// <summary>The one result of one grant, with its error (if any) in the engine's terms.</summary>
    public sealed class GrantReport
    {
        public GrantReport(GrantReference grant, GrantResult result, KmsError? error, string? note, BulkReason? bulk)
        {
            Grant = grant;
            Result = result;
            Error = error;
            Note = note;
            Bulk = bulk;
        }

        public GrantReference Grant { get; }
        public GrantResult Result { get; }
        public KmsError? Error { get; }
        /// <summary>Worth a verbose line, e.g. why a NotFound counts as done.</summary>
        public string? Note { get; }
        /// <summary>Why this result is said once for many (<see cref="RunReport"/>), not grant by grant; null if it is not.</summary>
        public BulkReason? Bulk { get; }
        public bool ReportedInBulk => Bulk != null;
    }

    /// <summary>A snapshot of one Region's lane, for progress and the run's tally.</summary>
    public sealed class LaneStatus
    {
        public string Region { get; internal set; } = "";
        public long Finished { get; internal set; }
        public int InFlight { get; internal set; }
        public long Requests { get; internal set; }
        public long Throttled { get; internal set; }
        public double Rate { get; internal set; }
        public double? QuotaEstimate { get; internal set; }
    }

    /// <summary>One grant taken into a run, from then until its one result.</summary>
    internal sealed class Work
    {
        int _finished;

        public Work(GrantReference grant, string region, TimeSpan started)
        {
            Grant = grant;
            Region = region;
            Started = started;
        }

        public GrantReference Grant { get; }
        public string Region { get; }
        public TimeSpan Started { get; }
        public GrantAttempts State { get; } = new GrantAttempts();
        /// <summary>A request for it is on the wire now.</summary>
        public volatile bool InFlight;

        /// <summary>True the first time only: a grant has exactly one result.</summary>
        public bool TryFinish() => Interlocked.Exchange(ref _finished, 1) == 0;
    }

    /// <summary>What a Region's lane needs of its run, and all it may touch.</summary>
    internal interface ILaneOwner
    {
        KmsSession Session { get; }
        GrantOperation Operation { get; }
        RunOptions Options { get; }
        AttemptPolicy Policy { get; }
        /// <summary>Cancelled at a stop: nothing new is sent.</summary>
        CancellationToken StopToken { get; }
        /// <summary>Cancelled when the stop's grace is over: requests in flight are given up.</summary>
        CancellationToken AbortToken { get; }
        bool Stopping { get; }
        bool InputEnded { get; }
        /// <summary>Seconds on the run's clock.</summary>
        double Now { get; }
        /// <summary>Why this Region stopped, if it did (it refused the credentials, or throttled everything).</summary>
        KmsError? RegionStop(string region);
        /// <summary>The decision for a grant of <paramref name="region"/> that can no longer be sent.</summary>
        AttemptDecision Unsendable(Work work);
        void Finish(Work work, AttemptDecision decision);
        void OnBusyAgain(string region);
        void OnAnswer(string region, bool throttled);
        void Stop(string reason, KmsError error);
        void Trace(string line);
    }
}

using System;
using System.Collections.Generic;
using System.Linq;

namespace KmsGrants
{
    /// <summary>The tally of one Remove-KmsGrant run, kept in $KmsGrantsLastRun (as AWS.Tools keeps $AWSHistory). When a
    /// run is stopped (Ctrl+C, a downstream Select-Object -First, -ErrorAction Stop) the pipeline takes no more output, so
    /// the grants whose outcome came after the stop are listed in <see cref="UnreportedResults"/>: together with what was
    /// written, every grant that entered the run has one outcome.</summary>
    public sealed class RetireSummary
    {
        public DateTime StartTime { get; } = DateTime.Now;
        public TimeSpan Elapsed { get; internal set; }
        public bool DryRun { get; internal set; }
        public bool Stopped { get; internal set; }
        /// <summary>Why the run stopped early, in words; null when it ran to the end.</summary>
        public string? StopReason { get; internal set; }
        public int Submitted { get; internal set; }
        public int Retired { get; internal set; }
        public int RetiredOnRetry { get; internal set; }
        public int WouldRetire { get; internal set; }
        public int WouldFail { get; internal set; }
        public int Failed { get; internal set; }
        public int Unknown { get; internal set; }
        public int NotAttempted { get; internal set; }
        public int Invalid { get; internal set; }
        public int Declined { get; internal set; }
        public long Requests { get; internal set; }
        public long ThrottledResponses { get; internal set; }
        /// <summary>Per Region: requests, throttles, the quota measured and each status.</summary>
        public SortedDictionary<string, RegionTally> Regions { get; } = new SortedDictionary<string, RegionTally>(StringComparer.Ordinal);
        public List<RetireResult> UnreportedResults { get; } = new List<RetireResult>();

        internal void Count(RetireResult result)
        {
            switch (result.Status)
            {
                case RetireStatus.Retired: Retired++; break;
                case RetireStatus.RetiredOnRetry: RetiredOnRetry++; break;
                case RetireStatus.WouldRetire: WouldRetire++; break;
                case RetireStatus.WouldFail: WouldFail++; break;
                case RetireStatus.Failed: Failed++; break;
                case RetireStatus.Unknown: Unknown++; break;
                case RetireStatus.NotAttempted: NotAttempted++; break;
            }
            if (result.Region != null)
            {
                if (!Regions.TryGetValue(result.Region, out var tally)) Regions[result.Region] = tally = new RegionTally();
                tally.Count(result.Status);
            }
        }

        public override string ToString() =>
            $"{Submitted} submitted: {Retired + RetiredOnRetry} retired, {WouldRetire} would retire, {WouldFail} would fail, {Failed} failed, " +
            $"{Unknown} unknown, {NotAttempted} not attempted{(Stopped ? $" (stopped: {StopReason})" : "")}";
    }

    /// <summary>One Region's part of a run.</summary>
    public sealed class RegionTally
    {
        public int Retired { get; internal set; }
        public int Failed { get; internal set; }
        public int Unknown { get; internal set; }
        public int Other { get; internal set; }
        public long Requests { get; internal set; }
        public long ThrottledResponses { get; internal set; }
        /// <summary>The Region's RetireGrant quota as measured from throttles (requests per second), or null.</summary>
        public double? QuotaEstimate { get; internal set; }

        internal void Count(RetireStatus status)
        {
            switch (status)
            {
                case RetireStatus.Retired:
                case RetireStatus.RetiredOnRetry:
                case RetireStatus.WouldRetire: Retired++; break;
                case RetireStatus.Failed:
                case RetireStatus.WouldFail: Failed++; break;
                case RetireStatus.Unknown: Unknown++; break;
                default: Other++; break;
            }
        }

        public override string ToString() =>
            $"{Retired} done, {Failed} failed, {Unknown} unknown; {Requests} requests, {ThrottledResponses} throttled" +
            (QuotaEstimate is double q ? $", quota ≈ {q:0.#}/s" : "");
    }
}

using System;
using System.Collections.Generic;

namespace KmsGrants
{
    /// <summary>The tally of one Remove-KmsGrant run, kept in $KmsGrantsLastRun (as AWS.Tools keeps $AWSHistory).
    /// After Ctrl+C the pipeline accepts no more output, so the grants whose requests finished after the stop are
    /// listed here in <see cref="UnreportedResults"/>: together with what was written, every grant has one outcome.</summary>
    public sealed class RetireSummary
    {
        public DateTime StartTime { get; } = DateTime.Now;
        public TimeSpan Elapsed { get; internal set; }
        public bool DryRun { get; internal set; }
        public bool Stopped { get; internal set; }
        public int Submitted { get; internal set; }
        public int Retired { get; internal set; }
        public int RetiredOnRetry { get; internal set; }
        public int WouldRetire { get; internal set; }
        public int WouldFail { get; internal set; }
        public int Failed { get; internal set; }
        public int NotAttempted { get; internal set; }
        public int Invalid { get; internal set; }
        public int Declined { get; internal set; }
        public long Requests { get; internal set; }
        public long ThrottledResponses { get; internal set; }
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
                case RetireStatus.NotAttempted: NotAttempted++; break;
            }
        }
    }
}

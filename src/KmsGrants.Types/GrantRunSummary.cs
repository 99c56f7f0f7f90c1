using System;
using System.Collections.Generic;

namespace KmsGrants
{
    /// <summary>The tally of one Remove-KmsGrant, Revoke-KmsGrant or New-KmsGrant run, kept in $KmsGrantsLastRun (as AWS.Tools keeps
    /// $AWSHistory). Every grant the run took in has exactly one result: written to the output (with -PassThru), or, when
    /// the pipeline no longer took output (Ctrl+C, a downstream Select-Object -First, -ErrorAction Stop), kept in
    /// <see cref="UnreportedResults"/>. The counts are those results'.</summary>
    public abstract class GrantRunSummary
    {
        public DateTime StartTime { get; } = DateTime.Now;
        /// <summary>The KMS API: RetireGrant, RevokeGrant or CreateGrant.</summary>
        public abstract string Operation { get; }
        public TimeSpan Elapsed { get; internal set; }
        public bool DryRun { get; internal set; }
        public bool Stopped { get; internal set; }
        /// <summary>Why the run stopped early, in words; null when it ran to the end.</summary>
        public string? StopReason { get; internal set; }
        public int Submitted { get; internal set; }
        public int Succeeded { get; internal set; }
        public int SucceededOnRetry { get; internal set; }
        public int WouldSucceed { get; internal set; }
        public int WouldFail { get; internal set; }
        public int Failed { get; internal set; }
        public int Unknown { get; internal set; }
        public int NotAttempted { get; internal set; }
        /// <summary>Grants refused before they could be taken in (bad identifiers, no Region for them): errors, no result.</summary>
        public int Invalid { get; internal set; }
        /// <summary>Grants the user declined at the confirmation prompt: no result.</summary>
        public int Declined { get; internal set; }
        public long Requests { get; internal set; }
        public long ThrottledResponses { get; internal set; }
        /// <summary>Per Region: requests, throttles, the quota measured and each outcome.</summary>
        public SortedDictionary<string, RegionTally> Regions { get; } = new SortedDictionary<string, RegionTally>(StringComparer.Ordinal);
        public List<GrantResult> UnreportedResults { get; } = new List<GrantResult>();

        /// <summary>Results counted so far: equal to <see cref="Submitted"/> once the run has ended.</summary>
        public int ResultCount => Succeeded + SucceededOnRetry + WouldSucceed + WouldFail + Failed + Unknown + NotAttempted;

        internal void Count(GrantResult result)
        {
            switch (result.Outcome)
            {
                case GrantOutcome.Succeeded: Succeeded++; break;
                case GrantOutcome.SucceededOnRetry: SucceededOnRetry++; break;
                case GrantOutcome.WouldSucceed: WouldSucceed++; break;
                case GrantOutcome.WouldFail: WouldFail++; break;
                case GrantOutcome.Failed: Failed++; break;
                case GrantOutcome.Unknown: Unknown++; break;
                case GrantOutcome.NotAttempted: NotAttempted++; break;
            }
            if (result.Region != null)
            {
                if (!Regions.TryGetValue(result.Region, out var tally)) Regions[result.Region] = tally = new RegionTally();
                tally.Count(result.Outcome);
            }
        }

        /// <summary>"retired", "revoked": the operation's past participle, for the one-line summary.</summary>
        protected abstract string Done { get; }

        public override string ToString() =>
            $"{Submitted} submitted: {Succeeded + SucceededOnRetry} {Done}, {WouldSucceed} would be {Done}, {WouldFail} would fail, {Failed} failed, " +
            $"{Unknown} unknown, {NotAttempted} not attempted{(Stopped ? $" (stopped: {StopReason})" : "")}";
    }

    /// <summary>$KmsGrantsLastRun after Remove-KmsGrant: the counts under the names scripts have read since the first
    /// release (Retired, RetiredOnRetry, WouldRetire) as well as the neutral ones.</summary>
    public sealed class RetireSummary : GrantRunSummary
    {
        public override string Operation => "RetireGrant";
        public int Retired => Succeeded;
        public int RetiredOnRetry => SucceededOnRetry;
        public int WouldRetire => WouldSucceed;
        protected override string Done => "retired";
    }

    /// <summary>$KmsGrantsLastRun after Revoke-KmsGrant.</summary>
    public sealed class RevokeSummary : GrantRunSummary
    {
        public override string Operation => "RevokeGrant";
        public int Revoked => Succeeded;
        public int RevokedOnRetry => SucceededOnRetry;
        public int WouldRevoke => WouldSucceed;
        protected override string Done => "revoked";
    }

    /// <summary>$KmsGrantsLastRun after New-KmsGrant.</summary>
    public sealed class NewGrantSummary : GrantRunSummary
    {
        public override string Operation => "CreateGrant";
        public int Created => Succeeded + SucceededOnRetry;
        public int WouldCreate => WouldSucceed;
        protected override string Done => "created";
    }

    /// <summary>One Region's part of a run.</summary>
    public sealed class RegionTally
    {
        /// <summary>Deleted (or, under -WhatIf, would be).</summary>
        public int Succeeded { get; internal set; }
        /// <summary>The same count as <see cref="Succeeded"/>, under the name of the first release.</summary>
        public int Retired => Succeeded;
        public int Failed { get; internal set; }
        public int Unknown { get; internal set; }
        public int Other { get; internal set; }
        public long Requests { get; internal set; }
        public long ThrottledResponses { get; internal set; }
        /// <summary>The Region's quota for the operation as measured from throttles (requests per second), or null.</summary>
        public double? QuotaEstimate { get; internal set; }

        internal void Count(GrantOutcome outcome)
        {
            switch (outcome)
            {
                case GrantOutcome.Succeeded:
                case GrantOutcome.SucceededOnRetry:
                case GrantOutcome.WouldSucceed: Succeeded++; break;
                case GrantOutcome.Failed:
                case GrantOutcome.WouldFail: Failed++; break;
                case GrantOutcome.Unknown: Unknown++; break;
                default: Other++; break;
            }
        }

        public override string ToString() =>
            $"{Succeeded} done, {Failed} failed, {Unknown} unknown; {Requests} requests, {ThrottledResponses} throttled" +
            (QuotaEstimate is double q ? $", quota ≈ {q:0.#}/s" : "");
    }
}

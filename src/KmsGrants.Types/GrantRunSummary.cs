using System;
using System.Collections.Generic;
using System.ComponentModel;

namespace KmsGrants
{
    /// <summary>The tally of one Remove-KmsGrant, Revoke-KmsGrant or New-KmsGrant run, kept in $KmsGrantsLastRun (as AWS.Tools keeps
    /// $AWSHistory). Every grant the run took in has exactly one result: written to the output (with -PassThru), or, when
    /// the pipeline no longer took output (Ctrl+C, a downstream Select-Object -First, -ErrorAction Stop), kept in
    /// <see cref="UnreportedResults"/>. The counts are those results'.</summary>
    public abstract class GrantRunSummary
    {
        [Description("When the run started (local time).")]
        public DateTime StartTime { get; } = DateTime.Now;
        [Description("The KMS API: RetireGrant, RevokeGrant or CreateGrant.")]
        public abstract string Operation { get; }
        [Description("How long the run took.")]
        public TimeSpan Elapsed { get; internal set; }
        [Description("True for a -WhatIf run: every request was a DryRun.")]
        public bool DryRun { get; internal set; }
        [Description("True when the run ended early: Ctrl+C, a later command's stop (Select-Object -First), -ErrorAction Stop, or an answer that would fail every request.")]
        public bool Stopped { get; internal set; }
        [Description("Why the run stopped early, in words; empty when it ran to the end.")]
        public string? StopReason { get; internal set; }
        [Description("Grants taken into the run: each has exactly one result.")]
        public int Submitted { get; internal set; }
        [Description("Results whose Outcome is Succeeded (retired, revoked, created).")]
        public int Succeeded { get; internal set; }
        [Description("Results whose Outcome is SucceededOnRetry (gone after a lost response).")]
        public int SucceededOnRetry { get; internal set; }
        [Description("-WhatIf: results whose DryRun verdict is that the call would succeed.")]
        public int WouldSucceed { get; internal set; }
        [Description("-WhatIf: results whose DryRun got the error the real call would get.")]
        public int WouldFail { get; internal set; }
        [Description("Results whose Outcome is Failed.")]
        public int Failed { get; internal set; }
        [Description("Results whose Outcome is Unknown: check whether those grants exist.")]
        public int Unknown { get; internal set; }
        [Description("Results whose Outcome is NotAttempted: never sent; run them again once the cause is fixed.")]
        public int NotAttempted { get; internal set; }
        [Description("Grants refused before they could be taken in (bad identifiers, no Region for them): an error each, no result.")]
        public int Invalid { get; internal set; }
        [Description("Grants the user declined at the confirmation prompt: no result.")]
        public int Declined { get; internal set; }
        [Description("Requests sent, DryRun canaries and retries included.")]
        public long Requests { get; internal set; }
        [Description("Answers that were ThrottlingException.")]
        public long ThrottledResponses { get; internal set; }
        [Description("Per Region, a RegionTally: outcomes, requests, throttles and the quota measured.")]
        public SortedDictionary<string, RegionTally> Regions { get; } = new SortedDictionary<string, RegionTally>(StringComparer.Ordinal);
        [Description("The results the pipeline no longer took (Ctrl+C, a later command's stop, -ErrorAction Stop): with what was written, every grant's one result.")]
        public List<GrantResult> UnreportedResults { get; } = new List<GrantResult>();

        [Description("Results counted so far: equal to Submitted once the run has ended.")]
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
            Tally(result);
            if (result.Region != null)
            {
                if (!Regions.TryGetValue(result.Region, out var tally)) Regions[result.Region] = tally = new RegionTally();
                tally.Count(result.Outcome);
            }
        }

        /// <summary>What a kind of run counts beyond the outcomes.</summary>
        protected virtual void Tally(GrantResult result) { }

        /// <summary>"retired", "revoked": the operation's past participle, for the one-line summary.</summary>
        protected abstract string Done { get; }

        /// <summary>The summary's first count: the grants the run did.</summary>
        protected virtual string DoneCount => $"{Succeeded + SucceededOnRetry} {Done}";

        public override string ToString() =>
            $"{Submitted} submitted: {DoneCount}, {WouldSucceed} would be {Done}, {WouldFail} would fail, {Failed} failed, " +
            $"{Unknown} unknown, {NotAttempted} not attempted{(Stopped ? $" (stopped: {StopReason})" : "")}";
    }

    /// <summary>$KmsGrantsLastRun after Remove-KmsGrant: the counts under the names scripts have read since the first
    /// release (Retired, RetiredOnRetry, WouldRetire) as well as the neutral ones.</summary>
    public sealed class RetireSummary : GrantRunSummary
    {
        public override string Operation => "RetireGrant";
        [Description("Succeeded, under its RetireGrant name.")]
        public int Retired => Succeeded;
        [Description("SucceededOnRetry, under its RetireGrant name.")]
        public int RetiredOnRetry => SucceededOnRetry;
        [Description("WouldSucceed, under its RetireGrant name.")]
        public int WouldRetire => WouldSucceed;
        protected override string Done => "retired";
    }

    /// <summary>$KmsGrantsLastRun after Revoke-KmsGrant.</summary>
    public sealed class RevokeSummary : GrantRunSummary
    {
        public override string Operation => "RevokeGrant";
        [Description("Succeeded, under its RevokeGrant name.")]
        public int Revoked => Succeeded;
        [Description("SucceededOnRetry, under its RevokeGrant name.")]
        public int RevokedOnRetry => SucceededOnRetry;
        [Description("WouldSucceed, under its RevokeGrant name.")]
        public int WouldRevoke => WouldSucceed;
        protected override string Done => "revoked";
    }

    /// <summary>$KmsGrantsLastRun after New-KmsGrant.</summary>
    public sealed class NewGrantSummary : GrantRunSummary
    {
        public override string Operation => "CreateGrant";
        [Description("Grants created (Status Created): Succeeded, less Existed.")]
        public int Created => Succeeded + SucceededOnRetry - Existed;
        [Description("Results whose Status is Existed: KMS answered with the template grant itself, so nothing new was made (counted in Succeeded too).")]
        public int Existed { get; private set; }
        [Description("WouldSucceed, under its CreateGrant name.")]
        public int WouldCreate => WouldSucceed;
        protected override string Done => "created";
        protected override string DoneCount => $"{Created} created, {Existed} existed";

        protected override void Tally(GrantResult result)
        {
            if (result is NewGrantResult { Status: NewGrantStatus.Existed }) Existed++;
        }
    }

    /// <summary>One Region's part of a run.</summary>
    public sealed class RegionTally
    {
        [Description("Grants done there (retired, revoked, created; on retry too), or under -WhatIf that would be.")]
        public int Succeeded { get; internal set; }
        [Description("The same count as Succeeded, under the name of the first release.")]
        public int Retired => Succeeded;
        [Description("Grants failed there, or under -WhatIf that would fail.")]
        public int Failed { get; internal set; }
        [Description("Grants whose outcome is unknown.")]
        public int Unknown { get; internal set; }
        [Description("The Region's other results (NotAttempted).")]
        public int Other { get; internal set; }
        [Description("Requests sent to the Region.")]
        public long Requests { get; internal set; }
        [Description("The Region's answers that were ThrottlingException.")]
        public long ThrottledResponses { get; internal set; }
        [Description("The Region's quota for the operation as measured from its throttles (requests per second); empty when nothing was throttled.")]
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

using System;

namespace KmsGrants.Engine
{
    /// <summary>What is known of one grant across its attempts.</summary>
    public sealed class GrantAttempts
    {
        public int Attempts { get; internal set; }
        /// <summary>Faults and lost answers (time-outs, dropped connections, 5xx) so far.</summary>
        public int Faults { get; internal set; }
        public int Throttles { get; internal set; }
        /// <summary>Attempts that got no answer at all (time-outs).</summary>
        public int Silences { get; internal set; }
        /// <summary>An earlier attempt may have taken effect: its answer was lost, or the HTTP stack re-sent it.</summary>
        public bool OutcomeUnknown { get; internal set; }
    }

    /// <summary>What to do after an attempt: send again after a delay, or finish with a status.</summary>
    public readonly struct RetireDecision
    {
        RetireDecision(TimeSpan? retryAfter, RetireStatus status, KmsError? error, string? message, string? note)
        {
            RetryAfter = retryAfter;
            Status = status;
            Error = error;
            Message = message;
            Note = note;
        }

        /// <summary>Set when the grant is to be sent again after this delay (the pacer then paces it like any request).</summary>
        public TimeSpan? RetryAfter { get; }
        public RetireStatus Status { get; }
        /// <summary>The error to report for this grant, if any.</summary>
        public KmsError? Error { get; }
        /// <summary>The result's message when it is not the error's own.</summary>
        public string? Message { get; }
        /// <summary>A line worth a verbose message (why a NotFound counts as retired).</summary>
        public string? Note { get; }
        public bool IsRetry => RetryAfter != null;

        public static RetireDecision Retry(TimeSpan after) => new RetireDecision(after, default, null, null, null);
        public static RetireDecision Finish(RetireStatus status, KmsError? error = null, string? message = null, string? note = null) =>
            new RetireDecision(null, status, error, message, note);
    }

    /// <summary>The decisions of a retirement, apart from the concurrency that carries them out: pure, so every branch is
    /// unit-tested. Only a KMS answer counts as success; an outcome that cannot be known is reported as Unknown, never as
    /// retired or failed.</summary>
    public static class RetirePolicy
    {
        /// <summary>Throttled attempts tolerated per grant: the rate controller keeps throttles rare, so this only ends a
        /// run against a quota that has all but vanished.</summary>
        public const int MaxThrottledAttempts = 30;
        /// <summary>Attempts that may go unanswered: each costs a full time-out.</summary>
        public const int MaxSilentAttempts = 3;

        public const string UnknownMessage = "The outcome is unknown: a request may have reached KMS, but no answer came back. Check whether the grant still exists (Get-KmsGrant).";
        public const string RetiredOnRetryNote = "gone after a lost response; this run's earlier attempt probably retired it";

        /// <summary>Decides after one attempt.</summary>
        /// <param name="error">Null when KMS answered with success.</param>
        /// <param name="sends">How often this attempt's request went on the wire (the HTTP stack may re-send it).</param>
        /// <param name="maxAttempts">Attempts allowed against faults.</param>
        /// <param name="stopping">The command is stopping: no retry, except one that can still learn an unknown outcome.</param>
        public static RetireDecision AfterAttempt(GrantAttempts grant, KmsError? error, int sends, bool dryRun, int maxAttempts,
            bool stopping, Random random)
        {
            grant.Attempts += Math.Max(1, sends);
            // A request the HTTP stack sent more than once had a copy whose answer was lost: it may have taken effect.
            if (sends > 1) grant.OutcomeUnknown = true;

            if (error == null)
            {
                // A DryRun never succeeds on KMS: success means the endpoint ignored DryRun and may have retired the grant.
                return dryRun
                    ? RetireDecision.Finish(RetireStatus.Unknown, KmsError.DryRunNotHonored(null), UnknownMessage)
                    : RetireDecision.Finish(RetireStatus.Retired);
            }

            switch (error.Kind)
            {
                case KmsErrorKind.DryRunSucceeded when dryRun:
                    return RetireDecision.Finish(RetireStatus.WouldRetire);

                case KmsErrorKind.DryRunSucceeded:
                    return RetireDecision.Finish(RetireStatus.Unknown, KmsError.DryRunVerdictUnasked(error.HttpStatus, error.RequestId), UnknownMessage);

                case KmsErrorKind.Throttled:
                    grant.Throttles++;
                    if (grant.Throttles >= MaxThrottledAttempts || stopping)
                        return grant.OutcomeUnknown ? RetireDecision.Finish(RetireStatus.Unknown, error, UnknownMessage) : NotRetired(grant, error, dryRun, stopping);
                    // The pacer slows the rate; a little jitter keeps retried requests from arriving together.
                    return RetireDecision.Retry(TimeSpan.FromMilliseconds(random.Next(0, 50)));

                case KmsErrorKind.NotFound when grant.OutcomeUnknown && !dryRun:
                    return RetireDecision.Finish(RetireStatus.RetiredOnRetry, note: RetiredOnRetryNote);

                case KmsErrorKind.Stopped:
                    grant.OutcomeUnknown |= sends > 0;
                    return grant.OutcomeUnknown
                        ? RetireDecision.Finish(RetireStatus.Unknown, error, UnknownMessage)
                        : RetireDecision.Finish(RetireStatus.NotAttempted, message: "The command stopped before this grant's request was sent.");
            }

            if (error.OutcomeUnknown) grant.OutcomeUnknown = true;
            if (error.StopsEverything)
                return grant.OutcomeUnknown ? RetireDecision.Finish(RetireStatus.Unknown, error, UnknownMessage) : NotRetired(grant, error, dryRun, stopping: false);

            if (error.IsRetryable)
            {
                grant.Faults++;
                if (error.Kind == KmsErrorKind.TimedOut) grant.Silences++;
                var exhausted = grant.Faults >= maxAttempts || grant.Silences >= MaxSilentAttempts;
                // Once stopping, only a grant whose fate is unknown gets one more try: leaving it unknown makes the report untrue.
                if (exhausted || (stopping && (!grant.OutcomeUnknown || grant.Faults > 1)))
                    return grant.OutcomeUnknown ? RetireDecision.Finish(RetireStatus.Unknown, error, UnknownMessage) : NotRetired(grant, error, dryRun, stopping);
                return RetireDecision.Retry(Backoff(grant.Faults, random));
            }

            return NotRetired(grant, error, dryRun, stopping: false);
        }

        /// <summary>A grant whose request was never sent because the command stopped first.</summary>
        public static RetireDecision NotSent() =>
            RetireDecision.Finish(RetireStatus.NotAttempted, message: "The command stopped before this grant's request was sent.");

        /// <summary>A grant waiting to be sent again when the command stopped: unknown if an earlier attempt may have
        /// taken effect, else not retired (a DryRun: no verdict).</summary>
        public static RetireDecision StoppedBeforeRetry(GrantAttempts grant, bool dryRun)
        {
            if (grant.OutcomeUnknown) return RetireDecision.Finish(RetireStatus.Unknown, message: UnknownMessage);
            return dryRun
                ? RetireDecision.Finish(RetireStatus.NotAttempted, message: "The command stopped before KMS gave a DryRun verdict for this grant.")
                : RetireDecision.Finish(RetireStatus.Failed, message: "The command stopped before this grant could be retried; it was not retired.");
        }

        /// <summary>A grant not sent because its Region stopped: it refused the credentials, or throttled everything.</summary>
        public static RetireDecision RegionRefused(KmsError refusal, string region) =>
            RetireDecision.Finish(RetireStatus.NotAttempted, refusal, $"Not sent: {region} {RegionStopReason(refusal)}.");

        /// <summary>A grant waiting to be sent again when its Region stopped.</summary>
        public static RetireDecision RegionStoppedBeforeRetry(GrantAttempts grant, KmsError refusal, string region, bool dryRun) =>
            grant.OutcomeUnknown ? RetireDecision.Finish(RetireStatus.Unknown, refusal, UnknownMessage)
            : RetireDecision.Finish(dryRun ? RetireStatus.NotAttempted : RetireStatus.Failed, refusal,
                $"Not {(dryRun ? "given a DryRun verdict" : "retired")}: {region} {RegionStopReason(refusal)} before it could be sent again.");

        /// <summary>Why a Region stopped, after its name: "refused the credentials (…)" or "throttled every request …".</summary>
        public static string RegionStopReason(KmsError refusal) => refusal.Kind == KmsErrorKind.Throttled
            ? $"throttled every request for {RetireRunner.ThrottledThroughoutLimit.TotalSeconds:0} s"
            : $"refused the credentials ({refusal.Code})";

        /// <summary>A grant not sent because the DryRun sent first, of a grant that cannot exist, got no answer that proves
        /// the endpoint honours DryRun (no answer, a fault, or one that is not KMS's).</summary>
        public static RetireDecision DryRunUnproven(KmsError canaryError) =>
            RetireDecision.Finish(RetireStatus.NotAttempted, canaryError,
                $"Not sent: a DryRun of a grant that cannot exist, sent first to prove that the endpoint honours DryRun, got {canaryError.Code} " +
                "instead of KMS's refusal; -WhatIf sends no grant to an endpoint that may ignore DryRun.");

        /// <summary>A grant whose Region refused the credentials before its own request could go out (the lookup of its
        /// alias there was refused): not retired, as if its own request had been refused; never sent, so no attempt.</summary>
        public static RetireDecision RefusedBeforeSending(KmsError refusal, bool dryRun) =>
            RetireDecision.Finish(dryRun ? RetireStatus.WouldFail : RetireStatus.Failed, refusal);

        /// <summary>A grant not sent because the endpoint was found to ignore DryRun.</summary>
        public static RetireDecision DryRunRefused(KmsError refusal) =>
            RetireDecision.Finish(RetireStatus.NotAttempted, refusal, "Not sent: the endpoint does not honour DryRun, so -WhatIf could retire this grant.");

        static RetireDecision NotRetired(GrantAttempts grant, KmsError error, bool dryRun, bool stopping)
        {
            if (dryRun) return RetireDecision.Finish(RetireStatus.WouldFail, error);
            var message = error.Kind == KmsErrorKind.NotSent
                ? $"{error.Message} The grant was not retired."
                : stopping ? $"The command stopped before this grant could be retried ({error.Code}); it was not retired." : null;
            return RetireDecision.Finish(RetireStatus.Failed, error, message);
        }

        /// <summary>Full-jitter exponential backoff: 100 ms base, 5 s cap (the AWS SDKs' standard retry shape).</summary>
        public static TimeSpan Backoff(int failures, Random random)
        {
            var cap = Math.Min(5000, 100 * Math.Pow(2, failures - 1));
            return TimeSpan.FromMilliseconds(random.NextDouble() * cap);
        }
    }
}

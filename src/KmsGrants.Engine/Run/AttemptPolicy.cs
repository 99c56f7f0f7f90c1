using System;

namespace KmsGrants.Engine
{
    /// <summary>What is known of one grant across its attempts.</summary>
    public sealed class GrantAttempts
    {
        /// <summary>Requests that reached the wire for this grant (the HTTP stack may send one attempt twice).</summary>
        public int Attempts { get; internal set; }
        /// <summary>Faults and lost answers (time-outs, dropped connections, 5xx) so far.</summary>
        public int Faults { get; internal set; }
        public int Throttles { get; internal set; }
        /// <summary>Attempts that got no answer at all (time-outs).</summary>
        public int Silences { get; internal set; }
        /// <summary>An earlier attempt may have taken effect: its answer was lost, or the HTTP stack re-sent it.</summary>
        public bool OutcomeUnknown { get; internal set; }
        /// <summary>The last attempt's error, if it had one: what a grant stopped before its retry reports.</summary>
        public KmsError? LastError { get; internal set; }
        /// <summary>Whether a request whose answer was lost may be sent again. False for a CreateGrant without a Name: a
        /// second request would make a second grant.</summary>
        public bool LostAnswerMayBeResent { get; set; } = true;
        /// <summary>A key that ListKeys named: a NotFound means it was deleted since, and its listing is skipped.</summary>
        public bool GoneIsSkipped { get; set; }
        /// <summary>When (on the run's clock) KMS first refused this grant's principal: IAM may still be propagating it.</summary>
        public double? PrincipalRefusedSince { get; internal set; }

        /// <summary>A request succeeded and another follows for the same item (a listing's next page): the counts of what
        /// went wrong start again, as for a new request.</summary>
        internal void NextRequest()
        {
            Faults = 0;
            Throttles = 0;
            Silences = 0;
            LastError = null;
        }
    }

    /// <summary>Why a grant's result is said once for many (there may be thousands), not grant by grant.</summary>
    public enum BulkReason
    {
        /// <summary>Not sent, or not sent again, because the run stopped.</summary>
        RunStopped = 1,
        /// <summary>Its Region stopped alone (it refused the credentials, or throttled everything).</summary>
        RegionStopped,
        /// <summary>Under -WhatIf, its key's canaries kept getting answers that prove nothing.</summary>
        KeyUnproven,
    }

    /// <summary>What to do after an attempt: send again after a delay, or finish with an outcome.</summary>
    public readonly struct AttemptDecision
    {
        AttemptDecision(TimeSpan? retryAfter, GrantOutcome outcome, KmsError? error, string? message, string? note, BulkReason? bulk)
        {
            RetryAfter = retryAfter;
            Outcome = outcome;
            Error = error;
            Message = message;
            Note = note;
            Bulk = bulk;
        }

        /// <summary>Set when the grant is to be sent again after this delay (the pacer then paces it like any request).</summary>
        public TimeSpan? RetryAfter { get; }
        public GrantOutcome Outcome { get; }
        /// <summary>The error to report for this grant, if any.</summary>
        public KmsError? Error { get; }
        /// <summary>The result's message when it is not the error's own.</summary>
        public string? Message { get; }
        /// <summary>A line worth a verbose message (why a NotFound counts as done).</summary>
        public string? Note { get; }
        /// <summary>Said once for all grants of the same reason (and Region, and key), not grant by grant: null when this
        /// grant's result is reported on its own.</summary>
        public BulkReason? Bulk { get; }
        public bool ReportedInBulk => Bulk != null;
        public bool IsRetry => RetryAfter != null;

        public static AttemptDecision Retry(TimeSpan after) => new AttemptDecision(after, default, null, null, null, null);
        public static AttemptDecision Finish(GrantOutcome outcome, KmsError? error = null, string? message = null, string? note = null, BulkReason? bulk = null) =>
            new AttemptDecision(null, outcome, error, message, note, bulk);
    }

    /// <summary>The decisions of one run (of any <see cref="GrantOperation"/>, real or DryRun), apart from the concurrency
    /// that carries them out: pure (time is passed in), so every branch is unit-tested. Only a KMS answer counts as
    /// success; an outcome that cannot be known is reported as Unknown, never as done or failed.</summary>
    public sealed class AttemptPolicy
    {
        /// <summary>Throttled attempts tolerated per grant: the rate controller keeps throttles rare, so this only ends a
        /// run against a quota that has all but vanished.</summary>
        public const int MaxThrottledAttempts = 30;
        /// <summary>Attempts that may go unanswered: each costs a full time-out.</summary>
        public const int MaxSilentAttempts = 3;


        /// <summary>How long CreateGrant retries a principal KMS refuses (InvalidArnException): a role or user created
        /// moments ago is refused until IAM has propagated it (Terraform's KMS grant resource retries the same error for
        /// two to three minutes).</summary>
        public const double PrincipalPropagationSeconds = 120;


        readonly GrantOperation _operation;
        readonly bool _dryRun;
        readonly int _maxAttempts;

        /// <param name="maxAttempts">Attempts allowed against faults.</param>
        public AttemptPolicy(GrantOperation operation, bool dryRun, int maxAttempts)
        {
            _operation = operation;
            _dryRun = dryRun;
            _maxAttempts = maxAttempts;
        }

        public string DoneOnRetryNote => RunMessages.DoneOnRetry(_operation);

        /// <summary>Decides after one attempt.</summary>
        /// <param name="error">Null when KMS answered with success.</param>
        /// <param name="sends">How often this attempt's request went on the wire (the HTTP stack may re-send it; 0: never).</param>
        /// <param name="stopping">The run is stopping: no retry, except one that can still learn an unknown outcome.</param>
        /// <param name="now">Seconds on the run's clock (how long a principal has been refused).</param>
        public AttemptDecision AfterAttempt(GrantAttempts grant, KmsError? error, int sends, bool stopping, Random random, double now = 0)
        {
            // Stopped before any of its bytes left: this attempt did not happen.
            if (error?.Kind == KmsErrorKind.Stopped && sends == 0) return StoppedBeforeSending(grant);

            grant.Attempts += Math.Max(1, sends);
            // A request the HTTP stack sent more than once had a copy whose answer was lost: it may have taken effect (a
            // listing changes nothing, so nothing it does is unknown).
            if (sends > 1 && _operation.ChangesGrants) grant.OutcomeUnknown = true;
            grant.LastError = error;

            if (error == null)
            {
                // A DryRun never succeeds on KMS: success means the endpoint ignored DryRun and may have made the change.
                if (_dryRun) return AttemptDecision.Finish(GrantOutcome.Unknown, DryRunProof.NotHonoredError(null), RunMessages.DryRunAnsweredSuccess(_operation));
                return AttemptDecision.Finish(GrantOutcome.Succeeded, note: grant.OutcomeUnknown && _operation == GrantOperation.Create ? RunMessages.SameGrantAfterLostAnswer : null);
            }

            if (!_operation.ChangesGrants) return AfterListingAttempt(grant, error, stopping, random);

            if (_operation == GrantOperation.Create && error.Kind == KmsErrorKind.InvalidArn)
            {
                // Create names its key by ARN (checked before sending), so the ARN KMS refuses is a principal's.
                var refused = new KmsError(KmsErrorKind.InvalidPrincipal, error.Code, error.Message, error.HttpStatus, error.RequestId);
                grant.LastError = refused;
                grant.PrincipalRefusedSince ??= now;
                // A DryRun's refusal is KMS's verdict now: waiting on IAM's propagation would make -WhatIf look hung.
                if (_dryRun && refused.IsDryRunVerdict) return AttemptDecision.Finish(GrantOutcome.WouldFail, refused, $"{refused.Message} {RunMessages.PrincipalUnknownUnderWhatIf}");
                if (stopping || now - grant.PrincipalRefusedSince.Value >= PrincipalPropagationSeconds) return NotDone(refused, stopping);
                return AttemptDecision.Retry(Backoff(++grant.Faults, random));
            }

            switch (error.Kind)
            {
                case KmsErrorKind.DryRunSucceeded when _dryRun:
                    return AttemptDecision.Finish(GrantOutcome.WouldSucceed);

                case KmsErrorKind.DryRunSucceeded:
                    return AttemptDecision.Finish(GrantOutcome.Unknown, KmsAnswerCheck.DryRunVerdictUnasked(error.HttpStatus, error.RequestId), RunMessages.Unknown);

                case KmsErrorKind.Throttled:
                    grant.Throttles++;
                    if (grant.Throttles >= MaxThrottledAttempts || stopping)
                        return grant.OutcomeUnknown ? Unknown(error) : NotDone(error, stopping);
                    // The pacer slows the rate; a little jitter keeps retried requests from arriving together.
                    return AttemptDecision.Retry(TimeSpan.FromMilliseconds(random.Next(0, 50)));

                case KmsErrorKind.NotFound when grant.OutcomeUnknown && !_dryRun && _operation.GoneAfterLostAnswerIsDone:
                    return AttemptDecision.Finish(GrantOutcome.SucceededOnRetry, note: DoneOnRetryNote);

                case KmsErrorKind.Stopped:   // in flight when the run gave up waiting
                    grant.OutcomeUnknown = true;
                    return Unknown(error);
            }

            if (error.OutcomeUnknown) grant.OutcomeUnknown = true;
            if (error.StopsEverything)
                return grant.OutcomeUnknown ? Unknown(error) : NotDone(error, stopping: false);

            // Without a Name, a CreateGrant whose answer may have been lost is not sent again: it could make a second grant.
            if (grant.OutcomeUnknown && !grant.LostAnswerMayBeResent && !_dryRun)
                return AttemptDecision.Finish(GrantOutcome.Unknown, error, RunMessages.UnknownCreation);

            if (error.IsRetryable)
            {
                grant.Faults++;
                if (error.Kind == KmsErrorKind.TimedOut) grant.Silences++;
                var exhausted = grant.Faults >= _maxAttempts || grant.Silences >= MaxSilentAttempts;
                // Once stopping, only a grant whose fate is unknown gets one more try: leaving it unknown makes the report untrue.
                if (exhausted || (stopping && (!grant.OutcomeUnknown || grant.Faults > 1)))
                    return grant.OutcomeUnknown ? Unknown(error) : NotDone(error, stopping);
                return AttemptDecision.Retry(Backoff(grant.Faults, random));
            }

            return NotDone(error, stopping: false);
        }

        /// <summary>A listing's attempt went wrong: it changed nothing, so what its answer was lost to is retried like a
        /// fault, and what ends it is Failed, never Unknown. A key ListKeys named that is gone by now was deleted since:
        /// skipped, with a note.</summary>
        AttemptDecision AfterListingAttempt(GrantAttempts grant, KmsError error, bool stopping, Random random)
        {
            if (error.Kind == KmsErrorKind.NotFound && grant.GoneIsSkipped)
                return AttemptDecision.Finish(GrantOutcome.Succeeded, note: RunMessages.GoneSinceListKeys);
            if (error.Kind == KmsErrorKind.Stopped) return StoppedBeforeSending(grant);
            if (error.Kind == KmsErrorKind.Throttled)
            {
                grant.Throttles++;
                return grant.Throttles >= MaxThrottledAttempts || stopping ? NotDone(error, stopping) : AttemptDecision.Retry(TimeSpan.FromMilliseconds(random.Next(0, 50)));
            }
            if (error.IsRetryable && !error.StopsEverything)
            {
                grant.Faults++;
                if (error.Kind == KmsErrorKind.TimedOut) grant.Silences++;
                if (stopping || grant.Faults >= _maxAttempts || grant.Silences >= MaxSilentAttempts) return NotDone(error, stopping);
                return AttemptDecision.Retry(Backoff(grant.Faults, random));
            }
            return NotDone(error, stopping: false);
        }

        /// <summary>The one rule for a grant the run stopped before it could be (re)sent — waiting in its backoff, queued
        /// for a retry, or queued at all: unknown if an earlier attempt may have taken effect; never attempted if there was
        /// none; else not done (a DryRun: no verdict). <paramref name="regionStop"/> is its Region's refusal, when that was
        /// the stop.</summary>
        public AttemptDecision StoppedBeforeSending(GrantAttempts grant, KmsError? regionStop = null, string? region = null)
        {
            var cause = RunMessages.StopCause(regionStop, region);
            var error = regionStop ?? grant.LastError;
            if (grant.OutcomeUnknown && !_dryRun) return AttemptDecision.Finish(GrantOutcome.Unknown, error, RunMessages.Unknown);
            var stop = regionStop != null ? BulkReason.RegionStopped : BulkReason.RunStopped;
            if (grant.Attempts == 0)
                return AttemptDecision.Finish(GrantOutcome.NotAttempted, regionStop, RunMessages.NeverSent(cause), bulk: stop);
            // A Region's stop is said once for all its grants; the command's own stop, grant by grant.
            var bulk = regionStop != null ? BulkReason.RegionStopped : (BulkReason?)null;
            return _dryRun
                ? AttemptDecision.Finish(GrantOutcome.NotAttempted, error, RunMessages.NoVerdictBeforeStop(cause), bulk: bulk)
                : AttemptDecision.Finish(GrantOutcome.Failed, error, RunMessages.NotSentAgain(_operation, cause, error), bulk: bulk);
        }

        /// <summary>A grant whose own request could not go out because a lookup for it failed (its alias's DescribeKey):
        /// not done, as if its own request had got that answer; never sent, so no attempt. Under DryRun that is a verdict
        /// only when KMS itself refused (the alias does not exist, the Region refused the credentials): a fault, a
        /// time-out or an answer that is not KMS's says nothing of what the real call would get.</summary>
        public AttemptDecision FailedBeforeSending(KmsError error)
        {
            if (!_dryRun) return AttemptDecision.Finish(GrantOutcome.Failed, error);
            return error.IsDryRunVerdict
                ? AttemptDecision.Finish(GrantOutcome.WouldFail, error)
                : AttemptDecision.Finish(GrantOutcome.NotAttempted, error, RunMessages.NoVerdictForLookup(error));
        }

        /// <summary>A grant not sent because the DryRun sent first, of a grant that cannot exist, got no answer that proves
        /// the endpoint honours DryRun (no answer, a fault, or one that is not KMS's).</summary>
        public AttemptDecision DryRunUnproven(KmsError canaryError) =>
            AttemptDecision.Finish(GrantOutcome.NotAttempted, canaryError, RunMessages.DryRunUnproven(canaryError));

        /// <summary>A grant not sent because the endpoint was found to ignore DryRun.</summary>
        public AttemptDecision DryRunNotHonored(KmsError error) =>
            AttemptDecision.Finish(GrantOutcome.NotAttempted, error, RunMessages.DryRunNotHonoredForGrant(_operation), bulk: BulkReason.RunStopped);

        /// <summary>Canaries whose answers prove nothing in a row, on one key, after which its grants are no longer tried:
        /// an endpoint that faults every DryRun on a key (moto, on a key it lacks) would otherwise cost each grant a
        /// canary's full retries.</summary>
        public const int MaxUnprovenCanariesInARow = 6;

        /// <summary>A grant not sent because its key's canaries got <see cref="MaxUnprovenCanariesInARow"/> answers in a row
        /// that prove nothing (<paramref name="canaryError"/> the last): said once for the key.</summary>
        public AttemptDecision KeyUnproven(KmsError canaryError) =>
            AttemptDecision.Finish(GrantOutcome.NotAttempted, canaryError, RunMessages.KeyUnproven(canaryError), bulk: BulkReason.KeyUnproven);

        /// <summary>How long a request that no pacer paces (a DryRun canary, the key catalog's pages) waits before it is sent
        /// again after <paramref name="decision"/> said retry. A grant's throttled retry waits only for the pacer, among
        /// others; such a request is alone, so a throttle also backs it off (up to 5 s), as an SDK would, for the quota to
        /// recover.</summary>
        public static TimeSpan UnpacedRetryDelay(AttemptDecision decision, KmsError? error, GrantAttempts attempts, Random random) =>
            error?.Kind == KmsErrorKind.Throttled
                ? TimeSpan.FromTicks(Math.Max(decision.RetryAfter!.Value.Ticks, Backoff(attempts.Throttles, random).Ticks))
                : decision.RetryAfter!.Value;

        /// <summary>An outcome that cannot be known. Under DryRun there is none: a DryRun changes nothing (the endpoint proved
        /// it honours DryRun before any real grant's was sent), so a grant with no verdict was left as it was.</summary>
        AttemptDecision Unknown(KmsError error) => _dryRun ? NoVerdict(error) : AttemptDecision.Finish(GrantOutcome.Unknown, error, RunMessages.Unknown);

        /// <summary>Under DryRun, an attempt whose last answer was not KMS's verdict on the grant (a fault, a throttle, a
        /// time-out, an answer that is not KMS's): NotAttempted, with that answer — never WouldFail, which only KMS says.</summary>
        AttemptDecision NoVerdict(KmsError error) =>
            AttemptDecision.Finish(GrantOutcome.NotAttempted, error, RunMessages.NoVerdict(_operation, error));

        AttemptDecision NotDone(KmsError error, bool stopping)
        {
            if (_dryRun) return error.IsDryRunVerdict ? AttemptDecision.Finish(GrantOutcome.WouldFail, error) : NoVerdict(error);
            var message = error.Kind == KmsErrorKind.NotSent ? RunMessages.NotSentFailure(_operation, error)
                : stopping ? RunMessages.StoppedBeforeRetry(_operation, error) : null;
            return AttemptDecision.Finish(GrantOutcome.Failed, error, message);
        }

        /// <summary>Full-jitter exponential backoff: 100 ms base, 5 s cap (the AWS SDKs' standard retry shape).</summary>
        public static TimeSpan Backoff(int failures, Random random)
        {
            var cap = Math.Min(5000, 100 * Math.Pow(2, failures - 1));
            return TimeSpan.FromMilliseconds(random.NextDouble() * cap);
        }
    }
}

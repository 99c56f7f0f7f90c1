using System.Net;
using KmsGrants;
using KmsGrants.Engine;
using Xunit;

/// <summary>Every branch of what happens after an attempt, and of a grant the run stops before it could be sent.</summary>
public class AttemptPolicyTests
{
    const int MaxAttempts = 6;
    static readonly Random Random = new(1);

    static KmsError Error(KmsErrorKind kind, string code, int? status = 400) => new(kind, code, "message", status);
    static readonly KmsError Throttle = Error(KmsErrorKind.Throttled, "ThrottlingException");
    static readonly KmsError Fault = Error(KmsErrorKind.InternalFailure, "KMSInternalException", 500);
    static readonly KmsError NotFound = Error(KmsErrorKind.NotFound, "NotFoundException");
    static readonly KmsError Refused = new(KmsErrorKind.NotSent, "SocketException", "The request was not sent: connection refused");
    static readonly KmsError Silence = new(KmsErrorKind.TimedOut, "TimedOut", "No answer");
    static readonly KmsError Dropped = new(KmsErrorKind.NetworkError, "IOException", "reset");

    static AttemptPolicy Policy(bool dryRun = false, GrantOperation? operation = null) => new(operation ?? GrantOperation.Retire, dryRun, MaxAttempts);

    static AttemptDecision After(GrantAttempts g, KmsError? error, int sends = 1, bool dryRun = false, bool stopping = false) =>
        Policy(dryRun).AfterAttempt(g, error, sends, stopping, Random);

    [Fact]
    public void Success_is_retired()
    {
        var g = new GrantAttempts();
        var d = After(g, null);
        Assert.Equal(GrantOutcome.Succeeded, d.Outcome);
        Assert.False(d.IsRetry);
        Assert.Equal(1, g.Attempts);
    }

    [Fact]
    public void A_request_the_HTTP_stack_resent_counts_each_copy_and_makes_the_outcome_unknown()
    {
        var g = new GrantAttempts();
        Assert.True(After(g, Dropped, sends: 2).IsRetry);
        Assert.Equal(2, g.Attempts);
        Assert.True(g.OutcomeUnknown);
        Assert.Equal(GrantOutcome.SucceededOnRetry, After(g, NotFound).Outcome);
    }

    [Fact]
    public void DryRun_success_means_the_endpoint_ignored_DryRun_and_the_outcome_is_unknown()
    {
        var d = After(new GrantAttempts(), null, dryRun: true);
        Assert.Equal(GrantOutcome.Unknown, d.Outcome);
        Assert.Equal(KmsErrorKind.DryRunNotHonored, d.Error!.Kind);
        Assert.True(d.Error.StopsEverything);
    }

    [Fact]
    public void DryRun_verdicts()
    {
        Assert.Equal(GrantOutcome.WouldSucceed, After(new GrantAttempts(), Error(KmsErrorKind.DryRunSucceeded, "DryRunOperationException", 412), dryRun: true).Outcome);
        var fail = After(new GrantAttempts(), Error(KmsErrorKind.AccessDenied, "AccessDeniedException"), dryRun: true);
        Assert.Equal(GrantOutcome.WouldFail, fail.Outcome);
        Assert.Equal("AccessDeniedException", fail.Error!.Code);
    }

    [Fact]
    public void A_throttle_is_retried_at_once_with_a_little_jitter()
    {
        var g = new GrantAttempts();
        var d = After(g, Throttle);
        Assert.True(d.IsRetry);
        Assert.InRange(d.RetryAfter!.Value, TimeSpan.Zero, TimeSpan.FromMilliseconds(50));
        Assert.Equal(1, g.Throttles);
    }

    [Fact]
    public void Throttles_end_in_failure_after_the_limit_and_a_dry_run_in_a_would_fail()
    {
        var g = new GrantAttempts();
        for (var i = 1; i < AttemptPolicy.MaxThrottledAttempts; i++) Assert.True(After(g, Throttle).IsRetry);
        var d = After(g, Throttle);
        Assert.Equal(GrantOutcome.Failed, d.Outcome);
        Assert.Equal("ThrottlingException", d.Error!.Code);

        // A throttle is no verdict on the grant: under DryRun it ends NotAttempted, with the throttle as its last answer.
        var dry = new GrantAttempts { Throttles = AttemptPolicy.MaxThrottledAttempts - 1 };
        var noVerdict = After(dry, Throttle, dryRun: true);
        Assert.Equal(GrantOutcome.NotAttempted, noVerdict.Outcome);
        Assert.Equal("ThrottlingException", noVerdict.Error!.Code);
        Assert.StartsWith("No DryRun verdict", noVerdict.Message);
    }

    [Theory]
    [InlineData(KmsErrorKind.InternalFailure, "KMSInternalException", 500)]
    [InlineData(KmsErrorKind.TimedOut, "TimedOut", null)]
    [InlineData(KmsErrorKind.NetworkError, "IOException", null)]
    [InlineData(KmsErrorKind.NotKmsResponse, "NotKmsResponse", 200)]
    public void Under_DryRun_nothing_can_have_changed_so_no_answer_is_Unknown_or_WouldFail_unless_KMS_said_so(KmsErrorKind kind, string code, int? status)
    {
        var g = new GrantAttempts();
        AttemptDecision d;
        do d = After(g, Error(kind, code, status), dryRun: true); while (d.IsRetry);
        Assert.Equal(GrantOutcome.NotAttempted, d.Outcome);
        Assert.Equal(code, d.Error!.Code);
        Assert.Contains("nothing was retired", d.Message);
        // Stopped while in flight, or stopped before a retry after a lost answer: still no change, still no verdict.
        Assert.Equal(GrantOutcome.NotAttempted, After(new GrantAttempts(), KmsError.StoppedInFlight(), dryRun: true).Outcome);
        Assert.Equal(GrantOutcome.NotAttempted, Policy(dryRun: true).StoppedBeforeSending(new GrantAttempts { Attempts = 1, OutcomeUnknown = true }).Outcome);
        // KMS's own refusal of the credentials is the real call's answer too.
        Assert.Equal(GrantOutcome.WouldFail, After(new GrantAttempts(), Error(KmsErrorKind.ExpiredToken, "ExpiredTokenException"), dryRun: true).Outcome);
    }

    [Fact]
    public void Throttles_after_a_lost_answer_end_unknown()
    {
        var g = new GrantAttempts { OutcomeUnknown = true, Throttles = AttemptPolicy.MaxThrottledAttempts - 1 };
        Assert.Equal(GrantOutcome.Unknown, After(g, Throttle).Outcome);
    }

    [Fact]
    public void A_throttle_while_stopping_is_not_retried_and_says_so()
    {
        var d = After(new GrantAttempts(), Throttle, stopping: true);
        Assert.Equal(GrantOutcome.Failed, d.Outcome);
        Assert.Contains("stopped", d.Message);
    }

    [Fact]
    public void NotFound_is_a_failure_unless_an_earlier_answer_was_lost()
    {
        Assert.Equal(GrantOutcome.Failed, After(new GrantAttempts(), NotFound).Outcome);
        var g = new GrantAttempts();
        Assert.True(After(g, Fault).IsRetry);
        var d = After(g, NotFound);
        Assert.Equal(GrantOutcome.SucceededOnRetry, d.Outcome);
        Assert.Equal(Policy().DoneOnRetryNote, d.Note);
        Assert.Contains("retired it", d.Note);
        Assert.Null(d.Error);
        // Under DryRun nothing was retired, so a NotFound is the verdict.
        var dry = new GrantAttempts { OutcomeUnknown = true };
        Assert.Equal(GrantOutcome.WouldFail, After(dry, NotFound, dryRun: true).Outcome);
    }

    [Theory]
    [InlineData(KmsErrorKind.InternalFailure, "KMSInternalException", 500)]
    [InlineData(KmsErrorKind.DependencyTimeout, "DependencyTimeoutException", 503)]
    public void Faults_are_retried_with_full_jitter_backoff_then_end_unknown(KmsErrorKind kind, string code, int status)
    {
        var g = new GrantAttempts();
        for (var i = 1; i < MaxAttempts; i++)
        {
            var d = After(g, Error(kind, code, status));
            Assert.True(d.IsRetry);
            Assert.InRange(d.RetryAfter!.Value.TotalMilliseconds, 0, Math.Min(5000, 100 * Math.Pow(2, i - 1)));
        }
        var last = After(g, Error(kind, code, status));
        Assert.Equal(GrantOutcome.Unknown, last.Outcome);
        Assert.Equal(RunMessages.Unknown, last.Message);
    }

    [Fact]
    public void A_request_never_sent_is_retried_then_fails_as_not_retired()
    {
        var g = new GrantAttempts();
        for (var i = 1; i < MaxAttempts; i++) Assert.True(After(g, Refused, sends: 0).IsRetry);
        var d = After(g, Refused, sends: 0);
        Assert.Equal(GrantOutcome.Failed, d.Outcome);
        Assert.Contains("not sent", d.Message);
        Assert.Contains("not retired", d.Message);
        Assert.False(g.OutcomeUnknown);
    }

    [Fact]
    public void Not_sent_after_an_earlier_lost_answer_is_unknown()
    {
        var g = new GrantAttempts();
        Assert.True(After(g, Dropped).IsRetry);
        for (var i = 2; i < MaxAttempts; i++) After(g, Refused, sends: 0);
        Assert.Equal(GrantOutcome.Unknown, After(g, Refused, sends: 0).Outcome);
    }

    [Fact]
    public void Silence_gets_fewer_attempts_each_costing_a_time_out()
    {
        var g = new GrantAttempts();
        for (var i = 1; i < AttemptPolicy.MaxSilentAttempts; i++) Assert.True(After(g, Silence).IsRetry);
        var d = After(g, Silence);
        Assert.Equal(GrantOutcome.Unknown, d.Outcome);
        Assert.Equal(AttemptPolicy.MaxSilentAttempts, g.Attempts);
    }

    [Fact]
    public void While_stopping_only_an_unknown_outcome_gets_one_more_try()
    {
        var known = new GrantAttempts();
        Assert.Equal(GrantOutcome.Failed, After(known, Refused, sends: 0, stopping: true).Outcome);

        var unknown = new GrantAttempts();
        Assert.True(After(unknown, Dropped, stopping: true).IsRetry);
        Assert.Equal(GrantOutcome.Unknown, After(unknown, Dropped, stopping: true).Outcome);
    }

    [Fact]
    public void Stopped_in_flight_is_unknown_if_sent_and_not_attempted_if_not()
    {
        var stopped = KmsError.StoppedInFlight();
        Assert.Equal(GrantOutcome.Unknown, After(new GrantAttempts(), stopped, sends: 1).Outcome);
        var never = new GrantAttempts();
        Assert.Equal(GrantOutcome.NotAttempted, After(never, stopped, sends: 0).Outcome);
        Assert.Equal(0, never.Attempts);
        Assert.Equal(GrantOutcome.Unknown, After(new GrantAttempts { OutcomeUnknown = true }, stopped, sends: 0).Outcome);
    }

    [Theory]
    [InlineData(KmsErrorKind.InvalidSignature, "InvalidSignatureException")]
    [InlineData(KmsErrorKind.UnrecognizedClient, "UnrecognizedClientException")]
    [InlineData(KmsErrorKind.ExpiredToken, "ExpiredTokenException")]
    [InlineData(KmsErrorKind.CredentialsUnavailable, "CredentialsUnavailable")]
    public void Errors_that_fail_every_request_are_not_retried(KmsErrorKind kind, string code)
    {
        var d = After(new GrantAttempts(), Error(kind, code));
        Assert.Equal(GrantOutcome.Failed, d.Outcome);
        Assert.True(d.Error!.StopsEverything);
        Assert.Equal(GrantOutcome.Unknown, After(new GrantAttempts { OutcomeUnknown = true }, Error(kind, code)).Outcome);
    }

    [Theory]
    [InlineData(KmsErrorKind.NotKmsResponse, "NotKmsResponse")]
    [InlineData(KmsErrorKind.ResponseTooLarge, "ResponseTooLarge")]
    public void An_answer_that_is_not_KMS_or_too_large_to_read_is_unknown_and_stops_everything(KmsErrorKind kind, string code)
    {
        var d = After(new GrantAttempts(), new KmsError(kind, code, "a web page, or 500 MB", 200));
        Assert.Equal(GrantOutcome.Unknown, d.Outcome);
        Assert.True(d.Error!.StopsEverything);
    }

    [Theory]
    [InlineData(KmsErrorKind.AccessDenied, "AccessDeniedException")]
    [InlineData(KmsErrorKind.InvalidState, "KMSInvalidStateException")]
    [InlineData(KmsErrorKind.Validation, "ValidationException")]
    [InlineData(KmsErrorKind.ServiceError, "SomethingNew")]
    public void Other_errors_are_failures_without_retry(KmsErrorKind kind, string code)
    {
        var d = After(new GrantAttempts(), Error(kind, code));
        Assert.Equal(GrantOutcome.Failed, d.Outcome);
        Assert.Equal(code, d.Error!.Code);
    }

    /// <summary>One rule, wherever the grant waited when the run stopped: in its backoff (the run gave up on it) or
    /// queued for its retry. Before, the first was "not attempted" with one attempt too many, the second "failed".</summary>
    [Fact]
    public void A_grant_stopped_before_its_retry_is_decided_the_same_wherever_it_waited()
    {
        // Throttled once, then the run stopped: the lane's two waiting places meet the same decision.
        var inBackoff = new GrantAttempts();
        Assert.True(After(inBackoff, Throttle).IsRetry);
        var queued = new GrantAttempts();
        Assert.True(After(queued, Throttle).IsRetry);

        var policy = Policy();
        // The lane gives up a grant in its backoff with the abort: a request stopped before any of it was sent.
        var fromBackoff = policy.StoppedBeforeSending(inBackoff);
        var fromQueue = policy.StoppedBeforeSending(queued);
        Assert.Equal(GrantOutcome.Failed, fromBackoff.Outcome);
        Assert.Equal(fromQueue.Outcome, fromBackoff.Outcome);
        Assert.Equal(fromQueue.Message, fromBackoff.Message);
        Assert.Equal("ThrottlingException", fromBackoff.Error!.Code);
        Assert.StartsWith("Not retired:", fromBackoff.Message);
        Assert.Equal(1, inBackoff.Attempts);   // no attempt counted for the retry that never went

        // A retry stopped before its bytes left is the same rule too.
        var aborted = new GrantAttempts();
        Assert.True(After(aborted, Throttle).IsRetry);
        Assert.Equal(fromQueue.Outcome, After(aborted, KmsError.StoppedInFlight(), sends: 0).Outcome);
        Assert.Equal(1, aborted.Attempts);
    }

    [Fact]
    public void Stopping_before_sending()
    {
        var policy = Policy();
        Assert.Equal(GrantOutcome.NotAttempted, policy.StoppedBeforeSending(new GrantAttempts()).Outcome);
        Assert.True(policy.StoppedBeforeSending(new GrantAttempts()).ReportedInBulk);
        Assert.Equal(GrantOutcome.Failed, policy.StoppedBeforeSending(new GrantAttempts { Attempts = 1 }).Outcome);
        Assert.False(policy.StoppedBeforeSending(new GrantAttempts { Attempts = 1 }).ReportedInBulk);
        Assert.Equal(GrantOutcome.NotAttempted, Policy(dryRun: true).StoppedBeforeSending(new GrantAttempts { Attempts = 1 }).Outcome);
        Assert.Equal(GrantOutcome.Unknown, policy.StoppedBeforeSending(new GrantAttempts { Attempts = 1, OutcomeUnknown = true }).Outcome);
        var notHonored = Policy(dryRun: true).DryRunNotHonored(DryRunProof.NotHonoredError("http://x"));
        Assert.Equal(GrantOutcome.NotAttempted, notHonored.Outcome);
        Assert.Equal(KmsErrorKind.DryRunNotHonored, notHonored.Error!.Kind);
        Assert.True(notHonored.ReportedInBulk);
    }

    [Fact]
    public void Messages_name_the_operation()
    {
        var revoke = Policy(operation: GrantOperation.Revoke);
        Assert.StartsWith("Not revoked:", revoke.StoppedBeforeSending(new GrantAttempts { Attempts = 1 }).Message);
        Assert.Contains("revoked it", revoke.DoneOnRetryNote);
        var g = new GrantAttempts();
        for (var i = 1; i < MaxAttempts; i++) revoke.AfterAttempt(g, Refused, 0, false, Random);
        Assert.Contains("not revoked", revoke.AfterAttempt(g, Refused, 0, false, Random).Message);
    }

    [Fact]
    public void A_DryRun_verdict_to_a_request_that_was_not_a_DryRun_is_not_KMS_and_stops_everything()
    {
        var d = After(new GrantAttempts(), Error(KmsErrorKind.DryRunSucceeded, "DryRunOperationException", 412));
        Assert.Equal(GrantOutcome.Unknown, d.Outcome);
        Assert.Equal(KmsErrorKind.NotKmsResponse, d.Error!.Kind);
        Assert.True(d.Error.StopsEverything);
    }

    [Fact]
    public void A_grant_whose_DryRun_could_not_be_proven_safe_is_not_sent()
    {
        var d = Policy(dryRun: true).DryRunUnproven(Error(KmsErrorKind.InternalFailure, "HTTP 500", 500));
        Assert.Equal(GrantOutcome.NotAttempted, d.Outcome);
        Assert.Equal("HTTP 500", d.Error!.Code);
    }

    [Theory]
    [InlineData(KmsErrorKind.NotFound, 400, true)]
    [InlineData(KmsErrorKind.AccessDenied, 400, true)]
    [InlineData(KmsErrorKind.InvalidGrantId, 400, true)]
    [InlineData(KmsErrorKind.Throttled, 400, false)]
    [InlineData(KmsErrorKind.InvalidSignature, 400, false)]
    [InlineData(KmsErrorKind.NotKmsResponse, 400, false)]
    [InlineData(KmsErrorKind.InternalFailure, 500, false)]
    public void Only_KMS_refusing_the_request_itself_proves_an_endpoint_read_it(KmsErrorKind kind, int status, bool refusal)
    {
        Assert.Equal(refusal, Error(kind, "Code", status).IsKmsRefusal);
        Assert.False(new KmsError(KmsErrorKind.TimedOut, "TimedOut", "no answer").IsKmsRefusal);
    }

    [Fact]
    public void A_Region_that_stops_reports_its_reason()
    {
        var throttled = new KmsError(KmsErrorKind.Throttled, "ThrottlingException", "all throttled");
        var credentials = Error(KmsErrorKind.InvalidSignature, "InvalidSignatureException");
        var policy = Policy();
        Assert.Contains("throttled every request for 30 s", policy.StoppedBeforeSending(new GrantAttempts(), throttled, "eu-west-1").Message);
        Assert.Contains("refused the credentials (InvalidSignatureException)", policy.StoppedBeforeSending(new GrantAttempts(), credentials, "eu-west-1").Message);
        Assert.Equal(GrantOutcome.NotAttempted, policy.StoppedBeforeSending(new GrantAttempts(), throttled, "eu-west-1").Outcome);
        var retrying = policy.StoppedBeforeSending(new GrantAttempts { Attempts = 2 }, throttled, "eu-west-1");
        Assert.Equal(GrantOutcome.Failed, retrying.Outcome);
        Assert.True(retrying.ReportedInBulk);
        Assert.Same(throttled, retrying.Error);
        Assert.Equal(GrantOutcome.NotAttempted, Policy(dryRun: true).StoppedBeforeSending(new GrantAttempts { Attempts = 2 }, throttled, "eu-west-1").Outcome);
        Assert.Equal(GrantOutcome.Unknown, policy.StoppedBeforeSending(new GrantAttempts { Attempts = 2, OutcomeUnknown = true }, throttled, "eu-west-1").Outcome);
    }

    [Fact]
    public void A_Region_that_refused_an_alias_lookup_fails_its_grant_as_its_own_refusal_would()
    {
        var signature = Error(KmsErrorKind.InvalidSignature, "InvalidSignatureException");
        Assert.True(signature.RefusesCredentials);
        Assert.True(Error(KmsErrorKind.UnrecognizedClient, "UnrecognizedClientException").RefusesCredentials);
        Assert.False(Error(KmsErrorKind.ExpiredToken, "ExpiredTokenException").RefusesCredentials);
        var d = Policy().FailedBeforeSending(signature);
        Assert.Equal(GrantOutcome.Failed, d.Outcome);
        Assert.Same(signature, d.Error);
        // The same answer to its own request: the same status.
        Assert.Equal(After(new GrantAttempts(), signature).Outcome, d.Outcome);
        Assert.Equal(GrantOutcome.WouldFail, Policy(dryRun: true).FailedBeforeSending(signature).Outcome);
        Assert.Equal(After(new GrantAttempts(), signature, dryRun: true).Outcome, Policy(dryRun: true).FailedBeforeSending(signature).Outcome);
    }

    [Fact]
    public void Under_DryRun_a_failed_lookup_is_a_verdict_only_when_KMS_refused()
    {
        var dry = Policy(dryRun: true);
        Assert.Equal(GrantOutcome.WouldFail, dry.FailedBeforeSending(NotFound).Outcome);
        var fault = dry.FailedBeforeSending(Fault);
        Assert.Equal(GrantOutcome.NotAttempted, fault.Outcome);
        Assert.Contains("No DryRun verdict", fault.Message);
        Assert.Equal(GrantOutcome.NotAttempted, dry.FailedBeforeSending(new KmsError(KmsErrorKind.NotKmsResponse, "NotKmsResponse", "a page", 200)).Outcome);
        Assert.Equal(GrantOutcome.NotAttempted, dry.FailedBeforeSending(Silence).Outcome);
        Assert.Equal(GrantOutcome.Failed, Policy().FailedBeforeSending(Fault).Outcome);
    }

    [Fact]
    public void No_outcome_or_status_is_falsy_and_statuses_say_their_outcome()
    {
        foreach (var outcome in Enum.GetValues<GrantOutcome>())
        {
            Assert.NotEqual(0, (int)outcome);
            Assert.Equal(outcome, GrantOperation.Retire.NewResult(outcome).Outcome);
            Assert.Equal(outcome, GrantOperation.Revoke.NewResult(outcome).Outcome);
        }
        Assert.Equal(Enum.GetValues<GrantOutcome>().Length, Enum.GetValues<RetireStatus>().Length);
        Assert.Equal(Enum.GetValues<GrantOutcome>().Length, Enum.GetValues<RevokeStatus>().Length);
        Assert.Equal(RetireStatus.Retired, ((RetireResult)GrantOperation.Retire.NewResult(GrantOutcome.Succeeded)).Status);
        Assert.Equal(RetireStatus.WouldRetire, ((RetireResult)GrantOperation.Retire.NewResult(GrantOutcome.WouldSucceed)).Status);
        Assert.Equal(RevokeStatus.RevokedOnRetry, ((RevokeResult)GrantOperation.Revoke.NewResult(GrantOutcome.SucceededOnRetry)).Status);
        Assert.Equal(RevokeStatus.NotAttempted, ((RevokeResult)GrantOperation.Revoke.NewResult(GrantOutcome.NotAttempted)).Status);
    }
}

/// <summary>What follows an attempt of CreateGrant and of a listing: the rules that differ from deleting a grant.</summary>
public class CreateAndListPolicyTests
{
    static readonly Random Random = new(1);
    static readonly KmsError Fault = new(KmsErrorKind.InternalFailure, "KMSInternalException", "boom", 500);
    static readonly KmsError Dropped = new(KmsErrorKind.NetworkError, "IOException", "reset");
    static readonly KmsError InvalidArn = new(KmsErrorKind.InvalidArn, "InvalidArnException", "ARN arn:aws:iam::111122223333:role/new is not valid", 400);
    static readonly KmsError NotFound = new(KmsErrorKind.NotFound, "NotFoundException", "gone", 400);
    static AttemptPolicy Create(bool dryRun = false) => new(GrantOperation.Create, dryRun, 6);
    static AttemptPolicy List => new(GrantOperation.ListGrants, false, 6);

    [Fact]
    public void A_CreateGrant_without_a_Name_whose_answer_was_lost_is_Unknown_and_not_sent_again()
    {
        var unnamed = new GrantAttempts { LostAnswerMayBeResent = false };
        var d = Create().AfterAttempt(unnamed, Dropped, 1, false, Random);
        Assert.Equal(GrantOutcome.Unknown, d.Outcome);
        Assert.Contains("Without a Name it was not sent again", d.Message);
        // A request that never left is safe to send again, Name or not.
        var notSent = new KmsError(KmsErrorKind.NotSent, "SocketException", "The request was not sent: refused");
        Assert.True(Create().AfterAttempt(new GrantAttempts { LostAnswerMayBeResent = false }, notSent, 0, false, Random).IsRetry);
    }

    [Fact]
    public void A_CreateGrant_with_a_Name_is_sent_again_after_a_lost_answer_and_KMS_s_answer_then_says_created()
    {
        var named = new GrantAttempts();
        Assert.True(Create().AfterAttempt(named, Fault, 1, false, Random).IsRetry);
        var d = Create().AfterAttempt(named, null, 1, false, Random);
        Assert.Equal(GrantOutcome.Succeeded, d.Outcome);
        Assert.Equal(RunMessages.SameGrantAfterLostAnswer, d.Note);
        // A NotFound after a lost answer is no "created on retry": the key is gone, the creation failed.
        var again = new GrantAttempts();
        Create().AfterAttempt(again, Fault, 1, false, Random);
        Assert.Equal(GrantOutcome.Failed, Create().AfterAttempt(again, NotFound, 1, false, Random).Outcome);
    }

    [Fact]
    public void A_principal_KMS_refuses_is_retried_while_IAM_may_still_propagate_it_then_is_InvalidPrincipal()
    {
        var g = new GrantAttempts();
        Assert.True(Create().AfterAttempt(g, InvalidArn, 1, false, Random, now: 10).IsRetry);
        Assert.True(Create().AfterAttempt(g, InvalidArn, 1, false, Random, now: 10 + AttemptPolicy.PrincipalPropagationSeconds - 1).IsRetry);
        var d = Create().AfterAttempt(g, InvalidArn, 1, false, Random, now: 10 + AttemptPolicy.PrincipalPropagationSeconds);
        Assert.Equal(GrantOutcome.Failed, d.Outcome);
        Assert.Equal(KmsErrorKind.InvalidPrincipal, d.Error!.Kind);
        Assert.Equal(ErrorIds.InvalidPrincipal, ErrorIds.For(d.Error.Kind));
        // Under -WhatIf, KMS's refusal is the verdict at once: a What-if check that waits two minutes looks hung.
        var dry = Create(dryRun: true).AfterAttempt(new GrantAttempts(), InvalidArn, 1, false, Random, now: 0);
        Assert.Equal(GrantOutcome.WouldFail, dry.Outcome);
        Assert.Equal(KmsErrorKind.InvalidPrincipal, dry.Error!.Kind);
        Assert.Contains("without -WhatIf, the request is retried", dry.Message);
    }

    [Fact]
    public void A_key_at_its_grant_limit_is_LimitExceeded_at_once()
    {
        var full = new KmsError(KmsError.KindOf("LimitExceededException", 400), "LimitExceededException", "50000 grants", 400);
        var d = Create().AfterAttempt(new GrantAttempts(), full, 1, false, Random);
        Assert.Equal(GrantOutcome.Failed, d.Outcome);
        Assert.Equal(ErrorIds.LimitExceeded, ErrorIds.For(d.Error!.Kind));
    }

    [Fact]
    public void A_listing_changes_nothing_so_a_lost_answer_is_retried_and_never_Unknown()
    {
        var g = new GrantAttempts();
        AttemptDecision d;
        do d = List.AfterAttempt(g, Dropped, 2, false, Random); while (d.IsRetry);
        Assert.Equal(GrantOutcome.Failed, d.Outcome);
        Assert.False(g.OutcomeUnknown);
        Assert.Equal(6, g.Faults);
        Assert.Equal(GrantOutcome.Failed, List.AfterAttempt(new GrantAttempts(), NotFound, 1, false, Random).Outcome);
    }

    [Fact]
    public void A_key_ListKeys_named_that_is_gone_by_its_listing_is_skipped_with_a_note()
    {
        var d = List.AfterAttempt(new GrantAttempts { GoneIsSkipped = true }, NotFound, 1, false, Random);
        Assert.Equal(GrantOutcome.Succeeded, d.Outcome);
        Assert.Null(d.Error);
        Assert.Contains("deleted after ListKeys", d.Note);
    }

    [Fact]
    public void After_a_page_the_next_request_starts_its_counts_afresh()
    {
        var g = new GrantAttempts();
        List.AfterAttempt(g, Fault, 1, false, Random);
        List.AfterAttempt(g, new KmsError(KmsErrorKind.Throttled, "ThrottlingException", "slow", 400), 1, false, Random);
        g.NextRequest();
        Assert.Equal((0, 0, null), (g.Faults, g.Throttles, g.LastError));
        Assert.Equal(2, g.Attempts);
    }
}

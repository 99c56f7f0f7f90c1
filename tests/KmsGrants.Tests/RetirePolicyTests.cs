using System.Net;
using KmsGrants;
using KmsGrants.Engine;
using Xunit;

/// <summary>Every branch of what happens after an attempt.</summary>
public class RetirePolicyTests
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

    static RetireDecision After(GrantAttempts g, KmsError? error, int sends = 1, bool dryRun = false, bool stopping = false) =>
        RetirePolicy.AfterAttempt(g, error, sends, dryRun, MaxAttempts, stopping, Random);

    [Fact]
    public void Success_is_retired()
    {
        var g = new GrantAttempts();
        var d = After(g, null);
        Assert.Equal(RetireStatus.Retired, d.Status);
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
        Assert.Equal(RetireStatus.RetiredOnRetry, After(g, NotFound).Status);
    }

    [Fact]
    public void DryRun_success_means_the_endpoint_ignored_DryRun_and_the_outcome_is_unknown()
    {
        var d = After(new GrantAttempts(), null, dryRun: true);
        Assert.Equal(RetireStatus.Unknown, d.Status);
        Assert.Equal(KmsErrorKind.DryRunNotHonored, d.Error!.Kind);
        Assert.True(d.Error.StopsEverything);
    }

    [Fact]
    public void DryRun_verdicts()
    {
        Assert.Equal(RetireStatus.WouldRetire, After(new GrantAttempts(), Error(KmsErrorKind.DryRunSucceeded, "DryRunOperationException", 412), dryRun: true).Status);
        var fail = After(new GrantAttempts(), Error(KmsErrorKind.AccessDenied, "AccessDeniedException"), dryRun: true);
        Assert.Equal(RetireStatus.WouldFail, fail.Status);
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
        for (var i = 1; i < RetirePolicy.MaxThrottledAttempts; i++) Assert.True(After(g, Throttle).IsRetry);
        var d = After(g, Throttle);
        Assert.Equal(RetireStatus.Failed, d.Status);
        Assert.Equal("ThrottlingException", d.Error!.Code);

        var dry = new GrantAttempts { Throttles = RetirePolicy.MaxThrottledAttempts - 1 };
        Assert.Equal(RetireStatus.WouldFail, After(dry, Throttle, dryRun: true).Status);
    }

    [Fact]
    public void Throttles_after_a_lost_answer_end_unknown()
    {
        var g = new GrantAttempts { OutcomeUnknown = true, Throttles = RetirePolicy.MaxThrottledAttempts - 1 };
        Assert.Equal(RetireStatus.Unknown, After(g, Throttle).Status);
    }

    [Fact]
    public void A_throttle_while_stopping_is_not_retried_and_says_so()
    {
        var d = After(new GrantAttempts(), Throttle, stopping: true);
        Assert.Equal(RetireStatus.Failed, d.Status);
        Assert.Contains("stopped", d.Message);
    }

    [Fact]
    public void NotFound_is_a_failure_unless_an_earlier_answer_was_lost()
    {
        Assert.Equal(RetireStatus.Failed, After(new GrantAttempts(), NotFound).Status);
        var g = new GrantAttempts();
        Assert.True(After(g, Fault).IsRetry);
        var d = After(g, NotFound);
        Assert.Equal(RetireStatus.RetiredOnRetry, d.Status);
        Assert.Equal(RetirePolicy.RetiredOnRetryNote, d.Note);
        Assert.Null(d.Error);
        // Under DryRun nothing was retired, so a NotFound is the verdict.
        var dry = new GrantAttempts { OutcomeUnknown = true };
        Assert.Equal(RetireStatus.WouldFail, After(dry, NotFound, dryRun: true).Status);
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
        Assert.Equal(RetireStatus.Unknown, last.Status);
        Assert.Equal(RetirePolicy.UnknownMessage, last.Message);
    }

    [Fact]
    public void A_request_never_sent_is_retried_then_fails_as_not_retired()
    {
        var g = new GrantAttempts();
        for (var i = 1; i < MaxAttempts; i++) Assert.True(After(g, Refused, sends: 0).IsRetry);
        var d = After(g, Refused, sends: 0);
        Assert.Equal(RetireStatus.Failed, d.Status);
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
        Assert.Equal(RetireStatus.Unknown, After(g, Refused, sends: 0).Status);
    }

    [Fact]
    public void Silence_gets_fewer_attempts_each_costing_a_time_out()
    {
        var g = new GrantAttempts();
        for (var i = 1; i < RetirePolicy.MaxSilentAttempts; i++) Assert.True(After(g, Silence).IsRetry);
        var d = After(g, Silence);
        Assert.Equal(RetireStatus.Unknown, d.Status);
        Assert.Equal(RetirePolicy.MaxSilentAttempts, g.Attempts);
    }

    [Fact]
    public void While_stopping_only_an_unknown_outcome_gets_one_more_try()
    {
        var known = new GrantAttempts();
        Assert.Equal(RetireStatus.Failed, After(known, Refused, sends: 0, stopping: true).Status);

        var unknown = new GrantAttempts();
        Assert.True(After(unknown, Dropped, stopping: true).IsRetry);
        Assert.Equal(RetireStatus.Unknown, After(unknown, Dropped, stopping: true).Status);
    }

    [Fact]
    public void Stopped_in_flight_is_unknown_if_sent_and_not_attempted_if_not()
    {
        var stopped = KmsError.StoppedInFlight();
        Assert.Equal(RetireStatus.Unknown, After(new GrantAttempts(), stopped, sends: 1).Status);
        Assert.Equal(RetireStatus.NotAttempted, After(new GrantAttempts(), stopped, sends: 0).Status);
        Assert.Equal(RetireStatus.Unknown, After(new GrantAttempts { OutcomeUnknown = true }, stopped, sends: 0).Status);
    }

    [Theory]
    [InlineData(KmsErrorKind.InvalidSignature, "InvalidSignatureException")]
    [InlineData(KmsErrorKind.UnrecognizedClient, "UnrecognizedClientException")]
    [InlineData(KmsErrorKind.ExpiredToken, "ExpiredTokenException")]
    [InlineData(KmsErrorKind.CredentialsUnavailable, "CredentialsUnavailable")]
    public void Errors_that_fail_every_request_are_not_retried(KmsErrorKind kind, string code)
    {
        var d = After(new GrantAttempts(), Error(kind, code));
        Assert.Equal(RetireStatus.Failed, d.Status);
        Assert.True(d.Error!.StopsEverything);
        Assert.Equal(RetireStatus.Unknown, After(new GrantAttempts { OutcomeUnknown = true }, Error(kind, code)).Status);
    }

    [Theory]
    [InlineData(KmsErrorKind.NotKmsResponse, "NotKmsResponse")]
    [InlineData(KmsErrorKind.ResponseTooLarge, "ResponseTooLarge")]
    public void An_answer_that_is_not_KMS_or_too_large_to_read_is_unknown_and_stops_everything(KmsErrorKind kind, string code)
    {
        var d = After(new GrantAttempts(), new KmsError(kind, code, "a web page, or 500 MB", 200));
        Assert.Equal(RetireStatus.Unknown, d.Status);
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
        Assert.Equal(RetireStatus.Failed, d.Status);
        Assert.Equal(code, d.Error!.Code);
    }

    [Fact]
    public void Stopping_before_a_retry()
    {
        Assert.Equal(RetireStatus.Failed, RetirePolicy.StoppedBeforeRetry(new GrantAttempts(), dryRun: false).Status);
        Assert.Equal(RetireStatus.NotAttempted, RetirePolicy.StoppedBeforeRetry(new GrantAttempts(), dryRun: true).Status);
        Assert.Equal(RetireStatus.Unknown, RetirePolicy.StoppedBeforeRetry(new GrantAttempts { OutcomeUnknown = true }, dryRun: false).Status);
        Assert.Equal(RetireStatus.NotAttempted, RetirePolicy.NotSent().Status);
        var refused = RetirePolicy.DryRunRefused(KmsError.DryRunNotHonored("http://x"));
        Assert.Equal(RetireStatus.NotAttempted, refused.Status);
        Assert.Equal(KmsErrorKind.DryRunNotHonored, refused.Error!.Kind);
    }

    [Fact]
    public void A_DryRun_verdict_to_a_request_that_was_not_a_DryRun_is_not_KMS_and_stops_everything()
    {
        var d = After(new GrantAttempts(), Error(KmsErrorKind.DryRunSucceeded, "DryRunOperationException", 412));
        Assert.Equal(RetireStatus.Unknown, d.Status);
        Assert.Equal(KmsErrorKind.NotKmsResponse, d.Error!.Kind);
        Assert.True(d.Error.StopsEverything);
    }

    [Fact]
    public void A_grant_whose_DryRun_could_not_be_proven_safe_is_not_sent()
    {
        var d = RetirePolicy.DryRunUnproven(Error(KmsErrorKind.InternalFailure, "HTTP 500", 500));
        Assert.Equal(RetireStatus.NotAttempted, d.Status);
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
        Assert.Contains("throttled every request for 30 s", RetirePolicy.RegionRefused(throttled, "eu-west-1").Message);
        Assert.Contains("refused the credentials (InvalidSignatureException)", RetirePolicy.RegionRefused(credentials, "eu-west-1").Message);
        Assert.Equal(RetireStatus.NotAttempted, RetirePolicy.RegionRefused(throttled, "eu-west-1").Status);
        Assert.Equal(RetireStatus.Failed, RetirePolicy.RegionStoppedBeforeRetry(new GrantAttempts(), throttled, "eu-west-1", dryRun: false).Status);
        Assert.Equal(RetireStatus.NotAttempted, RetirePolicy.RegionStoppedBeforeRetry(new GrantAttempts(), throttled, "eu-west-1", dryRun: true).Status);
        Assert.Equal(RetireStatus.Unknown, RetirePolicy.RegionStoppedBeforeRetry(new GrantAttempts { OutcomeUnknown = true }, throttled, "eu-west-1", dryRun: false).Status);
    }

    [Fact]
    public void A_Region_that_refused_an_alias_lookup_fails_its_grant_as_its_own_refusal_would()
    {
        var signature = Error(KmsErrorKind.InvalidSignature, "InvalidSignatureException");
        Assert.True(signature.RefusesCredentials);
        Assert.True(Error(KmsErrorKind.UnrecognizedClient, "UnrecognizedClientException").RefusesCredentials);
        Assert.False(Error(KmsErrorKind.ExpiredToken, "ExpiredTokenException").RefusesCredentials);
        var d = RetirePolicy.RefusedBeforeSending(signature, dryRun: false);
        Assert.Equal(RetireStatus.Failed, d.Status);
        Assert.Same(signature, d.Error);
        // The same answer to its own request: the same status.
        Assert.Equal(After(new GrantAttempts(), signature).Status, d.Status);
        Assert.Equal(RetireStatus.WouldFail, RetirePolicy.RefusedBeforeSending(signature, dryRun: true).Status);
        Assert.Equal(After(new GrantAttempts(), signature, dryRun: true).Status, RetirePolicy.RefusedBeforeSending(signature, dryRun: true).Status);
    }

    [Fact]
    public void No_status_is_falsy()
    {
        foreach (var status in Enum.GetValues<RetireStatus>()) Assert.NotEqual(0, (int)status);
    }
}

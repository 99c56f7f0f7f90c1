using System.Net;
using System.Net.Http;
using System.Net.Sockets;
using Amazon.KeyManagementService;
using Amazon.KeyManagementService.Model;
using Amazon.Runtime;
using KmsGrants.Engine;
using Xunit;

public class KmsErrorTests
{
    [Theory]
    [InlineData("NotFoundException", 400, KmsErrorKind.NotFound, false, false)]
    [InlineData("AccessDeniedException", 400, KmsErrorKind.AccessDenied, false, false)]
    [InlineData("ThrottlingException", 400, KmsErrorKind.Throttled, true, false)]
    [InlineData("KMSInternalException", 500, KmsErrorKind.InternalFailure, true, true)]
    [InlineData("ServiceUnavailableException", 503, KmsErrorKind.InternalFailure, true, true)]
    [InlineData("SomethingNew", 502, KmsErrorKind.InternalFailure, true, true)]
    [InlineData("DependencyTimeoutException", 503, KmsErrorKind.DependencyTimeout, true, true)]
    [InlineData("KMSInvalidStateException", 400, KmsErrorKind.InvalidState, false, false)]
    [InlineData("InvalidSignatureException", 400, KmsErrorKind.InvalidSignature, false, false)]
    [InlineData("DryRunOperationException", 412, KmsErrorKind.DryRunSucceeded, false, false)]
    [InlineData("SomethingNew", 400, KmsErrorKind.ServiceError, false, false)]
    public void Service_errors_are_classified_by_code_and_status(string code, int status, KmsErrorKind kind, bool retryable, bool unknown)
    {
        var e = new AmazonKeyManagementServiceException("m", ErrorType.Unknown, code, "req-1", (HttpStatusCode)status);
        var error = KmsError.From(e);
        Assert.Equal(kind, error.Kind);
        Assert.Equal(retryable, error.IsRetryable);
        Assert.Equal(unknown, error.OutcomeUnknown);
        Assert.Equal(code, error.Code);
        Assert.Equal("req-1", error.RequestId);
    }

    [Fact]
    public void Typed_exceptions_keep_their_code()
    {
        var error = KmsError.From(new NotFoundException("gone") { ErrorCode = "NotFoundException", StatusCode = HttpStatusCode.BadRequest });
        Assert.Equal(KmsErrorKind.NotFound, error.Kind);
    }

    [Fact]
    public void A_cut_connection_after_sending_is_a_retryable_network_error_whose_outcome_is_unknown()
    {
        var error = KmsError.From(new HttpRequestException("The response ended prematurely.", new IOException("reset")), sends: 1);
        Assert.Equal(KmsErrorKind.NetworkError, error.Kind);
        Assert.True(error.IsRetryable);
        Assert.True(error.OutcomeUnknown);
        Assert.Equal("IOException", error.Code);
    }

    [Fact]
    public void A_connection_that_failed_before_sending_is_not_sent_and_its_outcome_is_known()
    {
        var error = KmsError.From(new HttpRequestException("Connection refused", new SocketException((int)SocketError.ConnectionRefused)), sends: 0);
        Assert.Equal(KmsErrorKind.NotSent, error.Kind);
        Assert.True(error.IsRetryable);
        Assert.False(error.OutcomeUnknown);
    }

    [Fact]
    public void An_attempt_cut_by_its_time_out_is_timed_out()
    {
        var error = KmsError.From(new TaskCanceledException(), timedOut: true, sends: 1);
        Assert.Equal(KmsErrorKind.TimedOut, error.Kind);
        Assert.True(error.OutcomeUnknown);
    }

    [Fact]
    public void An_attempt_cut_by_the_HTTP_client_s_time_out_is_timed_out_not_a_network_error()
    {
        // What the SDK throws when HttpClient.Timeout elapses: its TimeoutException around the cancelled socket read.
        var error = KmsError.From(new TimeoutException("The request was canceled due to the configured HttpClient.Timeout of 5 seconds elapsing.",
            new TaskCanceledException("canceled", new SocketException((int)SocketError.OperationAborted))));
        Assert.Equal(KmsErrorKind.TimedOut, error.Kind);
        Assert.True(error.IsRetryable);
        Assert.True(error.OutcomeUnknown);
        Assert.Equal(KmsErrorKind.NotSent, KmsError.From(new HttpRequestException("connect", new TimeoutException("connect")), sends: 0).Kind);
    }

    [Fact]
    public void An_answer_that_is_not_KMS_s_stops_everything_and_its_outcome_is_unknown()
    {
        var error = KmsError.From(new AmazonClientException("wrapped", new KmsAnswerException("a web page", 200, null, tooLarge: false)));
        Assert.Equal(KmsErrorKind.NotKmsResponse, error.Kind);
        Assert.True(error.StopsEverything);
        Assert.True(error.OutcomeUnknown);
        var tooLarge = KmsError.From(new KmsAnswerException("huge", 200, null, tooLarge: true));
        Assert.Equal(KmsErrorKind.ResponseTooLarge, tooLarge.Kind);
        Assert.True(tooLarge.StopsEverything);
        // The endpoint took the request and answered: whether it acted cannot be read from an answer not read.
        Assert.True(tooLarge.OutcomeUnknown);
    }

    [Fact]
    public void Credentials_that_cannot_be_refreshed_stop_everything_without_the_providers_text()
    {
        var error = KmsError.From(new AmazonClientException("outer", new CredentialsUnavailableException("safe text")));
        Assert.Equal(KmsErrorKind.CredentialsUnavailable, error.Kind);
        Assert.Equal("safe text", error.Message);
        Assert.True(error.StopsEverything);
    }

    [Fact]
    public void Anything_else_is_a_plain_service_error()
    {
        var error = KmsError.From(new InvalidOperationException("odd"));
        Assert.Equal(KmsErrorKind.ServiceError, error.Kind);
        Assert.False(error.IsRetryable);
    }
}

using System.Net;
using System.Net.Http;
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
    public void A_cut_connection_is_a_retryable_network_error_whose_outcome_is_unknown()
    {
        var error = KmsError.From(new HttpRequestException("The response ended prematurely.", new IOException("reset")));
        Assert.Equal(KmsErrorKind.NetworkError, error.Kind);
        Assert.True(error.IsRetryable);
        Assert.True(error.OutcomeUnknown);
        Assert.Equal("IOException", error.Code);
    }

    [Fact]
    public void Anything_else_is_a_plain_service_error()
    {
        var error = KmsError.From(new InvalidOperationException("odd"));
        Assert.Equal(KmsErrorKind.ServiceError, error.Kind);
        Assert.False(error.IsRetryable);
    }
}

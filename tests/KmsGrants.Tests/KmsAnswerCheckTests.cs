using System.Text;
using KmsGrants.Engine;
using Xunit;

/// <summary>What counts as KMS's answer, without HTTP: the same rules the HTTP handler applies to every answer (the
/// Hostile suites check them over the wire).</summary>
public class KmsAnswerCheckTests
{
    static readonly string[] OneId = ["req-1"];

    static string? Problem(string? operation, int status, string body, string[]? requestIds = null, string? errorType = null) =>
        KmsAnswerCheck.Problem(operation, status, requestIds ?? OneId, errorType, Encoding.UTF8.GetBytes(body));

    [Theory]
    [InlineData("RetireGrant", 200, "")]
    [InlineData("RetireGrant", 200, "{}")]
    [InlineData("RevokeGrant", 200, "  \n")]
    [InlineData("ListGrants", 200, "{\"Grants\":[],\"Truncated\":false}")]
    [InlineData("ListRetirableGrants", 200, "{\"Truncated\":false}")]
    [InlineData("RetireGrant", 400, "{\"__type\":\"NotFoundException\",\"message\":\"gone\"}")]
    [InlineData("RetireGrant", 412, "{\"__type\":\"DryRunOperationException\",\"message\":\"would\"}")]
    public void KMS_answers_pass(string operation, int status, string body) => Assert.Null(Problem(operation, status, body));

    [Theory]
    [InlineData(200, "<html><body>Sign in</body></html>", "not JSON")]
    [InlineData(200, "[1,2]", "not a KMS answer")]
    [InlineData(200, "{\"__type\":\"NotFoundException\"}", "names an error type")]
    [InlineData(302, "", "redirect")]
    [InlineData(307, "{}", "redirect")]
    [InlineData(101, "", "interim status")]
    [InlineData(403, "<html>Forbidden</html>", "not JSON")]
    [InlineData(400, "{\"message\":\"no type\"}", "without the error type")]
    [InlineData(400, "{\"__type\":5}", "does not fit KMS's model")]
    public void Answers_that_are_not_KMS_s_are_refused(int status, string body, string why) =>
        Assert.Contains(why, Problem("RetireGrant", status, body));

    [Fact]
    public void A_success_needs_exactly_one_request_ID()
    {
        Assert.Contains("without the request ID", Problem("RetireGrant", 200, "{}", []));
        Assert.Contains("without the request ID", Problem("RetireGrant", 200, "{}", [" "]));
        Assert.Contains("several request IDs", Problem("RetireGrant", 200, "{}", ["a", "b"]));
        // An error is held to less: its type is what matters.
        Assert.Null(Problem("RetireGrant", 400, "{\"__type\":\"AccessDeniedException\"}", []));
    }

    [Fact]
    public void A_listing_without_Grants_or_Truncated_is_not_KMS_s()
    {
        Assert.Contains("Grants or Truncated", Problem("ListGrants", 200, "{\"ok\":true}"));
        Assert.Null(Problem("RetireGrant", 200, "{\"ok\":true}"));
    }

    [Fact]
    public void The_error_type_may_come_from_the_header()
    {
        Assert.Null(Problem("RetireGrant", 400, "", errorType: "ThrottlingException"));
        Assert.Null(Problem("RetireGrant", 400, "{\"message\":\"x\"}", errorType: "ThrottlingException"));
    }

    [Theory]
    [InlineData(500, "<html>Bad gateway</html>")]
    [InlineData(503, "")]
    public void A_fault_that_is_not_KMS_s_is_left_to_the_retries(int status, string body) =>
        Assert.Null(Problem("RetireGrant", status, body));

    [Fact]
    public void A_DryRun_verdict_to_a_real_request_is_not_KMS()
    {
        var error = KmsAnswerCheck.DryRunVerdictUnasked(412, "req-1");
        Assert.Equal(KmsErrorKind.NotKmsResponse, error.Kind);
        Assert.True(error.StopsEverything);
        Assert.True(error.OutcomeUnknown);
    }

    [Fact]
    public void The_refusals_name_what_was_answered_and_never_claim_it_was_KMS()
    {
        var refusal = KmsAnswerCheck.NotKms(200, "text/html", 260, "that is not JSON", "req-1");
        Assert.Contains("HTTP 200 (text/html, 260 bytes) that is not JSON", refusal.Message);
        Assert.Contains("Whether the request reached KMS is unknown", refusal.Message);
        Assert.False(refusal.TooLarge);
        Assert.Contains("NextMarker it had given before", KmsAnswerCheck.RepeatedMarker().Message);
        Assert.Contains("without a key ARN", KmsAnswerCheck.KeyWithoutArn("alias/x", 200).Message);
    }
}

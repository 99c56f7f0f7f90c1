using System.Text;
using KmsGrants.Engine;
using Xunit;

/// <summary>What counts as KMS's answer, without HTTP: the same rules the HTTP handler applies to every answer (the
/// Pester suite NotKms.Tests.ps1 checks them over the wire).</summary>
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
    public void A_listing_without_what_it_lists_or_Truncated_is_not_KMS_s()
    {
        Assert.Contains("Grants or Truncated", Problem("ListGrants", 200, "{\"ok\":true}"));
        Assert.Contains("Keys or Truncated", Problem("ListKeys", 200, "{}"));
        Assert.Contains("Aliases or Truncated", Problem("ListAliases", 200, "{}"));
        Assert.Null(Problem("ListKeys", 200, "{\"Keys\":[],\"Truncated\":false}"));
        Assert.Null(Problem("RetireGrant", 200, "{\"ok\":true}"));
    }

    [Fact]
    public void A_CreateGrant_success_without_its_grant_ID_and_token_is_not_KMS_s()
    {
        Assert.Contains("GrantId and GrantToken", Problem("CreateGrant", 200, "{}"));
        Assert.Contains("GrantId and GrantToken", Problem("CreateGrant", 200, "{\"GrantId\":\"a\"}"));
        Assert.Null(Problem("CreateGrant", 200, "{\"GrantId\":\"a\",\"GrantToken\":\"t\"}"));
        Assert.Contains("does not fit KMS's model", Problem("CreateGrant", 200, "{\"GrantId\":5,\"GrantToken\":\"t\"}"));
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

    [Theory]
    [InlineData("arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab", null)]
    [InlineData("arn:aws:kms:us-east-1 :111122223333:key/k", "white space")]
    [InlineData("not-an-arn", "not a key ARN")]
    [InlineData("arn:aws:kms::111122223333:key/x", "Region")]
    [InlineData("arn:aws:kms:us-east-1:111122223333:key/a\nb", "white space")]
    [InlineData("arn:aws:kms:us-east-1:111122223333:alias/other", "not a key ARN")]
    [InlineData("arn:aws:kms:eu-west-1:111122223333:key/k", "names the Region eu-west-1")]
    public void A_key_ARN_from_DescribeKey_is_held_to_what_KMS_gives(string arn, string? problem)
    {
        var found = KmsAnswerCheck.KeyArnProblem(arn.Replace("\\n", "\n"), "us-east-1");
        if (problem == null) Assert.Null(found);
        else Assert.Contains(problem, found);
    }

    [Theory]
    [InlineData("http://u:SECRET@127.0.0.1:80/", "http://***@127.0.0.1:80/")]
    [InlineData("u:SECRET@127.0.0.1:80", "***@127.0.0.1:80")]
    [InlineData("ftp:x:SECRET@host", "***@host")]
    [InlineData("http://127.0.0.1:80/", "http://127.0.0.1:80/")]
    public void An_endpoint_URL_is_shown_without_anything_that_may_be_user_info(string url, string shown) =>
        Assert.Equal(shown, KmsSession.Redact(url));

    [Fact]
    public void A_listing_without_a_filter_that_pages_empty_for_ever_is_stopped_and_one_with_a_filter_is_not()
    {
        var unfiltered = new MarkerGuard(pagesAreFull: true);
        var filtered = new MarkerGuard(pagesAreFull: false);
        for (var page = 1; page < MarkerGuard.MaxEmptyPagesInARow; page++)
        {
            Assert.Equal($"m{page}", unfiltered.Next($"m{page}", true, 0));
            Assert.Equal($"m{page}", filtered.Next($"m{page}", true, 0));
        }
        Assert.Throws<KmsAnswerException>(() => unfiltered.Next("last", true, 0));
        Assert.Equal("last", filtered.Next("last", true, 0));
        // A page with something on it starts the count again.
        var refilled = new MarkerGuard(pagesAreFull: true);
        for (var page = 1; page < 2 * MarkerGuard.MaxEmptyPagesInARow; page++)
            refilled.Next($"m{page}", true, page % MarkerGuard.MaxEmptyPagesInARow == 0 ? 1 : 0);
    }

    [Fact]
    public void A_marker_given_before_is_stopped_and_the_end_is_null()
    {
        var guard = new MarkerGuard(pagesAreFull: false, firstMarker: "start");
        Assert.Throws<KmsAnswerException>(() => guard.Next("start", true, 1));
        Assert.Null(new MarkerGuard(pagesAreFull: true).Next("m", false, 0));
        Assert.Null(new MarkerGuard(pagesAreFull: true).Next(null, true, 0));
    }
}

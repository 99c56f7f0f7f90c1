using KmsGrants;
using KmsGrants.Engine;
using Xunit;

/// <summary>What a canary's answer proves, and the canary's own retries.</summary>
public class DryRunProofTests
{
    static KmsError Error(KmsErrorKind kind, string code, int? status) => new(kind, code, "message", status);

    public static TheoryData<KmsError?, CanaryVerdict> Answers() => new()
    {
        { null, CanaryVerdict.NotHonored },   // success: the endpoint ignored DryRun
        { Error(KmsErrorKind.DryRunSucceeded, "DryRunOperationException", 412), CanaryVerdict.Honoured },
        { Error(KmsErrorKind.NotFound, "NotFoundException", 400), CanaryVerdict.Honoured },
        { Error(KmsErrorKind.AccessDenied, "AccessDeniedException", 400), CanaryVerdict.Honoured },
        { Error(KmsErrorKind.InvalidGrantToken, "InvalidGrantTokenException", 400), CanaryVerdict.Honoured },
        { Error(KmsErrorKind.InternalFailure, "HTTP 500", 500), CanaryVerdict.Inconclusive },   // moto, on a key it lacks
        { Error(KmsErrorKind.Throttled, "ThrottlingException", 400), CanaryVerdict.Inconclusive },
        { Error(KmsErrorKind.InvalidSignature, "InvalidSignatureException", 400), CanaryVerdict.Inconclusive },
        { Error(KmsErrorKind.NotKmsResponse, "NotKmsResponse", 200), CanaryVerdict.Inconclusive },
        { new KmsError(KmsErrorKind.TimedOut, "TimedOut", "no answer"), CanaryVerdict.Inconclusive },
    };

    [Theory]
    [MemberData(nameof(Answers))]
    public void Only_KMS_refusing_the_impossible_grant_proves_DryRun_honoured(KmsError? answer, CanaryVerdict verdict) =>
        Assert.Equal(verdict, DryRunProof.Judge(answer));

    [Fact]
    public void The_canary_names_an_impossible_grant_the_way_the_sample_is_named()
    {
        var byId = GrantOperation.CanaryFor(new GrantReference("arn:aws:kms:us-east-1:111122223333:key/k", new string('a', 64), null));
        Assert.Equal(("arn:aws:kms:us-east-1:111122223333:key/k", new string('0', 64)), (byId.KeyId, byId.GrantId));
        var byToken = GrantOperation.CanaryFor(new GrantReference(null, null, "AQpAM2real"));
        Assert.True(byToken.ByToken);
        Assert.NotEqual("AQpAM2real", byToken.GrantToken);
    }

    [Fact]
    public async Task Retries_what_proves_nothing_as_a_grant_would_then_proves()
    {
        var answers = new Queue<KmsError?>(new[] { Error(KmsErrorKind.Throttled, "ThrottlingException", 400), Error(KmsErrorKind.NotFound, "NotFoundException", 400) });
        var proof = new DryRunProof();
        var sent = 0;
        var result = await Prove(proof, _ => { sent++; return (answers.Dequeue(), 1); });
        Assert.Null(result);
        Assert.True(proof.Proven);
        Assert.Equal(2, sent);
    }

    [Fact]
    public async Task An_answer_that_is_not_KMS_proves_nothing_and_is_returned_for_the_grant()
    {
        var notKms = Error(KmsErrorKind.NotKmsResponse, "NotKmsResponse", 200);
        var proof = new DryRunProof();
        Assert.Same(notKms, await Prove(proof, _ => (notKms, 1)));
        Assert.False(proof.Proven);
    }

    [Fact]
    public async Task Success_is_DryRun_not_honoured()
    {
        var proof = new DryRunProof();
        var result = await Prove(proof, _ => (null, 1));
        Assert.Equal(KmsErrorKind.DryRunNotHonored, result!.Kind);
        Assert.True(result.StopsEverything);
        Assert.False(proof.Proven);
    }

    /// <summary>moto refuses the revocation of a grant it does not have (NotFoundException), then revokes a real grant whatever
    /// DryRun says: RevokeGrant's own canary would pass it. RetireGrant's, asked first, is accepted by moto, which shows it.</summary>
    [Fact]
    public async Task Revocation_is_proven_by_RetireGrant_s_canary_too_which_catches_an_endpoint_like_moto()
    {
        var sent = new List<string>();
        var proof = new DryRunProof();
        var result = await Prove(proof, (operation, _) =>
        {
            sent.Add(operation.ApiName);
            return operation == GrantOperation.Retire ? (null, 1) : (Error(KmsErrorKind.NotFound, "NotFoundException", 400), 1);
        }, GrantOperation.Revoke);
        Assert.Equal(KmsErrorKind.DryRunNotHonored, result!.Kind);
        Assert.Equal(new[] { "RetireGrant" }, sent);
        Assert.False(proof.Proven);
    }

    [Fact]
    public async Task Revocation_is_proven_when_KMS_refuses_both_canaries()
    {
        var sent = new List<string>();
        var proof = new DryRunProof();
        var result = await Prove(proof, (operation, canary) =>
        {
            sent.Add($"{operation.ApiName}:{canary.GrantId}");
            return (Error(KmsErrorKind.NotFound, "NotFoundException", 400), 1);
        }, GrantOperation.Revoke);
        Assert.Null(result);
        Assert.True(proof.Proven);
        Assert.Equal(new[] { "RetireGrant:" + new string('0', 64), "RevokeGrant:" + new string('0', 64) }, sent);
    }

    [Fact]
    public async Task A_throttled_canary_stops_retrying_once_its_Region_or_run_stops()
    {
        var sent = 0;
        var proof = new DryRunProof();
        var result = await proof.ProveAsync(new GrantReference("arn:aws:kms:us-east-1:111122223333:key/k", new string('a', 64), null), GrantOperation.Retire,
            (_, _) => { sent++; return Task.FromResult<(KmsError?, int)>((Error(KmsErrorKind.Throttled, "ThrottlingException", 400), 1)); },
            new AttemptPolicy(GrantOperation.Retire, dryRun: true, 6), () => sent >= 3, new Random(1), "http://127.0.0.1:1/", CancellationToken.None);
        Assert.Null(result);   // the stop finishes the grants, not the canary's answer
        Assert.False(proof.Proven);
        Assert.Equal(3, sent);
    }

    [Fact]
    public async Task A_key_whose_canaries_prove_nothing_six_times_in_a_row_is_given_up()
    {
        var fault = Error(KmsErrorKind.InternalFailure, "HTTP 500", 500);
        var sent = 0;
        var proof = new DryRunProof();
        Assert.Same(fault, await Prove(proof, _ => { sent++; return (fault, 1); }));
        Assert.Equal(AttemptPolicy.MaxUnprovenCanariesInARow, sent);
        Assert.Same(fault, proof.GivenUp);
        Assert.False(proof.Proven);
    }

    [Fact]
    public async Task Throttles_neither_count_toward_giving_up_nor_reset_the_count_and_a_refusal_resets_it()
    {
        var fault = Error(KmsErrorKind.InternalFailure, "HTTP 500", 500);
        var throttle = Error(KmsErrorKind.Throttled, "ThrottlingException", 400);
        var notFound = Error(KmsErrorKind.NotFound, "NotFoundException", 400);
        // One grant's canary: 3 faults, a throttle, then KMS's refusal: proven, and the count starts again.
        var proof = new DryRunProof();
        var first = new Queue<KmsError?>(new[] { fault, fault, fault, throttle, notFound });
        Assert.Null(await Prove(proof, _ => (first.Dequeue(), 1)));
        Assert.True(proof.Proven);
        Assert.Null(proof.GivenUp);
        // Another key's: 5 faults and a throttle between them, then the sixth fault gives it up.
        var other = new DryRunProof();
        var second = new Queue<KmsError?>(new[] { fault, fault, throttle, fault, fault, fault, fault });
        Assert.Same(fault, await Prove(other, _ => (second.Dequeue(), 1)));
        Assert.Same(fault, other.GivenUp);
        Assert.Empty(second);
    }

    static Task<KmsError?> Prove(DryRunProof proof, Func<GrantReference, (KmsError?, int)> answer) =>
        Prove(proof, (_, canary) => answer(canary), GrantOperation.Retire);

    static Task<KmsError?> Prove(DryRunProof proof, Func<GrantOperation, GrantReference, (KmsError?, int)> answer, GrantOperation operation) =>
        proof.ProveAsync(new GrantReference("arn:aws:kms:us-east-1:111122223333:key/k", new string('a', 64), null), operation,
            (op, canary) => Task.FromResult(answer(op, canary)), new AttemptPolicy(operation, dryRun: true, 6), () => false,
            new Random(1), "http://127.0.0.1:1/", CancellationToken.None);
}

namespace KmsGrants.Testing.Emulator;

/// <summary>Who signed a request, checked as KMS checks it: known access key, scope, signed headers, time, signature,
/// session token, Region served.</summary>
public sealed partial class EmulatorService
{
    Caller Authenticate(KmsCall call, SigV4.Authorization? parsed, string operation)
    {
        var auth = parsed ?? throw new KmsException("MissingAuthenticationTokenException", "Request is missing Authentication Token");
        if (!_callers.TryGetValue(auth.AccessKey, out var identity)) throw InvalidToken();
        var amzDate = call.Header("x-amz-date");
        SigV4.CheckScopeAndTime(auth, amzDate, DateTimeOffset.UtcNow, "kms");
        string? Header(string name) => name == "host" ? call.Host : call.Header(name);
        var expected = SigV4.Sign(identity.Secret, auth.Scope, auth.SignedHeaders, amzDate!, Header, "POST", "/", call.Query, call.Body);
        if (!SigV4.FixedTimeEquals(expected, auth.Signature))
            throw new KmsException("InvalidSignatureException",
                "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method.");
        // A session token belongs to temporary credentials: one sent with a long-term key, or not the identity's own, is
        // refused as KMS refuses it. Checked after the signature, so that a wrong secret is named as such either way.
        if (!string.Equals(call.Header("x-amz-security-token"), identity.SessionToken, StringComparison.Ordinal)) throw InvalidToken();
        // Who signed the last authenticated request, and for which Region: lets tests see which credentials a client chose.
        _lastCaller = identity.Caller.Arn;
        _lastAccessKey = auth.AccessKey;
        _lastRegion = auth.Region;
        // A Region not served is refused as KMS refuses a signature scoped to the wrong Region.
        if (!_regionsByName.ContainsKey(auth.Region))
            throw new KmsException("InvalidSignatureException", $"Credential should be scoped to a valid region, not '{auth.Region}'. ");
        RequireLiveSigner(identity.Caller, operation);
        return identity.Caller;
    }

    /// <summary>An identity whose IAM user was deleted has no access key any more (IAM deletes a user's keys with it):
    /// UnrecognizedClientException, as for any unknown key. One that signs as a deleted role, or as a session of one,
    /// still authenticates (its credentials are well formed until they expire) but is allowed nothing:
    /// AccessDeniedException for every operation. The identity belongs to the user or role that existed when the
    /// emulator started, so one made again with the same ARN does not bring it back.</summary>
    static void RequireLiveSigner(Caller caller, string operation)
    {
        if (caller.Entity is not { IsDeleted: true } entity) return;
        if (entity.Kind == "user") throw InvalidToken();
        throw KmsException.AccessDenied($"User: {caller.Arn} is not authorized to perform: kms:{operation} because the role {entity.Arn} ({entity.UniqueId}) no longer exists.");
    }

    /// <summary>Who an identity signs as, bound to the IAM user or role (a session's role) that exists now.</summary>
    Caller SignerOf(EmulatorIdentity identity) =>
        Caller.From(identity.Principal, _options.Account) with { Entity = Iam.ResolveSigner(identity.Principal) };

    static KmsException InvalidToken() => new("UnrecognizedClientException", "The security token included in the request is invalid.");
}

namespace KmsGrants.Testing.Emulator;

/// <summary>Who signed a request, checked as KMS checks it: known access key, scope, signed headers, time, signature,
/// session token, Region served.</summary>
public sealed partial class EmulatorService
{
    Caller Authenticate(KmsCall call, SigV4.Authorization? parsed)
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
        return identity.Caller;
    }

    static KmsException InvalidToken() => new("UnrecognizedClientException", "The security token included in the request is invalid.");
}

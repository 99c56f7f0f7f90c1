using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;

namespace KmsGrants.Testing.Emulator;

/// <summary>Verifies AWS Signature Version 4 on a request to "/" (all KMS calls), over whichever headers the
/// client signed: the .NET SDK signs more than boto3 and the CLI do.</summary>
public static partial class SigV4
{
    [GeneratedRegex(@"^AWS4-HMAC-SHA256\s+Credential=(?<cred>[^,\s]+),\s*SignedHeaders=(?<sh>[^,\s]+),\s*Signature=(?<sig>[^,\s]+)\z")]
    private static partial Regex AuthorizationPattern();

    // The signature is taken as sent (upper-case hex, or no hex at all): a malformed one is a signature that does not
    // match (InvalidSignatureException, as KMS answers), not a missing header.

    /// <summary>An Authorization header's parts. Scope is date/region/service/aws4_request.</summary>
    public readonly record struct Authorization(string AccessKey, string Scope, string SignedHeaders, string Signature)
    {
        public string Region => Scope.Split('/') is { Length: 4 } parts ? parts[1] : "";
    }

    /// <summary>How far a request's X-Amz-Date may be from the clock, either way, as on AWS.</summary>
    public static readonly TimeSpan MaxSkew = TimeSpan.FromMinutes(15);

    /// <summary>What AWS checks before the signature itself, each refusal an InvalidSignatureException (in AWS's wording
    /// where it is known): the scope (four parts, the service's name, aws4_request), Host and X-Amz-Date among the signed headers
    /// (else a signature would not bind the request to this endpoint and time), the scope's date that of X-Amz-Date, and
    /// X-Amz-Date within <see cref="MaxSkew"/> of <paramref name="now"/> (else a captured request could be replayed).</summary>
    public static void CheckScopeAndTime(Authorization auth, string? amzDate, DateTimeOffset now, string service)
    {
        var parts = auth.Scope.Split('/');
        if (parts.Length != 4 || parts[3] != "aws4_request")
            throw Invalid($"Credential should be scoped with a valid terminator: 'aws4_request', not '{parts[^1]}'. ");
        if (parts[2] != service)
            throw Invalid($"Credential should be scoped to correct service: '{service}'. ");
        var signed = auth.SignedHeaders.Split(';');
        if (!signed.Contains("host"))
            throw Invalid("'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.");
        if (!signed.Contains("x-amz-date"))
            throw Invalid("'X-Amz-Date' must be a 'SignedHeader' in the AWS Authorization.");
        if (!DateTimeOffset.TryParseExact(amzDate, "yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var date))
            throw Invalid($"X-Amz-Date must be an ISO 8601 basic date and time (yyyyMMddTHHmmssZ), not '{amzDate}'.");
        if (parts[0] != amzDate![..8])
            throw Invalid($"Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '{parts[0]}' != '{amzDate[..8]}', from '{amzDate}'.");
        if (date < now - MaxSkew)
            throw Invalid($"Signature expired: {amzDate} is now earlier than {Stamp(now - MaxSkew)} ({Stamp(now)} - 15 min.)");
        if (date > now + MaxSkew)
            throw Invalid($"Signature not yet current: {amzDate} is still later than {Stamp(now + MaxSkew)} ({Stamp(now)} + 15 min.)");
    }

    static string Stamp(DateTimeOffset t) => t.UtcDateTime.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);

    static KmsException Invalid(string message) => new("InvalidSignatureException", message);

    public static Authorization? ParseAuthorization(string? header)
    {
        if (string.IsNullOrEmpty(header)) return null;
        var m = AuthorizationPattern().Match(header.Trim());
        if (!m.Success) return null;
        var cred = m.Groups["cred"].Value;
        var slash = cred.IndexOf('/');
        if (slash <= 0) return null;
        return new Authorization(cred[..slash], cred[(slash + 1)..], m.Groups["sh"].Value, m.Groups["sig"].Value);
    }

    /// <summary>The expected signature for the request, computed with <paramref name="secret"/>.</summary>
    public static string Sign(string secret, string scope, string signedHeaders, string amzDate,
        Func<string, string?> header, string method, string path, string query, byte[] body)
    {
        var canonicalHeaders = new StringBuilder();
        foreach (var name in signedHeaders.Split(';'))
            canonicalHeaders.Append(name).Append(':').Append(Normalize(header(name) ?? "")).Append('\n');
        var payloadHash = Hex(SHA256.HashData(body));
        var canonicalRequest = string.Join('\n', method, path, query, canonicalHeaders.ToString(), signedHeaders, payloadHash);

        var stringToSign = $"AWS4-HMAC-SHA256\n{amzDate}\n{scope}\n{Hex(SHA256.HashData(Encoding.UTF8.GetBytes(canonicalRequest)))}";
        return Hex(HMACSHA256.HashData(SigningKey(secret, scope), Encoding.UTF8.GetBytes(stringToSign)));
    }

    // The signing key depends only on the secret and the scope (date/region/service/aws4_request): derived once per
    // identity, Region and day instead of four HMACs a request. Held no longer than the emulator holds the secrets.
    static readonly ConcurrentDictionary<(string Secret, string Scope), byte[]> SigningKeys = new();

    static byte[] SigningKey(string secret, string scope)
    {
        if (SigningKeys.TryGetValue((secret, scope), out var cached)) return cached;
        var key = Encoding.UTF8.GetBytes("AWS4" + secret);
        foreach (var part in scope.Split('/')) key = HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(part));
        if (SigningKeys.Count > 1024) SigningKeys.Clear();   // bounded: scopes change daily, forged ones at will
        SigningKeys[(secret, scope)] = key;
        return key;
    }

    [GeneratedRegex(@"\s+")] private static partial Regex WhiteSpaceRun();

    static string Normalize(string value)
    {
        var trimmed = value.Trim();
        // Most values hold no run of white space to fold into one space: they skip the regex.
        return trimmed.Contains("  ", StringComparison.Ordinal) || trimmed.AsSpan().IndexOfAny('\t', '\r', '\n') >= 0
            ? WhiteSpaceRun().Replace(trimmed, " ")
            : trimmed;
    }

    static string Hex(byte[] bytes) => Convert.ToHexString(bytes).ToLowerInvariant();

    public static bool FixedTimeEquals(string a, string b) =>
        CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(a), Encoding.ASCII.GetBytes(b));
}

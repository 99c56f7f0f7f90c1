using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;

namespace KmsGrants.Testing.Emulator;

/// <summary>Verifies AWS Signature Version 4 on a request to "/" (all KMS calls), over whichever headers the
/// client signed: the .NET SDK signs more than boto3 and the CLI do.</summary>
public static partial class SigV4
{
    [GeneratedRegex(@"^AWS4-HMAC-SHA256\s+Credential=(?<cred>[^,\s]+),\s*SignedHeaders=(?<sh>[^,\s]+),\s*Signature=(?<sig>[0-9a-f]+)$")]
    private static partial Regex AuthorizationPattern();

    /// <summary>An Authorization header's parts. Scope is date/region/service/aws4_request.</summary>
    public readonly record struct Authorization(string AccessKey, string Scope, string SignedHeaders, string Signature)
    {
        public string Region => Scope.Split('/') is { Length: 4 } parts ? parts[1] : "";
    }

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

using System;
using System.Text.RegularExpressions;

namespace KmsGrants.Engine
{
    /// <summary>What can be known wrong about a request before it is sent: the KMS service model's lengths and patterns
    /// (botocore data/kms/2014-11-01/service-2.json). Each failure names the rule so the message is specific.</summary>
    public static class InputValidation
    {
        // The model's limits. Java's \w is ASCII-only, hence ECMAScript matching.
        public const int MaxGrantToken = 8192;
        public const int MaxGrantId = 128;
        public const int MaxKeyId = 2048;
        public const int MaxPrincipal = 256;

        static readonly Regex PrincipalPattern = new Regex(@"^[\w+=,.@:/-]+$", RegexOptions.ECMAScript | RegexOptions.CultureInvariant);
        // arn:partition:kms:region:account:key/id — the only ARN RetireGrant and ListGrants take.
        static readonly Regex KeyArnPattern = new Regex(@"^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key/[^\s]+$", RegexOptions.ECMAScript | RegexOptions.CultureInvariant);

        public static ValidationFailure? GrantToken(string? token) =>
            Text(token, InvalidInputKind.GrantToken, "grant token", MaxGrantToken, "; grant tokens never do. Check how it was copied or read.");

        public static ValidationFailure? GrantId(string? grantId) =>
            Text(grantId, InvalidInputKind.GrantId, "grant ID", MaxGrantId, ".");

        /// <summary>A key ID or key ARN (not an alias: RetireGrant and ListGrants do not take aliases).</summary>
        public static ValidationFailure? KeyId(string? keyId)
        {
            var failure = Text(keyId, InvalidInputKind.KeyId, "key ID", MaxKeyId, ".");
            if (failure != null) return failure;
            if (keyId!.StartsWith("alias/", StringComparison.Ordinal) || keyId.Contains(":alias/"))
                return new ValidationFailure(InvalidInputKind.KeyId, $"'{keyId}' is an alias; RetireGrant and ListGrants take the key ID or key ARN ('aws kms describe-key --key-id {keyId}' shows it).");
            if (keyId.StartsWith("arn:", StringComparison.Ordinal) && !KeyArnPattern.IsMatch(keyId))
                return new ValidationFailure(InvalidInputKind.Arn, $"'{keyId}' is not a KMS key ARN (arn:aws:kms:<region>:<account>:key/<key-id>).");
            return null;
        }

        public static ValidationFailure? Principal(string? principal, string parameterName)
        {
            if (string.IsNullOrEmpty(principal))
                return new ValidationFailure(InvalidInputKind.Principal, $"{parameterName} is empty.");
            if (principal!.Length > MaxPrincipal)
                return new ValidationFailure(InvalidInputKind.Principal, $"{parameterName} is {principal.Length} characters long; KMS accepts at most {MaxPrincipal}.");
            if (!PrincipalPattern.IsMatch(principal))
                return new ValidationFailure(InvalidInputKind.Principal, $"{parameterName} '{principal}' has characters KMS does not accept in a principal (allowed: letters, digits and + = , . @ : / - _).");
            return null;
        }

        /// <summary>Checks one grant reference as RetireGrant needs it.</summary>
        public static ValidationFailure? Grant(GrantReference grant)
        {
            if (grant.ByToken)
                return GrantToken(grant.GrantToken);
            return KeyId(grant.KeyId) ?? GrantId(grant.GrantId);
        }

        /// <summary>The checks every identifier shares: present, within the model's length, no white space.</summary>
        static ValidationFailure? Text(string? value, InvalidInputKind kind, string what, int max, string whiteSpaceAdvice)
        {
            if (string.IsNullOrEmpty(value))
                return new ValidationFailure(kind, $"The {what} is empty.");
            if (value!.Length > max)
                return new ValidationFailure(kind, $"The {what} is {value.Length} characters long; KMS accepts at most {max}.");
            if (HasWhiteSpaceOrControl(value))
                return new ValidationFailure(kind, $"The {what} contains white space or control characters{whiteSpaceAdvice}");
            return null;
        }

        static bool HasWhiteSpaceOrControl(string s)
        {
            foreach (var c in s)
                if (char.IsWhiteSpace(c) || char.IsControl(c)) return true;
            return false;
        }
    }

    public enum InvalidInputKind { GrantToken, GrantId, KeyId, Arn, Principal }

    public sealed class ValidationFailure
    {
        public ValidationFailure(InvalidInputKind kind, string message) { Kind = kind; Message = message; }
        public InvalidInputKind Kind { get; }
        public string Message { get; }
    }
}

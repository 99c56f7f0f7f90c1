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

        public static ValidationFailure? GrantToken(string? token)
        {
            if (string.IsNullOrEmpty(token))
                return new ValidationFailure(InvalidInputKind.GrantToken, "The grant token is empty.");
            if (token!.Length > MaxGrantToken)
                return new ValidationFailure(InvalidInputKind.GrantToken, $"The grant token is {token.Length} characters long; KMS accepts at most {MaxGrantToken}.");
            if (HasWhiteSpaceOrControl(token))
                return new ValidationFailure(InvalidInputKind.GrantToken, "The grant token contains white space or control characters; grant tokens never do. Check how it was copied or read.");
            return null;
        }

        public static ValidationFailure? GrantId(string? grantId)
        {
            if (string.IsNullOrEmpty(grantId))
                return new ValidationFailure(InvalidInputKind.GrantId, "The grant ID is empty.");
            if (grantId!.Length > MaxGrantId)
                return new ValidationFailure(InvalidInputKind.GrantId, $"The grant ID is {grantId.Length} characters long; KMS accepts at most {MaxGrantId}.");
            if (HasWhiteSpaceOrControl(grantId))
                return new ValidationFailure(InvalidInputKind.GrantId, "The grant ID contains white space or control characters.");
            return null;
        }

        /// <summary>A key ID or key ARN (not an alias: RetireGrant and ListGrants do not take aliases).</summary>
        public static ValidationFailure? KeyId(string? keyId)
        {
            if (string.IsNullOrEmpty(keyId))
                return new ValidationFailure(InvalidInputKind.KeyId, "The key ID is empty.");
            if (keyId!.Length > MaxKeyId)
                return new ValidationFailure(InvalidInputKind.KeyId, $"The key ID is {keyId.Length} characters long; KMS accepts at most {MaxKeyId}.");
            if (HasWhiteSpaceOrControl(keyId))
                return new ValidationFailure(InvalidInputKind.KeyId, "The key ID contains white space or control characters.");
            if (keyId.StartsWith("alias/", StringComparison.Ordinal) || keyId.Contains(":alias/"))
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

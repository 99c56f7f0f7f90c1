using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.RegularExpressions;
using Amazon;

namespace KmsGrants.Engine
{
    /// <summary>What can be known wrong about a request before it is sent: the KMS service model's lengths and patterns
    /// (botocore data/kms/2014-11-01/service-2.json) and the shape of Region names and ARNs. Each failure names the rule
    /// so the message is specific. Patterns end in \z, not $: $ also matches before a final newline.</summary>
    public static class InputValidation
    {
        // The model's limits. Java's \w is ASCII-only, hence ECMAScript matching.
        public const int MaxGrantToken = 8192;
        public const int MaxGrantId = 128;
        public const int MaxKeyId = 2048;
        public const int MaxPrincipal = 256;

        static readonly Regex PrincipalPattern = new Regex(@"^[\w+=,.@:/-]+\z", RegexOptions.ECMAScript | RegexOptions.CultureInvariant);
        // arn:partition:kms:region:account:key/id or alias/name.
        static readonly Regex KmsArnPattern = new Regex(@"^arn:(?<partition>aws[a-z-]*):kms:(?<region>[^:]*):(?<account>\d{12}):(?<kind>key|alias)/(?<name>[^\s]+)\z",
            RegexOptions.ECMAScript | RegexOptions.CultureInvariant);
        static readonly Regex RegionPattern = new Regex(@"^[a-z]{2,5}(-[a-z]+)+-\d{1,2}\z", RegexOptions.ECMAScript | RegexOptions.CultureInvariant);

        // The SDK's own Region list, read once before anything can add to it: RegionEndpoint.GetBySystemName quietly
        // registers any name it is given, so the list would otherwise accept every typo made earlier in the session.
        static readonly Lazy<HashSet<string>> KnownRegions = new Lazy<HashSet<string>>(() =>
            new HashSet<string>(RegionEndpoint.EnumerableAllRegions.Select(r => r.SystemName), StringComparer.Ordinal));
        static readonly Lazy<HashSet<string>> KnownRegionPrefixes = new Lazy<HashSet<string>>(() =>
            new HashSet<string>(KnownRegions.Value.Select(r => r.Split('-')[0]), StringComparer.Ordinal));

        /// <summary>Forces the Region list to be read now (before any client is created).</summary>
        public static void Initialize() => _ = KnownRegions.Value.Count;

        public static ValidationFailure? GrantToken(string? token) =>
            Text(token, InvalidInputKind.GrantToken, "grant token", MaxGrantToken, "; grant tokens never do. Check how it was copied or read.");

        public static ValidationFailure? GrantId(string? grantId) =>
            Text(grantId, InvalidInputKind.GrantId, "grant ID", MaxGrantId, ".");

        /// <summary>A key ID, key ARN, alias name (alias/NAME) or alias ARN, as the user may name a key.</summary>
        public static ValidationFailure? KeyId(string? keyId)
        {
            var failure = Text(keyId, InvalidInputKind.KeyId, "key ID", MaxKeyId, ".");
            if (failure != null) return failure;
            if (keyId!.StartsWith("arn:", StringComparison.Ordinal))
            {
                var m = KmsArnPattern.Match(keyId);
                if (!m.Success)
                    return new ValidationFailure(InvalidInputKind.Arn, $"'{keyId}' is not a KMS key or alias ARN (arn:aws:kms:<region>:<account>:key/<key-id>).");
                var region = m.Groups["region"].Value;
                if (RegionProblem(region) is string problem)
                    return new ValidationFailure(InvalidInputKind.Arn, $"'{keyId}' names the Region '{region}', which {problem}");
            }
            else if (keyId.StartsWith("alias/", StringComparison.Ordinal) && keyId.Length == "alias/".Length)
            {
                return new ValidationFailure(InvalidInputKind.KeyId, "'alias/' names no alias.");
            }
            return null;
        }

        public static ValidationFailure? Principal(string? principal, string parameterName)
        {
            if (string.IsNullOrEmpty(principal))
                return new ValidationFailure(InvalidInputKind.Principal, $"{parameterName} is empty.");
            if (principal!.Length > MaxPrincipal)
                return new ValidationFailure(InvalidInputKind.Principal, $"{parameterName} is {principal.Length} characters long; KMS accepts at most {MaxPrincipal}.");
            if (!PrincipalPattern.IsMatch(principal))
                return new ValidationFailure(InvalidInputKind.Principal, $"{parameterName} '{Printable(principal)}' has characters KMS does not accept in a principal (allowed: letters, digits and + = , . @ : / - _).");
            return null;
        }

        /// <summary>A Region name: one the AWS SDK knows, or one shaped like them with a known prefix (a Region newer than
        /// the SDK). Rejects white space, typos and made-up names before they become a misleading signature error.</summary>
        public static ValidationFailure? Region(string? region, string source)
        {
            if (string.IsNullOrEmpty(region))
                return new ValidationFailure(InvalidInputKind.Region, $"The Region from {source} is empty.");
            return RegionProblem(region!) is string problem
                ? new ValidationFailure(InvalidInputKind.Region, $"The Region '{Printable(region!)}' from {source} {problem}")
                : null;
        }

        static string? RegionProblem(string region)
        {
            if (KnownRegions.Value.Contains(region)) return null;
            if (HasWhiteSpaceOrControl(region)) return "contains white space or control characters.";
            if (!RegionPattern.IsMatch(region))
                return "is not a Region name (Region names look like us-east-1 or eu-west-2).";
            if (!KnownRegionPrefixes.Value.Contains(region.Split('-')[0]))
                return $"is not an AWS Region (no Region name starts with '{region.Split('-')[0]}-'; known ones: {string.Join(", ", KnownRegions.Value.OrderBy(r => r, StringComparer.Ordinal).Take(8))}, …).";
            return null;
        }

        /// <summary>Checks one grant reference as RetireGrant needs it.</summary>
        public static ValidationFailure? Grant(GrantReference grant)
        {
            if (grant.ByToken)
                return GrantToken(grant.GrantToken);
            return KeyId(grant.KeyId) ?? GrantId(grant.GrantId);
        }

        /// <summary>The Region, account and kind a KMS ARN names, or null for anything else (a key ID, an alias name).</summary>
        public static KmsArn? ParseArn(string? keyId)
        {
            if (keyId == null || !keyId.StartsWith("arn:", StringComparison.Ordinal)) return null;
            var m = KmsArnPattern.Match(keyId);
            if (!m.Success) return null;
            return new KmsArn(m.Groups["partition"].Value, m.Groups["region"].Value, m.Groups["account"].Value,
                m.Groups["kind"].Value == "alias");
        }

        public static bool IsAlias(string keyId) =>
            keyId.StartsWith("alias/", StringComparison.Ordinal) || ParseArn(keyId) is { IsAlias: true };

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

        /// <summary>The text with control characters shown as escapes, so a message never carries a raw newline.</summary>
        static string Printable(string s) =>
            string.Concat(s.Select(c => char.IsControl(c) ? $"\\u{(int)c:x4}" : c.ToString()));
    }

    /// <summary>What a KMS key or alias ARN names.</summary>
    public sealed class KmsArn
    {
        public KmsArn(string partition, string region, string account, bool isAlias)
        {
            Partition = partition;
            Region = region;
            Account = account;
            IsAlias = isAlias;
        }

        public string Partition { get; }
        public string Region { get; }
        public string Account { get; }
        public bool IsAlias { get; }
    }

    public enum InvalidInputKind { GrantToken, GrantId, KeyId, Arn, Principal, Region, Select }

    public sealed class ValidationFailure
    {
        public ValidationFailure(InvalidInputKind kind, string message) { Kind = kind; Message = message; }
        public InvalidInputKind Kind { get; }
        public string Message { get; }
    }
}

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
        // registers any name it is given (a -Region typo, a profile's region), so the list would otherwise accept every
        // typo made earlier in the session.
        static readonly Lazy<IReadOnlyDictionary<string, RegionEndpoint>> KnownRegionEndpoints = new Lazy<IReadOnlyDictionary<string, RegionEndpoint>>(() =>
            RegionEndpoint.EnumerableAllRegions.GroupBy(r => r.SystemName, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal));
        static readonly Lazy<HashSet<string>> KnownRegions = new Lazy<HashSet<string>>(() =>
            new HashSet<string>(KnownRegionEndpoints.Value.Keys, StringComparer.Ordinal));
        static readonly Lazy<HashSet<string>> KnownRegionPrefixes = new Lazy<HashSet<string>>(() =>
            new HashSet<string>(KnownRegions.Value.Select(r => r.Split('-')[0]), StringComparer.Ordinal));
        // Each partition's Region pattern, from the SDK's data (RegionEndpoint.PartitionRegionRegex): the partition of a
        // Region newer than the SDK. The patterns do not overlap (aws's takes three parts, us-gov-… has four).
        static readonly Lazy<IReadOnlyList<(Regex Pattern, string Partition)>> PartitionPatterns = new Lazy<IReadOnlyList<(Regex, string)>>(() =>
            KnownRegionEndpoints.Value.Values
                .Where(r => !string.IsNullOrEmpty(r.PartitionName) && !string.IsNullOrEmpty(r.PartitionRegionRegex))
                .GroupBy(r => r.PartitionRegionRegex, StringComparer.Ordinal)
                .Select(g => (new Regex(g.Key, RegexOptions.ECMAScript | RegexOptions.CultureInvariant), g.First().PartitionName))
                .ToList());

        static readonly Lazy<IReadOnlyList<string>> KnownPartitionNames = new Lazy<IReadOnlyList<string>>(() =>
            KnownRegionEndpoints.Value.Values.Select(r => r.PartitionName).Where(p => !string.IsNullOrEmpty(p)).Select(p => p!).Append(StandardPartition)
                .Distinct(StringComparer.Ordinal).OrderBy(p => p.Length).ThenBy(p => p, StringComparer.Ordinal).ToList());

        /// <summary>The partition AWS Regions are in unless the SDK says otherwise.</summary>
        public const string StandardPartition = "aws";

        /// <summary>Forces the Region list to be read now (before any client is created).</summary>
        public static void Initialize() => _ = KnownRegions.Value.Count;

        /// <summary>The Regions the SDK knows, with their display names, as read before anything could add to them (what
        /// -Region completes).</summary>
        public static IReadOnlyList<KeyValuePair<string, string>> KnownRegionNames() =>
            KnownRegionEndpoints.Value.Values
                .Select(r => new KeyValuePair<string, string>(r.SystemName, r.DisplayName ?? r.SystemName))
                .OrderBy(r => r.Key, StringComparer.Ordinal)
                .ToList();

        /// <summary>The partition of a Region: the SDK's for one it knows, else the partition whose Region pattern it
        /// matches, else the standard partition (Regions newer than the SDK appear there first).</summary>
        public static string PartitionOf(string region)
        {
            if (KnownRegionEndpoints.Value.TryGetValue(region, out var known) && !string.IsNullOrEmpty(known.PartitionName))
                return known.PartitionName;
            foreach (var (pattern, partition) in PartitionPatterns.Value)
                if (pattern.IsMatch(region)) return partition;
            return StandardPartition;
        }

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
                // The partition must be the Region's: arn:aws-cn:…:us-east-1 or arn:awsfoo:… names no key anywhere.
                var partition = m.Groups["partition"].Value;
                var expected = PartitionOf(region);
                if (partition != expected)
                    return new ValidationFailure(InvalidInputKind.Arn, KnownPartitionNames.Value.Contains(partition)
                        ? $"'{keyId}' names the partition '{partition}', but the Region '{region}' is in the partition '{expected}' (arn:{expected}:kms:{region}:…)."
                        : $"'{keyId}' names the partition '{partition}', which is not an AWS partition (known: {string.Join(", ", KnownPartitionNames.Value)}).");
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
        /// <param name="showValue">False for a value read from a profile file: a line of it may hold a secret, so the
        /// message names the source only.</param>
        public static ValidationFailure? Region(string? region, string source, bool showValue = true)
        {
            if (string.IsNullOrEmpty(region))
                return new ValidationFailure(InvalidInputKind.Region, $"The Region from {source} is empty.");
            return RegionProblem(region!) is string problem
                ? new ValidationFailure(InvalidInputKind.Region, showValue
                    ? $"The Region '{Printable(region!)}' from {source} {problem}"
                    : $"The value of {source} {problem} (It is not shown: a line of a profile file may hold a secret.)")
                : null;
        }

        static string? RegionProblem(string region)
        {
            if (KnownRegions.Value.Contains(region)) return null;
            if (HasWhiteSpaceOrControl(region)) return "contains white space, control characters or invisible formatting characters.";
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
                return new ValidationFailure(kind, $"The {what} contains white space, control characters or invisible formatting characters " +
                    $"(such as a zero-width space){whiteSpaceAdvice}");
            return null;
        }

        /// <summary>Characters no identifier, Region or ARN can hold: white space, control characters, and invisible format
        /// characters (zero-width space, byte order mark, bidirectional marks), which a copy from a web page or a document
        /// brings along unseen. The model sets no pattern for key IDs, so nothing else is refused.</summary>
        static bool HasWhiteSpaceOrControl(string s)
        {
            foreach (var c in s)
                if (IsInvisible(c)) return true;
            return false;
        }

        static bool IsInvisible(char c) =>
            char.IsWhiteSpace(c) || char.IsControl(c)
            || System.Globalization.CharUnicodeInfo.GetUnicodeCategory(c) == System.Globalization.UnicodeCategory.Format;

        /// <summary>The text with control and format characters shown as escapes, so a message never carries a raw newline
        /// and an invisible character can be seen.</summary>
        static string Printable(string s) =>
            string.Concat(s.Select(c => IsInvisible(c) && c != ' ' ? $"\\u{(int)c:x4}" : c.ToString()));
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

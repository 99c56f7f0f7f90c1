using System;
using System.Text.RegularExpressions;

namespace KmsGrants.Engine
{
    /// <summary>What a KMS key or alias ARN names: arn:PARTITION:kms:REGION:ACCOUNT:key/ID (or alias/NAME). Only an ARN
    /// names a Region; a key ID or alias name is the command's Region's (<see cref="RegionRouting"/>).</summary>
    public sealed class KmsArn
    {
        /// <summary>ARNs begin with a lower-case "arn:"; a prefix in another case is caught by <see cref="HasArnPrefixInOtherCase"/>.</summary>
        public const string Prefix = "arn:";
        public const string AliasPrefix = "alias/";

        static readonly Regex Pattern = new Regex(@"^arn:(?<partition>aws[a-z-]*):kms:(?<region>[^:]*):(?<account>\d{12}):(?<kind>key|alias)/(?<name>[^\s]+)\z",
            RegexOptions.ECMAScript | RegexOptions.CultureInvariant);

        KmsArn(string partition, string region, bool isAlias)
        {
            Partition = partition;
            Region = region;
            IsAlias = isAlias;
        }

        public string Partition { get; }
        public string Region { get; }
        public bool IsAlias { get; }

        /// <summary>The ARN's parts, or null for anything that is not a well-formed KMS key or alias ARN.</summary>
        public static KmsArn? Parse(string? keyId)
        {
            if (keyId == null || !keyId.StartsWith(Prefix, StringComparison.Ordinal)) return null;
            var m = Pattern.Match(keyId);
            return m.Success ? new KmsArn(m.Groups["partition"].Value, m.Groups["region"].Value, m.Groups["kind"].Value == "alias") : null;
        }

        /// <summary>Whether the text is meant as an ARN (it begins "arn:" in any case).</summary>
        public static bool LooksLikeArn(string keyId) => keyId.StartsWith(Prefix, StringComparison.OrdinalIgnoreCase);

        /// <summary>"ARN:aws:kms:…", "Arn:…": ARNs are case-sensitive and KMS reads anything not beginning "arn:" as a key ID,
        /// which no key has, so such a key is refused before sending. Likewise "Alias/…" for "alias/…".</summary>
        public static bool HasArnPrefixInOtherCase(string keyId) =>
            LooksLikeArn(keyId) && !keyId.StartsWith(Prefix, StringComparison.Ordinal);

        public static bool HasAliasPrefixInOtherCase(string keyId) =>
            keyId.StartsWith(AliasPrefix, StringComparison.OrdinalIgnoreCase) && !keyId.StartsWith(AliasPrefix, StringComparison.Ordinal);

        /// <summary>An alias name (alias/NAME) or alias ARN, which DescribeKey resolves to its key.</summary>
        public static bool IsAliasName(string keyId) =>
            keyId.StartsWith(AliasPrefix, StringComparison.Ordinal) || Parse(keyId) is { IsAlias: true };
    }
}

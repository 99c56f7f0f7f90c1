using System;
using System.Collections.Generic;
using System.Linq;
using System.Reflection;
using System.Text.RegularExpressions;

namespace KmsGrants.Engine
{
    /// <summary>What can be known wrong about a request before it is sent: the KMS service model's lengths and patterns
    /// (botocore data/kms/2014-11-01/service-2.json), Region names (<see cref="RegionCatalog"/>) and ARNs
    /// (<see cref="KmsArn"/>). Each failure names the rule so the message is specific. Patterns end in \z, not $: $ also
    /// matches before a final newline.</summary>
    public static class InputValidation
    {
        // The model's limits. Java's \w is ASCII-only, hence ECMAScript matching.
        public const int MaxGrantToken = 8192;
        public const int MaxGrantId = 128;
        public const int MaxKeyId = 2048;
        public const int MaxPrincipal = 256;

        static readonly Regex PrincipalPattern = new Regex(@"^[\w+=,.@:/-]+\z", RegexOptions.ECMAScript | RegexOptions.CultureInvariant);

        static readonly Regex GrantIdShape = new Regex(@"^[0-9a-fA-F]{64}\z", RegexOptions.ECMAScript | RegexOptions.CultureInvariant);

        public static ValidationFailure? GrantToken(string? token)
        {
            // KMS's grant IDs are 64 hexadecimal characters; its tokens are long base64 text. Sent as a token, a grant ID
            // only comes back as InvalidGrantTokenException.
            if (token != null && GrantIdShape.IsMatch(token))
                return new ValidationFailure(InvalidInputKind.KeyIdRequired, $"'{token}' is a grant ID (64 hexadecimal characters), not a grant token: " +
                    "give its key too, as -KeyId <key> (or pipe objects with KeyId and GrantId properties, as Get-KmsGrant writes).");
            return Text(token, InvalidInputKind.GrantToken, "grant token", MaxGrantToken, "; grant tokens never do. Check how it was copied or read.");
        }

        public static ValidationFailure? GrantId(string? grantId) =>
            Text(grantId, InvalidInputKind.GrantId, "grant ID", MaxGrantId, ".");

        /// <summary>A key ID, key ARN, alias name (alias/NAME) or alias ARN, as the user may name a key.</summary>
        public static ValidationFailure? KeyId(string? keyId)
        {
            var failure = Text(keyId, InvalidInputKind.KeyId, "key ID", MaxKeyId, ".");
            if (failure != null) return failure;
            if (KmsArn.HasArnPrefixInOtherCase(keyId!))
                return new ValidationFailure(InvalidInputKind.Arn, $"'{keyId}' begins with '{keyId!.Substring(0, KmsArn.Prefix.Length)}': ARNs are case-sensitive " +
                    "and begin with a lower-case 'arn:' (arn:aws:kms:<region>:<account>:key/<key-id>); KMS would take this for a key ID that no key has.");
            if (KmsArn.HasAliasPrefixInOtherCase(keyId!))
                return new ValidationFailure(InvalidInputKind.KeyId, $"'{keyId}' begins with '{keyId!.Substring(0, KmsArn.AliasPrefix.Length)}': alias names " +
                    "are case-sensitive and begin with a lower-case 'alias/'; KMS would take this for a key ID that no key has.");
            if (KmsArn.LooksLikeArn(keyId!))
            {
                if (KmsArn.Parse(keyId) is not KmsArn arn)
                    return new ValidationFailure(InvalidInputKind.Arn, $"'{keyId}' is not a KMS key or alias ARN (arn:aws:kms:<region>:<account>:key/<key-id>).");
                if (RegionCatalog.Problem(arn.Region) is string problem)
                    return new ValidationFailure(InvalidInputKind.Arn, $"'{keyId}' names the Region '{arn.Region}', which {problem}");
                // The partition must be the Region's: arn:aws-cn:…:us-east-1 or arn:awsfoo:… names no key anywhere.
                var expected = RegionCatalog.PartitionOf(arn.Region);
                if (arn.Partition != expected)
                    return new ValidationFailure(InvalidInputKind.Arn, RegionCatalog.Partitions.Contains(arn.Partition)
                        ? $"'{keyId}' names the partition '{arn.Partition}', but the Region '{arn.Region}' is in the partition '{expected}' (arn:{expected}:kms:{arn.Region}:…)."
                        : $"'{keyId}' names the partition '{arn.Partition}', which is not an AWS partition (known: {string.Join(", ", RegionCatalog.Partitions)}).");
            }
            else if (keyId == KmsArn.AliasPrefix)
            {
                return new ValidationFailure(InvalidInputKind.KeyId, "'alias/' names no alias.");
            }
            return null;
        }

        /// <summary>A key pattern with wildcards (-KeyId *, alias/app-*): what any key name must be (within the model's
        /// length, no white space, no prefix in another case); the wildcards stand for the rest.</summary>
        public static ValidationFailure? KeyPattern(string? pattern)
        {
            var failure = Text(pattern, InvalidInputKind.KeyId, "key pattern", MaxKeyId, ".");
            if (failure != null) return failure;
            if (KmsArn.HasArnPrefixInOtherCase(pattern!) || KmsArn.HasAliasPrefixInOtherCase(pattern!))
                return new ValidationFailure(InvalidInputKind.KeyId, $"'{pattern}' begins with an ARN or alias prefix in another case: they are case-sensitive " +
                    "(arn:… and alias/…), and the pattern would match no key.");
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

        /// <summary>A Region name (<see cref="RegionCatalog.Problem"/>): rejects white space, typos and made-up names before
        /// they become a misleading signature error.</summary>
        /// <param name="showValue">False for a value read from a profile file: a line of it may hold a secret, so the
        /// message names the source only.</param>
        public static ValidationFailure? Region(string? region, string source, bool showValue = true)
        {
            if (string.IsNullOrEmpty(region))
                return new ValidationFailure(InvalidInputKind.Region, $"The Region from {source} is empty.");
            return RegionCatalog.Problem(region!) is string problem
                ? new ValidationFailure(InvalidInputKind.Region, showValue
                    ? $"The Region '{Printable(region!)}' from {source} {problem}"
                    : $"The value of {source} {problem} (It is not shown: a line of a profile file may hold a secret.)")
                : null;
        }

        /// <summary>Checks one grant reference as <paramref name="operation"/> needs it.</summary>
        public static ValidationFailure? Grant(GrantReference grant, GrantOperation operation)
        {
            if (operation == GrantOperation.Create) return KeyId(grant.KeyId);
            if (grant.ByToken)
                return operation.TakesTokens ? GrantToken(grant.GrantToken)
                    : new ValidationFailure(InvalidInputKind.GrantIdRequired, $"{operation.ApiName} names a grant by its key and grant ID only; this grant " +
                        "carries only a token. Give -KeyId and -GrantId (Get-KmsGrant lists a key's grants with both).");
            return KeyId(grant.KeyId) ?? GrantId(grant.GrantId);
        }

        public const int MaxGrantName = 256;
        public const int MaxGrantTokens = 10;
        static readonly Regex GrantNamePattern = new Regex(@"^[a-zA-Z0-9:/_-]+\z", RegexOptions.ECMAScript | RegexOptions.CultureInvariant);

        /// <summary>What a grant may allow: the model's GrantOperation values, as the AWS SDK carries them.</summary>
        public static IReadOnlyList<string> GrantOperations { get; } = typeof(Amazon.KeyManagementService.GrantOperation)
            .GetFields(BindingFlags.Public | BindingFlags.Static).Where(f => f.FieldType == typeof(Amazon.KeyManagementService.GrantOperation))
            .Select(f => f.GetValue(null)!.ToString()).OrderBy(o => o, StringComparer.Ordinal).ToList();

        // The operations only one key usage allows (the KMS Developer Guide's grant operations table): a grant allowing two
        // usages' operations fits no key. CreateGrant, RetireGrant, DescribeKey and GetPublicKey fit more than one.
        static readonly IReadOnlyDictionary<string, string> UsageOf = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["Decrypt"] = "ENCRYPT_DECRYPT", ["Encrypt"] = "ENCRYPT_DECRYPT", ["GenerateDataKey"] = "ENCRYPT_DECRYPT",
            ["GenerateDataKeyWithoutPlaintext"] = "ENCRYPT_DECRYPT", ["ReEncryptFrom"] = "ENCRYPT_DECRYPT", ["ReEncryptTo"] = "ENCRYPT_DECRYPT",
            ["GenerateDataKeyPair"] = "ENCRYPT_DECRYPT", ["GenerateDataKeyPairWithoutPlaintext"] = "ENCRYPT_DECRYPT",
            ["Sign"] = "SIGN_VERIFY", ["Verify"] = "SIGN_VERIFY",
            ["GenerateMac"] = "GENERATE_VERIFY_MAC", ["VerifyMac"] = "GENERATE_VERIFY_MAC",
            ["DeriveSharedSecret"] = "KEY_AGREEMENT",
        };

        /// <summary>A new grant's specification, as CreateGrant's model limits it (its key is checked as any key is).</summary>
        public static ValidationFailure? Spec(GrantSpec spec)
        {
            if (Principal(spec.GranteePrincipal, "-GranteePrincipal") is ValidationFailure grantee) return grantee;
            if (spec.RetiringPrincipal != null && Principal(spec.RetiringPrincipal, "-RetiringPrincipal") is ValidationFailure retiring) return retiring;
            // What ListGrants shows for a deleted role or user: KMS refuses it as a principal (and the refusal would be retried
            // as IAM propagation for minutes). A grant copied from a deleted role's grant brings it as its retiring principal.
            foreach (var (parameter, principal) in new[] { ("-GranteePrincipal", spec.GranteePrincipal), ("-RetiringPrincipal", spec.RetiringPrincipal) })
                if (StaleGrantRules.UniqueIdKind(principal) is string kind)
                    return new ValidationFailure(InvalidInputKind.Principal, $"{parameter} '{principal}' is an IAM {kind}'s unique ID, as ListGrants shows a deleted one: " +
                        "KMS takes a principal's ARN, and refuses this. Give the ARN of the principal that should hold the grant (for a copied grant, " +
                        $"{parameter} on the command line replaces the template's).");
            if (spec.Operations.Count == 0)
                return new ValidationFailure(InvalidInputKind.Operations, "-Operations is empty: a grant allows at least one operation (for example Decrypt).");
            if (spec.Operations.FirstOrDefault(o => !GrantOperations.Contains(o)) is string unknown)
                return new ValidationFailure(InvalidInputKind.Operations, $"'{Printable(unknown)}' is not an operation a grant can allow (operations are case-sensitive: " +
                    $"{string.Join(", ", GrantOperations)})." + (unknown.StartsWith("System.", StringComparison.Ordinal)
                        ? " It is a type's name, what Export-Csv writes for a list: export operations as text (-join ' ')." : ""));
            var usages = spec.Operations.Where(UsageOf.ContainsKey).GroupBy(o => UsageOf[o]).ToList();
            if (usages.Count > 1)
                return new ValidationFailure(InvalidInputKind.Operations, $"-Operations allows {string.Join(" and ", usages.Select(u => $"{string.Join(", ", u)} ({u.Key} keys)"))}: " +
                    "no key allows both, so KMS refuses the grant. Make one grant per kind of key.");
            if (spec.Name != null && (spec.Name.Length > MaxGrantName || !GrantNamePattern.IsMatch(spec.Name)))
                return new ValidationFailure(InvalidInputKind.GrantName, $"-Name '{Printable(spec.Name)}' is not a grant name KMS accepts: 1 to {MaxGrantName} letters, " +
                    "digits and : / _ -.");
            if (spec.EncryptionContextSubset != null && spec.EncryptionContextEquals != null)
                return new ValidationFailure(InvalidInputKind.Constraint, "A grant takes one encryption context constraint: -EncryptionContextSubset or " +
                    "-EncryptionContextEquals, not both.");
            if ((spec.EncryptionContextSubset ?? spec.EncryptionContextEquals) is { Count: 0 })
                return new ValidationFailure(InvalidInputKind.Constraint, "The encryption context constraint is empty: give at least one key and value, or leave it out.");
            if ((spec.EncryptionContextSubset ?? spec.EncryptionContextEquals)?.Keys.FirstOrDefault(k => k.Length == 0) != null)
                return new ValidationFailure(InvalidInputKind.Constraint, "An encryption context key is empty.");
            if (spec.GrantTokens.Count > MaxGrantTokens)
                return new ValidationFailure(InvalidInputKind.GrantToken, $"-GrantToken has {spec.GrantTokens.Count} tokens; CreateGrant takes at most {MaxGrantTokens}.");
            return spec.GrantTokens.Select(t => Text(t, InvalidInputKind.GrantToken, "grant token", MaxGrantToken, ".")).FirstOrDefault(f => f != null);
        }

        /// <summary>The checks every identifier shares: present, within the model's length, no white space.</summary>
        static ValidationFailure? Text(string? value, InvalidInputKind kind, string what, int max, string whiteSpaceAdvice)
        {
            if (string.IsNullOrEmpty(value))
                return new ValidationFailure(kind, $"The {what} is empty.");
            if (value!.Length > max)
                return new ValidationFailure(kind, $"The {what} is {value.Length} characters long; KMS accepts at most {max}.");
            if (HasInvisibleCharacters(value))
                return new ValidationFailure(kind, $"The {what} contains white space, control characters or invisible formatting characters " +
                    $"(such as a zero-width space){whiteSpaceAdvice}");
            return null;
        }

        /// <summary>Characters no identifier, Region or ARN can hold: white space, control characters, and invisible format
        /// characters (zero-width space, byte order mark, bidirectional marks), which a copy from a web page or a document
        /// brings along unseen. The model sets no pattern for key IDs, so nothing else is refused.</summary>
        internal static bool HasInvisibleCharacters(string s)
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
        public static string Printable(string s) =>
            string.Concat(s.Select(c => IsInvisible(c) && c != ' ' ? $"\\u{(int)c:x4}" : c.ToString()));
    }

    public enum InvalidInputKind
    {
        GrantToken,
        GrantId,
        KeyId,
        Arn,
        Principal,
        Region,
        Select,
        /// <summary>A grant named by token only, for an operation that takes the key and grant ID (RevokeGrant).</summary>
        GrantIdRequired,
        /// <summary>A grant ID given where a token was expected (no -KeyId): it names a grant only with its key.</summary>
        KeyIdRequired,
        /// <summary>A new grant's operations: none, one KMS does not know, or two kinds of key's.</summary>
        Operations,
        GrantName,
        /// <summary>A new grant's encryption context constraint.</summary>
        Constraint,
        /// <summary>A piped object that is not a grant (text, a hashtable, an object without KeyId and GrantId).</summary>
        GrantObject,
    }

    public sealed class ValidationFailure
    {
        public ValidationFailure(InvalidInputKind kind, string message) { Kind = kind; Message = message; }
        public InvalidInputKind Kind { get; }
        public string Message { get; }
    }
}

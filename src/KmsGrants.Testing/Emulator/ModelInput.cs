using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace KmsGrants.Testing.Emulator;

/// <summary>The service model's constraints on each operation's input (kms/2014-11-01: required members, lengths,
/// patterns, enums, list sizes, integer ranges), checked before the operation's own rules, all members at once, and
/// refused in KMS's own wording: "1 validation error detected: Value 'x' at 'name' failed to satisfy constraint: Member
/// must have length less than or equal to 256" ("2 validation errors detected: …; …" for two). The one place that
/// words a model violation: the operations' own checks (the cmdlets' too) word theirs with <see cref="Violation"/>.</summary>
public static partial class ModelInput
{
    enum Kind { Text, Integer, Boolean, TextList, Structure }

    sealed record Member(string Name, Kind Kind, bool Required = false, int Min = 0, int Max = int.MaxValue,
        Regex? Pattern = null, string? PatternText = null, IReadOnlyList<string>? Enum = null, int ItemMin = 0, int ItemMax = int.MaxValue);

    // The model's patterns, anchored with \z (a .NET $ also matches before a final newline, which KMS refuses).
    [GeneratedRegex(@"^[\w+=,.@:/-]+\z", RegexOptions.ECMAScript)] internal static partial Regex PrincipalPattern();
    [GeneratedRegex(@"^[a-zA-Z0-9:/_-]+\z")] internal static partial Regex NamePattern();
    [GeneratedRegex(@"^[\u0020-\u00FF]*\z")] private static partial Regex MarkerPattern();

    internal const string PrincipalPatternText = @"^[\w+=,.@:/-]+$";
    internal const string NamePatternText = "^[a-zA-Z0-9:/_-]+$";

    public static readonly IReadOnlyList<string> GrantOperations =
    [
        "Decrypt", "Encrypt", "GenerateDataKey", "GenerateDataKeyWithoutPlaintext", "ReEncryptFrom", "ReEncryptTo",
        "Sign", "Verify", "GetPublicKey", "CreateGrant", "RetireGrant", "DescribeKey", "GenerateDataKeyPair",
        "GenerateDataKeyPairWithoutPlaintext", "GenerateMac", "VerifyMac", "DeriveSharedSecret",
    ];
    public static readonly IReadOnlyList<string> KeySpecs =
    [
        "RSA_2048", "RSA_3072", "RSA_4096", "ECC_NIST_P256", "ECC_NIST_P384", "ECC_NIST_P521", "ECC_SECG_P256K1",
        "SYMMETRIC_DEFAULT", "HMAC_224", "HMAC_256", "HMAC_384", "HMAC_512", "SM2", "ML_DSA_44", "ML_DSA_65", "ML_DSA_87",
        "ECC_NIST_EDWARDS25519",
    ];
    public static readonly IReadOnlyList<string> CustomerMasterKeySpecs =
    [
        "RSA_2048", "RSA_3072", "RSA_4096", "ECC_NIST_P256", "ECC_NIST_P384", "ECC_NIST_P521", "ECC_SECG_P256K1",
        "SYMMETRIC_DEFAULT", "HMAC_224", "HMAC_256", "HMAC_384", "HMAC_512", "SM2",
    ];
    public static readonly IReadOnlyList<string> KeyUsages = ["SIGN_VERIFY", "ENCRYPT_DECRYPT", "GENERATE_VERIFY_MAC", "KEY_AGREEMENT"];
    static readonly IReadOnlyList<string> Origins = ["AWS_KMS", "EXTERNAL", "AWS_CLOUDHSM", "EXTERNAL_KEY_STORE"];

    static Member KeyId(bool required = true, string name = "KeyId") => new(name, Kind.Text, required, 1, 2048);
    static readonly Member Limit = new("Limit", Kind.Integer, Min: 1, Max: 1000);
    static readonly Member Marker = new("Marker", Kind.Text, Min: 1, Max: 1024, Pattern: MarkerPattern(), PatternText: "[\\u0020-\\u00FF]*");
    static Member Principal(string name, bool required) => new(name, Kind.Text, required, 1, 256, PrincipalPattern(), PrincipalPatternText);
    static readonly Member GrantId = new("GrantId", Kind.Text, Min: 1, Max: 128);
    static readonly Member GrantTokens = new("GrantTokens", Kind.TextList, Min: 0, Max: 10, ItemMin: 1, ItemMax: 8192);
    static readonly Member DryRun = new("DryRun", Kind.Boolean);

    static readonly Dictionary<string, Member[]> Inputs = new(StringComparer.Ordinal)
    {
        ["CreateKey"] =
        [
            new("Description", Kind.Text, Min: 0, Max: 8192),
            new("KeyUsage", Kind.Text, Enum: KeyUsages),
            new("CustomerMasterKeySpec", Kind.Text, Enum: CustomerMasterKeySpecs),
            new("KeySpec", Kind.Text, Enum: KeySpecs),
            new("Origin", Kind.Text, Enum: Origins),
            new("MultiRegion", Kind.Boolean),
        ],
        ["DescribeKey"] = [KeyId(), GrantTokens],
        ["ListKeys"] = [Limit, Marker],
        ["EnableKey"] = [KeyId()],
        ["DisableKey"] = [KeyId()],
        ["ScheduleKeyDeletion"] = [KeyId(), new("PendingWindowInDays", Kind.Integer, Min: 1, Max: 365)],
        ["CancelKeyDeletion"] = [KeyId()],
        ["CreateAlias"] = [new("AliasName", Kind.Text, true, 1, 256, NamePattern(), NamePatternText), KeyId(name: "TargetKeyId")],
        ["ListAliases"] = [KeyId(required: false), Limit, Marker],
        ["CreateGrant"] =
        [
            KeyId(), Principal("GranteePrincipal", true), Principal("RetiringPrincipal", false),
            new("Operations", Kind.TextList, Required: true, Enum: GrantOperations), new("Constraints", Kind.Structure), GrantTokens,
            new("Name", Kind.Text, Min: 1, Max: 256, Pattern: NamePattern(), PatternText: NamePatternText), DryRun,
        ],
        ["ListGrants"] = [Limit, Marker, KeyId(), GrantId, Principal("GranteePrincipal", false)],
        ["ListRetirableGrants"] = [Limit, Marker, Principal("RetiringPrincipal", true)],
        ["RetireGrant"] = [new("GrantToken", Kind.Text, Min: 1, Max: 8192), KeyId(required: false), GrantId, DryRun],
        ["RevokeGrant"] = [KeyId(), GrantId with { Required = true }, DryRun],
    };

    /// <summary>Refuses (ValidationException) a request that breaks its operation's model constraints, naming every
    /// violation; a member of the wrong JSON type throws as reading it does (SerializationException).</summary>
    public static void Check(string operation, JsonObject request)
    {
        if (!Inputs.TryGetValue(operation, out var members)) return;
        List<string>? violations = null;
        foreach (var m in members)
            foreach (var v in Violations(m, request[m.Name])) (violations ??= []).Add(v);
        if (violations != null) throw Violation.Exception(violations);
    }

    static IEnumerable<string> Violations(Member m, JsonNode? node)
    {
        var at = Violation.MemberName(m.Name);
        if (node == null)
        {
            if (m.Required) yield return Violation.Null(at);
            yield break;
        }
        switch (m.Kind)
        {
            case Kind.Text:
                var text = node.GetValue<string>();
                foreach (var v in TextViolations(at, text, m)) yield return v;
                break;
            case Kind.Integer:
                var n = node.GetValue<int>();
                if (n < m.Min) yield return $"Value '{n}' at '{at}' failed to satisfy constraint: Member must have value greater than or equal to {m.Min}";
                if (n > m.Max) yield return $"Value '{n}' at '{at}' failed to satisfy constraint: Member must have value less than or equal to {m.Max}";
                break;
            case Kind.Boolean:
                _ = node.GetValue<bool>();
                break;
            case Kind.Structure:
                if (node is not JsonObject) throw new InvalidOperationException($"'{m.Name}' must be a JSON object.");
                break;
            case Kind.TextList:
                if (node is not JsonArray list) throw new InvalidOperationException($"'{m.Name}' must be a JSON array.");
                var items = list.Select(i => i?.GetValue<string>() ?? throw new InvalidOperationException($"'{m.Name}' holds a null.")).ToList();
                var shown = "[" + string.Join(", ", items) + "]";
                if (items.Count < m.Min) yield return $"Value '{shown}' at '{at}' failed to satisfy constraint: Member must have length greater than or equal to {m.Min}";
                if (items.Count > m.Max) yield return $"Value '{shown}' at '{at}' failed to satisfy constraint: Member must have length less than or equal to {m.Max}";
                if (m.Enum != null && items.Any(i => !m.Enum.Contains(i, StringComparer.Ordinal)))
                    yield return $"Value '{shown}' at '{at}' failed to satisfy constraint: Member must satisfy constraint: [Member must satisfy enum value set: [{string.Join(", ", m.Enum)}]]";
                for (var i = 0; i < items.Count; i++)
                    foreach (var v in TextViolations($"{at}.{i + 1}.member", items[i], m with { Min = m.ItemMin, Max = m.ItemMax, Enum = null }))
                        yield return v;
                break;
        }
    }

    static IEnumerable<string> TextViolations(string at, string text, Member m)
    {
        if (Violation.Length(at, text, m.Min, m.Max) is { } length) yield return length;
        if (m.Pattern != null && !m.Pattern.IsMatch(text)) yield return Violation.Pattern(at, text, m.PatternText!);
        if (m.Enum != null && !m.Enum.Contains(text, StringComparer.Ordinal))
            yield return $"Value '{text}' at '{at}' failed to satisfy constraint: Member must satisfy enum value set: [{string.Join(", ", m.Enum)}]";
    }
}

/// <summary>KMS's wording of a broken model constraint (Coral's): what <see cref="ModelInput"/> and the operations'
/// own checks say, so that every length, pattern and null is refused in the same words.</summary>
public static class Violation
{
    /// <summary>A request member's name as KMS names it in these messages: its first letter lower-case (keyId).</summary>
    public static string MemberName(string member) => member.Length == 0 ? member : char.ToLowerInvariant(member[0]) + member[1..];

    public static string? Length(string at, string value, int min, int max) =>
        value.Length > max ? $"Value '{value}' at '{at}' failed to satisfy constraint: Member must have length less than or equal to {max}"
        : value.Length < min ? $"Value '{value}' at '{at}' failed to satisfy constraint: Member must have length greater than or equal to {min}"
        : null;

    public static string Pattern(string at, string value, string pattern) =>
        $"Value '{value}' at '{at}' failed to satisfy constraint: Member must satisfy regular expression pattern: {pattern}";

    public static string Null(string at) => $"Value null at '{at}' failed to satisfy constraint: Member must not be null";

    /// <summary>ValidationException: "N validation error(s) detected: " and the violations, separated by "; ".</summary>
    public static KmsException Exception(IReadOnlyCollection<string> violations) =>
        KmsException.Validation($"{violations.Count} validation error{(violations.Count == 1 ? "" : "s")} detected: {string.Join("; ", violations)}");

    public static KmsException Exception(string violation) => Exception([violation]);

    /// <summary>A principal (1-256 characters of the model's pattern): the violations, or none.</summary>
    public static List<string> OfPrincipal(string member, string value)
    {
        var at = MemberName(member);
        var found = new List<string>();
        if (Length(at, value, 1, 256) is { } length) found.Add(length);
        if (!ModelInput.PrincipalPattern().IsMatch(value)) found.Add(Pattern(at, value, ModelInput.PrincipalPatternText));
        return found;
    }
}

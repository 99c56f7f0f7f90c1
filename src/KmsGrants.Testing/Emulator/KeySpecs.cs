using System.Text.Json.Nodes;

namespace KmsGrants.Testing.Emulator;

/// <summary>What a key spec and key usage allow, from the KMS Developer Guide's key type reference and the CreateKey and
/// CreateGrant documentation: which KeyUsage each KeySpec takes, which operations a grant on such a key may allow
/// (CreateGrant: "you cannot create a grant for a symmetric encryption KMS key that allows the Sign operation, or a grant
/// for an asymmetric KMS key that allows the GenerateDataKey operation"), whether an encryption context constraint
/// applies (only to symmetric encryption keys), and the algorithms DescribeKey lists.</summary>
public static class KeySpecs
{
    /// <summary>Operations every key's grants may allow.</summary>
    static readonly string[] Common = ["DescribeKey", "CreateGrant", "RetireGrant"];

    static readonly Dictionary<string, string[]> OperationsByUsage = new(StringComparer.Ordinal)
    {
        ["SYMMETRIC"] = ["Decrypt", "Encrypt", "GenerateDataKey", "GenerateDataKeyWithoutPlaintext", "GenerateDataKeyPair",
            "GenerateDataKeyPairWithoutPlaintext", "ReEncryptFrom", "ReEncryptTo"],
        ["GENERATE_VERIFY_MAC"] = ["GenerateMac", "VerifyMac"],
        ["ENCRYPT_DECRYPT"] = ["Decrypt", "Encrypt", "ReEncryptFrom", "ReEncryptTo", "GetPublicKey"],
        ["SIGN_VERIFY"] = ["Sign", "Verify", "GetPublicKey"],
        ["KEY_AGREEMENT"] = ["DeriveSharedSecret", "GetPublicKey"],
    };

    /// <summary>The key usages each key spec takes (CreateKey's KeyUsage documentation), the first being the default
    /// where KeyUsage may be left out (symmetric encryption keys only).</summary>
    static string[] UsagesOf(string spec) => spec switch
    {
        "SYMMETRIC_DEFAULT" => ["ENCRYPT_DECRYPT"],
        "HMAC_224" or "HMAC_256" or "HMAC_384" or "HMAC_512" => ["GENERATE_VERIFY_MAC"],
        "RSA_2048" or "RSA_3072" or "RSA_4096" => ["ENCRYPT_DECRYPT", "SIGN_VERIFY"],
        "ECC_NIST_P256" or "ECC_NIST_P384" or "ECC_NIST_P521" => ["SIGN_VERIFY", "KEY_AGREEMENT"],
        "ECC_SECG_P256K1" or "ML_DSA_44" or "ML_DSA_65" or "ML_DSA_87" or "ECC_NIST_EDWARDS25519" => ["SIGN_VERIFY"],
        "SM2" => ["ENCRYPT_DECRYPT", "SIGN_VERIFY", "KEY_AGREEMENT"],
        _ => [],
    };

    /// <summary>The key spec and usage a CreateKey makes of what it was given (SYMMETRIC_DEFAULT, ENCRYPT_DECRYPT by
    /// default); ValidationException for a usage the spec does not take, or none given for a key that is not a
    /// symmetric encryption key.</summary>
    public static (string Spec, string Usage) Check(string? spec, string? usage)
    {
        spec ??= "SYMMETRIC_DEFAULT";
        var usages = UsagesOf(spec);
        if (usages.Length == 0)
            throw Violation.Exception($"Value '{spec}' at 'keySpec' failed to satisfy constraint: Member must satisfy enum value set: [{string.Join(", ", ModelInput.KeySpecs)}]");
        if (usage == null)
        {
            if (spec != "SYMMETRIC_DEFAULT" && usages.Length > 1)
                throw KmsException.Validation($"You must specify a KeyUsage value for a KMS key with a {spec} key spec.");
            return (spec, usages[0]);
        }
        if (!usages.Contains(usage, StringComparer.Ordinal))
            throw KmsException.Validation($"KeyUsage {usage} is not compatible with KeySpec {spec}.");
        return (spec, usage);
    }

    public static bool IsSymmetricEncryption(KmsKey key) => key.KeySpec == "SYMMETRIC_DEFAULT";

    /// <summary>The operations a grant on <paramref name="key"/> may allow.</summary>
    public static IEnumerable<string> GrantOperationsFor(KmsKey key) =>
        Common.Concat(OperationsByUsage[IsSymmetricEncryption(key) ? "SYMMETRIC" : key.KeyUsage]);

    /// <summary>ValidationException for a grant operation the key does not support, or an encryption context constraint
    /// on a key that is not a symmetric encryption key (asymmetric and HMAC keys take no encryption context).</summary>
    public static void CheckGrant(KmsKey key, IEnumerable<string> operations, JsonObject? constraints)
    {
        var allowed = GrantOperationsFor(key).ToHashSet(StringComparer.Ordinal);
        var refused = operations.Where(o => !allowed.Contains(o)).Distinct(StringComparer.Ordinal).ToList();
        if (refused.Count > 0)
            throw KmsException.Validation($"Grant operations {string.Join(", ", refused)} are not supported for a KMS key with key spec {key.KeySpec} and key usage {key.KeyUsage}.");
        if (constraints != null && !IsSymmetricEncryption(key)
            && (constraints["EncryptionContextSubset"] != null || constraints["EncryptionContextEquals"] != null))
            throw KmsException.Validation($"Encryption context grant constraints are not supported for a KMS key with key spec {key.KeySpec}: only symmetric encryption KMS keys take an encryption context.");
    }

    /// <summary>DescribeKey's algorithm lists for the key: EncryptionAlgorithms, SigningAlgorithms, MacAlgorithms or
    /// KeyAgreementAlgorithms, as KMS lists them for its key spec and usage.</summary>
    public static void AddAlgorithms(JsonObject metadata, KmsKey key)
    {
        static JsonArray List(params string[] names) => new(names.Select(n => (JsonNode)n).ToArray());
        var spec = key.KeySpec;
        switch (key.KeyUsage)
        {
            case "ENCRYPT_DECRYPT":
                metadata["EncryptionAlgorithms"] = spec switch
                {
                    "SYMMETRIC_DEFAULT" => List("SYMMETRIC_DEFAULT"),
                    "SM2" => List("SM2PKE"),
                    _ => List("RSAES_OAEP_SHA_1", "RSAES_OAEP_SHA_256"),
                };
                break;
            case "SIGN_VERIFY":
                metadata["SigningAlgorithms"] = spec switch
                {
                    "ECC_NIST_P256" or "ECC_SECG_P256K1" => List("ECDSA_SHA_256"),
                    "ECC_NIST_P384" => List("ECDSA_SHA_384"),
                    "ECC_NIST_P521" => List("ECDSA_SHA_512"),
                    "ECC_NIST_EDWARDS25519" => List("ED25519_SHA_512", "ED25519_PH_SHA_512"),
                    "ML_DSA_44" or "ML_DSA_65" or "ML_DSA_87" => List("ML_DSA_SHAKE_256"),
                    "SM2" => List("SM2DSA"),
                    _ => List("RSASSA_PKCS1_V1_5_SHA_256", "RSASSA_PKCS1_V1_5_SHA_384", "RSASSA_PKCS1_V1_5_SHA_512",
                        "RSASSA_PSS_SHA_256", "RSASSA_PSS_SHA_384", "RSASSA_PSS_SHA_512"),
                };
                break;
            case "GENERATE_VERIFY_MAC":
                metadata["MacAlgorithms"] = List("HMAC_SHA_" + spec["HMAC_".Length..]);
                break;
            case "KEY_AGREEMENT":
                metadata["KeyAgreementAlgorithms"] = List("ECDH");
                break;
        }
    }
}

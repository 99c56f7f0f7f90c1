using System.Text.Json.Nodes;

namespace KmsGrants.Testing.Emulator;

/// <summary>Keys and aliases: CreateKey, DescribeKey, ListKeys, key states, CreateAlias, ListAliases, and finding a key
/// by ID, ARN or alias as KMS does. AWS managed keys (KeyManager AWS, alias/aws/SERVICE) are listed with the account's
/// own, and only described, listed and have their grants listed or revoked by the account.</summary>
public sealed partial class KmsState
{
    public KmsKey NewKey(string account, string description = "", string keyManager = "CUSTOMER", string keySpec = "SYMMETRIC_DEFAULT", string keyUsage = "ENCRYPT_DECRYPT")
    {
        lock (_gate)
        {
            var id = Guid.NewGuid().ToString();
            var key = new KmsKey
            {
                Id = id,
                Arn = KeyArn(account, id),
                Account = account,
                Region = Region,
                CreationDate = DateTimeOffset.UtcNow,
                Description = description,
                KeyManager = keyManager,
                KeySpec = keySpec,
                KeyUsage = keyUsage,
            };
            _keys[id] = key;
            return key;
        }
    }

    string KeyArn(string account, string keyId) => $"arn:aws:kms:{Region}:{account}:key/{keyId}";

    JsonObject CreateKey(JsonObject request, Caller caller)
    {
        // KeySpec and its deprecated twin CustomerMasterKeySpec work the same way; one of them at most.
        var spec = Str(request, "KeySpec");
        var cmkSpec = Str(request, "CustomerMasterKeySpec");
        if (spec != null && cmkSpec != null)
            throw KmsException.Validation("You cannot specify KeySpec and CustomerMasterKeySpec in the same request. CustomerMasterKeySpec is deprecated.");
        var (keySpec, keyUsage) = KeySpecs.Check(spec ?? cmkSpec, Str(request, "KeyUsage"));
        return new() { ["KeyMetadata"] = Metadata(NewKey(caller.Account, Str(request, "Description") ?? "", "CUSTOMER", keySpec, keyUsage)) };
    }

    // No account check: DescribeKey by key ARN works across accounts (the key policy would decide on KMS).
    JsonObject DescribeKey(JsonObject request, Caller caller) =>
        new() { ["KeyMetadata"] = Metadata(FindKey(Str(request, "KeyId", required: true)!, caller, allowAlias: true)) };

    static JsonObject Metadata(KmsKey key)
    {
        var metadata = new JsonObject
        {
            ["AWSAccountId"] = key.Account,
            ["KeyId"] = key.Id,
            ["Arn"] = key.Arn,
            ["CreationDate"] = key.CreationDate.ToUnixTimeMilliseconds() / 1000.0,
            ["Enabled"] = key.State == "Enabled",
            ["Description"] = key.Description,
            ["KeyUsage"] = key.KeyUsage,
            ["KeyState"] = key.State,
            ["Origin"] = "AWS_KMS",
            ["KeyManager"] = key.KeyManager,
            ["KeySpec"] = key.KeySpec,
            ["MultiRegion"] = false,
            ["DeletionDate"] = key.DeletionDate is { } d ? d.ToUnixTimeSeconds() : null,
        };
        // The deprecated twin of KeySpec, for the specs its enum has.
        if (ModelInput.CustomerMasterKeySpecs.Contains(key.KeySpec)) metadata["CustomerMasterKeySpec"] = key.KeySpec;
        KeySpecs.AddAlgorithms(metadata, key);
        return metadata;
    }

    /// <summary>The caller's own account's keys in this Region, AWS managed ones included, as on KMS (Limit 1-1,000,
    /// default 100).</summary>
    JsonObject ListKeys(JsonObject request, Caller caller)
    {
        var scope = "keys:" + caller.Account;
        var (limit, after) = Paging(request, scope, max: 1000, byDefault: 100);
        var page = _keys.Values.Where(k => k.Account == caller.Account).OrderBy(k => k.CreationDate).ThenBy(k => k.Id, StringComparer.Ordinal)
            .Select((k, i) => (k, i: (long)i + 1)).Where(x => x.i > after).Take(limit + 1).ToList();
        var result = new JsonObject { ["Keys"] = new JsonArray(page.Take(limit).Select(x => (JsonNode)new JsonObject { ["KeyId"] = x.k.Id, ["KeyArn"] = x.k.Arn }).ToArray()) };
        return WithMarker(result, page.Count > limit, page.Count > limit ? page[limit - 1].i : 0, scope);
    }

    JsonObject SetKeyState(JsonObject request, Caller caller, string state)
    {
        var operation = state == "Enabled" ? "EnableKey" : "DisableKey";
        var key = FindKey(Str(request, "KeyId", required: true)!, caller, allowAlias: false);
        RequireKeyAccount(caller, key, operation);
        RequireCustomerManaged(caller, key, operation);
        if (key.State == "PendingDeletion")
            throw KmsException.InvalidState($"{key.Arn} is pending deletion.");
        key.State = state;
        return new JsonObject();
    }

    JsonObject ScheduleKeyDeletion(JsonObject request, Caller caller)
    {
        var key = FindKey(Str(request, "KeyId", required: true)!, caller, allowAlias: false);
        RequireKeyAccount(caller, key, "ScheduleKeyDeletion");
        RequireCustomerManaged(caller, key, "ScheduleKeyDeletion");
        var days = request["PendingWindowInDays"]?.GetValue<int>() ?? 30;
        if (days is < 7 or > 30) throw KmsException.Validation("PendingWindowInDays must be between 7 and 30.");
        if (key.State == "PendingDeletion") throw KmsException.InvalidState($"{key.Arn} is pending deletion.");
        key.State = "PendingDeletion";
        key.DeletionDate = DateTimeOffset.UtcNow.AddDays(days);
        return new JsonObject
        {
            ["KeyId"] = key.Arn,
            ["DeletionDate"] = key.DeletionDate.Value.ToUnixTimeSeconds(),
            ["KeyState"] = key.State,
            ["PendingWindowInDays"] = days,
        };
    }

    JsonObject CancelKeyDeletion(JsonObject request, Caller caller)
    {
        var key = FindKey(Str(request, "KeyId", required: true)!, caller, allowAlias: false);
        RequireKeyAccount(caller, key, "CancelKeyDeletion");
        RequireCustomerManaged(caller, key, "CancelKeyDeletion");
        if (key.State != "PendingDeletion") throw KmsException.InvalidState($"{key.Arn} is not pending deletion.");
        key.State = "Disabled";
        key.DeletionDate = null;
        return new JsonObject { ["KeyId"] = key.Arn };
    }

    JsonObject CreateAlias(JsonObject request, Caller caller)
    {
        var name = Str(request, "AliasName", required: true)!;
        CheckAliasName(name);
        var key = FindKey(Str(request, "TargetKeyId", required: true)!, caller, allowAlias: false);
        RequireKeyAccount(caller, key, "CreateAlias");
        RequireCustomerManaged(caller, key, "CreateAlias");
        if (_aliases.ContainsKey((key.Account, name)))
            throw new KmsException("AlreadyExistsException", $"An alias with the name arn:aws:kms:{Region}:{key.Account}:{name} already exists");
        AddAlias(key.Account, name, key);
        return new JsonObject();
    }

    void AddAlias(string account, string name, KmsKey key)
    {
        _aliases[(account, name)] = key;
        _aliasDates[(account, name)] = DateTimeOffset.UtcNow;
    }

    /// <summary>The caller's account's aliases in this Region, by name (optionally of one key: KeyId), paged as ListKeys;
    /// with their CreationDate and LastUpdatedDate, as KMS lists them.</summary>
    JsonObject ListAliases(JsonObject request, Caller caller)
    {
        var scope = "aliases:" + caller.Account;
        var (limit, after) = Paging(request, scope);
        var only = Str(request, "KeyId") is string keyId ? FindKey(keyId, caller, allowAlias: false) : null;
        var page = _aliases.Where(a => a.Key.Account == caller.Account && (only == null || a.Value == only))
            .OrderBy(a => a.Key.Name, StringComparer.Ordinal)
            .Select((a, i) => (a, i: (long)i + 1)).Where(x => x.i > after).Take(limit + 1).ToList();
        var result = new JsonObject
        {
            ["Aliases"] = new JsonArray(page.Take(limit).Select(x =>
            {
                var date = _aliasDates[x.a.Key].ToUnixTimeMilliseconds() / 1000.0;
                return (JsonNode)new JsonObject
                {
                    ["AliasName"] = x.a.Key.Name,
                    ["AliasArn"] = $"arn:aws:kms:{Region}:{x.a.Key.Account}:{x.a.Key.Name}",
                    ["TargetKeyId"] = x.a.Value.Id,
                    ["CreationDate"] = date,
                    ["LastUpdatedDate"] = date,
                };
            }).ToArray()),
        };
        return WithMarker(result, page.Count > limit, page.Count > limit ? page[limit - 1].i : 0, scope);
    }

    /// <summary>A key by ID or key ARN, and by alias name or alias ARN where the operation allows. An ARN names the
    /// key's Region and account: another Region's is not found here, another account's is (cross-account use). A bare
    /// key ID or alias name is looked up in the caller's own account only, as on KMS.</summary>
    KmsKey FindKey(string keyId, Caller caller, bool allowAlias)
    {
        if (Violation.Length("keyId", keyId, 1, 2048) is { } length) throw Violation.Exception(length);
        var account = caller.Account;
        if (keyId.StartsWith("arn:", StringComparison.Ordinal))
        {
            var m = KmsArnPattern().Match(keyId);
            if (!m.Success) throw KmsException.InvalidArn($"{keyId} is not a valid KMS ARN.");
            if (m.Groups["region"].Value != Region)
                throw KmsException.NotFound($"Key '{keyId}' does not exist");
            account = m.Groups["account"].Value;
            if (m.Groups["kind"].Value == "alias")
                return allowAlias ? FindAlias(account, "alias/" + m.Groups["id"].Value, keyId) : throw KmsException.NotFound($"Key '{keyId}' does not exist");
            keyId = m.Groups["id"].Value;
        }
        else if (keyId.StartsWith("alias/", StringComparison.Ordinal))
        {
            return allowAlias ? FindAlias(account, keyId, keyId) : throw KmsException.NotFound($"Key '{keyId}' does not exist");
        }
        return _keys.TryGetValue(keyId, out var key) && key.Account == account
            ? key
            : throw KmsException.NotFound($"Key '{KeyArn(account, keyId)}' does not exist");
    }

    /// <summary>An alias a customer may create: alias/NAME, not alias/aws/... (reserved for AWS managed keys).</summary>
    static void CheckAliasName(string name)
    {
        if (!name.StartsWith("alias/", StringComparison.Ordinal) || name.StartsWith("alias/aws/", StringComparison.Ordinal))
            throw KmsException.Validation("AliasName must begin with 'alias/' and not 'alias/aws/'.");
        CheckAliasPattern(name);
    }

    static void CheckAliasPattern(string name)
    {
        var violations = new List<string>();
        if (Violation.Length("aliasName", name, 1, 256) is { } length) violations.Add(length);
        if (!ModelInput.NamePattern().IsMatch(name)) violations.Add(Violation.Pattern("aliasName", name, ModelInput.NamePatternText));
        if (violations.Count > 0) throw Violation.Exception(violations);
    }

    KmsKey FindAlias(string account, string name, string asGiven) =>
        _aliases.TryGetValue((account, name), out var key) ? key : throw KmsException.NotFound($"Alias {asGiven} is not found.");
}

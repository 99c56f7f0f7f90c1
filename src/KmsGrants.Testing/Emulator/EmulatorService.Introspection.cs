using System.Text.Json.Nodes;

namespace KmsGrants.Testing.Emulator;

/// <summary>What tests read and set besides KMS's own API: counts, the request log, the grants alive, and the keys and
/// grants the cmdlets make without a signed request.</summary>
public sealed partial class EmulatorService
{
    /// <summary>GET /_emulator/stats: totals over all requests, and per served Region.</summary>
    public JsonObject Stats()
    {
        var perRegion = new JsonObject();
        foreach (var region in Regions)
            perRegion[region.Name] = new JsonObject
            {
                ["operations"] = OperationStats.ToJson(region.Stats),
                ["grantsAlive"] = region.State.GrantsAlive,
                ["keys"] = region.State.KeyCount,
            };
        return new JsonObject
        {
            ["operations"] = OperationStats.ToJson(_stats),
            ["grantsAlive"] = Regions.Sum(r => r.State.GrantsAlive),
            ["keys"] = Regions.Sum(r => r.State.KeyCount),
            ["lastCaller"] = _lastCaller,
            ["lastAccessKey"] = _lastAccessKey,
            ["lastRegion"] = _lastRegion,
            ["regions"] = perRegion,
        };
    }

    /// <summary>A key of <paramref name="account"/> (default: the emulator's) in a served Region (default: the first), held to
    /// what CreateKey takes (an account of 12 digits, a description of at most 8,192 characters), whoever asks: the cmdlet
    /// or <c>POST /_emulator/keys</c>. Throws ArgumentException.</summary>
    public KmsKey AddKey(string? region, string? account, string description, string? alias, bool awsManaged = false, string? keySpec = null, string? keyUsage = null)
    {
        if (account != null && !System.Text.RegularExpressions.Regex.IsMatch(account, @"^[0-9]{12}\z"))
            throw new ArgumentException($"An account is 12 digits, not '{account}'.");
        if (description.Length > 8192)
            throw new ArgumentException($"A key's description has at most 8192 characters (CreateKey's); this one has {description.Length}.");
        return RegionOrFirst(region).State.AddKey(account ?? _options.Account, description, alias, awsManaged, keySpec, keyUsage);
    }

    /// <summary>A grant on a key named by key ARN (its Region's) or key ID (whichever Region has it).</summary>
    public Grant AddGrant(string keyId, string grantee, string? retiring, string[] operations, string? name, JsonObject? constraints, DateTimeOffset? creationDate = null)
    {
        // An ARN that names no served Region, or no key, is explained by a Region's own rules (InvalidArn, NotFound).
        var region = Regions.FirstOrDefault(r => r.State.HasKey(keyId)) ?? RegionOfArn(keyId)
            ?? (keyId.StartsWith("arn:", StringComparison.Ordinal) ? Regions[0] : null)
            ?? throw KmsException.NotFound($"Key '{keyId}' does not exist in any Region the emulator serves ({string.Join(", ", Regions.Select(r => r.Name))}).");
        return region.State.AddGrant(keyId, grantee, retiring, operations, name, constraints, creationDate);
    }

    /// <summary>The grants alive, Region by Region in served order, each in creation order.</summary>
    public IEnumerable<Grant> Grants(string? region, Func<Grant, bool> include) =>
        Regions.Where(r => region == null || r.Name == region).SelectMany(r => r.State.Grants(include));

    /// <summary>Whether a grant is on the key named by key ID or key ARN.</summary>
    public static bool IsOnKey(Grant grant, string keyId) => grant.Key.Id == keyId || grant.Key.Arn == keyId;

    RegionState RegionOrFirst(string? region) =>
        region == null ? Regions[0]
        : FindRegion(region) ?? throw KmsException.NotFound($"The emulator does not serve {region} ({string.Join(", ", Regions.Select(r => r.Name))}).");

    /// <summary>The served Region a key ARN names, so that its own KmsState explains what is wrong with it.</summary>
    RegionState? RegionOfArn(string keyId) =>
        keyId.Split(':') is { Length: >= 6 } parts && parts[0] == "arn" ? FindRegion(parts[3]) : null;

    /// <summary>GET /_emulator/grants: the grants alive, optionally of one Region and one key.</summary>
    public JsonObject GrantsJson(string? region, string? keyId) => new()
    {
        ["grants"] = new JsonArray(Grants(region, g => keyId == null || IsOnKey(g, keyId)).Select(g => (JsonNode)GrantJson(g)).ToArray()),
    };

    /// <summary>A grant as the emulator holds it: its principals as written and as ListGrants shows them (a deleted
    /// user's or role's unique ID), every token it has.</summary>
    public static JsonObject GrantJson(Grant g) => new()
    {
        ["keyId"] = g.Key.Arn,
        ["grantId"] = g.Id,
        ["grantToken"] = g.Token,
        ["grantTokens"] = new JsonArray(g.Tokens.Select(t => (JsonNode)t).ToArray()),
        ["name"] = g.Name,
        ["creationDate"] = g.CreationDate.ToUnixTimeMilliseconds() / 1000.0,
        ["granteePrincipal"] = g.GranteePrincipal,
        ["listedGranteePrincipal"] = g.ListedGranteePrincipal,
        ["retiringPrincipal"] = g.RetiringPrincipal,
        ["listedRetiringPrincipal"] = g.ListedRetiringPrincipal,
        ["issuingAccount"] = g.IssuingAccount,
        ["operations"] = new JsonArray(g.Operations.Select(o => (JsonNode)o).ToArray()),
        ["constraints"] = g.Constraints?.DeepClone(),
        ["region"] = g.Key.Region,
    };

    /// <summary>GET /_emulator/principals: the IAM users and roles known (named by a grant or an identity, made or
    /// deleted), oldest first.</summary>
    public JsonObject PrincipalsJson() => new()
    {
        ["principals"] = new JsonArray(Iam.Snapshot().Select(p => (JsonNode)PrincipalJson(p)).ToArray()),
    };

    public static JsonObject PrincipalJson(IamPrincipal p) => new()
    {
        ["principal"] = p.Arn,
        ["uniqueId"] = p.UniqueId,
        ["kind"] = p.Kind,
        ["account"] = p.Account,
        ["deleted"] = p.IsDeleted,
        ["shownAs"] = p.Shown,
        ["creationDate"] = p.CreationDate.ToUnixTimeMilliseconds() / 1000.0,
        ["visibleDate"] = p.VisibleDate == DateTimeOffset.MinValue ? null : p.VisibleDate.ToUnixTimeMilliseconds() / 1000.0,
        ["deletionDate"] = p.DeletionDate is { } d ? d.ToUnixTimeMilliseconds() / 1000.0 : null,
    };

    /// <summary>GET /_emulator/requests: the request log, oldest first.</summary>
    public JsonObject RequestsJson() => new()
    {
        ["requests"] = new JsonArray(Log.Snapshot().Select(r => (JsonNode)new JsonObject
        {
            ["sequence"] = r.Sequence,
            ["time"] = r.Time.ToString("O"),
            ["operation"] = r.Operation,
            ["region"] = r.Region,
            ["caller"] = r.Caller,
            ["accessKeyId"] = r.AccessKeyId,
            ["dryRun"] = r.DryRun,
            ["keyId"] = r.KeyId,
            ["grantId"] = r.GrantId,
            ["grantTokenGiven"] = r.GrantTokenGiven,
            ["statusCode"] = r.StatusCode,
            ["errorCode"] = r.ErrorCode,
            ["fault"] = r.Fault,
        }).ToArray()),
    };
}

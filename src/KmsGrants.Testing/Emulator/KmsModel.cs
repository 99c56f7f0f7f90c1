using System.Text.Json.Nodes;

namespace KmsGrants.Testing.Emulator;

public sealed class KmsKey
{
    public required string Id { get; init; }
    public required string Arn { get; init; }
    /// <summary>The account that owns the key: that of the identity that created it.</summary>
    public required string Account { get; init; }
    public required string Region { get; init; }
    public required DateTimeOffset CreationDate { get; init; }
    public string Description { get; set; } = "";
    public string State { get; set; } = "Enabled";   // Enabled | Disabled | PendingDeletion
    public DateTimeOffset? DeletionDate { get; set; }
    /// <summary>CUSTOMER, or AWS for an AWS managed key (alias/aws/SERVICE), which only AWS services manage.</summary>
    public string KeyManager { get; init; } = "CUSTOMER";
    public string KeySpec { get; init; } = "SYMMETRIC_DEFAULT";
    public string KeyUsage { get; init; } = "ENCRYPT_DECRYPT";
    public bool IsAwsManaged => KeyManager == "AWS";
    /// <summary>Grants by creation sequence: the listing order, and what a marker points into.</summary>
    public GrantSequence Grants { get; } = new();
    public Dictionary<string, Grant> GrantsById { get; } = new(StringComparer.Ordinal);
    /// <summary>Alive grants by name, oldest first: where CreateGrant looks for the grant a retried request made.</summary>
    public Dictionary<string, List<Grant>> GrantsByName { get; } = new(StringComparer.Ordinal);
}

/// <summary>A grant as the emulator keeps it. Its principals are kept as written, with the IAM user or role each named
/// when the grant was made (<see cref="GranteeEntity"/>): ListGrants shows the unique ID of one deleted since
/// (<see cref="ListedGranteePrincipal"/>). Retiring or revoking removes it.</summary>
public sealed class Grant
{
    public required long Sequence { get; init; }
    public required string Id { get; init; }
    /// <summary>Every token CreateGrant returned for it (one more each time a request with its Name and identical
    /// parameters is repeated); any of them names it.</summary>
    /// <remarks>Replaced whole (under the state's lock) when one is added, so that a reader outside it sees a whole list.</remarks>
    public required string[] Tokens { get; set; }
    /// <summary>The first token.</summary>
    public string Token => Tokens[0];
    public required KmsKey Key { get; init; }
    public string? Name { get; init; }
    public required DateTimeOffset CreationDate { get; init; }
    public required string GranteePrincipal { get; init; }
    public string? RetiringPrincipal { get; init; }
    /// <summary>The IAM user or role the grantee named when the grant was made; null for other principals.</summary>
    public IamPrincipal? GranteeEntity { get; init; }
    public IamPrincipal? RetiringEntity { get; init; }
    public required string IssuingAccount { get; init; }
    public required string[] Operations { get; init; }
    public JsonObject? Constraints { get; init; }

    /// <summary>The grantee as ListGrants shows it: as written, or the unique ID of a user or role deleted since.</summary>
    public string ListedGranteePrincipal => GranteeEntity is { IsDeleted: true } e ? e.UniqueId : GranteePrincipal;
    public string? ListedRetiringPrincipal => RetiringEntity is { IsDeleted: true } e ? e.UniqueId : RetiringPrincipal;
}

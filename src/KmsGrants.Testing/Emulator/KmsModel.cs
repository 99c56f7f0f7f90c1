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
    /// <summary>Grants by creation sequence: the listing order, and what a marker points into.</summary>
    public GrantSequence Grants { get; } = new();
    public Dictionary<string, Grant> GrantsById { get; } = new(StringComparer.Ordinal);
}

/// <summary>A grant as the emulator keeps it. Immutable once made: retiring or revoking removes it.</summary>
public sealed class Grant
{
    public required long Sequence { get; init; }
    public required string Id { get; init; }
    public required string Token { get; init; }
    public required KmsKey Key { get; init; }
    public string? Name { get; init; }
    public required DateTimeOffset CreationDate { get; init; }
    public required string GranteePrincipal { get; init; }
    public string? RetiringPrincipal { get; init; }
    public required string IssuingAccount { get; init; }
    public required string[] Operations { get; init; }
    public JsonObject? Constraints { get; init; }
}

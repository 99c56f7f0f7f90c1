using System.Collections.Concurrent;

namespace KmsGrants.Testing.Emulator;

/// <summary>One served Region: its own keys and grants, its own quota buckets and its own counts.</summary>
public sealed class RegionState(string name, IamDirectory? iam = null)
{
    public string Name { get; } = name;
    public KmsState State { get; } = new(name, iam);
    /// <summary>Operation → bucket; read without a lock on every request, changed by <see cref="QuotaTable"/>.</summary>
    public ConcurrentDictionary<string, TokenBucket> Buckets { get; } = new(StringComparer.Ordinal);
    public ConcurrentDictionary<string, OperationStats> Stats { get; } = new(StringComparer.Ordinal);
}

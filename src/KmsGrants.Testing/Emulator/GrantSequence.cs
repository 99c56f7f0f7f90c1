using System.Collections;

namespace KmsGrants.Testing.Emulator;

/// <summary>Grants in creation order (a key's, or a retiring principal's): appended as they are made, removed anywhere,
/// and read from a marker's position. A page costs O(log n + page size): walking from the start for every page made
/// listing 20,000 grants quadratic, under the lock every other request waits on (seen in a profile of the benchmark).
/// Not thread-safe: <see cref="KmsState"/>'s lock guards it.</summary>
public sealed class GrantSequence : IEnumerable<Grant>
{
    // Sequences stay sorted and are never cleared; a removed grant leaves a hole until enough holes are compacted away.
    readonly List<long> _sequences = new();
    readonly List<Grant?> _grants = new();
    int _holes;

    public int Count => _grants.Count - _holes;

    /// <summary>Adds a grant newer than all others (sequences only grow).</summary>
    public void Add(Grant grant)
    {
        if (_sequences.Count > 0 && grant.Sequence <= _sequences[^1])
            throw new InvalidOperationException($"Grant sequence {grant.Sequence} is not after {_sequences[^1]}.");
        _sequences.Add(grant.Sequence);
        _grants.Add(grant);
    }

    public bool Remove(Grant grant)
    {
        var i = _sequences.BinarySearch(grant.Sequence);
        if (i < 0 || _grants[i] != grant) return false;
        _grants[i] = null;
        _holes++;
        // Compacting costs O(n); doing it only once holes are the majority keeps a removal O(log n) amortized.
        if (_holes > 64 && _holes * 2 > _grants.Count) Compact();
        return true;
    }

    /// <summary>The grants made after <paramref name="sequence"/>, oldest first.</summary>
    public IEnumerable<Grant> After(long sequence)
    {
        var i = _sequences.BinarySearch(sequence + 1);
        for (i = i < 0 ? ~i : i; i < _grants.Count; i++)
            if (_grants[i] is { } grant) yield return grant;
    }

    public IEnumerator<Grant> GetEnumerator() => After(long.MinValue + 1).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    void Compact()
    {
        var kept = 0;
        for (var i = 0; i < _grants.Count; i++)
        {
            if (_grants[i] is not { } grant) continue;
            _grants[kept] = grant;
            _sequences[kept] = _sequences[i];
            kept++;
        }
        _grants.RemoveRange(kept, _grants.Count - kept);
        _sequences.RemoveRange(kept, _sequences.Count - kept);
        _holes = 0;
    }
}

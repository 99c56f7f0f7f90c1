namespace KmsGrants.Testing.Emulator;

/// <summary>The latest requests, in a bounded ring: a long run keeps its last <c>capacity</c> requests and no more memory.
/// Adding takes no lock (every request adds one, and a lock here was contended in the benchmark's profile): a slot is
/// claimed by its sequence number, and reading sorts what the slots hold.</summary>
public sealed class RequestLog(int capacity)
{
    readonly EmulatorRequest?[] _ring = new EmulatorRequest?[capacity];
    long _sequence;

    public int Capacity { get; } = capacity;

    /// <summary>How many requests were ever numbered (the ring keeps the last <see cref="Capacity"/>).</summary>
    public long Count => Interlocked.Read(ref _sequence);

    /// <summary>The next request's number, from 1: taken when it arrives, so the log reads in arrival order.</summary>
    public long NextSequence() => Interlocked.Increment(ref _sequence);

    public void Add(EmulatorRequest request)
    {
        if (Capacity == 0) return;
        // Its own slot, shared only with requests Capacity apart: the newer one stays, whichever finishes last.
        ref var slot = ref _ring[(request.Sequence - 1) % Capacity];
        EmulatorRequest? current;
        do
        {
            current = Volatile.Read(ref slot);
            if (current != null && current.Sequence > request.Sequence) return;
        }
        while (Interlocked.CompareExchange(ref slot, request, current) != current);
    }

    /// <summary>The requests kept, oldest first (those still being answered are not there yet).</summary>
    public List<EmulatorRequest> Snapshot()
    {
        var list = new List<EmulatorRequest>(Capacity);
        for (var i = 0; i < _ring.Length; i++)
            if (Volatile.Read(ref _ring[i]) is { } request) list.Add(request);
        list.Sort((a, b) => a.Sequence.CompareTo(b.Sequence));
        return list;
    }
}

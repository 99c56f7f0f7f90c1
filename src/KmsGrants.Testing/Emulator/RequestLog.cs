namespace KmsGrants.Testing.Emulator;

/// <summary>The latest requests, in a bounded ring: a long run keeps its last <c>capacity</c> requests and no more memory.</summary>
public sealed class RequestLog(int capacity)
{
    readonly object _gate = new();
    readonly EmulatorRequest?[] _ring = new EmulatorRequest?[capacity];
    long _count;

    public int Capacity { get; } = capacity;

    /// <summary>How many requests were ever logged (the ring keeps the last <see cref="Capacity"/>).</summary>
    public long Count { get { lock (_gate) return _count; } }

    public long NextSequence() => Interlocked.Increment(ref _sequence);
    long _sequence;

    public void Add(EmulatorRequest request)
    {
        if (Capacity == 0) return;
        lock (_gate)
        {
            _ring[_count % Capacity] = request;
            _count++;
        }
    }

    /// <summary>The requests kept, oldest first.</summary>
    public List<EmulatorRequest> Snapshot()
    {
        lock (_gate)
        {
            var kept = (int)Math.Min(_count, Capacity);
            var list = new List<EmulatorRequest>(kept);
            for (var i = _count - kept; i < _count; i++) list.Add(_ring[i % Capacity]!);
            // Requests are logged as they finish: sorted, the log reads in the order they arrived.
            list.Sort((a, b) => a.Sequence.CompareTo(b.Sequence));
            return list;
        }
    }
}

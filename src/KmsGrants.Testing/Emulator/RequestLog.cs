namespace KmsGrants.Testing.Emulator;

/// <summary>One KMS request as the emulator saw it: what a test asserts on ("only DryRun requests were sent", "signed for
/// eu-west-1 by the CI role"). Written by the emulator, read by Get-KmsEmulatorRequest and GET /_emulator/requests.</summary>
public sealed class EmulatorRequest
{
    /// <summary>Increases by one per request, from 1: what came after a point in a test.</summary>
    public long Sequence { get; init; }
    public DateTimeOffset Time { get; init; }
    /// <summary>From X-Amz-Target; "(none)" when it named no TrentService operation.</summary>
    public string Operation { get; init; } = "";
    /// <summary>The Region of the signature's credential scope (served or not); null when unsigned.</summary>
    public string? Region { get; init; }
    /// <summary>The caller's ARN once the signature was verified; null when it was not (throttled, faulted or refused first).</summary>
    public string? Caller { get; init; }
    /// <summary>The access key ID the request was signed with (never the secret).</summary>
    public string? AccessKeyId { get; init; }
    public bool DryRun { get; init; }
    public string? KeyId { get; init; }
    public string? GrantId { get; init; }
    /// <summary>Whether a grant token was given (GrantToken, or GrantTokens): tokens themselves are not kept.</summary>
    public bool GrantTokenGiven { get; init; }
    /// <summary>The HTTP status answered; null when the connection was cut before any answer (a reset fault).</summary>
    public int? StatusCode { get; init; }
    /// <summary>The KMS error code answered (ThrottlingException included); null on success.</summary>
    public string? ErrorCode { get; init; }
    /// <summary>The fault injected into this request (internal, unavailable, reset, commit-then-drop); null for none.</summary>
    public string? Fault { get; init; }
}

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

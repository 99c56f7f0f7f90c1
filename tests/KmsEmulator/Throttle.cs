using System.Diagnostics;

namespace KmsEmulator;

/// <summary>A per-operation request quota as KMS applies it: a token bucket refilled at the quota's rate,
/// holding one second's worth.</summary>
public sealed class TokenBucket
{
    readonly object _gate = new();
    readonly Stopwatch _clock = Stopwatch.StartNew();
    readonly double _rate;
    double _tokens;
    double _last;

    public TokenBucket(double ratePerSecond)
    {
        _rate = ratePerSecond;
        _tokens = ratePerSecond;
    }

    public bool TryTake()
    {
        lock (_gate)
        {
            var now = _clock.Elapsed.TotalSeconds;
            _tokens = Math.Min(_rate, _tokens + (now - _last) * _rate);
            _last = now;
            if (_tokens < 1) return false;
            _tokens -= 1;
            return true;
        }
    }
}

/// <summary>Counts per operation, served at GET /_emulator/stats.</summary>
public sealed class OperationStats
{
    public long Requests;
    public long Succeeded;
    public long Errors;
    public long Throttled;
    public long FaultsInjected;
}

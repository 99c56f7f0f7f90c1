using System.Diagnostics;

namespace KmsGrants.Testing.Emulator;

/// <summary>A per-operation request quota as KMS applies it: a token bucket refilled at the quota's rate, holding one
/// second's worth, and at least one request: a quota below 1 per second admits one request every 1/rate seconds (a
/// bucket of 0.5 tokens would never hold the one a request takes).</summary>
public sealed class TokenBucket
{
    readonly object _gate = new();
    double _rate;
    double _tokens;
    long _last = Stopwatch.GetTimestamp();

    /// <summary>A new quota starts full.</summary>
    public TokenBucket(double ratePerSecond)
    {
        _rate = ratePerSecond;
        _tokens = Capacity(ratePerSecond);
    }

    static double Capacity(double rate) => Math.Max(1, rate);

    public double Rate { get { lock (_gate) return _rate; } }

    public bool TryTake()
    {
        lock (_gate)
        {
            Refill();
            if (_tokens < 1) return false;
            _tokens -= 1;
            return true;
        }
    }

    /// <summary>A changed quota keeps the tokens it has now, capped at the new capacity: a raise does not refill it, so
    /// changing a quota never grants a burst the old one would not have.</summary>
    public void SetRate(double ratePerSecond)
    {
        lock (_gate)
        {
            Refill();   // what accrued at the old rate until now
            _rate = ratePerSecond;
            _tokens = Math.Min(_tokens, Capacity(ratePerSecond));
        }
    }

    void Refill()
    {
        var now = Stopwatch.GetTimestamp();
        _tokens = Math.Min(Capacity(_rate), _tokens + (double)(now - _last) / Stopwatch.Frequency * _rate);
        _last = now;
    }
}

using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace KmsEmulator;

/// <summary>A per-operation request quota as KMS applies it: a token bucket refilled at the quota's rate,
/// holding one second's worth.</summary>
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
        _tokens = ratePerSecond;
    }

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
            _tokens = Math.Min(_tokens, ratePerSecond);
        }
    }

    void Refill()
    {
        var now = Stopwatch.GetTimestamp();
        _tokens = Math.Min(_rate, _tokens + (double)(now - _last) / Stopwatch.Frequency * _rate);
        _last = now;
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

    public JsonObject ToJson() => new()
    {
        ["requests"] = Interlocked.Read(ref Requests),
        ["succeeded"] = Interlocked.Read(ref Succeeded),
        ["errors"] = Interlocked.Read(ref Errors),
        ["throttled"] = Interlocked.Read(ref Throttled),
        ["faultsInjected"] = Interlocked.Read(ref FaultsInjected),
    };

    public static JsonObject ToJson(ConcurrentDictionary<string, OperationStats> table)
    {
        var operations = new JsonObject();
        foreach (var (name, s) in table.OrderBy(p => p.Key, StringComparer.Ordinal)) operations[name] = s.ToJson();
        return operations;
    }
}

/// <summary>One served Region: its own keys and grants, its own quota buckets and its own counts.</summary>
public sealed class RegionState(string name)
{
    public string Name { get; } = name;
    public KmsState State { get; } = new(name);
    /// <summary>Operation → bucket; read without a lock on every request, changed by <see cref="Quotas"/>.</summary>
    public ConcurrentDictionary<string, TokenBucket> Buckets { get; } = new(StringComparer.Ordinal);
    public ConcurrentDictionary<string, OperationStats> Stats { get; } = new(StringComparer.Ordinal);
}

/// <summary>The quota table (operation → requests per second), applied to every Region: each Region gets its own bucket
/// per operation, since KMS quotas are per Region.</summary>
public sealed class Quotas
{
    readonly object _gate = new();
    readonly SortedDictionary<string, double> _rates = new(StringComparer.Ordinal);
    readonly IReadOnlyCollection<RegionState> _regions;

    public Quotas(IReadOnlyCollection<RegionState> regions, IReadOnlyDictionary<string, double> initial)
    {
        _regions = regions;
        Apply(initial.ToDictionary(p => p.Key, p => (double?)p.Value));
    }

    public JsonObject Table()
    {
        lock (_gate)
        {
            var table = new JsonObject();
            foreach (var (op, rate) in _rates) table[op] = rate;
            return table;
        }
    }

    /// <summary>Sets each operation's quota in every Region; null removes it. Returns the new table.</summary>
    public JsonObject Apply(IReadOnlyDictionary<string, double?> changes)
    {
        lock (_gate)
        {
            foreach (var (op, rate) in changes)
            {
                if (rate is not { } r)
                {
                    _rates.Remove(op);
                    foreach (var region in _regions) region.Buckets.TryRemove(op, out _);
                }
                else if (_rates.ContainsKey(op))
                {
                    _rates[op] = r;
                    foreach (var region in _regions) region.Buckets[op].SetRate(r);
                }
                else
                {
                    _rates[op] = r;
                    foreach (var region in _regions) region.Buckets[op] = new TokenBucket(r);
                }
            }
        }
        return Table();
    }

    /// <summary>A POST /_emulator/quota body: a JSON object of operation → requests per second (a positive number), or
    /// 0 or null to remove that operation's quota. Throws ArgumentException with what is wrong.</summary>
    public static Dictionary<string, double?> ParseChanges(byte[] body)
    {
        JsonNode? node;
        try
        {
            node = body.Length == 0 ? null : JsonNode.Parse(body);
        }
        catch (JsonException e)
        {
            throw new ArgumentException($"The body is not JSON: {e.Message}");
        }
        if (node is not JsonObject obj || obj.Count == 0)
            throw new ArgumentException("The body must be a JSON object naming at least one operation, e.g. {\"RetireGrant\": 30}.");
        var changes = new Dictionary<string, double?>(StringComparer.Ordinal);
        foreach (var (op, value) in obj)
        {
            if (!KmsState.Operations.Contains(op))
                throw new ArgumentException($"'{op}' is not an operation the emulator implements ({string.Join(", ", KmsState.Operations)}).");
            if (value == null) { changes[op] = null; continue; }
            var rate = value.GetValueKind() == JsonValueKind.Number ? value.GetValue<double>() : double.NaN;
            if (!double.IsFinite(rate) || rate < 0)
                throw new ArgumentException($"The quota for {op} must be a number of requests per second, 0 or more (0 or null removes it), not {value.ToJsonString()}.");
            changes[op] = rate == 0 ? null : rate;
        }
        return changes;
    }
}

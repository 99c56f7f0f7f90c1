using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace KmsGrants.Testing.Emulator;

/// <summary>The quota table (operation → requests per second), applied to every Region: each Region gets its own bucket
/// per operation, since KMS quotas are per Region.</summary>
public sealed class QuotaTable
{
    readonly object _gate = new();
    readonly SortedDictionary<string, double> _rates = new(StringComparer.Ordinal);
    readonly IReadOnlyCollection<RegionState> _regions;

    public QuotaTable(IReadOnlyCollection<RegionState> regions, IReadOnlyDictionary<string, double> initial)
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
        JsonDocument document;
        try
        {
            if (body.Length == 0) throw new ArgumentException(EmptyMessage);
            document = JsonDocument.Parse(body);
        }
        catch (JsonException e)
        {
            throw new ArgumentException($"The body is not JSON: {e.Message}");
        }
        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object) throw new ArgumentException(EmptyMessage);
            // JsonDocument keeps a member named twice (JsonObject would throw a message meant for programmers): Check says so.
            return Check(document.RootElement.EnumerateObject().Select(p => (p.Name, p.Value.ValueKind switch
            {
                JsonValueKind.Null => null,
                JsonValueKind.Number => (object?)p.Value.GetDouble(),
                _ => new JsonText(p.Value.GetRawText()),
            })).ToList());
        }
    }

    const string EmptyMessage = "The quota must name at least one operation, e.g. {\"RetireGrant\": 30}.";

    /// <summary>Operation → rate, as given (a number, or null; anything else is refused), checked: each operation one
    /// the emulator implements, each rate a finite number of requests per second, 0 or more; 0 and null remove the
    /// quota. Throws ArgumentException with what is wrong, so that nothing is applied unless all of it is right.</summary>
    public static Dictionary<string, double?> Check(IEnumerable<(string Operation, object? Rate)> given)
    {
        var changes = new Dictionary<string, double?>(StringComparer.Ordinal);
        foreach (var (op, value) in given)
        {
            if (changes.ContainsKey(op)) throw new ArgumentException($"'{op}' is named twice.");
            if (!KmsState.Operations.Contains(op))
                throw new ArgumentException($"'{op}' is not an operation the emulator implements ({string.Join(", ", KmsState.Operations)}).");
            if (value == null) { changes[op] = null; continue; }
            // Any .NET number ([byte]5 from PowerShell too); text, even "5", is not one.
            var rate = value switch
            {
                double or float or decimal or int or long or short or byte or sbyte or uint or ulong or ushort
                    => Convert.ToDouble(value, System.Globalization.CultureInfo.InvariantCulture),
                _ => double.NaN,
            };
            if (!double.IsFinite(rate) || rate < 0)
                throw new ArgumentException($"The quota for {op} must be a number of requests per second, 0 or more (0 or null removes it), not {Describe(value)}.");
            changes[op] = rate == 0 ? null : rate;
        }
        if (changes.Count == 0) throw new ArgumentException(EmptyMessage);
        return changes;
    }

    /// <summary>A JSON value that is not a number, as it was sent.</summary>
    sealed record JsonText(string Text);

    static string Describe(object value) => value switch
    {
        JsonText json => json.Text,
        string s => $"'{s}'",
        IFormattable f => f.ToString(null, System.Globalization.CultureInfo.InvariantCulture),
        _ => $"a {value.GetType().Name}",
    };
}

using System.Collections.Concurrent;
using System.Text.Json.Nodes;

namespace KmsGrants.Testing.Emulator;

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

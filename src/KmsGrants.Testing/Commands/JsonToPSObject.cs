using System.Management.Automation;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace KmsGrants.Testing.Commands;

/// <summary>The emulator's JSON (stats, quota table) as the objects ConvertFrom-Json would make of it, so that code
/// written against GET /_emulator/stats reads the cmdlets' output the same way (.operations.RetireGrant.requests).</summary>
static class JsonToPSObject
{
    /// <summary>Through its text: values built in memory (an int, a long) then all read alike.</summary>
    public static object? FromJson(JsonNode node) => Convert(JsonNode.Parse(node.ToJsonString()));

    static object? Convert(JsonNode? node) => node switch
    {
        JsonObject obj => ToPSObject(obj),
        JsonArray array => array.Select(Convert).ToArray(),
        JsonValue value => value.GetValueKind() switch
        {
            JsonValueKind.String => value.GetValue<string>(),
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            // Counts are whole numbers; rates may not be.
            JsonValueKind.Number => value.TryGetValue<long>(out var l) ? l : value.GetValue<double>(),
            _ => null,
        },
        _ => null,
    };

    static PSObject ToPSObject(JsonObject obj)
    {
        var result = new PSObject();
        foreach (var (name, child) in obj) result.Properties.Add(new PSNoteProperty(name, Convert(child)));
        return result;
    }
}

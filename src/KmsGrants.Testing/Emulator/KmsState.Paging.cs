using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;

namespace KmsGrants.Testing.Emulator;

/// <summary>Paging of the List operations: Limit, and markers that clients cannot forge.</summary>
public sealed partial class KmsState
{
    /// <summary>Limit (1-100, default 50) and the position a marker points after.</summary>
    (int Limit, long After) Paging(JsonObject request, string scope, int max = 100, int byDefault = 50)
    {
        var limit = request["Limit"]?.GetValue<int>() ?? byDefault;
        if (limit < 1 || limit > max) throw KmsException.Validation($"1 validation error detected: Value '{limit}' at 'limit' failed to satisfy constraint: Member must have value between 1 and {max}");
        var marker = Str(request, "Marker");
        return (limit, marker == null ? 0 : ReadMarker(marker, scope));
    }

    JsonObject WithMarker(JsonObject result, bool truncated, long last, string scope)
    {
        result["Truncated"] = truncated;
        if (truncated) result["NextMarker"] = WriteMarker(last, scope);
        return result;
    }

    // Markers are opaque to clients: position + scope, authenticated so that a forged or reused-elsewhere marker
    // gets InvalidMarkerException as on KMS.
    string WriteMarker(long position, string scope)
    {
        var body = $"{position}";
        return body + "." + Convert.ToHexString(HMACSHA256.HashData(_markerKey, Encoding.UTF8.GetBytes(scope + "|" + body)))[..24].ToLowerInvariant();
    }

    long ReadMarker(string marker, string scope)
    {
        var dot = marker.IndexOf('.');
        if (dot > 0 && long.TryParse(marker[..dot], out var position) && SigV4.FixedTimeEquals(marker, WriteMarker(position, scope)))
            return position;
        throw new KmsException("InvalidMarkerException", "The request was rejected because the marker that specifies where pagination should next begin is not valid.");
    }
}

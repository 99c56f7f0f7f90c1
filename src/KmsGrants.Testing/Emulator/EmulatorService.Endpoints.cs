using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace KmsGrants.Testing.Emulator;

/// <summary>What an emulator's own endpoint answers: an HTTP status and a JSON body.</summary>
public sealed record EndpointAnswer(int Status, JsonNode Body);

/// <summary>The emulator's endpoints that make things, besides KMS's API: what the cmdlets do, over HTTP, for an emulator
/// in another process (the console host of the benchmarks). Host-agnostic: a host hands over any /_emulator/ request it
/// does not serve itself (<see cref="IsEndpoint"/>), and writes the answer as JSON.
/// <list type="bullet">
/// <item>GET /_emulator/principals: the IAM users and roles known.</item>
/// <item>POST /_emulator/principals {"principals": [ARN…], "propagationSeconds": N}: makes them (New-KmsEmulatorPrincipal).</item>
/// <item>POST /_emulator/principals/delete {"principals": [ARN…]}: deletes them (Remove-KmsEmulatorPrincipal).</item>
/// <item>POST /_emulator/keys {region, account, description, alias, awsManaged, keySpec, keyUsage}: a key (New-KmsEmulatorKey).</item>
/// <item>POST /_emulator/grants {keyId, granteePrincipal, retiringPrincipal, operations, name, constraints, creationDate, count}:
/// grants, back-dated with creationDate (New-KmsEmulatorGrant).</item>
/// </list>
/// A bad body is 400; a principal deleted already or not found 404; one that exists 409; each with {"message": …}.</summary>
public sealed partial class EmulatorService
{
    static readonly string[] EndpointRoutes =
        ["GET /_emulator/principals", "POST /_emulator/principals", "POST /_emulator/principals/delete", "POST /_emulator/keys", "POST /_emulator/grants"];

    /// <summary>Whether <see cref="AnswerEndpoint"/> serves this method and path.</summary>
    public static bool IsEndpoint(string method, string path) => EndpointRoutes.Contains($"{method} {path}", StringComparer.Ordinal);

    /// <summary>Answers one of <see cref="EndpointRoutes"/>; never throws for what the request holds.</summary>
    public EndpointAnswer AnswerEndpoint(string method, string path, byte[] body)
    {
        try
        {
            if (method == "GET") return new(200, PrincipalsJson());
            var request = ParseBody(body);
            return path switch
            {
                "/_emulator/principals" => MakePrincipals(request),
                "/_emulator/principals/delete" => DeletePrincipals(request),
                "/_emulator/keys" => MakeKey(request),
                _ => MakeGrants(request),
            };
        }
        catch (IamException e)
        {
            return Refused(e.Problem switch { IamProblem.NoSuchEntity => 404, IamProblem.EntityAlreadyExists => 409, _ => 400 }, e.Message);
        }
        catch (KmsException e)
        {
            return new(e.Code == "NotFoundException" ? 404 : 400, new JsonObject { ["message"] = e.Message, ["code"] = e.Code });
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or FormatException or OverflowException or JsonException)
        {
            return Refused(400, e.Message);
        }
    }

    static EndpointAnswer Refused(int status, string message) => new(status, new JsonObject { ["message"] = message });

    static JsonObject ParseBody(byte[] body)
    {
        if (body.Length == 0) throw new ArgumentException("The body must be a JSON object.");
        return JsonNode.Parse(body) as JsonObject ?? throw new ArgumentException("The body must be a JSON object.");
    }

    /// <summary>"principal": ARN, or "principals": [ARN…].</summary>
    static List<string> PrincipalsOf(JsonObject request)
    {
        var list = new List<string>();
        if (request["principal"] is JsonNode one) list.Add(one.GetValue<string>());
        if (request["principals"] is JsonArray many) list.AddRange(many.Select(p => p?.GetValue<string>() ?? throw new ArgumentException("A principal is null.")));
        if (list.Count == 0) throw new ArgumentException("Name the principals: {\"principals\": [\"arn:aws:iam::111122223333:role/NAME\"]}.");
        return list;
    }

    EndpointAnswer MakePrincipals(JsonObject request)
    {
        var seconds = request["propagationSeconds"]?.GetValue<double>() ?? 0;
        if (!double.IsFinite(seconds) || seconds is < 0 or > 86_400) throw new ArgumentException("propagationSeconds must be 0-86400.");
        var made = PrincipalsOf(request).Select(arn => Iam.Create(arn, TimeSpan.FromSeconds(seconds))).ToList();
        return new(200, new JsonObject { ["principals"] = new JsonArray(made.Select(p => (JsonNode)PrincipalJson(p)).ToArray()) });
    }

    EndpointAnswer DeletePrincipals(JsonObject request)
    {
        var deleted = PrincipalsOf(request).Select(Iam.Delete).ToList();
        return new(200, new JsonObject { ["principals"] = new JsonArray(deleted.Select(p => (JsonNode)PrincipalJson(p)).ToArray()) });
    }

    EndpointAnswer MakeKey(JsonObject request)
    {
        var key = AddKey(Text(request, "region"), Text(request, "account"), Text(request, "description") ?? "", Text(request, "alias"),
            request["awsManaged"]?.GetValue<bool>() == true, Text(request, "keySpec"), Text(request, "keyUsage"));
        return new(200, new JsonObject
        {
            ["keyId"] = key.Id,
            ["arn"] = key.Arn,
            ["region"] = key.Region,
            ["account"] = key.Account,
            ["keyManager"] = key.KeyManager,
            ["keySpec"] = key.KeySpec,
            ["keyUsage"] = key.KeyUsage,
        });
    }

    EndpointAnswer MakeGrants(JsonObject request)
    {
        var keyId = Text(request, "keyId") ?? throw new ArgumentException("keyId is required.");
        var grantee = Text(request, "granteePrincipal") ?? throw new ArgumentException("granteePrincipal is required.");
        var operations = request["operations"] is JsonArray ops ? ops.Select(o => o?.GetValue<string>() ?? "").ToArray() : ["Decrypt"];
        var count = request["count"]?.GetValue<int>() ?? 1;
        if (count is < 1 or > KmsState.MaxGrantsPerKey) throw new ArgumentException($"count must be 1-{KmsState.MaxGrantsPerKey}.");
        var constraints = request["constraints"] switch
        {
            null => null,
            JsonObject c => c,
            _ => throw new ArgumentException("constraints must be an object: {\"EncryptionContextSubset\": {…}}."),
        };
        var made = new JsonArray();
        for (var i = 0; i < count; i++)
            made.Add(GrantJson(AddGrant(keyId, grantee, Text(request, "retiringPrincipal"), operations, Text(request, "name"),
                constraints?.DeepClone() as JsonObject, DateOf(request["creationDate"]))));
        return new(200, new JsonObject { ["grants"] = made });
    }

    static string? Text(JsonObject request, string name) => request[name]?.GetValue<string>();

    /// <summary>An ISO 8601 date and time with its offset, or seconds since 1970 (as KMS's own dates are sent).</summary>
    static DateTimeOffset? DateOf(JsonNode? node) => node switch
    {
        null => null,
        JsonValue v when v.GetValueKind() == JsonValueKind.Number => DateTimeOffset.FromUnixTimeMilliseconds((long)(v.GetValue<double>() * 1000)),
        JsonValue v => DateTimeOffset.Parse(v.GetValue<string>(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal),
        _ => throw new ArgumentException("creationDate must be an ISO 8601 date and time or seconds since 1970."),
    };
}

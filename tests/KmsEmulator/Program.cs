using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using KmsEmulator;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

EmulatorOptions options;
try
{
    options = EmulatorOptions.Parse(args);
}
catch (Exception e) when (e is ArgumentException or FormatException)
{
    Console.Error.WriteLine(e.Message);
    return 2;
}

var builder = WebApplication.CreateSlimBuilder();
builder.Logging.ClearProviders();
builder.WebHost.ConfigureKestrel(k =>
{
    k.Listen(System.Net.IPAddress.Loopback, options.Port);
    k.AddServerHeader = false;
    k.Limits.MaxRequestBodySize = 1 << 20;
});
var app = builder.Build();

var state = new KmsState(options);
var stats = new ConcurrentDictionary<string, OperationStats>(StringComparer.Ordinal);
var quotas = options.Quotas.ToDictionary(q => q.Key, q => new TokenBucket(q.Value), StringComparer.Ordinal);
var random = options.Seed is { } seed ? new Random(seed) : new Random();
var faultKinds = options.FaultKinds.ToArray();
var jsonContentType = "application/x-amz-json-1.1";
string? lastCaller = null, lastAccessKey = null, lastRegion = null;

app.MapGet("/_emulator/stats", () =>
{
    var operations = new JsonObject();
    foreach (var (name, s) in stats.OrderBy(p => p.Key, StringComparer.Ordinal))
        operations[name] = new JsonObject
        {
            ["requests"] = Interlocked.Read(ref s.Requests),
            ["succeeded"] = Interlocked.Read(ref s.Succeeded),
            ["errors"] = Interlocked.Read(ref s.Errors),
            ["throttled"] = Interlocked.Read(ref s.Throttled),
            ["faultsInjected"] = Interlocked.Read(ref s.FaultsInjected),
        };
    var body = new JsonObject
    {
        ["operations"] = operations,
        ["grantsAlive"] = state.GrantsAlive,
        ["keys"] = state.KeyCount,
        // Who signed the last authenticated request, and for which Region: lets tests see which credentials a client chose.
        ["lastCaller"] = lastCaller,
        ["lastAccessKey"] = lastAccessKey,
        ["lastRegion"] = lastRegion,
    };
    return Results.Text(body.ToJsonString(), "application/json");
});

app.MapPost("/", async (HttpContext context) =>
{
    var target = context.Request.Headers["X-Amz-Target"].ToString();
    var operation = target.StartsWith("TrentService.", StringComparison.Ordinal) ? target["TrentService.".Length..] : "";
    var opStats = stats.GetOrAdd(operation.Length == 0 ? "(none)" : operation, _ => new OperationStats());
    Interlocked.Increment(ref opStats.Requests);

    using var buffer = new MemoryStream();
    await context.Request.Body.CopyToAsync(buffer);
    var body = buffer.ToArray();

    if (options.LatencyMs > 0) await Task.Delay(options.LatencyMs);

    FaultKind? fault = null;
    if (options.FaultRate > 0 && faultKinds.Length > 0
        && (options.FaultOperations.Count == 0 || options.FaultOperations.Contains(operation)))
    {
        lock (random)
            if (random.NextDouble() < options.FaultRate) fault = faultKinds[random.Next(faultKinds.Length)];
    }

    try
    {
        if (operation.Length == 0)
            throw new KmsException("UnknownOperationException", "X-Amz-Target must be TrentService.<Operation>.");
        if (quotas.TryGetValue(operation, out var bucket) && !bucket.TryTake())
        {
            Interlocked.Increment(ref opStats.Throttled);
            throw new KmsException("ThrottlingException", "Rate exceeded");
        }
        switch (fault)
        {
            case FaultKind.Internal:
                Interlocked.Increment(ref opStats.FaultsInjected);
                throw new KmsException("KMSInternalException", "The request was rejected because an internal exception occurred. (injected fault)", 500);
            case FaultKind.Unavailable:
                Interlocked.Increment(ref opStats.FaultsInjected);
                throw new KmsException("ServiceUnavailableException", "Service is unavailable. (injected fault)", 503);
            case FaultKind.Reset:
                Interlocked.Increment(ref opStats.FaultsInjected);
                context.Abort();
                return;
        }

        var caller = Authenticate(context, body);
        JsonObject request;
        try
        {
            request = body.Length == 0 ? new JsonObject() : JsonNode.Parse(body) as JsonObject ?? throw new JsonException();
        }
        catch (JsonException)
        {
            throw new KmsException("SerializationException", "The request body is not a JSON object.");
        }

        JsonObject response;
        try
        {
            response = state.Handle(operation, request, caller);
        }
        catch (InvalidOperationException e)   // a JSON member of the wrong type
        {
            throw new KmsException("SerializationException", e.Message);
        }
        Interlocked.Increment(ref opStats.Succeeded);

        var bytes = Encoding.UTF8.GetBytes(response.ToJsonString());
        context.Response.StatusCode = 200;
        context.Response.ContentType = jsonContentType;
        context.Response.Headers["x-amzn-RequestId"] = Guid.NewGuid().ToString();
        context.Response.ContentLength = bytes.Length;
        if (fault == FaultKind.CommitThenDrop)
        {
            // Applied, then cut mid-response: the client has seen the start of an answer and must not assume
            // the request was never processed (an HTTP stack may silently resend a request that got no bytes back).
            Interlocked.Increment(ref opStats.FaultsInjected);
            await context.Response.Body.WriteAsync(bytes.AsMemory(0, Math.Max(1, bytes.Length / 2)));
            await context.Response.Body.FlushAsync();
            context.Abort();
            return;
        }
        await context.Response.Body.WriteAsync(bytes);
    }
    catch (KmsException e)
    {
        if (e.Code != "ThrottlingException") Interlocked.Increment(ref opStats.Errors);
        var error = new JsonObject { ["__type"] = e.Code, ["message"] = e.Message };
        context.Response.StatusCode = e.Status;
        context.Response.ContentType = jsonContentType;
        context.Response.Headers["x-amzn-RequestId"] = Guid.NewGuid().ToString();
        await context.Response.WriteAsync(error.ToJsonString());
    }
});

string Authenticate(HttpContext context, byte[] body)
{
    var headers = context.Request.Headers;
    var auth = SigV4.ParseAuthorization(headers.Authorization.ToString())
        ?? throw new KmsException("MissingAuthenticationTokenException", "Request is missing Authentication Token");
    if (!options.Identities.TryGetValue(auth.AccessKey, out var identity))
        throw new KmsException("UnrecognizedClientException", "The security token included in the request is invalid.");
    var amzDate = headers["X-Amz-Date"].ToString();
    string? Header(string name) => name == "host" ? context.Request.Host.Value : headers.TryGetValue(name, out var v) ? string.Join(",", v.ToArray()) : null;
    var expected = SigV4.Sign(identity.Secret, auth.Scope, auth.SignedHeaders, amzDate, Header,
        context.Request.Method, "/", context.Request.QueryString.HasValue ? context.Request.QueryString.Value!.TrimStart('?') : "", body);
    if (!SigV4.FixedTimeEquals(expected, auth.Signature))
        throw new KmsException("InvalidSignatureException",
            "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method.");
    var scopeRegion = auth.Scope.Split('/') is { Length: 4 } scope ? scope[1] : "";
    lastCaller = identity.Principal;
    lastAccessKey = auth.AccessKey;
    lastRegion = scopeRegion;
    if (scopeRegion != options.Region)
        throw new KmsException("InvalidSignatureException", $"Credential should be scoped to a valid region, not '{scopeRegion}'. ");
    return identity.Principal;
}

// Seed before listening, so that a client that has read the key ARN finds every grant.
var seededKey = options.SeedGrants > 0 ? state.NewKey("seeded by --seed-grants") : null;
if (seededKey != null)
{
    var retiring = options.RetiringPrincipal ?? options.RootPrincipal;
    for (var i = 0; i < options.SeedGrants; i++)
        state.NewGrant(seededKey, $"arn:aws:iam::{options.Account}:role/seeded-grantee", retiring, ["Decrypt", "Encrypt"], $"seeded-{i}", null);
}

await app.StartAsync();
var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
Console.WriteLine($"KMS emulator listening on {address.Replace("localhost", "127.0.0.1")}");

if (seededKey != null) Console.WriteLine(seededKey.Arn);
Console.Out.Flush();

await app.WaitForShutdownAsync();
return 0;

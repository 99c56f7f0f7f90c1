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

// Each served Region has its own state, buckets and counts; the Region of a request is its signature's.
var regions = options.Regions.Select(r => new RegionState(r)).ToArray();
var regionsByName = regions.ToDictionary(r => r.Name, StringComparer.Ordinal);
var callers = options.Identities.ToDictionary(i => i.Key, i => (i.Value.Secret, Caller: Caller.From(i.Value.Principal, options.Account)), StringComparer.Ordinal);
// Counts of every request, whichever Region it was signed for (if any).
var stats = new ConcurrentDictionary<string, OperationStats>(StringComparer.Ordinal);
var quotas = new Quotas(regions, options.Quotas);
var random = options.Seed is { } seed ? new Random(seed) : new Random();
var faultKinds = options.FaultKinds.ToArray();
var jsonContentType = "application/x-amz-json-1.1";
string? lastCaller = null, lastAccessKey = null, lastRegion = null;

app.MapGet("/_emulator/stats", () =>
{
    var perRegion = new JsonObject();
    foreach (var region in regions)
        perRegion[region.Name] = new JsonObject
        {
            ["operations"] = OperationStats.ToJson(region.Stats),
            ["grantsAlive"] = region.State.GrantsAlive,
            ["keys"] = region.State.KeyCount,
        };
    var body = new JsonObject
    {
        ["operations"] = OperationStats.ToJson(stats),
        ["grantsAlive"] = regions.Sum(r => r.State.GrantsAlive),
        ["keys"] = regions.Sum(r => r.State.KeyCount),
        // Who signed the last authenticated request, and for which Region: lets tests see which credentials a client chose.
        ["lastCaller"] = lastCaller,
        ["lastAccessKey"] = lastAccessKey,
        ["lastRegion"] = lastRegion,
        ["regions"] = perRegion,
    };
    return Results.Text(body.ToJsonString(), "application/json");
});

app.MapGet("/_emulator/quota", () => Results.Text(quotas.Table().ToJsonString(), "application/json"));

// Changes quotas while running, in every Region at once: a test can throttle a run midway, or lift the throttle.
app.MapPost("/_emulator/quota", async (HttpContext context) =>
{
    using var buffer = new MemoryStream();
    await context.Request.Body.CopyToAsync(buffer);
    try
    {
        return Results.Text(quotas.Apply(Quotas.ParseChanges(buffer.ToArray())).ToJsonString(), "application/json");
    }
    catch (ArgumentException e)
    {
        // Relaxed escaping: the message is read by people (curl) as much as by code.
        var relaxed = new JsonSerializerOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
        return Results.Text(new JsonObject { ["message"] = e.Message }.ToJsonString(relaxed), "application/json", statusCode: 400);
    }
});

app.MapPost("/", async (HttpContext context) =>
{
    var target = context.Request.Headers["X-Amz-Target"].ToString();
    var operation = target.StartsWith("TrentService.", StringComparison.Ordinal) ? target["TrentService.".Length..] : "";
    var opName = operation.Length == 0 ? "(none)" : operation;
    // Parsed once: the credential scope names the Region, whose quota applies before the signature is checked (as the
    // single quota did before Regions), and Authenticate verifies the rest.
    var auth = SigV4.ParseAuthorization(context.Request.Headers.Authorization.ToString());
    var region = auth is { } a && regionsByName.TryGetValue(a.Region, out var r) ? r : null;
    var opStats = new Counts(stats.GetOrAdd(opName, _ => new OperationStats()), region?.Stats.GetOrAdd(opName, _ => new OperationStats()));
    opStats.Add(static s => ref s.Requests);

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
        if (region != null && region.Buckets.TryGetValue(operation, out var bucket) && !bucket.TryTake())
        {
            opStats.Add(static s => ref s.Throttled);
            throw new KmsException("ThrottlingException", "Rate exceeded");
        }
        switch (fault)
        {
            case FaultKind.Internal:
                opStats.Add(static s => ref s.FaultsInjected);
                throw new KmsException("KMSInternalException", "The request was rejected because an internal exception occurred. (injected fault)", 500);
            case FaultKind.Unavailable:
                opStats.Add(static s => ref s.FaultsInjected);
                throw new KmsException("ServiceUnavailableException", "Service is unavailable. (injected fault)", 503);
            case FaultKind.Reset:
                opStats.Add(static s => ref s.FaultsInjected);
                context.Abort();
                return;
        }

        var caller = Authenticate(context, body, auth);
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
            // Authenticate has refused any Region not served.
            response = region!.State.Handle(operation, request, caller);
        }
        catch (InvalidOperationException e)   // a JSON member of the wrong type
        {
            throw new KmsException("SerializationException", e.Message);
        }
        opStats.Add(static s => ref s.Succeeded);

        var bytes = Encoding.UTF8.GetBytes(response.ToJsonString());
        context.Response.StatusCode = 200;
        context.Response.ContentType = jsonContentType;
        context.Response.Headers["x-amzn-RequestId"] = Guid.NewGuid().ToString();
        context.Response.ContentLength = bytes.Length;
        if (fault == FaultKind.CommitThenDrop)
        {
            // Applied, then cut mid-response: the client has seen the start of an answer and must not assume
            // the request was never processed (an HTTP stack may silently resend a request that got no bytes back).
            opStats.Add(static s => ref s.FaultsInjected);
            await context.Response.Body.WriteAsync(bytes.AsMemory(0, Math.Max(1, bytes.Length / 2)));
            await context.Response.Body.FlushAsync();
            context.Abort();
            return;
        }
        await context.Response.Body.WriteAsync(bytes);
    }
    catch (KmsException e)
    {
        if (e.Code != "ThrottlingException") opStats.Add(static s => ref s.Errors);
        var error = new JsonObject { ["__type"] = e.Code, ["message"] = e.Message };
        context.Response.StatusCode = e.Status;
        context.Response.ContentType = jsonContentType;
        context.Response.Headers["x-amzn-RequestId"] = Guid.NewGuid().ToString();
        await context.Response.WriteAsync(error.ToJsonString());
    }
});

Caller Authenticate(HttpContext context, byte[] body, SigV4.Authorization? parsed)
{
    var headers = context.Request.Headers;
    var auth = parsed ?? throw new KmsException("MissingAuthenticationTokenException", "Request is missing Authentication Token");
    if (!callers.TryGetValue(auth.AccessKey, out var identity))
        throw new KmsException("UnrecognizedClientException", "The security token included in the request is invalid.");
    var amzDate = headers["X-Amz-Date"].ToString();
    string? Header(string name) => name == "host" ? context.Request.Host.Value : headers.TryGetValue(name, out var v) ? string.Join(",", v.ToArray()) : null;
    var expected = SigV4.Sign(identity.Secret, auth.Scope, auth.SignedHeaders, amzDate, Header,
        context.Request.Method, "/", context.Request.QueryString.HasValue ? context.Request.QueryString.Value!.TrimStart('?') : "", body);
    if (!SigV4.FixedTimeEquals(expected, auth.Signature))
        throw new KmsException("InvalidSignatureException",
            "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method.");
    lastCaller = identity.Caller.Arn;
    lastAccessKey = auth.AccessKey;
    lastRegion = auth.Region;
    // A Region not served is refused as KMS refuses a signature scoped to the wrong Region.
    if (!regionsByName.ContainsKey(auth.Region))
        throw new KmsException("InvalidSignatureException", $"Credential should be scoped to a valid region, not '{auth.Region}'. ");
    return identity.Caller;
}

// Seed before listening, so that a client that has read the key ARNs finds every grant. One key per Region, owned by
// --account; the Regions are independent, so they are seeded in parallel.
var seededKeys = new KmsKey[regions.Length];
if (options.SeedGrants > 0)
{
    var retiring = options.RetiringPrincipal ?? options.RootPrincipal;
    var grantee = $"arn:aws:iam::{options.Account}:role/seeded-grantee";
    Parallel.For(0, regions.Length, i =>
    {
        var state = regions[i].State;
        var key = seededKeys[i] = state.NewKey(options.Account, "seeded by --seed-grants");
        for (var n = 0; n < options.SeedGrants; n++)
            state.NewGrant(key, grantee, retiring, ["Decrypt", "Encrypt"], $"seeded-{n}", null);
    });
}

await app.StartAsync();
var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
Console.WriteLine($"KMS emulator listening on {address.Replace("localhost", "127.0.0.1")}");

if (options.SeedGrants > 0)
    foreach (var key in seededKeys) Console.WriteLine(key.Arn);
Console.Out.Flush();

await app.WaitForShutdownAsync();
return 0;

/// <summary>One request's counters: the totals and, when it was signed for a served Region, that Region's.</summary>
readonly record struct Counts(OperationStats Total, OperationStats? Region)
{
    public delegate ref long Field(OperationStats stats);

    public void Add(Field field)
    {
        Interlocked.Increment(ref field(Total));
        if (Region != null) Interlocked.Increment(ref field(Region));
    }
}

using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace KmsGrants.Testing.Emulator;

/// <summary>The emulator behind any host: answers KMS requests (quotas per Region, latency, faults, SigV4, then the
/// Region's <see cref="KmsState"/>), counts and logs them. The HTTP host (<see cref="HttpHost"/>) and the cmdlets both
/// reach it; introspection (stats, grants, requests, quotas) is in EmulatorService.Introspection.cs.</summary>
public sealed partial class EmulatorService
{
    readonly EmulatorOptions _options;
    readonly Dictionary<string, RegionState> _regionsByName;
    /// <summary>Access key → (secret, caller).</summary>
    readonly Dictionary<string, (string Secret, Caller Caller)> _callers;
    /// <summary>Counts of every request, whichever Region it was signed for (if any).</summary>
    readonly ConcurrentDictionary<string, OperationStats> _stats = new(StringComparer.Ordinal);
    readonly Random _random;
    readonly FaultKind[] _faultKinds;
    string? _lastCaller, _lastAccessKey, _lastRegion;

    /// <summary>Takes options that <see cref="EmulatorOptions.Validate"/> has passed.</summary>
    public EmulatorService(EmulatorOptions options)
    {
        _options = options;
        Regions = options.Regions.Select(r => new RegionState(r)).ToArray();
        _regionsByName = Regions.ToDictionary(r => r.Name, StringComparer.Ordinal);
        _callers = options.Identities.ToDictionary(i => i.AccessKey, i => (i.SecretKey, Caller.From(i.Principal, options.Account)), StringComparer.Ordinal);
        Quotas = new QuotaTable(Regions, options.Quotas);
        _random = options.Seed is { } seed ? new Random(seed) : new Random();
        _faultKinds = options.FaultKinds.ToArray();
        Log = new RequestLog(options.RequestLogSize);
    }

    public IReadOnlyList<RegionState> Regions { get; }
    public QuotaTable Quotas { get; }
    public RequestLog Log { get; }

    public RegionState? FindRegion(string name) => _regionsByName.GetValueOrDefault(name);

    /// <summary>Seeds each Region's key and grants before anything listens, so that a client that has read the key ARNs
    /// finds every grant. The Regions are independent, so they are seeded in parallel. Returns the keys in Region order.</summary>
    public KmsKey[] Seed()
    {
        var keys = new KmsKey[Regions.Count];
        if (_options.SeedGrants == 0) return [];
        var retiring = _options.RetiringPrincipal ?? _options.RootPrincipal;
        var grantee = $"arn:aws:iam::{_options.Account}:role/seeded-grantee";
        Parallel.For(0, Regions.Count, i =>
        {
            var state = Regions[i].State;
            var key = keys[i] = state.NewKey(_options.Account, "seeded at start-up");
            for (var n = 0; n < _options.SeedGrants; n++)
                state.NewGrant(key, grantee, retiring, ["Decrypt", "Encrypt"], $"seeded-{n}", null);
        });
        return keys;
    }

    public async Task<KmsAnswer> HandleAsync(KmsCall call)
    {
        var target = call.Header("x-amz-target") ?? "";
        var operation = target.StartsWith("TrentService.", StringComparison.Ordinal) ? target["TrentService.".Length..] : "";
        var opName = operation.Length == 0 ? "(none)" : operation;
        // Parsed once: the credential scope names the Region, whose quota applies before the signature is checked, and
        // Authenticate verifies the rest.
        var auth = SigV4.ParseAuthorization(call.Header("authorization"));
        var region = auth is { } a ? _regionsByName.GetValueOrDefault(a.Region) : null;
        var counts = new Counts(_stats.GetOrAdd(opName, _ => new OperationStats()), region?.Stats.GetOrAdd(opName, _ => new OperationStats()));
        counts.Add(static s => ref s.Requests);
        var entry = new LogEntry(Log.NextSequence(), opName, auth, call.Body);

        if (_options.LatencyMs > 0) await Task.Delay(_options.LatencyMs).ConfigureAwait(false);

        FaultKind? fault = null;
        if (_options.FaultRate > 0 && _faultKinds.Length > 0
            && (_options.FaultOperations.Count == 0 || _options.FaultOperations.Contains(operation)))
        {
            lock (_random)
                if (_random.NextDouble() < _options.FaultRate) fault = _faultKinds[_random.Next(_faultKinds.Length)];
        }

        try
        {
            if (operation.Length == 0)
                throw new KmsException("UnknownOperationException", "X-Amz-Target must be TrentService.<Operation>.");
            if (region != null && region.Buckets.TryGetValue(operation, out var bucket) && !bucket.TryTake())
            {
                counts.Add(static s => ref s.Throttled);
                throw new KmsException("ThrottlingException", "Rate exceeded");
            }
            switch (fault)
            {
                case FaultKind.Internal:
                    counts.Add(static s => ref s.FaultsInjected);
                    entry.Fault = fault;
                    throw new KmsException("KMSInternalException", "The request was rejected because an internal exception occurred. (injected fault)", 500);
                case FaultKind.Unavailable:
                    counts.Add(static s => ref s.FaultsInjected);
                    entry.Fault = fault;
                    throw new KmsException("ServiceUnavailableException", "Service is unavailable. (injected fault)", 503);
                case FaultKind.Reset:
                    counts.Add(static s => ref s.FaultsInjected);
                    entry.Fault = fault;
                    return entry.Done(new KmsAnswer(0, [], AnswerCut.BeforeAnswer));
            }

            var caller = Authenticate(call, auth);
            entry.Caller = caller.Arn;
            var request = entry.Request ?? throw new KmsException("SerializationException", "The request body is not a JSON object.");

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
            counts.Add(static s => ref s.Succeeded);
            var bytes = Encoding.UTF8.GetBytes(response.ToJsonString());
            if (fault == FaultKind.CommitThenDrop)
            {
                // Applied, then cut mid-response: the client has seen the start of an answer and must not assume the
                // request was never processed (an HTTP stack may silently resend a request that got no bytes back).
                counts.Add(static s => ref s.FaultsInjected);
                entry.Fault = fault;
                return entry.Done(new KmsAnswer(200, bytes, AnswerCut.MidBody));
            }
            return entry.Done(new KmsAnswer(200, bytes));
        }
        catch (KmsException e)
        {
            if (e.Code != "ThrottlingException") counts.Add(static s => ref s.Errors);
            var error = new JsonObject { ["__type"] = e.Code, ["message"] = e.Message };
            return entry.Done(new KmsAnswer(e.Status, Encoding.UTF8.GetBytes(error.ToJsonString())), e.Code);
        }
        finally
        {
            Log.Add(entry.ToRequest());
        }
    }

    Caller Authenticate(KmsCall call, SigV4.Authorization? parsed)
    {
        var auth = parsed ?? throw new KmsException("MissingAuthenticationTokenException", "Request is missing Authentication Token");
        if (!_callers.TryGetValue(auth.AccessKey, out var identity))
            throw new KmsException("UnrecognizedClientException", "The security token included in the request is invalid.");
        var amzDate = call.Header("x-amz-date") ?? "";
        string? Header(string name) => name == "host" ? call.Host : call.Header(name);
        var expected = SigV4.Sign(identity.Secret, auth.Scope, auth.SignedHeaders, amzDate, Header, "POST", "/", call.Query, call.Body);
        if (!SigV4.FixedTimeEquals(expected, auth.Signature))
            throw new KmsException("InvalidSignatureException",
                "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method.");
        // Who signed the last authenticated request, and for which Region: lets tests see which credentials a client chose.
        _lastCaller = identity.Caller.Arn;
        _lastAccessKey = auth.AccessKey;
        _lastRegion = auth.Region;
        // A Region not served is refused as KMS refuses a signature scoped to the wrong Region.
        if (!_regionsByName.ContainsKey(auth.Region))
            throw new KmsException("InvalidSignatureException", $"Credential should be scoped to a valid region, not '{auth.Region}'. ");
        return identity.Caller;
    }

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

    /// <summary>What the request log keeps of a request, gathered while it is handled. The body is parsed once, here:
    /// for the log (DryRun, KeyId, …, even of a request throttled before its signature is checked) and for handling.</summary>
    sealed class LogEntry(long sequence, string operation, SigV4.Authorization? auth, byte[] body)
    {
        public JsonObject? Request { get; } = Parse(body);
        readonly DateTimeOffset _arrived = DateTimeOffset.UtcNow;
        public string? Caller;
        public FaultKind? Fault;
        int? _status;
        string? _error;

        public KmsAnswer Done(KmsAnswer answer, string? error = null)
        {
            _status = answer.Cut == AnswerCut.BeforeAnswer ? null : answer.Status;
            _error = error;
            return answer;
        }

        public EmulatorRequest ToRequest() => new()
        {
            Sequence = sequence,
            Time = _arrived,
            Operation = operation,
            Region = auth?.Region,
            Caller = Caller,
            AccessKeyId = auth?.AccessKey,
            DryRun = Request?["DryRun"] is JsonValue d && d.TryGetValue<bool>(out var dryRun) && dryRun,
            KeyId = Text("KeyId"),
            GrantId = Text("GrantId"),
            GrantTokenGiven = Request?["GrantToken"] != null || Request?["GrantTokens"] != null,
            StatusCode = _status,
            ErrorCode = _error,
            Fault = Fault is { } f ? FaultKinds.Name(f) : null,
        };

        string? Text(string name) => Request?[name] is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;

        static JsonObject? Parse(byte[] body)
        {
            if (body.Length == 0) return new JsonObject();
            try { return JsonNode.Parse(body) as JsonObject; }
            catch (JsonException) { return null; }
        }
    }
}

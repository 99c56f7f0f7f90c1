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
    /// <summary>Access key → (secret, session token of temporary credentials, caller).</summary>
    readonly Dictionary<string, (string Secret, string? SessionToken, Caller Caller)> _callers;
    /// <summary>Counts of every request, whichever Region it was signed for (if any).</summary>
    readonly ConcurrentDictionary<string, OperationStats> _stats = new(StringComparer.Ordinal);
    readonly Random _random;
    readonly FaultKind[] _faultKinds;
    readonly CancellationTokenSource _stopping = new();
    int _handling;
    string? _lastCaller, _lastAccessKey, _lastRegion;

    /// <summary>Takes options that <see cref="EmulatorOptions.Validate"/> has passed.</summary>
    public EmulatorService(EmulatorOptions options)
    {
        _options = options;
        Regions = options.Regions.Select(r => new RegionState(r, Iam)).ToArray();
        _regionsByName = Regions.ToDictionary(r => r.Name, StringComparer.Ordinal);
        _callers = options.Identities.ToDictionary(i => i.AccessKey, i => (i.SecretKey, i.SessionToken, SignerOf(i)), StringComparer.Ordinal);
        Quotas = new QuotaTable(Regions, options.Quotas);
        _random = options.Seed is { } seed ? new Random(seed) : new Random();
        _faultKinds = options.FaultKinds.ToArray();
        Log = new RequestLog(options.RequestLogSize);
    }

    public IReadOnlyList<RegionState> Regions { get; }
    /// <summary>IAM's users and roles, one for every Region (IAM is global).</summary>
    public IamDirectory Iam { get; } = new();
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

    /// <summary>Makes each Region's audit shape (<see cref="AuditShape"/>), then deletes the principals to delete.
    /// Returns the keys made, Region by Region: the customer keys, the big key, the AWS managed key.</summary>
    public KmsKey[] SeedAudit()
    {
        var shape = _options.Audit;
        var made = Regions.Select(r => shape.Any ? AuditSeed.Make(r.State, _options.Account, shape) : []).ToArray();
        if (shape.Any)
            foreach (var i in Enumerable.Range(0, 10)) Iam.Delete(AuditSeed.DeletedRole(_options.Account, i));
        foreach (var p in _options.DeletedPrincipals)
        {
            try { Iam.Delete(p); }
            catch (IamException e) when (e.Problem == IamProblem.NoSuchEntity) { }   // named twice, or an audit role
        }
        return made.SelectMany(k => k).ToArray();
    }

    /// <summary>Answers one KMS request; never throws. Order: the operation named, the signature (cheap, and first, so
    /// that a stranger is refused as one and spends no caller's quota), the quota, an injected fault, then the Region's
    /// state. Whatever goes wrong inside is KMSInternalException (HTTP 500), logged and counted like any error.</summary>
    public async Task<KmsAnswer> HandleAsync(KmsCall call)
    {
        // In flight before anything is counted or logged, and refused unseen once Stop has begun: Stop waits for what is
        // in flight, so nothing it did not wait for can change the log or the stats after it returns.
        Interlocked.Increment(ref _handling);
        try
        {
            return _stopping.IsCancellationRequested ? new KmsAnswer(0, [], AnswerCut.BeforeAnswer) : await HandleInFlightAsync(call).ConfigureAwait(false);
        }
        finally
        {
            Interlocked.Decrement(ref _handling);
        }
    }

    async Task<KmsAnswer> HandleInFlightAsync(KmsCall call)
    {
        var target = call.Header("x-amz-target") ?? "";
        var operation = target.StartsWith("TrentService.", StringComparison.Ordinal) ? target["TrentService.".Length..] : "";
        // Counted under its name only when it is one the emulator implements: invented names must not grow the stats.
        var opName = KmsState.Operations.Contains(operation) ? operation : operation.Length == 0 ? "(none)" : "(unknown)";
        // Parsed once: the credential scope names the Region (whose counters, quota and state apply), Authenticate
        // verifies the rest.
        var auth = SigV4.ParseAuthorization(call.Header("authorization"));
        var region = auth is { } a ? _regionsByName.GetValueOrDefault(a.Region) : null;
        var counts = new Counts(_stats.GetOrAdd(opName, _ => new OperationStats()), region?.Stats.GetOrAdd(opName, _ => new OperationStats()));
        counts.Add(static s => ref s.Requests);
        var entry = new LogEntry(Log.NextSequence(), opName, auth, call.Body);
        try
        {
            if (_options.LatencyMs > 0) await Task.Delay(_options.LatencyMs, _stopping.Token).ConfigureAwait(false);
            // Rolled for every request, as before refusals came first, so that a -Seed run repeats the same faults.
            var fault = PickFault(operation);
            if (operation.Length == 0)
                throw new KmsException("UnknownOperationException", "X-Amz-Target must be TrentService.<Operation>.");
            if (!KmsState.Operations.Contains(operation))
                throw new KmsException("UnknownOperationException", $"The emulator does not implement {(operation.Length > 100 ? operation[..100] + "..." : operation)}.");
            var caller = Authenticate(call, auth, operation);
            entry.Caller = caller.Arn;
            // Authenticate has refused any Region not served.
            if (region!.Buckets.TryGetValue(operation, out var bucket) && !bucket.TryTake())
            {
                counts.Add(static s => ref s.Throttled);
                throw new KmsException("ThrottlingException", "Rate exceeded");
            }
            if (fault != null)
            {
                counts.Add(static s => ref s.FaultsInjected);
                entry.Fault = fault;
            }
            switch (fault)
            {
                case FaultKind.Internal:
                    throw new KmsException("KMSInternalException", "The request was rejected because an internal exception occurred. (injected fault)", 500);
                case FaultKind.Unavailable:
                    throw new KmsException("ServiceUnavailableException", "Service is unavailable. (injected fault)", 503);
                case FaultKind.Reset:
                    return entry.Done(new KmsAnswer(0, [], AnswerCut.BeforeAnswer));
            }

            var request = entry.Request ?? throw new KmsException("SerializationException", "The request body is not a JSON object.");
            JsonObject response;
            try
            {
                // Stop has begun: nothing more is applied, so the state read after Stop-KmsEmulator is the final one.
                _stopping.Token.ThrowIfCancellationRequested();
                response = region.State.Handle(operation, request, caller);
            }
            catch (Exception e) when (e is InvalidOperationException or FormatException or OverflowException)   // a JSON member of the wrong type or size
            {
                throw new KmsException("SerializationException", e.Message);
            }
            counts.Add(static s => ref s.Succeeded);
            var bytes = Encoding.UTF8.GetBytes(response.ToJsonString());
            // commit-then-drop: applied, then cut mid-response. The client has seen the start of an answer and must not
            // assume the request was never processed (an HTTP stack may silently resend a request that got no bytes back).
            return entry.Done(new KmsAnswer(200, bytes, fault == FaultKind.CommitThenDrop ? AnswerCut.MidBody : AnswerCut.None));
        }
        catch (KmsException e)
        {
            if (e.Code != "ThrottlingException") counts.Add(static s => ref s.Errors);
            return entry.Done(ErrorAnswer(e.Code, e.Message, e.Status), e.Code);
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
        {
            // Cut by Stop before it was applied: the connection is reset, and the log shows no answer.
            return entry.Done(new KmsAnswer(0, [], AnswerCut.BeforeAnswer));
        }
        catch (Exception e)
        {
            // A defect of the emulator: KMS's own answer to its internal failures, which clients retry; never a success.
            counts.Add(static s => ref s.Errors);
            return entry.Done(ErrorAnswer("KMSInternalException", $"The request was rejected because an internal exception occurred. (emulator: {e.GetType().Name}: {e.Message})", 500), "KMSInternalException");
        }
        finally
        {
            Log.Add(entry.ToRequest());
        }
    }

    /// <summary>Cuts the requests being handled (a latency wait ends at once; nothing more is applied) and returns once
    /// none is left, so that the state, the log and the stats no longer change (later requests are cut unseen).</summary>
    public void Stop()
    {
        _stopping.Cancel();
        SpinWait.SpinUntil(() => Volatile.Read(ref _handling) == 0, TimeSpan.FromSeconds(5));
    }

    static KmsAnswer ErrorAnswer(string code, string message, int status) =>
        new(status, Encoding.UTF8.GetBytes(new JsonObject { ["__type"] = code, ["message"] = message }.ToJsonString()));

    FaultKind? PickFault(string operation)
    {
        if (_options.FaultRate <= 0 || _faultKinds.Length == 0
            || (_options.FaultOperations.Count > 0 && !_options.FaultOperations.Contains(operation)))
            return null;
        lock (_random)
            return _random.NextDouble() < _options.FaultRate ? _faultKinds[_random.Next(_faultKinds.Length)] : null;
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

        string? Text(string name)
        {
            try { return Request?[name] is JsonValue v && v.TryGetValue<string>(out var s) ? s : null; }
            catch (InvalidOperationException) { return null; }   // not valid UTF-16 (a lone surrogate): refused by the operation
        }

        /// <summary>The body as a JSON object, or null for anything else (SerializationException). A JsonObject reads its
        /// members lazily and throws ArgumentException then for a duplicate name: every object is read here, once, so
        /// that such a body is refused like any malformed one rather than failing wherever it is first read.</summary>
        static JsonObject? Parse(byte[] body)
        {
            if (body.Length == 0) return new JsonObject();
            try
            {
                var node = JsonNode.Parse(body) as JsonObject;
                ReadAll(node);
                return node;
            }
            catch (Exception e) when (e is JsonException or ArgumentException) { return null; }
        }

        static void ReadAll(JsonNode? node)
        {
            switch (node)
            {
                case JsonObject o:
                    foreach (var (_, value) in o) ReadAll(value);
                    break;
                case JsonArray a:
                    foreach (var item in a) ReadAll(item);
                    break;
            }
        }
    }
}

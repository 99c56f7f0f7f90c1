using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace KmsGrants.Testing.Emulator;

/// <summary>Serves an <see cref="EmulatorService"/> over HTTP on loopback with System.Net.HttpListener, which is part of
/// the .NET runtime every pwsh carries: KMS's AWS JSON 1.1 at POST /, and the emulator's own /_emulator/ endpoints.</summary>
public sealed class HttpHost : IDisposable
{
    const int MaxRequestBody = 1 << 20;
    /// <summary>How long a request body may take to arrive, all of it: a client stalled mid-body holds its connection
    /// until then, and is cut. Loopback clients send it at once.</summary>
    internal static readonly TimeSpan BodyTimeout = TimeSpan.FromSeconds(10);
    const string KmsContentType = "application/x-amz-json-1.1";
    // Several requests are accepted at once: clients keep tens to hundreds of connections busy.
    const int AcceptLoops = 8;
    static readonly JsonSerializerOptions Relaxed = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    readonly HttpListener _listener;
    readonly EmulatorService _service;
    /// <summary>The requests being served: Dispose cuts them (ListenerInternals also finds them; this works without it).</summary>
    readonly ConcurrentDictionary<HttpListenerContext, byte> _serving = new();
    int _disposed;

    HttpHost(EmulatorService service, HttpListener listener, int port)
    {
        _service = service;
        _listener = listener;
        Port = port;
        for (var i = 0; i < AcceptLoops; i++) _ = AcceptAsync();
    }

    public int Port { get; }
    public string Url => $"http://127.0.0.1:{Port}";

    /// <summary>Listens on 127.0.0.1:<paramref name="port"/>, or on a free port for 0. HttpListener cannot bind port 0
    /// itself: a free port is found by binding a socket to 0 and closing it, and if another process takes it meanwhile,
    /// another is tried. Throws <see cref="ListenException"/>.</summary>
    public static HttpHost Start(EmulatorService service, int port)
    {
        if (port != 0) return new HttpHost(service, Listen(port, explicitPort: true), port);
        for (var attempt = 1; ; attempt++)
        {
            var free = FindFreePort();
            try
            {
                return new HttpHost(service, Listen(free, explicitPort: false), free);
            }
            catch (ListenException e) when (e.PortInUse && attempt < 10)
            {
                // Lost the race for that port: try another.
            }
        }
    }

    static int FindFreePort()
    {
        var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        try { return ((IPEndPoint)probe.LocalEndpoint).Port; }
        finally { probe.Stop(); }
    }

    static HttpListener Listen(int port, bool explicitPort)
    {
        var listener = new HttpListener { IgnoreWriteExceptions = true };
        // Loopback only; clients name it either way in the Host header, which HttpListener matches against these.
        listener.Prefixes.Add($"http://127.0.0.1:{port}/");
        listener.Prefixes.Add($"http://localhost:{port}/");
        try
        {
            listener.Start();
            return listener;
        }
        catch (Exception e) when (e is HttpListenerException or SocketException)
        {
            listener.Close();
            var inUse = !CanBind(port);
            throw new ListenException(port, inUse,
                inUse ? $"Port {port} on 127.0.0.1 is in use{(explicitPort ? "" : " (taken after it was found free)")}." : $"Cannot listen on 127.0.0.1:{port}: {e.Message}", e);
        }
    }

    /// <summary>Whether a socket could listen on the port now: HttpListener's own error does not say why it failed.</summary>
    static bool CanBind(int port)
    {
        try
        {
            var probe = new TcpListener(IPAddress.Loopback, port);
            probe.Start();
            probe.Stop();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    async Task AcceptAsync()
    {
        while (true)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync().ConfigureAwait(false);
            }
            catch (Exception) when (Volatile.Read(ref _disposed) == 1 || !_listener.IsListening)
            {
                return;
            }
            catch (HttpListenerException)
            {
                continue;   // one failed connection; the listener goes on
            }
            // Served on this loop's thread up to its first real wait (latency, a slow client), then the loop accepts the
            // next: a hop to another thread per request cost more CPU than it saved (measured), and AcceptLoops loops
            // keep that many requests in hand at once.
            _ = ServeAsync(context);
        }
    }

    async Task ServeAsync(HttpListenerContext context)
    {
        _serving.TryAdd(context, 0);
        try
        {
            await RouteAsync(context).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or HttpListenerException or ObjectDisposedException or SocketException)
        {
            // The client went away, its body was cut short or too slow, or the emulator stopped under this request.
            Cut(context, reset: true);
        }
        catch (Exception)
        {
            // A defect of the host itself: an HTTP 500, never the "200 OK" HttpListener's own Abort() would send here.
            AnswerInternalError(context);
        }
        finally
        {
            _serving.TryRemove(context, out _);
        }
    }

    async Task RouteAsync(HttpListenerContext context)
    {
        var request = context.Request;
        var response = context.Response;
        var path = request.Url?.AbsolutePath ?? "/";
        switch (request.HttpMethod, path)
        {
            case ("POST", "/"):
                var body = await ReadBodyAsync(context).ConfigureAwait(false);
                if (body == null) { Finish(response, 413); return; }
                await AnswerKmsAsync(context, await _service.HandleAsync(ToCall(request, body)).ConfigureAwait(false)).ConfigureAwait(false);
                return;
            case (_, "/"):
                Finish(response, 405);
                return;
            case ("GET", "/_emulator/stats"):
                await AnswerJsonAsync(response, 200, _service.Stats()).ConfigureAwait(false);
                return;
            case ("GET", "/_emulator/quota"):
                await AnswerJsonAsync(response, 200, _service.Quotas.Table()).ConfigureAwait(false);
                return;
            case ("POST", "/_emulator/quota"):
                await ChangeQuotaAsync(context).ConfigureAwait(false);
                return;
            case ("GET", "/_emulator/grants"):
                var query = request.QueryString;
                var region = NullIfEmpty(query["region"]);
                // A Region it does not serve has no grants because it is not there: say so, not "no grants".
                if (region != null && _service.FindRegion(region) == null)
                    await AnswerJsonAsync(response, 400, new JsonObject { ["message"] = $"The emulator does not serve {region} (it serves {string.Join(", ", _service.Regions.Select(r => r.Name))})." }, Relaxed).ConfigureAwait(false);
                else
                    await AnswerJsonAsync(response, 200, _service.GrantsJson(region, NullIfEmpty(query["keyId"]))).ConfigureAwait(false);
                return;
            case ("GET", "/_emulator/requests"):
                await AnswerJsonAsync(response, 200, _service.RequestsJson()).ConfigureAwait(false);
                return;
            case (_, _) when EmulatorService.IsEndpoint(request.HttpMethod, path):
                // The endpoints that make principals, keys and grants: host-agnostic, in EmulatorService.Endpoints.cs.
                var made = _service.AnswerEndpoint(request.HttpMethod, path, await ReadBodyAsync(context).ConfigureAwait(false) ?? []);
                await AnswerJsonAsync(response, made.Status, made.Body, Relaxed).ConfigureAwait(false);
                return;
            default:
                Finish(response, 404);
                return;
        }
    }

    /// <summary>HTTP 500 with KMS's KMSInternalException (a fault clients retry), or the connection cut if even that
    /// cannot be written.</summary>
    static void AnswerInternalError(HttpListenerContext context)
    {
        try
        {
            var body = Encoding.UTF8.GetBytes(new JsonObject { ["__type"] = "KMSInternalException", ["message"] = "The emulator failed to answer this request." }.ToJsonString());
            var response = context.Response;
            response.StatusCode = 500;
            response.ContentType = KmsContentType;
            response.ContentLength64 = body.Length;
            response.KeepAlive = false;
            response.OutputStream.Write(body);
            response.Close();
        }
        catch (Exception)
        {
            Cut(context, reset: true);
        }
    }

    static string? NullIfEmpty(string? s) => string.IsNullOrEmpty(s) ? null : s;

    static KmsCall ToCall(HttpListenerRequest request, byte[] body)
    {
        var raw = request.RawUrl ?? "/";
        var q = raw.IndexOf('?');
        var headers = request.Headers;
        return new KmsCall(headers["Host"] ?? "", q < 0 ? "" : raw[(q + 1)..], name => headers[name], body);
    }

    /// <summary>The request body, read as it arrives (memory for what came, not for what was declared); null when it is
    /// larger than <see cref="MaxRequestBody"/>. A body that is not all there within <see cref="BodyTimeout"/>, or that
    /// ends short of its Content-Length, cuts the connection and throws IOException: no answer is owed to half a request.</summary>
    static async Task<byte[]?> ReadBodyAsync(HttpListenerContext context)
    {
        var request = context.Request;
        var declared = request.ContentLength64;   // -1 when chunked
        if (declared > MaxRequestBody) return null;
        if (!request.HasEntityBody) return [];
        using var buffer = new MemoryStream();
        var chunk = new byte[declared is > 0 and < 8192 ? (int)declared : 8192];
        // The read itself cannot be cancelled (HttpListener's request stream ignores tokens): cutting the connection ends it.
        using var deadline = new CancellationTokenSource(BodyTimeout);
        using (deadline.Token.Register(() => Cut(context, reset: true)))
        {
            int read;
            while ((read = await request.InputStream.ReadAsync(chunk).ConfigureAwait(false)) > 0)
            {
                if (buffer.Length + read > MaxRequestBody) return null;
                buffer.Write(chunk, 0, read);
            }
        }
        if (deadline.IsCancellationRequested) throw new IOException($"The request body did not arrive within {BodyTimeout.TotalSeconds} s.");
        if (declared > 0 && buffer.Length < declared) throw new IOException($"The request body ended after {buffer.Length} of {declared} bytes.");
        return buffer.ToArray();
    }

    static async Task AnswerKmsAsync(HttpListenerContext context, KmsAnswer answer)
    {
        var response = context.Response;
        if (answer.Cut == AnswerCut.BeforeAnswer)
        {
            Cut(context, reset: true);
            return;
        }
        response.StatusCode = answer.Status;
        response.ContentType = KmsContentType;
        response.Headers["x-amzn-RequestId"] = Guid.NewGuid().ToString();
        response.ContentLength64 = answer.Body.Length;
        if (answer.Cut == AnswerCut.MidBody)
        {
            await response.OutputStream.WriteAsync(answer.Body.AsMemory(0, Math.Max(1, answer.Body.Length / 2))).ConfigureAwait(false);
            await response.OutputStream.FlushAsync().ConfigureAwait(false);
            Cut(context, reset: false);
            return;
        }
        await response.OutputStream.WriteAsync(answer.Body).ConfigureAwait(false);
        response.Close();
    }

    /// <summary>Cuts the connection: with a reset before any answer, or after what was written (see ListenerInternals).</summary>
    static void Cut(HttpListenerContext context, bool reset) => ListenerInternals.Cut(context, reset);

    async Task ChangeQuotaAsync(HttpListenerContext context)
    {
        var response = context.Response;
        var body = await ReadBodyAsync(context).ConfigureAwait(false) ?? [];
        JsonObject table;
        try
        {
            table = _service.Quotas.Apply(QuotaTable.ParseChanges(body));
        }
        catch (ArgumentException e)
        {
            // Relaxed escaping: the message is read by people (curl) as much as by code.
            await AnswerJsonAsync(response, 400, new JsonObject { ["message"] = e.Message }, Relaxed).ConfigureAwait(false);
            return;
        }
        await AnswerJsonAsync(response, 200, table).ConfigureAwait(false);
    }

    static async Task AnswerJsonAsync(HttpListenerResponse response, int status, JsonNode body, JsonSerializerOptions? options = null)
    {
        var bytes = Encoding.UTF8.GetBytes(body.ToJsonString(options));
        response.StatusCode = status;
        response.ContentType = "application/json";
        response.ContentLength64 = bytes.Length;
        await response.OutputStream.WriteAsync(bytes).ConfigureAwait(false);
        response.Close();
    }

    static void Finish(HttpListenerResponse response, int status)
    {
        response.StatusCode = status;
        response.ContentLength64 = 0;
        // These refusals leave any body unread: the connection closes after the answer, rather than HttpListener
        // waiting (up to a second, on this thread) for a body that may never come.
        response.KeepAlive = false;
        response.Close();
    }

    /// <summary>Stops listening and closes the port at once, whatever clients do: every connection is reset (requests
    /// being answered, idle keep-alive ones, ones stalled mid-request), so none reads an answer it was not given.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1) return;
        if (OperatingSystem.IsWindows())
        {
            foreach (var context in _serving.Keys) Cut(context, reset: true);
        }
        else
        {
            ListenerInternals.CutAll(_listener, Port, _serving.Keys);
        }
        _listener.Close();
    }
}

/// <summary>The emulator could not listen: <see cref="PortInUse"/> says whether the port was taken.</summary>
public sealed class ListenException(int port, bool portInUse, string message, Exception inner) : Exception(message, inner)
{
    public int Port { get; } = port;
    public bool PortInUse { get; } = portInUse;
}

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
    const string KmsContentType = "application/x-amz-json-1.1";
    // Several requests are accepted at once: clients keep tens to hundreds of connections busy.
    const int AcceptLoops = 8;
    static readonly JsonSerializerOptions Relaxed = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    readonly HttpListener _listener;
    readonly EmulatorService _service;
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
        var request = context.Request;
        var response = context.Response;
        try
        {
            var path = request.Url?.AbsolutePath ?? "/";
            switch (request.HttpMethod, path)
            {
                case ("POST", "/"):
                    var body = await ReadBodyAsync(request).ConfigureAwait(false);
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
                    await ChangeQuotaAsync(request, response).ConfigureAwait(false);
                    return;
                case ("GET", "/_emulator/grants"):
                    var query = request.QueryString;
                    await AnswerJsonAsync(response, 200, _service.GrantsJson(NullIfEmpty(query["region"]), NullIfEmpty(query["keyId"]))).ConfigureAwait(false);
                    return;
                case ("GET", "/_emulator/requests"):
                    await AnswerJsonAsync(response, 200, _service.RequestsJson()).ConfigureAwait(false);
                    return;
                default:
                    Finish(response, 404);
                    return;
            }
        }
        catch (Exception)
        {
            // The client went away, or the emulator stopped under this request: nothing more to say to anyone.
            try { response.Abort(); } catch (Exception) { }
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

    static async Task<byte[]?> ReadBodyAsync(HttpListenerRequest request)
    {
        if (request.ContentLength64 > MaxRequestBody) return null;
        if (!request.HasEntityBody) return [];
        using var buffer = new MemoryStream(request.ContentLength64 > 0 ? (int)request.ContentLength64 : 1024);
        var chunk = new byte[8192];
        int read;
        while ((read = await request.InputStream.ReadAsync(chunk).ConfigureAwait(false)) > 0)
        {
            if (buffer.Length + read > MaxRequestBody) return null;
            buffer.Write(chunk, 0, read);
        }
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

    // HttpListener's own Abort() cuts the connection on Windows (http.sys), but its managed implementation (Linux,
    // macOS) first finishes the response, so a client would read "200 OK" from a cut connection (seen here). There the
    // socket is closed directly, through the connection the context holds: internal to .NET (unchanged since its Mono
    // days, checked by Testing.Tests); without it, Abort() is all there is.
    static readonly System.Reflection.PropertyInfo? ConnectionProperty =
        typeof(HttpListenerContext).GetProperty("Connection", System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Instance);

    /// <summary>Cuts the connection: with a reset before any answer, or after what was written (a FIN: the client
    /// reads the half answer it was sent, then the end).</summary>
    static void Cut(HttpListenerContext context, bool reset)
    {
        if (!OperatingSystem.IsWindows() && ConnectionProperty?.GetValue(context) is { } connection
            && connection.GetType().GetField("_socket", System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Instance)?.GetValue(connection) is Socket socket)
        {
            try
            {
                if (reset) socket.LingerState = new LingerOption(true, 0);
                else socket.Shutdown(SocketShutdown.Both);
                socket.Close();
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException) { }
        }
        // Releases the context (on the managed side, writing to the closed socket fails, as it should).
        try { context.Response.Abort(); } catch (Exception) { }
    }

    async Task ChangeQuotaAsync(HttpListenerRequest request, HttpListenerResponse response)
    {
        var body = await ReadBodyAsync(request).ConfigureAwait(false) ?? [];
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
        response.Close();
    }

    /// <summary>Stops listening and closes the port; requests being answered are cut.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1) return;
        try { _listener.Stop(); } catch (ObjectDisposedException) { }
        _listener.Close();
    }
}

/// <summary>The emulator could not listen: <see cref="PortInUse"/> says whether the port was taken.</summary>
public sealed class ListenException(int port, bool portInUse, string message, Exception inner) : Exception(message, inner)
{
    public int Port { get; } = port;
    public bool PortInUse { get; } = portInUse;
}

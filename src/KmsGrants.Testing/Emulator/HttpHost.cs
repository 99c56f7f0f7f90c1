using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Web;

namespace KmsGrants.Testing.Emulator;

/// <summary>Serves an <see cref="EmulatorService"/> over HTTP/1.1 on loopback: KMS's AWS JSON 1.1 at POST /, and the
/// emulator's own /_emulator/ endpoints. Its own small server on System.Net.Sockets (public API of every pwsh's
/// runtime), because HttpListener cannot be bounded: every input is, here (<see cref="HttpLimits"/>), the connections
/// are counted and made room for, and Stop cuts each of them without a word. <see cref="HttpConnection"/> reads and
/// answers one connection's requests; this class listens, keeps the connections, enforces their deadlines, routes.</summary>
public sealed class HttpHost : IDisposable
{
    const string KmsContentType = "application/x-amz-json-1.1";
    static readonly JsonSerializerOptions Relaxed = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
    /// <summary>How often deadlines are checked: a wait is cut within this much after its deadline.</summary>
    static readonly TimeSpan SweepEvery = TimeSpan.FromMilliseconds(500);

    readonly Socket _listener;
    readonly EmulatorService _service;
    readonly ConcurrentDictionary<HttpConnection, byte> _connections = new();
    readonly Timer _sweep;
    readonly string _ownHost, _ownLocalhost;
    /// <summary>Connections whose socket is open (a cut one leaves this count at once, and the table when its loop ends).</summary>
    int _open;
    int _disposed;

    HttpHost(EmulatorService service, Socket listener)
    {
        _service = service;
        _listener = listener;
        Port = ((IPEndPoint)listener.LocalEndPoint!).Port;
        _ownHost = $"127.0.0.1:{Port}";
        _ownLocalhost = $"localhost:{Port}";
        _sweep = new Timer(_ => Sweep(), null, SweepEvery, SweepEvery);
        _ = AcceptAsync();
    }

    public int Port { get; }
    public string Url => $"http://127.0.0.1:{Port}";

    /// <summary>Listens on 127.0.0.1:<paramref name="port"/>, or on a port the system picks for 0. Throws
    /// <see cref="ListenException"/>.</summary>
    public static HttpHost Start(EmulatorService service, int port)
    {
        var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            // Windows lets another socket bind a port already bound unless this one asks for it alone.
            if (OperatingSystem.IsWindows()) listener.ExclusiveAddressUse = true;
            listener.Bind(new IPEndPoint(IPAddress.Loopback, port));
            listener.Listen(512);
            return new HttpHost(service, listener);
        }
        catch (SocketException e)
        {
            listener.Dispose();
            // Windows says "access denied" for a port another socket holds alone.
            var inUse = e.SocketErrorCode == SocketError.AddressAlreadyInUse || (e.SocketErrorCode == SocketError.AccessDenied && OperatingSystem.IsWindows());
            throw new ListenException(port, inUse, inUse ? $"Port {port} on 127.0.0.1 is in use." : $"Cannot listen on 127.0.0.1:{port}: {e.Message}", e);
        }
    }

    async Task AcceptAsync()
    {
        while (true)
        {
            Socket socket;
            try
            {
                socket = await _listener.AcceptAsync().ConfigureAwait(false);
            }
            catch (Exception) when (Volatile.Read(ref _disposed) == 1)
            {
                return;
            }
            catch (SocketException)
            {
                // Out of descriptors (the process's, shared with the code under test), or a client gone before it was
                // accepted: make room if this host holds any to spare, and go on.
                MakeRoom();
                await Task.Delay(10).ConfigureAwait(false);
                continue;
            }
            Admit(socket);
        }
    }

    void Admit(Socket socket)
    {
        try
        {
            if (Volatile.Read(ref _open) >= HttpLimits.MaxConnections && !MakeRoom())
            {
                // Every connection holds a request being answered: this one is refused before it has asked anything.
                socket.LingerState = new LingerOption(true, 0);
                socket.Dispose();
                return;
            }
            socket.NoDelay = true;
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            socket.Dispose();   // gone already
            return;
        }
        var connection = new HttpConnection(this, socket);
        Interlocked.Increment(ref _open);
        _connections.TryAdd(connection, 0);
        // Stop may have gone through the table before this one was in it.
        if (Volatile.Read(ref _disposed) == 1) connection.Cut(reset: true);
        // Its own task: a request that arrived with the connection is served there, not on the accept loop.
        _ = Task.Run(connection.RunAsync);
    }

    /// <summary>Closes the connection that has waited longest on its client, idle ones first; false if every one holds a
    /// request being answered.</summary>
    bool MakeRoom()
    {
        for (var attempt = 0; attempt < 3; attempt++)
        {
            HttpConnection? idle = null, waiting = null;
            long idleSince = long.MaxValue, waitingSince = long.MaxValue;
            foreach (var c in _connections.Keys)
            {
                var (phase, since) = c.State;
                if (phase is HttpConnection.Phase.Idle or HttpConnection.Phase.Closing)
                {
                    if (since < idleSince) (idle, idleSince) = (c, since);
                }
                else if (phase != HttpConnection.Phase.Handling && since < waitingSince)
                {
                    (waiting, waitingSince) = (c, since);
                }
            }
            if (idle == null && waiting == null) return false;
            if ((idle ?? waiting)!.TryEvict()) return true;
            // It changed meanwhile (a request arrived): look again.
        }
        return false;
    }

    void Sweep()
    {
        var now = Environment.TickCount64;
        foreach (var c in _connections.Keys) c.Expire(now);
    }

    internal void Closed(HttpConnection connection) => Interlocked.Decrement(ref _open);

    internal void Remove(HttpConnection connection) => _connections.TryRemove(connection, out _);

    /// <summary>One request, its head read: refused if the host will not serve it, else routed. Answers, or cuts, on
    /// <paramref name="connection"/>.</summary>
    internal async Task ServeAsync(HttpConnection connection, HttpRequestHead head)
    {
        if (Refusal(head, out var length) is { } refusal)
        {
            await connection.RefuseAsync(refusal.Status, refusal.Why, head).ConfigureAwait(false);
            return;
        }
        connection.DeclareBody(length);
        connection.Enter(HttpConnection.Phase.Handling, null);
        try
        {
            await RouteAsync(connection, head, length).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not (IOException or SocketException or ObjectDisposedException))
        {
            // A defect of the host itself: KMS's answer to its internal failures (HTTP 500, which clients retry).
            var body = Encoding.UTF8.GetBytes(new JsonObject { ["__type"] = "KMSInternalException", ["message"] = "The emulator failed to answer this request." }.ToJsonString());
            await connection.AnswerAsync(head, 500, KmsContentType, body, RequestIdHeader(), close: true).ConfigureAwait(false);
        }
    }

    /// <summary>Why a request is not served, checked before anything else is read: the Host it names (a page of another
    /// site, its name pointed at 127.0.0.1 by DNS rebinding, must not reach the emulator), then how its body is framed:
    /// only Content-Length is implemented (the AWS SDKs, the AWS CLI and PowerShell's web cmdlets send nothing else).</summary>
    (int Status, string Why)? Refusal(HttpRequestHead head, out long length)
    {
        length = 0;
        var host = head.Header("host");
        if (host == null) return (400, "A Host header is required.");
        if (!host.Equals(_ownHost, StringComparison.OrdinalIgnoreCase) && !host.Equals(_ownLocalhost, StringComparison.OrdinalIgnoreCase))
            return (421, $"This is the KMS emulator on {_ownHost}: the Host header must be {_ownHost} or {_ownLocalhost}, not '{(host.Length > 100 ? host[..100] + "..." : host)}'.");
        var contentLength = head.Header("content-length");
        if (head.Header("transfer-encoding") != null)
            return contentLength != null
                ? (400, "A request may not have both Content-Length and Transfer-Encoding.")
                : (501, "Transfer-Encoding is not implemented: send the body with a Content-Length.");
        if (contentLength != null && !(long.TryParse(contentLength, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out length)))
            return (400, "Content-Length must be a number of bytes.");
        var expect = head.Header("expect");
        if (expect != null && !expect.Equals("100-continue", StringComparison.OrdinalIgnoreCase))
            return (417, "The only expectation implemented is 100-continue.");
        return null;
    }

    async Task RouteAsync(HttpConnection connection, HttpRequestHead head, long length)
    {
        switch (head.Method, head.Path)
        {
            case ("POST", "/"):
                var body = await connection.ReadBodyAsync(head, length).ConfigureAwait(false);
                if (body == null) { await RefuseTooLargeAsync(connection).ConfigureAwait(false); return; }
                await AnswerKmsAsync(connection, head, await _service.HandleAsync(ToCall(head, body)).ConfigureAwait(false)).ConfigureAwait(false);
                return;
            case (_, "/"):
                await connection.RefuseAsync(405, "The KMS API is POST /.", head).ConfigureAwait(false);
                return;
            case ("GET", "/_emulator/stats"):
                await AnswerJsonAsync(connection, head, 200, _service.Stats()).ConfigureAwait(false);
                return;
            case ("GET", "/_emulator/quota"):
                await AnswerJsonAsync(connection, head, 200, _service.Quotas.Table()).ConfigureAwait(false);
                return;
            case ("POST", "/_emulator/quota"):
                await ChangeQuotaAsync(connection, head, length).ConfigureAwait(false);
                return;
            case ("GET", "/_emulator/grants"):
                var query = HttpUtility.ParseQueryString(head.Query);
                var region = NullIfEmpty(query["region"]);
                // A Region it does not serve has no grants because it is not there: say so, not "no grants".
                if (region != null && _service.FindRegion(region) == null)
                    await AnswerJsonAsync(connection, head, 400, new JsonObject { ["message"] = $"The emulator does not serve {region} (it serves {string.Join(", ", _service.Regions.Select(r => r.Name))})." }, Relaxed).ConfigureAwait(false);
                else
                    await AnswerJsonAsync(connection, head, 200, _service.GrantsJson(region, NullIfEmpty(query["keyId"]))).ConfigureAwait(false);
                return;
            case ("GET", "/_emulator/requests"):
                await AnswerJsonAsync(connection, head, 200, _service.RequestsJson()).ConfigureAwait(false);
                return;
            case (_, _) when EmulatorService.IsEndpoint(head.Method, head.Path):
                // The endpoints that make principals, keys and grants: host-agnostic, in EmulatorService.Endpoints.cs.
                var request = await connection.ReadBodyAsync(head, length).ConfigureAwait(false);
                if (request == null) { await RefuseTooLargeAsync(connection).ConfigureAwait(false); return; }
                var made = _service.AnswerEndpoint(head.Method, head.Path, request);
                await AnswerJsonAsync(connection, head, made.Status, made.Body, Relaxed).ConfigureAwait(false);
                return;
            default:
                await connection.RefuseAsync(404, $"The emulator serves POST / (KMS) and /_emulator/stats, quota, grants, requests, principals and keys, not {head.Method} {head.Path}.", head).ConfigureAwait(false);
                return;
        }
    }

    static Task RefuseTooLargeAsync(HttpConnection connection) =>
        connection.RefuseAsync(413, $"A request body may have {HttpLimits.MaxRequestBody} bytes at most.");

    static string? NullIfEmpty(string? s) => string.IsNullOrEmpty(s) ? null : s;

    static KmsCall ToCall(HttpRequestHead head, byte[] body) => new(head.Header("host") ?? "", head.Query, head.Header, body);

    static string RequestIdHeader() => $"x-amzn-RequestId: {Guid.NewGuid()}";

    static async Task AnswerKmsAsync(HttpConnection connection, HttpRequestHead head, KmsAnswer answer)
    {
        if (answer.Cut == AnswerCut.BeforeAnswer)
        {
            connection.Cut(reset: true);
            return;
        }
        await connection.AnswerAsync(head, answer.Status, KmsContentType, answer.Body, RequestIdHeader(), cutMidBody: answer.Cut == AnswerCut.MidBody).ConfigureAwait(false);
    }

    async Task ChangeQuotaAsync(HttpConnection connection, HttpRequestHead head, long length)
    {
        var body = await connection.ReadBodyAsync(head, length).ConfigureAwait(false);
        if (body == null) { await RefuseTooLargeAsync(connection).ConfigureAwait(false); return; }
        JsonObject table;
        try
        {
            table = _service.Quotas.Apply(QuotaTable.ParseChanges(body));
        }
        catch (ArgumentException e)
        {
            // Relaxed escaping: the message is read by people (curl) as much as by code.
            await AnswerJsonAsync(connection, head, 400, new JsonObject { ["message"] = e.Message }, Relaxed).ConfigureAwait(false);
            return;
        }
        await AnswerJsonAsync(connection, head, 200, table).ConfigureAwait(false);
    }

    static Task AnswerJsonAsync(HttpConnection connection, HttpRequestHead head, int status, JsonNode body, JsonSerializerOptions? options = null) =>
        connection.AnswerAsync(head, status, "application/json", Encoding.UTF8.GetBytes(body.ToJsonString(options)));

    /// <summary>Stops listening and closes the port at once, whatever clients do: every connection is reset (requests
    /// being answered, idle keep-alive ones, ones stalled mid-request), so none reads an answer it was not given.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1) return;
        _listener.Dispose();
        _sweep.Dispose();
        foreach (var c in _connections.Keys) c.Cut(reset: true);
    }
}

/// <summary>The emulator could not listen: <see cref="PortInUse"/> says whether the port was taken.</summary>
public sealed class ListenException(int port, bool portInUse, string message, Exception inner) : Exception(message, inner)
{
    public int Port { get; } = port;
    public bool PortInUse { get; } = portInUse;
}

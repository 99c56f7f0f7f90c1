using System.Buffers;
using System.Globalization;
using System.Net.Sockets;
using System.Text;

namespace KmsGrants.Testing.Emulator;

/// <summary>One client connection of <see cref="HttpHost"/>: HTTP/1.1 requests one after another (keep-alive), each read
/// within <see cref="HttpLimits"/>, handed to the host, answered. Every wait on the client has a deadline, enforced by
/// the host's sweep (<see cref="Expire"/>); the host may also close the connection while it waits on its client, to make
/// room (<see cref="TryEvict"/>), and cuts it at Stop (<see cref="Cut"/>). Once cut, it writes nothing more.</summary>
sealed class HttpConnection
{
    /// <summary>What the connection waits for. Only <see cref="Handling"/> waits on the emulator, not the client.</summary>
    public enum Phase { Idle, Head, Body, Handling, Writing, Closing }

    const int InitialBuffer = 4096;
    /// <summary>The read buffer's bound: a head within HttpLimits, and a little more.</summary>
    const int HeadBufferLimit = HttpLimits.MaxHeadBytes + 64;
    static readonly long NoDeadline = long.MaxValue;

    readonly HttpHost _host;
    readonly Socket _socket;
    /// <summary>Received bytes not yet used, [_start, _end): a request head, and what came after it.</summary>
    byte[] _buffer = new byte[InitialBuffer];
    int _start, _end;
    /// <summary>Body bytes the current request declared and nobody read: the connection then closes after the answer.</summary>
    long _unreadBody;
    bool _closeAfterAnswer;
    // Guarded by lock (this): the host's sweep and Stop read them from other threads.
    Phase _phase;
    long _since, _deadline;
    bool _closed;

    public HttpConnection(HttpHost host, Socket socket)
    {
        _host = host;
        _socket = socket;
        _since = Environment.TickCount64;
        // The first request's head must all arrive within HeadTimeout of the connection's start.
        _deadline = _since + (long)HttpLimits.HeadTimeout.TotalMilliseconds;
    }

    /// <summary>What it waits for, and since when: the host makes room by closing the one that has waited longest.</summary>
    public (Phase Phase, long Since) State { get { lock (this) return (_closed ? Phase.Handling : _phase, _since); } }

    /// <summary>Serves requests until the client closes, a request is refused or asks to close, or the connection is cut.</summary>
    public async Task RunAsync()
    {
        // Whether it ends between requests or after its last answer (closed), rather than within a request (reset).
        var clean = false;
        try
        {
            for (var first = true; ; first = false)
            {
                var head = await ReadHeadAsync(first).ConfigureAwait(false);
                if (head != null) await _host.ServeAsync(this, head).ConfigureAwait(false);
                if (_closeAfterAnswer)
                {
                    await LingerAsync().ConfigureAwait(false);
                    clean = true;
                    break;
                }
                if (head == null)
                {
                    clean = true;
                    break;
                }
            }
        }
        catch (Exception)
        {
            // The client went away or broke off a request, a deadline, the host or Stop cut the connection, or a defect
            // of the host: whatever it was, it ends this connection and nothing else.
        }
        finally
        {
            Cut(reset: !clean);   // does nothing if it is already closed
            _host.Remove(this);
        }
    }

    /// <summary>The next request's head; null when the client closed the connection between requests, or when the head
    /// broke a bound or HTTP/1.1's rules: then it was refused (414, 431, 400, 505) and the connection closes.</summary>
    async Task<HttpRequestHead?> ReadHeadAsync(bool first)
    {
        if (_end == _start) _start = _end = 0;
        var scanner = new HeadScanner();
        // The first request's head has its deadline from the connection's start; a later one may wait idle up to
        // KeepAliveTimeout, then has HeadTimeout from its first byte.
        var timed = first;
        Enter(Phase.Idle, first ? null : HttpLimits.KeepAliveTimeout);
        while (true)
        {
            if (_end > _start)
            {
                Enter(Phase.Head, timed ? null : HttpLimits.HeadTimeout);
                timed = true;
                var length = scanner.Scan(_buffer.AsSpan(_start, _end - _start), out var refusal);
                HttpRequestHead? head = null;
                if (length > 0)
                {
                    head = HttpRequestHead.Parse(_buffer.AsSpan(_start, length), out refusal);
                    _start += length;
                }
                else if (length == 0 && _end - _start >= HeadBufferLimit)
                {
                    refusal = 431;   // not reached within the bounds the scanner checks; kept as the buffer's own bound
                }
                if (head != null) return head;
                if (refusal != 0)
                {
                    await RefuseAsync(refusal, null).ConfigureAwait(false);
                    return null;
                }
            }
            if (!await ReceiveAsync(HeadBufferLimit).ConfigureAwait(false))
            {
                // The client closed: between requests, the end of keep-alive; within a head, a request broken off (no
                // answer is owed to half a request).
                if (_end > _start) throw new IOException("The client closed the connection within a request head.");
                return null;
            }
        }
    }

    /// <summary>Reads more into the buffer, making room for up to <paramref name="limit"/> unused bytes; false at the end
    /// of the client's stream.</summary>
    async Task<bool> ReceiveAsync(int limit)
    {
        if (_end == _buffer.Length)
        {
            var used = _end - _start;
            if (used >= limit) throw new InvalidOperationException("The read buffer is full within its bound.");
            if (_start > 0 && used < _buffer.Length / 2)
            {
                Buffer.BlockCopy(_buffer, _start, _buffer, 0, used);
            }
            else
            {
                var larger = new byte[Math.Min(limit, _buffer.Length * 2)];
                Buffer.BlockCopy(_buffer, _start, larger, 0, used);
                _buffer = larger;
            }
            _start = 0;
            _end = used;
        }
        var read = await _socket.ReceiveAsync(_buffer.AsMemory(_end), SocketFlags.None).ConfigureAwait(false);
        _end += read;
        return read > 0;
    }

    /// <summary>The body the head declares (Content-Length), read as it arrives (memory for what came, not for what was
    /// declared) within <see cref="HttpLimits.BodyTimeout"/>; null when it is larger than
    /// <see cref="HttpLimits.MaxRequestBody"/> (unread). A body that ends short of its length throws IOException: no
    /// answer is owed to half a request.</summary>
    public async Task<byte[]?> ReadBodyAsync(HttpRequestHead head, long length)
    {
        if (length > HttpLimits.MaxRequestBody) return null;
        if (length > 0 && _end == _start && !head.Http10 && string.Equals(head.Header("expect"), "100-continue", StringComparison.OrdinalIgnoreCase))
        {
            // The client waits for this before it sends the body (curl does, for large ones).
            Enter(Phase.Writing, HttpLimits.WriteTimeout);
            await SendAsync("HTTP/1.1 100 Continue\r\n\r\n"u8.ToArray()).ConfigureAwait(false);
        }
        Enter(Phase.Body, HttpLimits.BodyTimeout);
        var buffered = _end - _start;
        var body = new byte[Math.Min(length, Math.Max(buffered, 16 * 1024))];
        var have = (int)Math.Min(length, buffered);
        Buffer.BlockCopy(_buffer, _start, body, 0, have);
        _start += have;
        while (have < length)
        {
            if (have == body.Length) Array.Resize(ref body, (int)Math.Min(length, body.Length * 2L));
            var read = await _socket.ReceiveAsync(body.AsMemory(have), SocketFlags.None).ConfigureAwait(false);
            if (read == 0) throw new IOException($"The request body ended after {have} of {length} bytes.");
            have += read;
        }
        _unreadBody = 0;
        Enter(Phase.Handling, null);
        return body;
    }

    /// <summary>The body the request declares: unless <see cref="ReadBodyAsync"/> reads it, the connection closes after
    /// the answer (rather than read a body nobody wants, or take it for the next request).</summary>
    public void DeclareBody(long length) => _unreadBody = length;

    /// <summary>Answers: the status line, Content-Type and Content-Length, the extra header if any, "Connection: close"
    /// when the connection closes after it (asked for, a body left unread, or <paramref name="close"/>), then the body —
    /// all of it, or with <paramref name="cutMidBody"/> half of it before the connection is closed (the client reads the
    /// start of an answer, then its end).</summary>
    public async Task AnswerAsync(HttpRequestHead? head, int status, string contentType, byte[] body, string? extraHeader = null, bool close = false, bool cutMidBody = false)
    {
        _closeAfterAnswer |= close || head == null || head.WantsClose || _unreadBody > 0;
        var text = new StringBuilder(160)
            .Append("HTTP/1.1 ").Append(status.ToString(CultureInfo.InvariantCulture)).Append(' ').Append(Reason(status)).Append("\r\n")
            .Append("Date: ").Append(DateTime.UtcNow.ToString("r", CultureInfo.InvariantCulture)).Append("\r\n")
            .Append("Content-Type: ").Append(contentType).Append("\r\n")
            .Append("Content-Length: ").Append(body.Length.ToString(CultureInfo.InvariantCulture)).Append("\r\n");
        if (extraHeader != null) text.Append(extraHeader).Append("\r\n");
        if (_closeAfterAnswer) text.Append("Connection: close\r\n");
        text.Append("\r\n");
        // An answer to HEAD declares its body and sends none (a body after it would be read as the next answer).
        var sent = head?.Method == "HEAD" ? 0 : cutMidBody ? Math.Max(1, body.Length / 2) : body.Length;
        var bytes = new byte[Encoding.ASCII.GetByteCount(text.ToString()) + sent];
        var headLength = Encoding.ASCII.GetBytes(text.ToString(), bytes);
        Buffer.BlockCopy(body, 0, bytes, headLength, sent);
        Enter(Phase.Writing, HttpLimits.WriteTimeout);
        await SendAsync(bytes).ConfigureAwait(false);
        if (cutMidBody)
        {
            Cut(reset: false);
            _closeAfterAnswer = true;
        }
    }

    /// <summary>Refuses a request the host will not serve (<paramref name="head"/>: its head, when it could be read): the
    /// status, a line of text saying why, and the connection closes after it.</summary>
    public Task RefuseAsync(int status, string? why, HttpRequestHead? head = null) =>
        AnswerAsync(head, status, "text/plain; charset=utf-8", Encoding.UTF8.GetBytes((why ?? Reason(status)) + "\n"), close: true);

    async Task SendAsync(byte[] bytes)
    {
        for (var sent = 0; sent < bytes.Length;)
            sent += await _socket.SendAsync(bytes.AsMemory(sent), SocketFlags.None).ConfigureAwait(false);
    }

    /// <summary>The way out after an answer with "Connection: close": the answer's end is sent (FIN), and what the client
    /// still sends is read and dropped, within <see cref="HttpLimits.LingerTimeout"/> and
    /// <see cref="HttpLimits.LingerBytes"/>, until it closes its side; closing with unread data would reset the
    /// connection, and a client still sending could lose the answer.</summary>
    async Task LingerAsync()
    {
        lock (this)
        {
            if (_closed) return;
            _socket.Shutdown(SocketShutdown.Send);
        }
        Enter(Phase.Closing, HttpLimits.LingerTimeout);
        var drop = ArrayPool<byte>.Shared.Rent(16 * 1024);
        try
        {
            for (var dropped = 0; dropped < HttpLimits.LingerBytes;)
            {
                var read = await _socket.ReceiveAsync(drop.AsMemory(), SocketFlags.None).ConfigureAwait(false);
                if (read == 0) return;
                dropped += read;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(drop);
        }
    }

    /// <summary>Begins a wait: for <paramref name="limit"/> from now, or, with null, within the deadline already set.
    /// Throws ObjectDisposedException once the connection is closed: nothing more is read or written.</summary>
    public void Enter(Phase phase, TimeSpan? limit)
    {
        lock (this)
        {
            ObjectDisposedException.ThrowIf(_closed, this);
            if (phase != _phase) _since = Environment.TickCount64;
            _phase = phase;
            if (phase == Phase.Handling) _deadline = NoDeadline;
            else if (limit is { } l) _deadline = Environment.TickCount64 + (long)l.TotalMilliseconds;
        }
    }

    /// <summary>The sweep: cuts the connection if its wait on the client is past its deadline.</summary>
    public void Expire(long now)
    {
        lock (this)
        {
            if (_closed || _phase == Phase.Handling || now < _deadline) return;
            Cut(reset: WithinRequest);
        }
    }

    /// <summary>Whether it is in the middle of a request (reading it, or writing its answer): cut with a reset then, so
    /// that the client cannot take what it got for a whole answer; between requests or after its last answer, it is
    /// closed as keep-alive ends (what was sent still arrives).</summary>
    bool WithinRequest => _phase is Phase.Head or Phase.Body or Phase.Writing;

    /// <summary>Closes the connection to make room if it waits on its client; false if it is answering a request or is
    /// already closed.</summary>
    public bool TryEvict()
    {
        lock (this)
        {
            if (_closed || _phase == Phase.Handling) return false;
            Cut(reset: WithinRequest);
            return true;
        }
    }

    /// <summary>Closes the connection at once, whatever it is doing: with a reset (RST), so that the client reads no
    /// more than it already has and the port keeps no TIME_WAIT, or after what was sent (FIN; the system still delivers
    /// it, unless the client sends more, which resets). Only the first call does anything.</summary>
    public void Cut(bool reset)
    {
        lock (this)
        {
            if (_closed) return;
            _closed = true;
            try
            {
                if (reset) _socket.LingerState = new LingerOption(true, 0);
                else _socket.Shutdown(SocketShutdown.Both);
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException) { }
            _socket.Dispose();
        }
        _host.Closed(this);
    }

    static string Reason(int status) => status switch
    {
        100 => "Continue",
        200 => "OK",
        400 => "Bad Request",
        404 => "Not Found",
        405 => "Method Not Allowed",
        413 => "Content Too Large",
        414 => "URI Too Long",
        417 => "Expectation Failed",
        421 => "Misdirected Request",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        503 => "Service Unavailable",
        505 => "HTTP Version Not Supported",
        _ => "Status",
    };
}

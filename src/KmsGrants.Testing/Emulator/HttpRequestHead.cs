using System.Text;

namespace KmsGrants.Testing.Emulator;

/// <summary>A request head (request line and header fields) as HTTP/1.1 frames it (RFC 9112), read by
/// <see cref="HttpConnection"/> within <see cref="HttpLimits"/>: <see cref="HeadScanner"/> finds its end as bytes
/// arrive, <see cref="Parse"/> reads it once it is whole.</summary>
sealed class HttpRequestHead
{
    readonly Dictionary<string, string> _headers;

    HttpRequestHead(string method, string target, bool http10, Dictionary<string, string> headers)
    {
        Method = method;
        Target = target;
        Http10 = http10;
        _headers = headers;
        var q = target.IndexOf('?');
        Path = q < 0 ? target : target[..q];
        Query = q < 0 ? "" : target[(q + 1)..];
    }

    public string Method { get; }
    /// <summary>The request target as sent (origin form: a path and an optional query).</summary>
    public string Target { get; }
    public string Path { get; }
    /// <summary>The query without '?' ("" for none).</summary>
    public string Query { get; }
    public bool Http10 { get; }

    /// <summary>A header's value by name (any case), repeated fields joined by ","; null when not sent.</summary>
    public string? Header(string name) => _headers.GetValueOrDefault(name);

    /// <summary>Whether the client asked for the connection to close after the answer (HTTP/1.0 does, unless it asks to
    /// keep it alive).</summary>
    public bool WantsClose
    {
        get
        {
            var connection = Header("connection");
            return connection == null ? Http10
                : Http10 ? !HasToken(connection, "keep-alive") : HasToken(connection, "close");
        }
    }

    static bool HasToken(string list, string token) =>
        list.Split(',').Any(t => t.Trim().Equals(token, StringComparison.OrdinalIgnoreCase));

    /// <summary>The head of <paramref name="head"/> (what <see cref="HeadScanner"/> found, its empty last line
    /// included), or the status to refuse it with: 400 for what HTTP/1.1 does not allow, 505 for another version.
    /// Refused: a request line that is not METHOD SP /target SP HTTP/1.x; a field name that is not a token, or with
    /// white space before its colon; a folded field (obsolete); a control character in a value; Host or
    /// Content-Length sent twice.</summary>
    public static HttpRequestHead? Parse(ReadOnlySpan<byte> head, out int refusal)
    {
        refusal = 400;
        // Empty lines before the request line are allowed (RFC 9112, 2.2).
        var lineEnd = head.IndexOf((byte)'\n');
        while (lineEnd is 0 or 1 && (lineEnd == 0 || head[0] == '\r'))
        {
            head = head[(lineEnd + 1)..];
            lineEnd = head.IndexOf((byte)'\n');
        }
        if (lineEnd < 0) return null;
        var requestLine = TrimCr(head[..lineEnd]);
        head = head[(lineEnd + 1)..];

        var firstSpace = requestLine.IndexOf((byte)' ');
        var lastSpace = requestLine.LastIndexOf((byte)' ');
        if (firstSpace <= 0 || lastSpace <= firstSpace + 1) return null;
        var method = requestLine[..firstSpace];
        var target = requestLine[(firstSpace + 1)..lastSpace];
        var version = requestLine[(lastSpace + 1)..];
        if (!IsToken(method) || target[0] != '/' || !IsVisible(target)) return null;
        bool http10;
        if (version.SequenceEqual("HTTP/1.1"u8)) http10 = false;
        else if (version.SequenceEqual("HTTP/1.0"u8)) http10 = true;
        else
        {
            if (version.Length == 8 && version.StartsWith("HTTP/"u8) && char.IsAsciiDigit((char)version[5]) && version[6] == '.' && char.IsAsciiDigit((char)version[7]))
                refusal = 505;
            return null;
        }

        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        while ((lineEnd = head.IndexOf((byte)'\n')) >= 0)
        {
            var line = TrimCr(head[..lineEnd]);
            head = head[(lineEnd + 1)..];
            if (line.IsEmpty) break;
            var colon = line.IndexOf((byte)':');
            if (colon <= 0 || !IsToken(line[..colon])) return null;   // also a folded line, which starts with white space
            var value = line[(colon + 1)..].Trim(" \t"u8);
            foreach (var b in value)
                if (b is < 0x20 and not (byte)'\t' or 0x7f) return null;
            var name = Encoding.ASCII.GetString(line[..colon]);
            // Header values are bytes; Latin-1 keeps each as one char, so that a signature is checked over what was sent.
            var text = Encoding.Latin1.GetString(value);
            if (headers.TryGetValue(name, out var earlier))
            {
                if (name.Equals("host", StringComparison.OrdinalIgnoreCase) || name.Equals("content-length", StringComparison.OrdinalIgnoreCase)) return null;
                text = earlier + "," + text;
            }
            headers[name] = text;
        }
        return new HttpRequestHead(Encoding.ASCII.GetString(method), Encoding.ASCII.GetString(target), http10, headers);
    }

    static ReadOnlySpan<byte> TrimCr(ReadOnlySpan<byte> line) => line.Length > 0 && line[^1] == '\r' ? line[..^1] : line;

    /// <summary>RFC 9110's token: a method, a field name.</summary>
    static bool IsToken(ReadOnlySpan<byte> s)
    {
        if (s.IsEmpty) return false;
        foreach (var b in s)
            if (!(char.IsAsciiLetterOrDigit((char)b) || "!#$%&'*+-.^_`|~"u8.Contains(b))) return false;
        return true;
    }

    static bool IsVisible(ReadOnlySpan<byte> s)
    {
        foreach (var b in s)
            if (b is <= 0x20 or >= 0x7f) return false;
        return true;
    }
}

/// <summary>Finds where a request head ends in bytes as they arrive, checking <see cref="HttpLimits"/> on the way, each
/// byte looked at once: a client that trickles its head costs no more than one that sends it at once.</summary>
struct HeadScanner
{
    int _scanned, _lineStart, _lines, _headerBytes;

    /// <summary>Scans <paramref name="received"/> (everything received of this request so far, from its first byte).
    /// Returns the head's length once its empty last line has arrived, 0 while it has not, or -1 with the status owed
    /// (414 for a long request line, 431 for too many or too long header fields).</summary>
    public int Scan(ReadOnlySpan<byte> received, out int refusal)
    {
        refusal = 0;
        while (_scanned < received.Length)
        {
            var at = received[_scanned..].IndexOf((byte)'\n');
            if (at < 0)
            {
                _scanned = received.Length;
                break;
            }
            var lineEnd = _scanned + at;
            var length = lineEnd - _lineStart;
            if (length > 0 && received[lineEnd - 1] == '\r') length--;
            _scanned = lineEnd + 1;
            if (_lines == 0)
            {
                // The request line, counted from the first byte: empty lines before it count against it too.
                if (_lineStart + length > HttpLimits.MaxRequestLine) { refusal = 414; return -1; }
                if (length > 0) _lines = 1;
            }
            else if (length == 0)
            {
                return _scanned;
            }
            else
            {
                _headerBytes += length;
                _lines++;
                if (_headerBytes > HttpLimits.MaxHeaderBytes || _lines - 1 > HttpLimits.MaxHeaderCount) { refusal = 431; return -1; }
            }
            _lineStart = _scanned;
        }
        // A line still arriving already past its bound is refused now, without waiting for its end (its last byte may
        // be the CR of its CR LF: one byte of slack).
        var partial = received.Length - _lineStart;
        if (_lines == 0 && received.Length > HttpLimits.MaxRequestLine + 1) { refusal = 414; return -1; }
        if (_lines > 0 && _headerBytes + partial > HttpLimits.MaxHeaderBytes + 1) { refusal = 431; return -1; }
        return 0;
    }
}

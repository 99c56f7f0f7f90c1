using System.ComponentModel;

namespace KmsGrants.Testing.Emulator;

/// <summary>Every bound the HTTP host puts on a client, in one place. Fixed, not options: the clients this emulator is
/// for (the AWS SDKs, the AWS CLI, PowerShell's web cmdlets, curl) send heads of about 1 KiB and bodies of a few KiB at
/// once over loopback, far inside each bound, so none needs tuning; the bounds are there so that a client that does
/// otherwise (a fuzzer, a stuck or hostile test) costs the emulator a bounded amount of memory, time and descriptors,
/// and never the process it runs in. The [Description]s are about_KmsGrants.Testing_Http's generated table of them.</summary>
static class HttpLimits
{
    /// <summary>The request line ("POST /path?query HTTP/1.1"), with any empty lines before it: 414 beyond.</summary>
    [Description("The request line, with any empty lines before it: 414 beyond.")]
    public const int MaxRequestLine = 8 * 1024;
    /// <summary>The header fields, all of them, without their line ends: 431 beyond.</summary>
    [Description("The header fields, all of them: 431 beyond.")]
    public const int MaxHeaderBytes = 32 * 1024;
    /// <summary>How many header fields: 431 beyond (an AWS SDK sends about 12).</summary>
    [Description("How many header fields: 431 beyond.")]
    public const int MaxHeaderCount = 100;
    /// <summary>The most a request head within those bounds takes: the line, the fields and their line ends.</summary>
    public const int MaxHeadBytes = MaxRequestLine + MaxHeaderBytes + 2 * MaxHeaderCount + 4;
    /// <summary>A request body (KMS's largest request is a few KiB): 413 beyond, unread.</summary>
    [Description("A request body: 413 beyond, unread.")]
    public const int MaxRequestBody = 1 << 20;

    /// <summary>How long a request head may take, all of it, from its first byte (or from the connection's start, for
    /// its first request): a client that sends half a head, or trickles it, is cut then (slowloris).</summary>
    [Description("The whole request head, from its first byte (from the connection's start, for its first request): the connection is cut after it.")]
    public static readonly TimeSpan HeadTimeout = TimeSpan.FromSeconds(10);
    /// <summary>How long a request body may take to arrive, all of it, from the end of its head: a client stalled
    /// mid-body is cut then.</summary>
    [Description("The whole request body, from the end of its head: the connection is cut after it.")]
    public static readonly TimeSpan BodyTimeout = TimeSpan.FromSeconds(10);
    /// <summary>How long an answer may wait for the client to take it: one that reads nothing is cut then.</summary>
    [Description("An answer the client does not take: the connection is cut after it.")]
    public static readonly TimeSpan WriteTimeout = TimeSpan.FromSeconds(10);
    /// <summary>How long a connection may stay idle between requests (keep-alive) before it is closed. Longer than the
    /// clients' own pool time-outs (.NET's 60 s, Go's 90 s), so that it is the client that closes, not the emulator
    /// under a request the client is just sending.</summary>
    [Description("Idle between requests (keep-alive): the connection is closed after it.")]
    public static readonly TimeSpan KeepAliveTimeout = TimeSpan.FromSeconds(120);
    /// <summary>After an answer with "Connection: close", how long the rest of what the client sends is read and dropped
    /// (at most <see cref="LingerBytes"/>) before the connection closes: closing with unread data would reset the
    /// connection, and a client still sending could lose the answer.</summary>
    public static readonly TimeSpan LingerTimeout = TimeSpan.FromSeconds(2);
    public const int LingerBytes = 1 << 20;

    /// <summary>Open connections. Beyond it, the connection that has waited longest on its client is closed to make
    /// room (idle keep-alive ones first, then ones still sending a request or not taking their answer); if every one
    /// holds a request being answered, the new one is refused. Far above what a test opens (KmsGrants keeps at most 512
    /// requests in flight per Region by default, boto3 10 connections per client), well below the descriptors a process
    /// may have (.NET raises its limit to the system's hard one: 20,000 on the machine this was built on, often more),
    /// which the code under test in the same process needs too.</summary>
    [Description("Open connections: past them, the one that has waited longest on its client is closed to make room, idle ones first; if every one holds a request being answered, the new one is refused.")]
    public const int MaxConnections = 2048;
}

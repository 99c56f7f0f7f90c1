using System.Collections;
using System.Net;
using System.Net.Sockets;
using System.Reflection;

namespace KmsGrants.Testing.Emulator;

/// <summary>Cutting HttpListener connections without answering them, which its managed implementation (Linux, macOS)
/// has no public way to do: its Abort() and Close() first write a response, "200 OK" with an empty body to a request
/// nobody answered (seen here: stalled, half-sent and idle keep-alive connections all got one at Stop), and for a
/// request whose body has not all arrived they wait a second for it, one connection after another. So the sockets are
/// reached through its internals (unchanged since its Mono days; Testing.Tests checks <see cref="Available"/>) and
/// closed directly. On Windows (http.sys) Abort() cuts, and none of this is used.</summary>
static class ListenerInternals
{
    const BindingFlags Instance = BindingFlags.NonPublic | BindingFlags.Instance;
    static readonly Assembly Listener = typeof(HttpListener).Assembly;
    static readonly PropertyInfo? ContextConnection = typeof(HttpListenerContext).GetProperty("Connection", Instance);
    static readonly FieldInfo? ConnectionSocket = ContextConnection?.PropertyType.GetField("_socket", Instance);
    static readonly FieldInfo? ListenerContexts = typeof(HttpListener).GetField("_listenerContexts", Instance);
    static readonly FieldInfo? ContextQueue = typeof(HttpListener).GetField("_contextQueue", Instance);
    static readonly FieldInfo? ListenerConnections = typeof(HttpListener).GetField("_connections", Instance);
    static readonly FieldInfo? EndPoints = Listener.GetType("System.Net.HttpEndPointManager")?.GetField("s_ipEndPoints", BindingFlags.NonPublic | BindingFlags.Static);
    static readonly Type? EndPointListener = Listener.GetType("System.Net.HttpEndPointListener");
    static readonly FieldInfo? ListeningSocket = EndPointListener?.GetField("_socket", Instance);
    static readonly FieldInfo? Unregistered = EndPointListener?.GetField("_unregisteredConnections", Instance);

    static bool Managed => !OperatingSystem.IsWindows();

    /// <summary>Whether every internal used here was found: false on a .NET that changed them (Stop would then be slow
    /// again and clients could read "200 OK" from a stopping emulator), which a test reports by name.</summary>
    public static bool Available => ContextConnection != null && ConnectionSocket != null && ListenerContexts != null && ContextQueue != null
        && ListenerConnections != null && EndPoints != null && ListeningSocket != null && Unregistered != null;

    /// <summary>Cuts one request's connection: with a reset (RST) before any answer, or after what was written (a FIN:
    /// the client reads the half answer it was sent, then the end).</summary>
    public static void Cut(HttpListenerContext context, bool reset)
    {
        if (Managed && SocketOf(ContextConnection?.GetValue(context)) is { } socket) Close(socket, reset);
        // Releases the context (on the managed side, writing to the closed socket fails, as it should).
        try { context.Response.Abort(); } catch (Exception) { }
    }

    /// <summary>Resets every connection of the listener on <paramref name="port"/>: requests being answered or queued,
    /// idle keep-alive connections and ones still sending their request line. The listening sockets close first, so that
    /// none slips in meanwhile. What HttpListener.Close() does after this finds only closed sockets: it writes nothing
    /// and waits for nothing.</summary>
    public static void CutAll(HttpListener listener, int port, IEnumerable<HttpListenerContext> known)
    {
        if (!Managed) return;
        var endPoints = EndPointListenersOn(port);
        foreach (var epl in endPoints)
            if (ListeningSocket?.GetValue(epl) is Socket listening) Close(listening, reset: false);

        var connections = new List<object?>();
        connections.AddRange(known.Select(c => ContextConnection?.GetValue(c)));
        connections.AddRange(Members(ListenerContexts?.GetValue(listener)).Select(c => ContextConnection?.GetValue(c!)));
        connections.AddRange(Members(ContextQueue?.GetValue(listener)).Select(c => ContextConnection?.GetValue(c!)));
        connections.AddRange(Members(ListenerConnections?.GetValue(listener)));
        foreach (var epl in endPoints) connections.AddRange(Members(Unregistered?.GetValue(epl)));
        foreach (var socket in connections.Select(SocketOf).OfType<Socket>().Distinct()) Close(socket, reset: true);
    }

    static List<object> EndPointListenersOn(int port)
    {
        var found = new List<object>();
        if (EndPoints?.GetValue(null) is not IDictionary byAddress) return found;
        lock (byAddress)
        {
            foreach (var byPort in byAddress.Values.OfType<IDictionary>())
                if (byPort.Contains(port) && byPort[port] is { } epl) found.Add(epl);
        }
        return found;
    }

    /// <summary>A snapshot of a collection's members (a dictionary's keys), taken under the lock its owner takes: the
    /// collection itself (which is also what a Dictionary's or List's SyncRoot is). Their types vary with the .NET
    /// version (the connections not yet bound to a listener: a Dictionary in older sources, a HashSet in .NET 10).</summary>
    static List<object?> Members(object? collection)
    {
        if (collection is not IEnumerable items) return [];
        lock (collection) return collection is IDictionary d ? d.Keys.Cast<object?>().ToList() : items.Cast<object?>().ToList();
    }

    static Socket? SocketOf(object? connection) => connection == null ? null : ConnectionSocket?.GetValue(connection) as Socket;

    static void Close(Socket socket, bool reset)
    {
        try
        {
            if (reset) socket.LingerState = new LingerOption(true, 0);
            else if (socket.Connected) socket.Shutdown(SocketShutdown.Both);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException) { }
        socket.Close();
    }
}

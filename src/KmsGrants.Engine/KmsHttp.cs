using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Net;
using System.Net.Http;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using Amazon.Runtime;

namespace KmsGrants.Engine
{
    /// <summary>An answer that did not come from KMS (a web page, a login portal, another service on that port), or one
    /// larger than any KMS answer can be. Thrown by <see cref="KmsHttpClientFactory"/>'s handler, so that the SDK never
    /// reads it as a success. Not an IOException: the SDK retries those, and a wrong endpoint answers the same every time.</summary>
    public sealed class KmsAnswerException : Exception
    {
        public KmsAnswerException(string message, int httpStatus, string? requestId, bool tooLarge) : base(message)
        {
            HttpStatus = httpStatus;
            RequestId = requestId;
            TooLarge = tooLarge;
        }

        public int HttpStatus { get; }
        public string? RequestId { get; }
        public bool TooLarge { get; }
    }

    /// <summary>Counts how often one request reached the wire. .NET's HTTP stack silently re-sends a request when a
    /// reused connection dies before any response byte arrives; if the server had already applied the first copy, the
    /// visible answer is NotFound for a grant this very call retired. And a request that never reached the wire (a
    /// refused connection) was certainly not applied. RetireRunner reads both from here.</summary>
    internal sealed class SendCounter
    {
        static readonly AsyncLocal<SendCounter?> CurrentCounter = new AsyncLocal<SendCounter?>();
        int _sends;

        public int Sends => Volatile.Read(ref _sends);

        /// <summary>Starts counting the sends of the next request made in this async flow.</summary>
        public static SendCounter Begin()
        {
            var counter = new SendCounter();
            CurrentCounter.Value = counter;
            return counter;
        }

        internal static SendCounter? Current => CurrentCounter.Value;
        internal void CountSend() => Interlocked.Increment(ref _sends);
    }

    /// <summary>The HttpClient of every KMS client: the platform handler (honouring the config's proxy), with each request
    /// body wrapped so that its transmissions are counted (<see cref="SendCounter"/>), and each answer read in full inside
    /// the handler — so the per-attempt time-out covers a body that trickles in — and checked: larger than any KMS answer
    /// can be, or not shaped like one (a JSON object, or nothing), and it is refused.</summary>
    internal sealed class KmsHttpClientFactory : HttpClientFactory
    {
        /// <summary>The largest answer accepted. The biggest KMS answer this module asks for is a ListGrants page of at
        /// most 100 entries (the model allows 1,000); with every field at its model limit an entry is under 24 KiB, so a
        /// 1,000-entry page stays under 24 MiB. See docs/kms.md.</summary>
        public const int MaxAnswerBytes = 24 * 1024 * 1024;

        readonly string _name;

        public KmsHttpClientFactory(string name) => _name = name;

        public override HttpClient CreateHttpClient(IClientConfig clientConfig)
        {
            // No redirects: KMS never sends one, and following it would re-send the session token header elsewhere.
            var handler = new HttpClientHandler { AllowAutoRedirect = false };
            var proxy = clientConfig.GetWebProxy();
            if (proxy != null)
            {
                handler.Proxy = proxy;
                handler.UseProxy = true;
            }
            if (clientConfig.MaxConnectionsPerServer is int max) handler.MaxConnectionsPerServer = max;
            return new HttpClient(new KmsAnswerHandler(handler)) { Timeout = clientConfig.Timeout ?? TimeSpan.FromSeconds(100) };
        }

        public override bool UseSDKHttpClientCaching(IClientConfig clientConfig) => true;
        public override bool DisposeHttpClientsAfterUse(IClientConfig clientConfig) => false;
        /// <summary>The SDK shares one cached HttpClient among all clients whose configs give the same string, for the
        /// life of the process, so the string must name everything CreateHttpClient reads. The proxy comes from
        /// SetWebProxy ($AWSProxy), which leaves ProxyHost/ProxyPort empty: it is described here, or a command with
        /// $AWSProxy would reuse a direct client created earlier (and one without, a proxied client).</summary>
        public override string GetConfigUniqueString(IClientConfig clientConfig) =>
            $"KmsGrants.{_name}|{clientConfig.Timeout}|{clientConfig.MaxConnectionsPerServer}|{ProxyKey(clientConfig.GetWebProxy())}";

        static string ProxyKey(IWebProxy? proxy)
        {
            if (proxy == null) return "direct";
            if (proxy is not WebProxy web) return $"{proxy.GetType().FullName}#{RuntimeHelpers.GetHashCode(proxy)}";
            var credentials = web.Credentials switch
            {
                null => "",
                // Never the password itself, even in a cache key: a digest tells different passwords apart.
                NetworkCredential n => $"{n.Domain}\\{n.UserName}#{Digest(n.Password)}",
                var other => $"{other.GetType().FullName}#{RuntimeHelpers.GetHashCode(other)}",
            };
            return $"{web.Address}|{web.BypassProxyOnLocal}|{string.Join(",", web.BypassList)}|{credentials}";
        }

        static string Digest(string? text)
        {
            using var sha = SHA256.Create();
            return Convert.ToBase64String(sha.ComputeHash(Encoding.UTF8.GetBytes(text ?? "")));
        }

        sealed class KmsAnswerHandler : DelegatingHandler
        {
            public KmsAnswerHandler(HttpMessageHandler inner) : base(inner) { }

            protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
            {
                var counter = SendCounter.Current;
                if (counter != null && request.Content != null)
                    request.Content = new CountingContent(request.Content, counter);
                var response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
                try
                {
                    await CheckAsync(request, response, cancellationToken).ConfigureAwait(false);
                    return response;
                }
                catch
                {
                    response.Dispose();
                    throw;
                }
            }

            static async Task CheckAsync(HttpRequestMessage request, HttpResponseMessage response, CancellationToken cancellationToken)
            {
                var status = (int)response.StatusCode;
                var requestIds = response.Headers.TryGetValues("x-amzn-RequestId", out var ids) ? ids.ToList() : new List<string>();
                var requestId = requestIds.Count == 1 && !string.IsNullOrWhiteSpace(requestIds[0]) ? requestIds[0] : null;
                var content = response.Content;
                if (content?.Headers.ContentLength is long declared && declared > MaxAnswerBytes)
                    throw new KmsAnswerException(
                        $"The endpoint answered with {declared:N0} bytes; no KMS answer is larger than {MaxAnswerBytes:N0}, so it was not read.",
                        status, requestId, tooLarge: true);

                var body = content == null ? Array.Empty<byte>() : await ReadLimitedAsync(content, status, requestId, cancellationToken).ConfigureAwait(false);
                if (content != null)
                {
                    var buffered = new ByteArrayContent(body);
                    foreach (var header in content.Headers) buffered.Headers.TryAddWithoutValidation(header.Key, header.Value);
                    response.Content = buffered;
                }
                // A 5xx that is not KMS's (a proxy's or load balancer's error page) is a fault like any other: retried.
                if (status >= 500) return;
                var problem = Problem(request, response, status, requestIds.Count, requestId, body);
                if (problem == null) return;
                var type = content?.Headers.ContentType?.MediaType ?? "no content type";
                throw new KmsAnswerException(
                    $"The endpoint answered HTTP {status} ({type}, {body.Length:N0} bytes) {problem}: " +
                    "it may be a web page, a login portal, a redirect or another service. Whether the request reached KMS is unknown.",
                    status, requestId, tooLarge: false);
            }

            /// <summary>Why an answer is not KMS's, or null. What passes as a success is held to more than an error is: a
            /// false success is what does harm; but an error must still be KMS's to be reported as KMS's refusal.</summary>
            static string? Problem(HttpRequestMessage request, HttpResponseMessage response, int status, int requestIdCount, string? requestId, byte[] body)
            {
                // Redirects are not followed (the handler would re-send the session token to wherever they point).
                if (status < 200 || status >= 300 && status < 400) return "with a redirect or an interim status, which KMS never gives";
                JsonDocument? document = null;
                try
                {
                    if (!IsBlank(body))
                    {
                        try { document = JsonDocument.Parse(body); }
                        catch (JsonException) { return "that is not JSON"; }
                        if (document.RootElement.ValueKind != JsonValueKind.Object) return "that is not a KMS answer (a JSON object)";
                    }
                    var root = document?.RootElement;
                    if (status < 300)
                    {
                        if (requestId == null)
                            return requestIdCount > 1 ? "with several request IDs" : "without the request ID every AWS answer carries";
                        if (root is JsonElement typed && typed.TryGetProperty("__type", out _)) return "that names an error type, as only KMS's errors do";
                        var operation = Operation(request);
                        if (operation is "ListGrants" or "ListRetirableGrants" &&
                            !(root is JsonElement listing && (listing.TryGetProperty("Grants", out _) || listing.TryGetProperty("Truncated", out _))))
                            return "without the Grants or Truncated a KMS listing always has";
                        return root is JsonElement answer && KmsAnswerShapes.For(operation).Mismatch(answer) is string mismatch
                            ? $"that does not fit KMS's model ({mismatch})" : null;
                    }
                    var errorType = response.Headers.TryGetValues("x-amzn-ErrorType", out var types) ? types.FirstOrDefault() : null;
                    if (root is JsonElement error)
                    {
                        if (KmsAnswerShapes.Error.Mismatch(error) is string mismatch) return $"that does not fit KMS's model ({mismatch})";
                        if (error.TryGetProperty("__type", out var t) && t.ValueKind == JsonValueKind.String) errorType ??= t.GetString();
                    }
                    return string.IsNullOrWhiteSpace(errorType) ? "without the error type every KMS error carries" : null;
                }
                finally
                {
                    document?.Dispose();
                }
            }

            /// <summary>"ListGrants" from the target header "TrentService.ListGrants".</summary>
            static string? Operation(HttpRequestMessage request)
            {
                var target = request.Headers.TryGetValues("X-Amz-Target", out var targets) ? targets.FirstOrDefault() : null;
                var dot = target?.LastIndexOf('.') ?? -1;
                return dot < 0 ? null : target!.Substring(dot + 1);
            }

            static bool IsBlank(byte[] body) => body.All(b => b is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n');

            static async Task<byte[]> ReadLimitedAsync(HttpContent content, int status, string? requestId, CancellationToken cancellationToken)
            {
                using var stream = await content.ReadAsStreamAsync().ConfigureAwait(false);
                using var buffer = new MemoryStream();
                var chunk = new byte[16 * 1024];
                while (true)
                {
                    var read = await stream.ReadAsync(chunk, 0, chunk.Length, cancellationToken).ConfigureAwait(false);
                    if (read == 0) return buffer.ToArray();
                    if (buffer.Length + read > MaxAnswerBytes)
                        throw new KmsAnswerException($"The endpoint's answer exceeded {MaxAnswerBytes:N0} bytes, more than any KMS answer; it was not read further.",
                            status, requestId, tooLarge: true);
                    buffer.Write(chunk, 0, read);
                }
            }
        }

        sealed class CountingContent : HttpContent
        {
            readonly HttpContent _inner;
            readonly SendCounter _counter;

            public CountingContent(HttpContent inner, SendCounter counter)
            {
                _inner = inner;
                _counter = counter;
                foreach (var header in inner.Headers) Headers.TryAddWithoutValidation(header.Key, header.Value);
            }

            protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
            {
                _counter.CountSend();
                await _inner.CopyToAsync(stream).ConfigureAwait(false);
            }

            protected override bool TryComputeLength(out long length)
            {
                length = _inner.Headers.ContentLength ?? -1;
                return length >= 0;
            }

            protected override void Dispose(bool disposing)
            {
                if (disposing) _inner.Dispose();
                base.Dispose(disposing);
            }
        }
    }
}

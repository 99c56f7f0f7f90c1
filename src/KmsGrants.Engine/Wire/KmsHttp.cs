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
    /// visible answer is NotFound for a grant this very call deleted. And a request that never reached the wire (a
    /// refused connection) was certainly not applied. The run's lanes read both from here.</summary>
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
    /// the handler — so the per-attempt time-out covers a body that trickles in — then refused if it is larger than any
    /// KMS answer can be, or is not KMS's (<see cref="KmsAnswerCheck"/>).</summary>
    internal sealed class KmsHttpClientFactory : HttpClientFactory
    {
        /// <summary>The largest answer accepted: a ListGrants page of the model's 1,000 entries, each at every field's
        /// model limit, stays under it (docs/design/kms.md, "Answers and their size").</summary>
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
                var requestId = KmsAnswerCheck.RequestId(requestIds);
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
                var errorType = response.Headers.TryGetValues("x-amzn-ErrorType", out var types) ? types.FirstOrDefault() : null;
                if (KmsAnswerCheck.Problem(Operation(request), status, requestIds, errorType, body) is string problem)
                    throw KmsAnswerCheck.NotKms(status, content?.Headers.ContentType?.MediaType, body.Length, problem, requestId);
            }

            /// <summary>"ListGrants" from the target header "TrentService.ListGrants".</summary>
            static string? Operation(HttpRequestMessage request)
            {
                var target = request.Headers.TryGetValues("X-Amz-Target", out var targets) ? targets.FirstOrDefault() : null;
                var dot = target?.LastIndexOf('.') ?? -1;
                return dot < 0 ? null : target!.Substring(dot + 1);
            }

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

using System;
using System.IO;
using System.Net;
using System.Net.Http;
using System.Threading;
using System.Threading.Tasks;
using Amazon.Runtime;

namespace KmsGrants.Engine
{
    /// <summary>Counts how often one RetireGrant request reached the wire. .NET's HTTP stack silently re-sends a
    /// request when a reused connection dies before any response byte arrives; if the server had already applied the
    /// first copy, the visible answer is NotFound for a grant this very call retired. Knowing the request went out
    /// more than once lets RetireRunner report that grant as retired, not as a failure.</summary>
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

    /// <summary>The HttpClient of the RetireGrant client: the platform handler, with request bodies wrapped so that
    /// every transmission is counted for the request's <see cref="SendCounter"/>.</summary>
    internal sealed class CountingHttpClientFactory : HttpClientFactory
    {
        public override HttpClient CreateHttpClient(IClientConfig clientConfig)
        {
            var handler = new HttpClientHandler();
            var proxy = clientConfig.GetWebProxy();
            if (proxy != null)
            {
                handler.Proxy = proxy;
                handler.UseProxy = true;
            }
            if (clientConfig.MaxConnectionsPerServer is int max) handler.MaxConnectionsPerServer = max;
            return new HttpClient(new CountingHandler(handler)) { Timeout = clientConfig.Timeout ?? TimeSpan.FromSeconds(100) };
        }

        public override bool UseSDKHttpClientCaching(IClientConfig clientConfig) => true;
        public override bool DisposeHttpClientsAfterUse(IClientConfig clientConfig) => false;
        public override string GetConfigUniqueString(IClientConfig clientConfig) => "KmsGrants.CountingHttpClientFactory";

        sealed class CountingHandler : DelegatingHandler
        {
            public CountingHandler(HttpMessageHandler inner) : base(inner) { }

            protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
            {
                var counter = SendCounter.Current;
                if (counter != null && request.Content != null)
                    request.Content = new CountingContent(request.Content, counter);
                return base.SendAsync(request, cancellationToken);
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

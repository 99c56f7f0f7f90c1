using System;
using System.Collections;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
using System.Net;
using System.Reflection;
using System.Runtime.ExceptionServices;
using System.Threading;
using System.Threading.Tasks;
using Amazon;
using Amazon.KeyManagementService;
using Amazon.KeyManagementService.Model;
using Amazon.Runtime;

namespace KmsGrants.Engine
{
    /// <summary>The KMS clients of one Region: one for listing and lookups (the SDK's own retry mode) and one for the
    /// run's RetireGrant and RevokeGrant (SDK retries off: the run owns pacing, retries and the meaning of a NotFound
    /// after a lost response).</summary>
    public sealed class RegionClients
    {
        internal RegionClients(IAmazonKeyManagementService list, IAmazonKeyManagementService run, Func<string, string> redactSecrets)
        {
            List = list;
            Run = run;
            RedactSecrets = redactSecrets;
        }

        internal IAmazonKeyManagementService List { get; }
        internal IAmazonKeyManagementService Run { get; }
        /// <summary>The session's <see cref="KmsSession.RedactSecrets"/>, for text its answers carry.</summary>
        internal Func<string, string> RedactSecrets { get; }
    }

    /// <summary>A resolved identity, default Region and endpoint for one command invocation, and the KMS clients of every
    /// Region it touches, created on first use and sharing the credentials (obtained once). Which Region each grant or key
    /// goes to is <see cref="Routing"/>'s.</summary>
    public sealed class KmsSession : IDisposable
    {
        /// <summary>Fewest attempts a grant gets against faults; AWS_MAX_ATTEMPTS or a profile's max_attempts above this
        /// raise it. Bulk runs meet faults often enough that the SDK's default 3 leaves failures behind.</summary>
        public const int MinimumRetireAttempts = 6;

        /// <summary>How long one attempt may take. KMS answers in tens of milliseconds; five seconds is ample for a
        /// loaded client or network, and keeps an endpoint that accepts connections but never answers (or trickles
        /// bytes) from holding a grant for minutes (the SDK's default is 100 s).</summary>
        public static readonly TimeSpan AttemptTimeout = TimeSpan.FromSeconds(5);

        readonly CredentialResolver.Resolved _credentials;
        readonly IWebProxy? _proxy;
        readonly int _retryModeAttempts;
        readonly ConcurrentDictionary<string, Lazy<RegionClients>> _clients = new ConcurrentDictionary<string, Lazy<RegionClients>>(StringComparer.Ordinal);
        readonly ConcurrentDictionary<string, string> _resolvedAliases = new ConcurrentDictionary<string, string>(StringComparer.Ordinal);
        readonly ConcurrentDictionary<string, ExceptionDispatchInfo> _unresolvedAliases = new ConcurrentDictionary<string, ExceptionDispatchInfo>(StringComparer.Ordinal);

        KmsSession(CredentialResolver.Resolved credentials, string? region, string regionSource, Uri? endpoint, string endpointSource, IWebProxy? proxy, List<string> warnings)
        {
            _credentials = credentials;
            Routing = new RegionRouting(region);
            RegionSource = regionSource;
            Endpoint = endpoint;
            EndpointSource = endpointSource;
            _proxy = proxy;
            Warnings = warnings;
            _retryModeAttempts = NewConfig(region).MaxErrorRetry + 1;
        }

        public RegionRouting Routing { get; }
        /// <summary>The command's Region (-Region or the resolved default); null when none is set anywhere.</summary>
        public string? DefaultRegion => Routing.DefaultRegion;
        public string RegionSource { get; }
        public string CredentialSource => _credentials.Source;
        /// <summary>The credentials carry a session token (temporary credentials).</summary>
        public bool HasSessionToken => _credentials.HasSessionToken;
        /// <summary>The custom endpoint, without any user info; null for the Regions' public endpoints.</summary>
        public Uri? Endpoint { get; }
        /// <summary>Where <see cref="Endpoint"/> came from (-EndpointUrl, AWS_ENDPOINT_URL_KMS, a profile's endpoint_url).</summary>
        public string EndpointSource { get; }
        /// <summary>The endpoint as people should see it.</summary>
        public string EndpointDisplay => Endpoint?.ToString() ?? (DefaultRegion == null ? "KMS in each key ARN's Region" : $"KMS in {DefaultRegion}");
        /// <summary>Things the user should hear about once (plain http to another machine, user info ignored).</summary>
        public IReadOnlyList<string> Warnings { get; }
        public int AttemptsAgainstFaults => Math.Max(MinimumRetireAttempts, _retryModeAttempts);
        /// <summary>Who is asking, for caches of what one identity may see: the access key ID, which is not a secret.</summary>
        internal string AccessKeyId => _credentials.Credentials.GetCredentials().AccessKey;

        public static KmsSession Open(ConnectionOptions options)
        {
            RegionCatalog.Initialize();
            // -EndpointUrl is checked before anything is read; an endpoint configured elsewhere, once the profile is known.
            var endpoint = ValidateEndpoint(options.EndpointUrl, "-EndpointUrl", out var warnings);
            var credentials = CredentialResolver.ResolveCredentials(options);
            var (region, regionSource) = RegionResolver.Resolve(options, credentials.ProfileName);
            var (url, endpointSource) = EndpointResolver.Resolve(options, credentials.ProfileName);
            if (endpoint == null) endpoint = ValidateEndpoint(url, endpointSource, out warnings);
            if (endpoint is { Scheme: "http" } && !endpoint.IsLoopback)
                warnings.Add($"The endpoint {endpoint} (from {endpointSource}) is plain http to another machine. Requests are signed, so the secret key never crosses " +
                    "the network, but what they carry (grant tokens and IDs" + (credentials.HasSessionToken ? ", and the session token" : "") +
                    ") crosses it in clear. Use https.");
            return new KmsSession(credentials, region, regionSource, endpoint, endpointSource, ProxyFrom(options.SessionProxy), warnings);
        }

        public RegionClients ClientsFor(string region) =>
            _clients.GetOrAdd(region, r => new Lazy<RegionClients>(() => CreateClients(r), LazyThreadSafetyMode.ExecutionAndPublication)).Value;

        /// <summary>The key ARN an alias (alias/NAME or an alias ARN) points to, asked of KMS with DescribeKey once per
        /// alias for this session; a key ID or key ARN is returned as it is. An unknown alias is KMS's NotFound. A failure
        /// is remembered too and thrown again: many grant IDs of a mistyped alias ask KMS once, not once per grant.</summary>
        /// <param name="region">Where an alias name is looked up (<see cref="RegionRouting.RegionOfKey"/>); an alias ARN
        /// names its own.</param>
        public string ResolveKey(string keyId, string region, CancellationToken cancellation)
        {
            if (!KmsArn.IsAliasName(keyId)) return keyId;
            var alias = $"{region} {keyId}";   // one alias name may point to different keys in different Regions
            if (_resolvedAliases.TryGetValue(alias, out var known)) return known;
            if (_unresolvedAliases.TryGetValue(alias, out var failure)) failure.Throw();
            try
            {
                var client = ClientsFor(region).List;
                var response = Task.Run(() => client.DescribeKeyAsync(new DescribeKeyRequest { KeyId = keyId }, cancellation), cancellation)
                    .GetAwaiter().GetResult();
                var arn = response.KeyMetadata?.Arn ?? throw KmsAnswerCheck.KeyWithoutArn(keyId, (int)response.HttpStatusCode);
                if (KmsAnswerCheck.KeyArnProblem(arn, region) is string problem) throw KmsAnswerCheck.KeyArnNotKms(keyId, (int)response.HttpStatusCode, problem);
                return _resolvedAliases[alias] = arn;
            }
            catch (Exception e) when (!(e is OperationCanceledException && cancellation.IsCancellationRequested))
            {
                _unresolvedAliases[alias] = ExceptionDispatchInfo.Capture(e);
                throw;
            }
        }

        /// <summary>Aliases and key IDs of the default Region, for completion (ListAliases, all pages).</summary>
        public async Task<IReadOnlyList<string>> ListAliasNamesAsync(CancellationToken cancellation)
        {
            var names = new List<string>();
            var request = new ListAliasesRequest { Limit = 100 };
            await foreach (var page in ClientsFor(Routing.RequireDefaultRegion("completing -KeyId")).List.Paginators.ListAliases(request).Responses.WithCancellation(cancellation).ConfigureAwait(false))
                foreach (var alias in page.Aliases ?? new List<AliasListEntry>())
                {
                    if (alias.AliasName != null) names.Add(alias.AliasName);
                    if (alias.TargetKeyId != null) names.Add(alias.TargetKeyId);
                }
            return names.Distinct(StringComparer.Ordinal).ToList();
        }

        RegionClients CreateClients(string region)
        {
            var listConfig = NewConfig(region);
            listConfig.HttpClientFactory = new KmsHttpClientFactory("list");
            var runConfig = NewConfig(region);
            runConfig.MaxErrorRetry = 0;
            runConfig.HttpClientFactory = new KmsHttpClientFactory("run");
            return new RegionClients(
                new AmazonKeyManagementServiceClient(_credentials.Credentials, listConfig),
                new AmazonKeyManagementServiceClient(_credentials.Credentials, runConfig),
                RedactSecrets);
        }

        /// <param name="region">Null only to read settings that do not depend on it (the retry mode's attempts).</param>
        AmazonKeyManagementServiceConfig NewConfig(string? region)
        {
            // No hidden attempts: the SDK's stale-connection replays are off (docs/design/kms.md, "No hidden attempts").
            // A configured endpoint (AWS_ENDPOINT_URL_KMS, a profile's endpoint_url) is the session's Endpoint already
            // (EndpointResolver): the SDK must not apply it again behind our back, signed for another Region.
            var config = new AmazonKeyManagementServiceConfig { Timeout = AttemptTimeout, MaxStaleConnectionRetries = 0, IgnoreConfiguredEndpointUrls = true };
            if (Endpoint != null)
            {
                // A custom endpoint (moto, LocalStack, a VPC endpoint) still signs for the grant's Region.
                config.ServiceURL = Endpoint.ToString();
                if (region != null) config.AuthenticationRegion = region;
            }
            else if (region != null)
            {
                config.RegionEndpoint = RegionEndpoint.GetBySystemName(region);
            }
            if (_proxy != null) config.SetWebProxy(_proxy);
            return config;
        }

        /// <param name="source">Where the URL came from, for messages: "-EndpointUrl", "AWS_ENDPOINT_URL_KMS", a profile.</param>
        static Uri? ValidateEndpoint(string? url, string source, out List<string> warnings)
        {
            warnings = new List<string>();
            if (string.IsNullOrEmpty(url)) return null;
            var named = source == "-EndpointUrl" ? source : $"The endpoint from {source}";
            if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps) || string.IsNullOrEmpty(uri.Host))
                throw new ConfigurationException(ConfigurationProblem.InvalidEndpoint,
                    $"{named} '{Redact(url!)}' is not an absolute http:// or https:// URL (for example https://kms.us-east-1.amazonaws.com or http://127.0.0.1:5000).");
            if (uri.Query.Length > 0 || uri.Fragment.Length > 0)
                // KMS's endpoints take no query; one would be sent with every request, and it may hold anything: not quoted.
                throw new ConfigurationException(ConfigurationProblem.InvalidEndpoint,
                    $"{named} '{new UriBuilder(uri) { UserName = "", Password = "", Query = "", Fragment = "" }.Uri}' has a query or fragment (the part from '?' or '#' on, not shown here); a KMS endpoint has none.");
            if (uri.UserInfo.Length > 0)
            {
                // KMS authenticates by signature, never by URL user info: drop it, so that it cannot reach any message.
                uri = new UriBuilder(uri) { UserName = "", Password = "" }.Uri;
                warnings.Add($"{named} had a user name or password; KMS does not use them, so they were removed (endpoint: {uri}).");
            }
            return uri;
        }

        /// <summary>What a failed request means, with the session's secrets (secret key, session token) taken out of the text
        /// the endpoint sent back: a proxy or a server that echoes the request's headers must not put them in a log.</summary>
        public KmsError ErrorFrom(Exception exception, bool timedOut = false, int? sends = null) =>
            KmsError.From(exception, RedactSecrets, timedOut, sends);

        /// <summary>Text an endpoint sent back, without the session's secrets (<see cref="SecretRedaction"/>).</summary>
        public string RedactSecrets(string text)
        {
            ImmutableCredentials? current;
            try { current = _credentials.Credentials.GetCredentials(); }
            catch (Exception) { return text; }   // no credentials came, so none can have been sent
            var secrets = new[] { current?.SecretKey, current?.Token };
            var redaction = _redaction;
            if (redaction == null || !redaction.IsFor(secrets)) _redaction = redaction = new SecretRedaction(secrets);
            return redaction.Redact(text);
        }

        // Built once per set of credentials: an echoing endpoint may fail every request.
        SecretRedaction? _redaction;

        /// <summary>A URL with anything that may be user info replaced, for messages about a URL that did not parse: all
        /// before the last '@' (after any scheme), whether or not the text has a "://".</summary>
        internal static string Redact(string url)
        {
            var at = url.LastIndexOf('@');
            if (at < 0) return url;
            var scheme = url.IndexOf("://", StringComparison.Ordinal);
            var start = scheme >= 0 && scheme < at ? scheme + 3 : 0;
            return url.Substring(0, start) + "***" + url.Substring(at);
        }

        /// <summary>$AWSProxy as AWS.Tools.Common's Set-AWSProxy leaves it (Amazon.PowerShell.Common.ProxySettings: Hostname,
        /// Port, Credentials, BypassList, BypassOnLocal), read by name since its type is not ours.</summary>
        static IWebProxy? ProxyFrom(object? settings)
        {
            if (settings == null) return null;
            var type = settings.GetType();
            object? Read(string name) => type.GetProperty(name, BindingFlags.Instance | BindingFlags.Public)?.GetValue(settings);
            var host = Read("Hostname") as string;
            var port = Read("Port") is int p ? p : 0;
            if (string.IsNullOrEmpty(host) || port <= 0) return null;
            // As AWS.Tools.Common does: WebProxy adds http:// itself, so a Hostname given with it must lose it.
            if (host!.StartsWith("http://", StringComparison.OrdinalIgnoreCase)) host = host.Substring("http://".Length);
            var proxy = new WebProxy(host, port) { Credentials = Read("Credentials") as ICredentials };
            if (Read("BypassList") is IEnumerable bypass) proxy.BypassList = bypass.Cast<object>().Select(b => b.ToString()).ToArray();
            if (Read("BypassOnLocal") is bool onLocal) proxy.BypassProxyOnLocal = onLocal;
            return proxy;
        }

        public void Dispose()
        {
            foreach (var clients in _clients.Values.Where(c => c.IsValueCreated).Select(c => c.Value))
            {
                clients.List.Dispose();
                clients.Run.Dispose();
            }
        }
    }
}

using System;
using Amazon;
using Amazon.KeyManagementService;
using Amazon.Runtime;

namespace KmsGrants.Engine
{
    /// <summary>A resolved identity, region and endpoint, and the KMS clients built on them. One per command invocation.</summary>
    public sealed class KmsConnection : IDisposable
    {
        /// <summary>Fewest attempts a RetireGrant gets against faults; AWS_MAX_ATTEMPTS or a profile's max_attempts
        /// above this raise it. Bulk runs meet faults often enough that the SDK's default 3 leaves failures behind.</summary>
        public const int MinimumRetireAttempts = 6;

        KmsConnection(AmazonKeyManagementServiceClient client, AmazonKeyManagementServiceClient retireClient,
            string region, string credentialSource, string? endpoint, int retireAttempts)
        {
            Client = client;
            RetireClient = retireClient;
            Region = region;
            CredentialSource = credentialSource;
            Endpoint = endpoint;
            RetireAttempts = retireAttempts;
        }

        public string Region { get; }
        public string CredentialSource { get; }
        public string? Endpoint { get; }
        public int RetireAttempts { get; }

        /// <summary>For List* calls: the SDK's own retry mode (AWS_RETRY_MODE, AWS_MAX_ATTEMPTS, profile retry_mode).</summary>
        internal IAmazonKeyManagementService Client { get; }
        /// <summary>For RetireGrant: SDK retries off, because RetireRunner owns rate, retries and the meaning of a
        /// NotFound after a lost response.</summary>
        internal IAmazonKeyManagementService RetireClient { get; }

        public static KmsConnection Open(ConnectionOptions options)
        {
            var credentials = CredentialResolver.ResolveCredentials(options);
            var region = CredentialResolver.ResolveRegion(options, credentials.ProfileName);
            var endpoint = ValidateEndpoint(options.EndpointUrl);

            var listConfig = NewConfig(region, endpoint);
            var retireConfig = NewConfig(region, endpoint);
            retireConfig.MaxErrorRetry = 0;
            retireConfig.HttpClientFactory = new CountingHttpClientFactory();
            var attempts = Math.Max(MinimumRetireAttempts, listConfig.MaxErrorRetry + 1);

            return new KmsConnection(
                new AmazonKeyManagementServiceClient(credentials.Credentials, listConfig),
                new AmazonKeyManagementServiceClient(credentials.Credentials, retireConfig),
                region, credentials.Source, endpoint, attempts);
        }

        static AmazonKeyManagementServiceConfig NewConfig(string region, string? endpoint)
        {
            var config = new AmazonKeyManagementServiceConfig();
            if (endpoint != null)
            {
                // A custom endpoint (moto, LocalStack, a VPC endpoint) still signs for the resolved region.
                config.ServiceURL = endpoint;
                config.AuthenticationRegion = region;
            }
            else
            {
                config.RegionEndpoint = RegionEndpoint.GetBySystemName(region);
            }
            return config;
        }

        static string? ValidateEndpoint(string? url)
        {
            if (string.IsNullOrEmpty(url)) return null;
            if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
                throw new ConfigurationException(ConfigurationProblem.InvalidEndpoint,
                    $"-EndpointUrl '{url}' is not an absolute http:// or https:// URL (for example https://kms.us-east-1.amazonaws.com or http://127.0.0.1:5000).");
            return url;
        }

        public void Dispose()
        {
            Client.Dispose();
            RetireClient.Dispose();
        }
    }
}

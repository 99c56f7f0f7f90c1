using System;
using Amazon;
using Amazon.KeyManagementService;

namespace KmsGrants.Engine
{
    /// <summary>The command's custom KMS endpoint, if any, and where it came from: -EndpointUrl, else what the AWS SDK itself
    /// would take (AWS_ENDPOINT_URL_KMS, AWS_ENDPOINT_URL, the endpoint_url or services section of the profile the
    /// credentials came from; AWS_IGNORE_CONFIGURED_ENDPOINT_URLS turns those off), read through the SDK's own lookup.
    /// Whatever its source, the session then treats it as -EndpointUrl: each request goes there signed for its grant's
    /// Region. Left to the SDK, a configured endpoint is signed for the Region its host name suggests (us-east-1 for a
    /// loopback address) whatever Region the client was made for, so a key ARN's grant was sent to the wrong Region.</summary>
    internal static class EndpointResolver
    {
        public static (string? Url, string Source) Resolve(ConnectionOptions o, string? credentialsProfile)
        {
            if (!string.IsNullOrEmpty(o.EndpointUrl)) return (o.EndpointUrl, "-EndpointUrl");
            // The profile the SDK would read: the credentials' own, -ProfileLocation's [default], else AWS_PROFILE or [default].
            var profile = credentialsProfile ?? (string.IsNullOrEmpty(o.ProfileLocation) ? null : ProfileFiles.Default);
            var probe = new AmazonKeyManagementServiceConfig();
            if (profile != null) probe.Profile = new Profile(profile, o.ProfileLocation);
            var url = ProfileFiles.Reading(() => probe.ServiceURL, o.ProfileLocation, profile);
            if (string.IsNullOrEmpty(url)) return (null, "the Region's public endpoint");
            foreach (var variable in new[] { "AWS_ENDPOINT_URL_KMS", "AWS_ENDPOINT_URL" })
                if (!string.IsNullOrEmpty(Environment.GetEnvironmentVariable(variable))) return (url, variable);
            return (url, $"the endpoint_url of profile '{profile ?? DefaultProfileName()}' in {ProfileFiles.Describe(o.ProfileLocation)}");
        }

        static string DefaultProfileName()
        {
            var name = Environment.GetEnvironmentVariable("AWS_PROFILE");
            return string.IsNullOrEmpty(name) ? ProfileFiles.Default : name!;
        }
    }
}

using System;
using System.Reflection;
using Amazon;
using Amazon.Runtime;
using Amazon.Runtime.CredentialManagement;
using Amazon.Runtime.Credentials;

namespace KmsGrants.Engine
{
    /// <summary>Credentials and region in AWS.Tools.Common's order (shared/DESIGN.md): explicit keys, -ProfileName,
    /// -Credential, $StoredAWSCredentials, then the SDK's own default chain. Region: -Region, $StoredAWSRegion,
    /// the chosen profile's region, then the SDK's default chain.</summary>
    internal static class CredentialResolver
    {
        internal sealed class Resolved
        {
            public Resolved(AWSCredentials credentials, string source, string? profileName)
            {
                Credentials = credentials;
                Source = source;
                ProfileName = profileName;
            }
            public AWSCredentials Credentials { get; }
            /// <summary>Where the credentials came from, for messages; never the secret.</summary>
            public string Source { get; }
            public string? ProfileName { get; }
        }

        public static Resolved ResolveCredentials(ConnectionOptions o)
        {
            if (!string.IsNullOrEmpty(o.AccessKey) || !string.IsNullOrEmpty(o.SecretKey))
            {
                if (string.IsNullOrEmpty(o.AccessKey) || string.IsNullOrEmpty(o.SecretKey))
                    throw new ConfigurationException(ConfigurationProblem.IncompleteKeys,
                        "-AccessKey and -SecretKey go together: give both, or neither.");
                AWSCredentials keys = string.IsNullOrEmpty(o.SessionToken)
                    ? new BasicAWSCredentials(o.AccessKey, o.SecretKey)
                    : new SessionAWSCredentials(o.AccessKey, o.SecretKey, o.SessionToken);
                return new Resolved(keys, "the -AccessKey/-SecretKey parameters", null);
            }

            if (!string.IsNullOrEmpty(o.ProfileName))
                return FromProfile(o.ProfileName!, o.ProfileLocation, $"profile '{o.ProfileName}' (-ProfileName)");

            if (o.Credential != null)
                return new Resolved(Adapt(o.Credential, "-Credential"), "the -Credential parameter", null);

            if (o.SessionCredentials != null)
                return FromSessionVariable(o.SessionCredentials, o.ProfileLocation);

            if (!string.IsNullOrEmpty(o.ProfileLocation))
                return FromProfile("default", o.ProfileLocation, $"profile 'default' in {o.ProfileLocation} (-ProfileLocation)");

            try
            {
                var credentials = DefaultAWSCredentialsIdentityResolver.GetCredentials(null);
                return new Resolved(credentials, DescribeChainResult(credentials), null);
            }
            catch (Exception e) when (e is AmazonClientException or InvalidOperationException)
            {
                throw new ConfigurationException(ConfigurationProblem.NoCredentials,
                    "No AWS credentials were found. Give -AccessKey and -SecretKey, -ProfileName (with -ProfileLocation for a " +
                    "credentials file elsewhere), or -Credential; or run Set-AWSCredential; or set AWS_ACCESS_KEY_ID and " +
                    "AWS_SECRET_ACCESS_KEY, or AWS_PROFILE, or a [default] profile in ~/.aws/credentials.", e);
            }
        }

        /// <summary>The region name, or a ConfigurationException that says how to set one.</summary>
        public static string ResolveRegion(ConnectionOptions o, string? profileName)
        {
            if (!string.IsNullOrEmpty(o.Region)) return o.Region!;
            if (!string.IsNullOrEmpty(o.SessionRegion)) return o.SessionRegion!;

            var profile = profileName ?? o.ProfileName;
            if (!string.IsNullOrEmpty(profile)
                && new CredentialProfileStoreChain(o.ProfileLocation).TryGetProfile(profile, out var p) && p.Region != null)
                return p.Region.SystemName;

            RegionEndpoint? fromChain = null;
            try { fromChain = FallbackRegionFactory.GetRegionEndpoint(true); }
            catch (Exception e) when (e is AmazonClientException or InvalidOperationException) { }
            if (fromChain != null) return fromChain.SystemName;

            throw new ConfigurationException(ConfigurationProblem.NoRegion,
                "No AWS region is set. Give -Region (for example -Region us-east-1), run Set-DefaultAWSRegion, " +
                "set AWS_REGION, or add 'region = …' to the profile in ~/.aws/config.");
        }

        static Resolved FromProfile(string name, string? location, string source)
        {
            var store = new CredentialProfileStoreChain(location);
            if (!store.TryGetAWSCredentials(name, out var credentials))
                throw new ConfigurationException(ConfigurationProblem.ProfileNotFound,
                    $"No usable AWS profile named '{name}' was found in " +
                    (string.IsNullOrEmpty(location) ? "the shared config and credentials files (~/.aws/config, ~/.aws/credentials)" : location) +
                    ". List profiles with 'aws configure list-profiles' or Get-AWSCredential -ListProfileDetail.");
            return new Resolved(credentials, source, name);
        }

        /// <summary>AWS.Tools.Common's AWSPSCredentials keeps its credentials and profile name in non-public members,
        /// and its ToString() is the name it was set from. Use the wrapped credentials where they can be read,
        /// else resolve the profile by name with the SDK.</summary>
        static Resolved FromSessionVariable(object stored, string? location)
        {
            const BindingFlags Any = BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic;
            var type = stored.GetType();
            var name = type.GetProperty("Name", Any)?.GetValue(stored) as string ?? stored.ToString();
            var wrapped = type.GetProperty("Credentials", Any)?.GetValue(stored);
            if (wrapped != null)
                return new Resolved(Adapt(wrapped, "$StoredAWSCredentials"),
                    $"$StoredAWSCredentials (Set-AWSCredential{(string.IsNullOrEmpty(name) ? "" : $", '{name}'")})", name);
            if (string.IsNullOrEmpty(name))
                throw new ConfigurationException(ConfigurationProblem.InvalidCredentialObject,
                    "$StoredAWSCredentials holds neither credentials nor a profile name. Run Set-AWSCredential again, or Clear-AWSCredential.");
            return FromProfile(name!, location, $"profile '{name}' ($StoredAWSCredentials)");
        }

        /// <summary>Our own AWSCredentials, or one from another AWSSDK.Core copy (a different type identity),
        /// read through its public GetCredentials() on every call so that refreshing credentials keep refreshing.</summary>
        internal static AWSCredentials Adapt(object value, string what)
        {
            if (value is AWSCredentials own) return own;
            var getCredentials = value.GetType().GetMethod("GetCredentials", Type.EmptyTypes);
            if (getCredentials == null)
                throw new ConfigurationException(ConfigurationProblem.InvalidCredentialObject,
                    $"{what} is a {value.GetType().FullName}, not an AWSCredentials object (for example from Get-AWSCredential or New-AWSCredential).");
            return new ForeignCredentials(value, getCredentials);
        }

        static string DescribeChainResult(AWSCredentials credentials)
        {
            var kind = credentials.GetType().Name;
            if (kind.StartsWith("EnvironmentVariables", StringComparison.Ordinal))
                return "environment variables (AWS_ACCESS_KEY_ID)";
            var profile = DefaultAWSCredentialsIdentityResolver.GetProfileName();
            return $"the SDK default chain ({kind}{(string.IsNullOrEmpty(profile) ? "" : $", profile '{profile}'")})";
        }

        sealed class ForeignCredentials : AWSCredentials
        {
            readonly object _inner;
            readonly MethodInfo _getCredentials;

            public ForeignCredentials(object inner, MethodInfo getCredentials)
            {
                _inner = inner;
                _getCredentials = getCredentials;
            }

            public override ImmutableCredentials GetCredentials()
            {
                var c = _getCredentials.Invoke(_inner, null)
                    ?? throw new ConfigurationException(ConfigurationProblem.InvalidCredentialObject, "The credentials object returned no credentials.");
                var t = c.GetType();
                string? Read(string property) => t.GetProperty(property)?.GetValue(c) as string;
                return new ImmutableCredentials(Read("AccessKey"), Read("SecretKey"), Read("Token"));
            }
        }
    }
}

using System;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Text.RegularExpressions;
using System.Threading.Tasks;
using Amazon;
using Amazon.Runtime;
using Amazon.Runtime.CredentialManagement;
using Amazon.Runtime.Credentials;

namespace KmsGrants.Engine
{
    /// <summary>Credentials in AWS.Tools.Common's order (its ICredentialsArgumentsMethods.TryGetCredentials), through the
    /// AWS SDK's own resolvers; about_KmsGrants_Connection lists each step beside theirs. Credentials are obtained once, here, so a failing
    /// credential_process runs once and stops the command, and nothing a provider or a profile file says is ever quoted
    /// (it may hold a secret). The Region is <see cref="RegionResolver"/>'s.</summary>
    internal static class CredentialResolver
    {
        internal sealed class Resolved
        {
            public Resolved(AWSCredentials credentials, string source, string? profileName, bool hasSessionToken)
            {
                Credentials = credentials;
                Source = source;
                ProfileName = profileName;
                HasSessionToken = hasSessionToken;
            }

            public AWSCredentials Credentials { get; }
            /// <summary>Where the credentials came from, for messages; never the secret.</summary>
            public string Source { get; }
            /// <summary>The profile the credentials came from, if any: <see cref="RegionResolver"/> reads its Region next after $StoredAWSRegion.</summary>
            public string? ProfileName { get; }
            public bool HasSessionToken { get; }
        }

                public static Resolved ResolveCredentials(ConnectionOptions o)
        {
            var (credentials, source, profile) = FindCredentials(o);
            // Obtain them now, once: a failing provider stops the command here instead of failing (and re-running a
            // credential process) for every grant.
            ImmutableCredentials obtained;
            try
            {
                obtained = credentials.GetCredentials();
            }
            catch (Exception e) when (e is not ConfigurationException)
            {
                throw Unavailable(source, e);
            }
            return new Resolved(new GuardedCredentials(credentials, source), source, profile, !string.IsNullOrEmpty(obtained.Token));
        }

        static (AWSCredentials Credentials, string Source, string? Profile) FindCredentials(ConnectionOptions o)
        {
            if (!string.IsNullOrEmpty(o.AccessKey) || !string.IsNullOrEmpty(o.SecretKey))
            {
                if (string.IsNullOrEmpty(o.AccessKey) || string.IsNullOrEmpty(o.SecretKey))
                    throw new ConfigurationException(ConfigurationProblem.IncompleteKeys, "-AccessKey and -SecretKey go together: give both, or neither.");
                AWSCredentials keys = string.IsNullOrEmpty(o.SessionToken)
                    ? new BasicAWSCredentials(o.AccessKey, o.SecretKey)
                    : new SessionAWSCredentials(o.AccessKey, o.SecretKey, o.SessionToken);
                return (keys, "the -AccessKey/-SecretKey parameters", null);
            }

            if (!string.IsNullOrEmpty(o.ProfileName))
                return (FromProfile(o.ProfileName!, o.ProfileLocation), $"profile '{o.ProfileName}' (-ProfileName)", o.ProfileName);

            if (o.Credential != null)
                return (Adapt(o.Credential, "-Credential"), "the -Credential parameter", null);

            if (o.SessionCredentials != null)
                return FromSessionVariable(o.SessionCredentials, o.ProfileLocation);

            // Environment keys come before the default profile (AWS.Tools.Common's order), even one in -ProfileLocation's
            // file: -ProfileLocation alone only says where the default profile is read from.
            if (!string.IsNullOrEmpty(Environment.GetEnvironmentVariable("AWS_ACCESS_KEY_ID")))
            {
                try
                {
                    // A snapshot: the SDK's provider reads the variables again for every request, and one command must
                    // use one identity from start to end.
                    var keys = new EnvironmentVariablesAWSCredentials().GetCredentials();
                    AWSCredentials snapshot = keys.UseToken
                        ? new SessionAWSCredentials(keys.AccessKey, keys.SecretKey, keys.Token)
                        : new BasicAWSCredentials(keys.AccessKey, keys.SecretKey);
                    return (snapshot, "environment variables (AWS_ACCESS_KEY_ID)", null);
                }
                catch (Exception e) when (e is AmazonClientException or InvalidOperationException)
                {
                    throw new ConfigurationException(ConfigurationProblem.IncompleteKeys,
                        "AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not: set both, or neither.");
                }
            }

            if (!string.IsNullOrEmpty(o.ProfileLocation))
                return (FromProfile(ProfileFiles.Default, o.ProfileLocation), $"profile 'default' in {o.ProfileLocation} (-ProfileLocation)", ProfileFiles.Default);

            // The chain folds each provider's failure into one message (quoting a bad region line) with no inner exception:
            // read its profile first, so that a region the SDK refuses there is that profile's InvalidRegion.
            var chainProfile = DefaultAWSCredentialsIdentityResolver.GetProfileName();
            ProfileFiles.Reading(() => new CredentialProfileStoreChain().TryGetProfile(chainProfile, out _), profile: chainProfile);
            try
            {
                var credentials = ProfileFiles.Reading(() => DefaultAWSCredentialsIdentityResolver.GetCredentials(null), profile: chainProfile);
                var kind = credentials.GetType().Name;
                return (credentials, $"the SDK default chain ({kind}, profile '{chainProfile}')", chainProfile);
            }
            catch (Exception e) when (e is AmazonClientException or InvalidOperationException)
            {
                throw new ConfigurationException(ConfigurationProblem.NoCredentials,
                    "No AWS credentials were found. Give -AccessKey and -SecretKey, -ProfileName (with -ProfileLocation for a " +
                    "credentials file elsewhere), or -Credential; or run Set-AWSCredential; or set AWS_ACCESS_KEY_ID and " +
                    "AWS_SECRET_ACCESS_KEY, or AWS_PROFILE, or a [default] profile in ~/.aws/credentials.");
            }
        }

        static AWSCredentials FromProfile(string name, string? location)
        {
            var store = new CredentialProfileStoreChain(location);
            AWSCredentials? credentials = null;
            if (!ProfileFiles.Reading(() => store.TryGetAWSCredentials(name, out credentials), location, name))
                throw new ConfigurationException(ConfigurationProblem.ProfileNotFound,
                    $"No usable AWS profile named '{name}' was found in " +
                    (string.IsNullOrEmpty(location) ? "the shared config and credentials files (~/.aws/config, ~/.aws/credentials)"
                        : File.Exists(location) ? location : $"{location} (the file does not exist)") +
                    ". List profiles with 'aws configure list-profiles' or Get-AWSCredential -ListProfileDetail.");
            return credentials!;
        }

        /// <summary>AWS.Tools.Common's AWSPSCredentials keeps its credentials and profile name in non-public members,
        /// and its ToString() is the name it was set from. Use the wrapped credentials where they can be read,
        /// else resolve the profile by name with the SDK.</summary>
        static (AWSCredentials, string, string?) FromSessionVariable(object stored, string? location)
        {
            const BindingFlags Any = BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic;
            var type = stored.GetType();
            var name = type.GetProperty("Name", Any)?.GetValue(stored) as string ?? stored.ToString();
            var wrapped = type.GetProperty("Credentials", Any)?.GetValue(stored);
            if (wrapped != null)
                return (Adapt(wrapped, "$StoredAWSCredentials"),
                    $"$StoredAWSCredentials (Set-AWSCredential{(string.IsNullOrEmpty(name) ? "" : $", '{name}'")})", null);
            if (string.IsNullOrEmpty(name))
                throw new ConfigurationException(ConfigurationProblem.InvalidCredentialObject,
                    "$StoredAWSCredentials holds neither credentials nor a profile name. Run Set-AWSCredential again, or Clear-AWSCredential.");
            return (FromProfile(name!, location), $"profile '{name}' ($StoredAWSCredentials)", name);
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

        static ConfigurationException Unavailable(string source, Exception e) =>
            new ConfigurationException(ConfigurationProblem.CredentialsUnavailable,
                $"The credentials from {source} could not be obtained ({e.GetType().Name}). What the provider said is not shown, " +
                "as it may hold a secret: check the profile with 'aws sts get-caller-identity' (with --profile for a named profile).");

        /// <summary>Keeps a failing refresh from reaching the user with the provider's own text (a credential_process's
        /// stderr, say) in every error.</summary>
        sealed class GuardedCredentials : AWSCredentials
        {
            readonly AWSCredentials _inner;
            readonly string _source;

            public GuardedCredentials(AWSCredentials inner, string source)
            {
                _inner = inner;
                _source = source;
            }

            public override ImmutableCredentials GetCredentials()
            {
                try { return _inner.GetCredentials(); }
                catch (Exception e) { throw new CredentialsUnavailableException(Unavailable(_source, e).Message); }
            }

            public override async Task<ImmutableCredentials> GetCredentialsAsync()
            {
                try { return await _inner.GetCredentialsAsync().ConfigureAwait(false); }
                catch (Exception e) { throw new CredentialsUnavailableException(Unavailable(_source, e).Message); }
            }
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

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
    /// <summary>Credentials and Region in AWS.Tools.Common's order (its ICredentialsArgumentsMethods.TryGetCredentials and
    /// TryGetRegion), through the AWS SDK's own resolvers; the README lists each step beside theirs. Credentials are
    /// obtained once, here, so a failing credential_process runs once and stops the command, and nothing a provider or a
    /// profile file says is ever quoted (it may hold a secret).</summary>
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
            /// <summary>The profile the credentials came from, if any: its Region comes next after $StoredAWSRegion.</summary>
            public string? ProfileName { get; }
            public bool HasSessionToken { get; }
        }

        const string DefaultProfile = "default";

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
                return (FromProfile(DefaultProfile, o.ProfileLocation), $"profile 'default' in {o.ProfileLocation} (-ProfileLocation)", DefaultProfile);

            // The chain folds each provider's failure into one message (quoting a bad region line) with no inner exception:
            // read its profile first, so that a region the SDK refuses there is that profile's InvalidRegion.
            var chainProfile = DefaultAWSCredentialsIdentityResolver.GetProfileName();
            ReadingProfiles(() => new CredentialProfileStoreChain().TryGetProfile(chainProfile, out _), profile: chainProfile);
            try
            {
                var credentials = ReadingProfiles(() => DefaultAWSCredentialsIdentityResolver.GetCredentials(null), profile: chainProfile);
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

        /// <summary>The default Region's name and where it came from, or a null name when none is set anywhere: a command
        /// whose keys are all named by key ARN needs none (each goes to its ARN's Region), so its absence is an error only
        /// for what needs it (<see cref="ConfigurationException.NoRegion"/>). Order: -Region, $StoredAWSRegion, the Region of the profile the
        /// credentials came from (AWS.Tools.Common does not read it: its issue #25 asks for that), the [default] profile's
        /// (in -ProfileLocation's file if given), AWS_REGION / AWS_DEFAULT_REGION, then the SDK's chain (instance
        /// metadata). The [default] profile before the environment is AWS.Tools.Common's order, and deliberate there.</summary>
        public static (string? Region, string Source) ResolveRegion(ConnectionOptions o, string? credentialsProfile)
        {
            var (region, source, fromProfile) = FindRegion(o, credentialsProfile);
            if (region != null && InputValidation.Region(region, source, showValue: !fromProfile) is ValidationFailure invalid)
                throw new ConfigurationException(ConfigurationProblem.InvalidRegion, invalid.Message);
            return (region, source);
        }

        static (string? Region, string Source, bool FromProfile) FindRegion(ConnectionOptions o, string? credentialsProfile)
        {
            if (o.Region != null) return (o.Region, "-Region", false);
            if (!string.IsNullOrEmpty(o.SessionRegion)) return (o.SessionRegion!, "$StoredAWSRegion (Set-DefaultAWSRegion)", false);

            foreach (var profile in new[] { credentialsProfile, DefaultProfile })
            {
                if (string.IsNullOrEmpty(profile)) continue;
                var found = ReadingProfiles(() => new CredentialProfileStoreChain(o.ProfileLocation).TryGetProfile(profile, out var p) ? p : null, o.ProfileLocation, profile);
                if (found?.Region != null) return (found.Region.SystemName, $"the region setting of profile '{profile}' in {ProfileFiles(o.ProfileLocation)}", true);
            }

            foreach (var variable in new[] { "AWS_REGION", "AWS_DEFAULT_REGION" })
                if (Environment.GetEnvironmentVariable(variable) is string value && value.Length > 0)
                    return (value, variable, false);

            // The chain reads AWS_PROFILE's profile: a region there that the SDK refuses is that profile's InvalidRegion.
            RegionEndpoint? fromChain = null;
            try { fromChain = ReadingProfiles(() => FallbackRegionFactory.GetRegionEndpoint(true), profile: DefaultAWSCredentialsIdentityResolver.GetProfileName()); }
            catch (Exception e) when (e is AmazonClientException or InvalidOperationException) { }
            if (fromChain != null) return (fromChain.SystemName, "the AWS SDK's region chain", false);

            return (null, "nowhere (no -Region, $StoredAWSRegion, profile region, AWS_REGION or instance metadata)", false);
        }

        static AWSCredentials FromProfile(string name, string? location)
        {
            var store = new CredentialProfileStoreChain(location);
            AWSCredentials? credentials = null;
            if (!ReadingProfiles(() => store.TryGetAWSCredentials(name, out credentials), location, name))
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

        static readonly Regex ProfileFileProblem = new Regex(@"^Line (?<line>\d+):<.*> in file (?<file>.+?) does not contain",
            RegexOptions.Singleline | RegexOptions.CultureInvariant);

        /// <summary>Runs something that reads the shared config or credentials files, turning the SDK's complaint about a
        /// bad line — which quotes the line, secret and all — into one that names only the file and the line number, and
        /// its complaint about a region setting it cannot use (which quotes the value, a comment after it included) into
        /// KmsGrants.InvalidRegion naming the profile and file.</summary>
        /// <param name="profile">The profile being read, for that message.</param>
        static T ReadingProfiles<T>(Func<T> read, string? location = null, string? profile = null)
        {
            try
            {
                return read();
            }
            catch (AmazonClientException e) when (FromRegionSetting(e))
            {
                throw new ConfigurationException(ConfigurationProblem.InvalidRegion,
                    $"The region of profile '{profile ?? DefaultProfile}' (or of a profile it refers to) in {ProfileFiles(location)} is not a Region " +
                    "name the AWS SDK accepts: Region names look like us-east-1, and a comment after the value on the same line is read as " +
                    "part of it. The value is not shown, as a line of a profile file may hold a secret.");
            }
            catch (Exception e) when (e is InvalidDataException or FormatException || e.InnerException is InvalidDataException)
            {
                var m = ProfileFileProblem.Match((e as InvalidDataException ?? e.InnerException as InvalidDataException ?? e).Message);
                var where = m.Success ? $"line {m.Groups["line"].Value} of {m.Groups["file"].Value}"
                    : $"a line of {(string.IsNullOrEmpty(location) ? "the shared config or credentials file" : location)}";
                throw new ConfigurationException(ConfigurationProblem.InvalidProfileFile,
                    $"The AWS SDK cannot read {where}: it is not a [section], a 'name = value' setting or a comment. " +
                    "Fix that line (its content is not shown here, as it may hold a secret).");
            }
        }

        /// <summary>The SDK parses a profile's region with RegionEndpoint.GetBySystemName, which refuses a name that is not a
        /// valid host name component with an AmazonClientException quoting it.
        /// A provider chain may wrap it: the inner exceptions count too.</summary>
        static bool FromRegionSetting(Exception? e)
        {
            for (; e != null; e = e.InnerException)
                if (new System.Diagnostics.StackTrace(e, false).GetFrames()?.Any(f => f.GetMethod()?.DeclaringType == typeof(RegionEndpoint)) == true)
                    return true;
            return false;
        }

        /// <summary>The profile files the SDK reads, for messages.</summary>
        static string ProfileFiles(string? location) =>
            string.IsNullOrEmpty(location)
                ? $"the shared config or credentials file ({SharedCredentialsFile.DefaultConfigFilePath} or {SharedCredentialsFile.DefaultFilePath})"
                : location!;

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

using System;

namespace KmsGrants.Engine
{
    public enum ConfigurationProblem
    {
        NoCredentials,
        NoRegion,
        InvalidRegion,
        ProfileNotFound,
        InvalidProfileFile,
        IncompleteKeys,
        InvalidEndpoint,
        InvalidCredentialObject,
        CredentialsUnavailable,
    }

    /// <summary>The command cannot talk to KMS at all: no credentials, no region, a missing profile. The message says how
    /// to fix it and never contains a secret, nor any text read from a file or printed by a credential process.</summary>
    public sealed class ConfigurationException : Exception
    {
        public ConfigurationException(ConfigurationProblem problem, string message) : base(message)
        {
            Problem = problem;
        }

        public ConfigurationProblem Problem { get; }

        /// <summary>Something needs the default Region and none is set: a token, a bare key ID or an alias name (only a key
        /// ARN names its Region), or ListRetirableGrants.</summary>
        public static ConfigurationException NoRegion(string what) =>
            new ConfigurationException(ConfigurationProblem.NoRegion,
                $"No AWS region is set, and {what} needs one (only a key named by its key ARN goes to the ARN's Region without one). " +
                "Give -Region (for example -Region us-east-1), run Set-DefaultAWSRegion, set AWS_REGION, or add 'region = …' to the " +
                "profile in ~/.aws/config.");
    }

    /// <summary>Credentials that worked once could not be refreshed mid-run (a credential_process that now fails, an
    /// expired SSO session). Carries no text from the failing provider: that text may hold anything.</summary>
    public sealed class CredentialsUnavailableException : Exception
    {
        public CredentialsUnavailableException(string message) : base(message) { }
    }
}

using System;

namespace KmsGrants.Engine
{
    public enum ConfigurationProblem { NoCredentials, NoRegion, ProfileNotFound, IncompleteKeys, InvalidEndpoint, InvalidCredentialObject }

    /// <summary>The command cannot talk to KMS at all: no credentials, no region, a missing profile.
    /// The message says how to fix it and never contains a secret.</summary>
    public sealed class ConfigurationException : Exception
    {
        public ConfigurationException(ConfigurationProblem problem, string message, Exception? inner = null) : base(message, inner)
        {
            Problem = problem;
        }

        public ConfigurationProblem Problem { get; }
    }
}

using System;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using Amazon;
using Amazon.Runtime;
using Amazon.Runtime.CredentialManagement;

namespace KmsGrants.Engine
{
    /// <summary>Reading the shared config and credentials files through the AWS SDK without ever quoting them: a line of
    /// such a file may hold a secret, and the SDK's complaints quote the line.</summary>
    internal static class ProfileFiles
    {
        public const string Default = "default";

        static readonly Regex ProfileFileProblem = new Regex(@"^Line (?<line>\d+):<.*> in file (?<file>.+?) does not contain",
            RegexOptions.Singleline | RegexOptions.CultureInvariant);

        /// <summary>Runs something that reads the shared config or credentials files, turning the SDK's complaint about a
        /// bad line — which quotes the line, secret and all — into one that names only the file and the line number, and
        /// its complaint about a region setting it cannot use (which quotes the value, a comment after it included) into
        /// KmsGrants.InvalidRegion naming the profile and file.</summary>
        /// <param name="profile">The profile being read, for that message.</param>
        public static T Reading<T>(Func<T> read, string? location = null, string? profile = null)
        {
            try
            {
                return read();
            }
            catch (AmazonClientException e) when (FromRegionSetting(e))
            {
                throw new ConfigurationException(ConfigurationProblem.InvalidRegion,
                    $"The region of profile '{profile ?? Default}' (or of a profile it refers to) in {Describe(location)} is not a Region " +
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
        public static string Describe(string? location) =>
            string.IsNullOrEmpty(location)
                ? $"the shared config or credentials file ({SharedCredentialsFile.DefaultConfigFilePath} or {SharedCredentialsFile.DefaultFilePath})"
                : location!;
    }
}

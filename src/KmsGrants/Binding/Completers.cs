using System;
using System.Collections;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Language;
using KmsGrants.Engine;

namespace KmsGrants.Commands
{
    /// <summary>Completes -Region from the AWS SDK's region list.</summary>
    public sealed class RegionCompleter : IArgumentCompleter
    {
        public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
            CommandAst commandAst, IDictionary fakeBoundParameters) =>
            CompletionNames.Regions()
                .Where(r => r.Key.StartsWith(Unquote(wordToComplete), StringComparison.OrdinalIgnoreCase))
                .Select(r => new CompletionResult(r.Key, r.Key, CompletionResultType.ParameterValue, r.Value));

        internal static string Unquote(string word) => word.Trim('\'', '"');
    }

    /// <summary>Completes -ProfileName from the profiles on disk (honouring -ProfileLocation when already given).</summary>
    public sealed class ProfileCompleter : IArgumentCompleter
    {
        public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
            CommandAst commandAst, IDictionary fakeBoundParameters)
        {
            var location = fakeBoundParameters["ProfileLocation"] as string;
            var prefix = RegionCompleter.Unquote(wordToComplete);
            return CompletionNames.ProfileNames(location)
                .Where(n => n.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
                .Select(n => new CompletionResult(n.Any(char.IsWhiteSpace) ? $"'{n}'" : n, n, CompletionResultType.ParameterValue, n));
        }
    }

    /// <summary>Completes -KeyId with the aliases and key IDs of the Region the command's other parameters name
    /// (ListAliases, cached per Region for the session; nothing after two seconds).</summary>
    public sealed class KeyIdCompleter : IArgumentCompleter
    {
        public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
            CommandAst commandAst, IDictionary fakeBoundParameters)
        {
            string? Bound(string name) => fakeBoundParameters[name] as string;
            var prefix = RegionCompleter.Unquote(wordToComplete);
            return CompletionNames.KeyNames(new ConnectionOptions
                {
                    // A listing's -Region may be several: completion asks the first.
                    Region = Bound("Region") ?? (fakeBoundParameters["Region"] as object[])?.OfType<string>().FirstOrDefault(),
                    ProfileName = Bound("ProfileName"),
                    ProfileLocation = Bound("ProfileLocation"),
                    AccessKey = Bound("AccessKey"),
                    SecretKey = Bound("SecretKey"),
                    SessionToken = Bound("SessionToken"),
                    EndpointUrl = Bound("EndpointUrl"),
                    // What the command itself would use when these parameters are not given (Set-DefaultAWSRegion,
                    // Set-AWSCredential, Set-AWSProxy), so completion asks the Region and identity the command will.
                    SessionCredentials = SessionValue("StoredAWSCredentials"),
                    SessionRegion = SessionValue("StoredAWSRegion") as string,
                    SessionProxy = SessionValue("AWSProxy"),
                })
                .Where(n => n.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
                .OrderBy(n => n.StartsWith("alias/", StringComparison.Ordinal) ? 0 : 1).ThenBy(n => n, StringComparer.Ordinal)
                .Select(n => new CompletionResult(n, n, CompletionResultType.ParameterValue, n));
        }

        /// <summary>A variable as seen where completion runs; null if unset or unreadable. Through a script block (created
        /// here, so it runs in this runspace), because completion runs inside a pipeline and SessionStateProxy refuses calls
        /// while one runs.</summary>
        static object? SessionValue(string name)
        {
            try
            {
                var values = ScriptBlock.Create("param($Name) Get-Variable -Name $Name -ValueOnly -ErrorAction Ignore").Invoke(name);
                return values.Count > 0 ? values[0]?.BaseObject : null;
            }
            catch (Exception)
            {
                return null;
            }
        }
    }
}

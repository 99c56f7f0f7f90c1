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
            Catalog.Regions()
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
            return Catalog.ProfileNames(location)
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
            return Catalog.KeyNames(new ConnectionOptions
                {
                    Region = Bound("Region"),
                    ProfileName = Bound("ProfileName"),
                    ProfileLocation = Bound("ProfileLocation"),
                    AccessKey = Bound("AccessKey"),
                    SecretKey = Bound("SecretKey"),
                    SessionToken = Bound("SessionToken"),
                    EndpointUrl = Bound("EndpointUrl"),
                })
                .Where(n => n.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
                .OrderBy(n => n.StartsWith("alias/", StringComparison.Ordinal) ? 0 : 1).ThenBy(n => n, StringComparer.Ordinal)
                .Select(n => new CompletionResult(n, n, CompletionResultType.ParameterValue, n));
        }
    }
}

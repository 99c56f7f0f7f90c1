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
                .Where(r => r.Key.StartsWith(wordToComplete.Trim('\'', '"'), System.StringComparison.OrdinalIgnoreCase))
                .Select(r => new CompletionResult(r.Key, r.Key, CompletionResultType.ParameterValue, r.Value));
    }

    /// <summary>Completes -ProfileName from the profiles on disk (honouring -ProfileLocation when already given).</summary>
    public sealed class ProfileCompleter : IArgumentCompleter
    {
        public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
            CommandAst commandAst, IDictionary fakeBoundParameters)
        {
            var location = fakeBoundParameters["ProfileLocation"] as string;
            var prefix = wordToComplete.Trim('\'', '"');
            return Catalog.ProfileNames(location)
                .Where(n => n.StartsWith(prefix, System.StringComparison.OrdinalIgnoreCase))
                .Select(n => new CompletionResult(n.Any(char.IsWhiteSpace) ? $"'{n}'" : n, n, CompletionResultType.ParameterValue, n));
        }
    }
}

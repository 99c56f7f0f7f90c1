using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;
using KmsGrants.Testing.Emulator;

namespace KmsGrants.Testing.Commands;

/// <summary>Declared validation of an operation name against the emulator's one operation table
/// (<see cref="KmsState.OperationTable"/>), as a ValidateSet would (case-insensitive; each element of a list).
/// IValidateSetValuesGenerator would say this in one attribute, but it is PowerShell 6+ API: the module compiles against
/// PowerShellStandard.Library 5.1 (and the only System.Management.Automation packages at hand target .NET 10, not the
/// net8.0 of PowerShell 7.4), so validation and completion are two attributes over the same table.</summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
public sealed class ValidateKmsOperationAttribute : ValidateEnumeratedArgumentsAttribute
{
    protected override void ValidateElement(object element)
    {
        var name = element is PSObject p ? p.BaseObject : element;
        if (name is not string s || !KmsState.Operations.Contains(s, StringComparer.OrdinalIgnoreCase))
            throw new ValidationMetadataException(
                $"The argument \"{name}\" is not an operation the emulator implements. Supply an argument that is in the set \"{string.Join(", ", KmsState.Operations)}\" and then try the command again.");
    }
}

/// <summary>Tab completion of the operations the emulator implements (the same table).</summary>
public sealed class KmsOperationCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        var pattern = new WildcardPattern(wordToComplete.Trim('\'', '"') + "*", WildcardOptions.IgnoreCase);
        return KmsState.OperationTable.Where(o => pattern.IsMatch(o.Name))
            .Select(o => new CompletionResult(o.Name, o.Name, CompletionResultType.ParameterValue, o.Summary));
    }
}

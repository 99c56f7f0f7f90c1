using System;
using System.Collections;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using KmsGrants.Engine;

namespace KmsGrants.Commands
{
    /// <summary>New-KmsGrant: creates grants (KMS CreateGrant), one from its parameters or many from the pipeline — keys
    /// (strings, key objects, CSV rows) or whole grant objects as templates, whose operations, constraints, retiring
    /// principal and name are copied (what is given on the command line wins). Paced at the Region's CreateGrant quota on
    /// the same run as the deleting cmdlets (see <see cref="GrantRunCommandBase"/>); -WhatIf sends DryRun and states
    /// KMS's verdict. Writes one result per grant, with its GrantId and GrantToken.</summary>
    [Cmdlet(VerbsCommon.New, "KmsGrant", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
    [OutputType(typeof(NewGrantResult))]
    public sealed class NewKmsGrantCommand : GrantRunCommandBase
    {
        [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [Alias("KeyArn")]
        [GrantIdentifier]
        [ArgumentCompleter(typeof(KeyIdCompleter))]
        public string KeyId { get; set; } = "";

        [Parameter(Mandatory = true, Position = 1, ValueFromPipelineByPropertyName = true)]
        [GrantIdentifier]
        public string GranteePrincipal { get; set; } = "";

        [Parameter(Mandatory = true, Position = 2, ValueFromPipelineByPropertyName = true)]
        [ArgumentCompleter(typeof(GrantOperationCompleter))]
        [GrantObjects.OperationsArgument]
        public string[] Operations { get; set; } = Array.Empty<string>();

        [Parameter(ValueFromPipelineByPropertyName = true)]
        public string? RetiringPrincipal { get; set; }

        [Parameter(ValueFromPipelineByPropertyName = true)]
        public string? Name { get; set; }

        [Parameter(ValueFromPipelineByPropertyName = true)]
        [GrantObjects.ContextArgument]
        public IDictionary? EncryptionContextSubset { get; set; }

        [Parameter(ValueFromPipelineByPropertyName = true)]
        [GrantObjects.ContextArgument]
        public IDictionary? EncryptionContextEquals { get; set; }

        /// <summary>A piped template's Constraints, where GrantListEntry (AWS.Tools) and the AWS CLI's JSON keep them: read
        /// when the template has no constraint at its top level. Never from the command line in practice.</summary>
        [Parameter(ValueFromPipelineByPropertyName = true, DontShow = true)]
        public object? Constraints { get; set; }

        /// <summary>CreateGrant's GrantTokens: tokens of grants that give the caller CreateGrant. From the command line only:
        /// a piped result's own token is not one of those.</summary>
        [Parameter]
        [GrantIdentifier]
        public string[] GrantToken { get; set; } = Array.Empty<string>();

        /// <summary>A piped grant's ID, when a grant object is the template: kept on the result, never sent.</summary>
        [Parameter(ValueFromPipelineByPropertyName = true, DontShow = true)]
        [Alias("GrantId")]
        public string? TemplateGrantId { get; set; }

        // A constraint given on the command line replaces a template's, whichever kind either is: the command line wins.
        readonly HashSet<string> _commandLineConstraints = new HashSet<string>(StringComparer.Ordinal);

        protected override void BeginProcessing()
        {
            base.BeginProcessing();
            foreach (var name in new[] { nameof(EncryptionContextSubset), nameof(EncryptionContextEquals) })
                if (MyInvocation.BoundParameters.ContainsKey(name)) _commandLineConstraints.Add(name);
        }

        protected override GrantOperation Operation => GrantOperation.Create;
        protected override bool WriteResults => true;

        protected override void ProcessRecord()
        {
            ExpectGrants(1);
            var target = string.IsNullOrEmpty(TemplateGrantId) ? KeyId : $"grant {TemplateGrantId} on key {KeyId} (the template)";
            var badSubset = ContextOf(OnCommandLineOrTemplate(nameof(EncryptionContextSubset), EncryptionContextSubset, out var from), from, out var subset);
            var badEquals = ContextOf(OnCommandLineOrTemplate(nameof(EncryptionContextEquals), EncryptionContextEquals, out from), from, out var equals);
            if ((badSubset ?? badEquals) is ValidationFailure invalid)
            {
                Refuse(invalid, target);
                return;
            }
            var spec = new GrantSpec
            {
                GranteePrincipal = GranteePrincipal,
                // A piped object's empty property (a grant without a name or retiring principal) is no value.
                RetiringPrincipal = string.IsNullOrEmpty(RetiringPrincipal) ? null : RetiringPrincipal,
                Name = string.IsNullOrEmpty(Name) ? null : Name,
                Operations = Operations,
                EncryptionContextSubset = subset,
                EncryptionContextEquals = equals,
                GrantTokens = GrantToken,
                TemplateGrantId = string.IsNullOrEmpty(TemplateGrantId) ? null : TemplateGrantId,
            };
            // Errors name the template grant when one was piped in, else the key.
            TakeIn(new GrantReference(KeyId, null, null), spec, target);
        }

        /// <summary>A constraint parameter's value, unless the command line gave a constraint and this one came from a
        /// template (then the command line's replaces it); <paramref name="source"/> names where it came from, for a message.</summary>
        object? OnCommandLineOrTemplate(string parameter, IDictionary? value, out string source)
        {
            source = "-" + parameter;
            if (_commandLineConstraints.Count > 0) return _commandLineConstraints.Contains(parameter) ? value : null;
            if (value != null) return value;
            source = $"The template's Constraints.{parameter}";
            return GrantObjects.Nested(Constraints, parameter);
        }

        /// <summary>An encryption context constraint as text keys and values: a hashtable from the command line, or a piped
        /// grant's constraint; refused when it is not one (<see cref="GrantObjects.TryTextPairs"/>).</summary>
        static ValidationFailure? ContextOf(object? value, string parameter, out IReadOnlyDictionary<string, string>? context)
        {
            context = null;
            if (GrantObjects.TryTextPairs(value, out var pairs, out var notText))
            {
                context = pairs;
                return null;
            }
            if (notText is DictionaryEntry entry)
                return new ValidationFailure(InvalidInputKind.Constraint, $"{parameter} must map text to text; " +
                    $"the entry '{entry.Key}' holds {(entry.Value == null ? "$null" : "a " + entry.Value.GetType().Name)}. Quote numbers and dates: @{{ Department = '10' }}.");
            return new ValidationFailure(InvalidInputKind.Constraint, $"{parameter} is '{Shown(value!.ToString() ?? "")}', not a dictionary: an encryption context " +
                "constraint is a hashtable (@{ Department = 'IT' }), a grant's own, or its JSON text. A template whose constraint cannot be read is not copied " +
                "without it, which would give more than the template: pipe the grants themselves, or keep them whole (Export-Clixml, ConvertTo-Json -Depth 4).");
        }

        static string Shown(string text) => InputValidation.Printable(text.Length > 80 ? text.Substring(0, 80) + "..." : text);
    }

    /// <summary>Completes -Operations with the operations a grant can allow.</summary>
    public sealed class GrantOperationCompleter : IArgumentCompleter
    {
        public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
            System.Management.Automation.Language.CommandAst commandAst, IDictionary fakeBoundParameters) =>
            InputValidation.GrantOperations
                .Where(o => o.StartsWith(wordToComplete.Trim('\'', '"'), StringComparison.OrdinalIgnoreCase))
                .Select(o => new CompletionResult(o, o, CompletionResultType.ParameterValue, o));
    }
}

using System;
using System.Collections;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Management.Automation;
using KmsGrants.Engine;

namespace KmsGrants.Commands
{
    /// <summary>Find-KmsStaleGrant: the grants that should go — of deleted IAM principals, and duplicates — from grants
    /// piped in (Get-KmsGrant -KeyId *, Get-KmsRetirableGrant, a CSV) or from listing the Region's keys itself, side by
    /// side at the ListGrants quota. Each finding is the grant with Reason and Evidence, and binds straight into
    /// Revoke-KmsGrant or Remove-KmsGrant; keys near the 50,000-grant limit are warnings. Read-only: it deletes nothing.
    /// The rules are <see cref="StaleGrantRules"/>'.</summary>
    [Cmdlet(VerbsCommon.Find, "KmsStaleGrant", DefaultParameterSetName = ListSet)]
    [OutputType(typeof(StaleGrant))]
    public sealed class FindKmsStaleGrantCommand : ListingRunCommandBase
    {
        const string ListSet = "List";
        const string InputSet = "Input";

        StaleGrantRules? _rules;
        long _grants;
        long _findings;
        long _uncomparable;

        /// <summary>A grant to weigh: Get-KmsGrant's and Get-KmsRetirableGrant's objects, or any object with KeyId and
        /// GrantId (and the other grant properties KMS lists).</summary>
        [Parameter(ParameterSetName = InputSet, Mandatory = true, ValueFromPipeline = true)]
        public PSObject? InputObject { get; set; }

        /// <summary>The keys to list, when no grants are piped in: a key (ID, ARN, alias; a key ARN of another account too),
        /// or wildcards on key IDs, key ARNs and alias names.</summary>
        [Parameter(ParameterSetName = ListSet, Position = 0)]
        [SupportsWildcards]
        [ArgumentCompleter(typeof(KeyIdCompleter))]
        public string KeyId { get; set; } = "*";

        [Parameter]
        [NonNegativeTimeSpan]
        public TimeSpan MinimumAge { get; set; } = StaleGrantRules.DefaultMinimumAge;

        [Parameter]
        public StaleReason[] Reason { get; set; } = Array.Empty<StaleReason>();

        protected override string RunSummary => $"{_findings} stale grant(s) among {_grants}";

        protected override void BeginProcessing()
        {
            base.BeginProcessing();
            _rules = new StaleGrantRules(DateTime.UtcNow, MinimumAge, Reason);
            _rules.NotStale = (grant, why) => WriteVerbose($"Grant {grant.GrantId} on key {grant.KeyId}: {why}");
        }

        protected override void ProcessRecord()
        {
            if (ParameterSetName == InputSet)
            {
                if (GrantFrom(InputObject!, out var problem, out var comparable) is GrantInfo grant) Weigh(grant, comparable);
                else WriteError(ErrorRecords.Invalid(problem!, InputObject));
                return;
            }
            var invalid = WildcardPattern.ContainsWildcardCharacters(KeyId) ? PatternProblem(KeyId) : InputValidation.KeyId(KeyId);
            if (invalid != null)
            {
                WriteError(ErrorRecords.Invalid(invalid, KeyId));
                return;
            }
            SubmitKeys(KeyId, () => new ListingRequest());
        }

        protected override bool TakeGrant(GrantInfo grant)
        {
            Weigh(grant, comparable: true);
            return true;
        }

        /// <summary>Before a Region's keys are listed: its AWS managed keys (alias/aws/…, one ListAliases), whose grants are AWS
        /// services' own and which the grant limit does not bind. If ListAliases is refused, every key is weighed alike.</summary>
        protected override void BeforeListing(string region)
        {
            try
            {
                foreach (var (name, _, keyArn) in Blocking(KeyCatalog.AliasesAsync(OpenSession().ClientsFor(region), Cancellation)))
                    if (name.StartsWith("alias/aws/", StringComparison.Ordinal)) _rules!.AwsManaged(keyArn);
            }
            catch (Exception e) when (e is not PipelineStoppedException and not ActionPreferenceStopException and not OperationCanceledException)
            {
                WriteVerbose($"ListAliases in {region} failed ({OpenSession().ErrorFrom(e).Code}): AWS managed keys cannot be told apart there, so their grants are weighed as any.");
            }
        }

        /// <summary>A listed key is done: its duplicates are known and its count final, and the rules forget it (memory
        /// follows the largest key).</summary>
        protected override void ListingDone(GrantReport report)
        {
            if (report.Grant.KeyId is string key && report.Error == null) KeyDone(key, _rules!.KeyDone(key));
        }

        protected override void EndProcessing()
        {
            base.EndProcessing();
            // Grants piped in give no end per key: their keys are done once all have come.
            foreach (var (key, duplicates, count) in _rules!.AllDone()) KeyDone(key, (duplicates, count));
            if (_uncomparable > 0)
                WriteWarning($"{_uncomparable} piped grant(s) lacked their retiring principal, operations or constraints, or had them in a form that " +
                    "could not be read (such as 'System.String[]', what Export-Csv writes for a list): they were weighed for deleted principals only, " +
                    "not for duplicates. Pipe the grants themselves, or keep them whole (Export-Clixml, or ConvertTo-Json -Depth 4).");
            WriteVerbose($"{_findings} stale grant(s) among {_grants} grant(s) weighed (minimum age {MinimumAge}).");
        }

        void KeyDone(string key, (IReadOnlyList<StaleGrant> Duplicates, int Count) done)
        {
            foreach (var finding in done.Duplicates) Write(finding);
            if (_rules!.NearLimit(key, done.Count)) WriteWarning(StaleGrantRules.NearLimitWarning(key, done.Count));
        }

        void Weigh(GrantInfo grant, bool comparable)
        {
            _grants++;
            if (!comparable) _uncomparable++;
            if (_rules!.Add(grant, comparable) is StaleGrant finding) Write(finding);
        }

        void Write(StaleGrant finding)
        {
            _findings++;
            WriteObject(finding);
        }

        /// <summary>A piped object as a grant: ours as it is; another object (an Import-Csv row, AWS.Tools' GrantListEntry) by
        /// its properties, which must include KeyId and GrantId. Text, a hashtable or a number is no grant.
        /// <paramref name="comparable"/> is false when its operations or constraints could not be read as such.</summary>
        static GrantInfo? GrantFrom(PSObject input, out ValidationFailure? problem, out bool comparable)
        {
            problem = null;
            comparable = true;
            var value = input.BaseObject;
            if (value is GrantInfo grant) return grant;
            if (value is string or IDictionary or ValueType)
            {
                problem = new ValidationFailure(InvalidInputKind.GrantObject, $"A {value.GetType().Name} is not a grant: pipe grant objects (Get-KmsGrant, " +
                    "Get-KmsRetirableGrant, or rows with KeyId and GrantId columns), or give -KeyId to list keys.");
                return null;
            }
            string? Text(string name) => input.Properties[name]?.Value is { } v && (v is PSObject p ? p.BaseObject : v) is var raw && raw is not null ? raw.ToString() : null;
            var keyId = Text("KeyId");
            var grantId = Text("GrantId");
            if (string.IsNullOrEmpty(keyId) || string.IsNullOrEmpty(grantId))
            {
                problem = new ValidationFailure(InvalidInputKind.GrantObject, "The object has no KeyId and GrantId: it is not a grant. Pipe grant objects " +
                    "(Get-KmsGrant, Get-KmsRetirableGrant, or rows with KeyId and GrantId columns).");
                return null;
            }
            var operations = GrantObjects.Operations(input.Properties["Operations"]?.Value);
            var subsetRead = GrantObjects.TryTextPairs(GrantObjects.Constraint(input, "EncryptionContextSubset", out var constraintsPresent), out var subset, out _);
            var equalsRead = GrantObjects.TryTextPairs(GrantObjects.Constraint(input, "EncryptionContextEquals", out _), out var equals, out _);
            // A duplicate is the same grantee, retiring principal, operations and constraints: a row that cannot show all of
            // them (a column left out, a list or dictionary Export-Csv wrote as its type's name) is weighed for deleted
            // principals only.
            comparable = operations.Length > 0 && operations.All(o => InputValidation.GrantOperations.Contains(o))
                && constraintsPresent && subsetRead && equalsRead && input.Properties["RetiringPrincipal"] != null;
            return new GrantInfo
            {
                KeyId = keyId!,
                GrantId = grantId!,
                Name = NullIfEmpty(Text("Name")),
                GranteePrincipal = NullIfEmpty(Text("GranteePrincipal")),
                RetiringPrincipal = NullIfEmpty(Text("RetiringPrincipal")),
                IssuingAccount = NullIfEmpty(Text("IssuingAccount")),
                CreationDate = DateOf(input.Properties["CreationDate"]?.Value),
                Operations = operations,
                Constraints = subset == null && equals == null ? null
                    : new GrantConstraints { EncryptionContextSubset = subset, EncryptionContextEquals = equals },
            };
        }

        static string? NullIfEmpty(string? s) => string.IsNullOrEmpty(s) ? null : s;

        static DateTime? DateOf(object? value) => (value is PSObject p ? p.BaseObject : value) switch
        {
            DateTime d => d,
            DateTimeOffset o => o.UtcDateTime,
            string s when DateTime.TryParse(s, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var d) => d,
            _ => null,
        };
    }

    /// <summary>Refuses a negative time span in the binder (-MinimumAge).</summary>
    [AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
    public sealed class NonNegativeTimeSpanAttribute : ValidateArgumentsAttribute
    {
        protected override void Validate(object arguments, EngineIntrinsics engineIntrinsics)
        {
            if ((arguments is PSObject p ? p.BaseObject : arguments) is TimeSpan span && span < TimeSpan.Zero)
                throw new ValidationMetadataException($"The age {span} is negative; give 0 or more (for example 01:00:00, or (New-TimeSpan -Hours 1)).");
        }
    }
}

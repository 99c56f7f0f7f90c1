using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Threading;
using KmsGrants.Engine;

namespace KmsGrants.Commands
{
    /// <summary>What every KmsGrants cmdlet shares: AWS.Tools.Common's credential, region and endpoint parameters
    /// (same names and aliases), one session per invocation, and a cancellation token that StopProcessing (Ctrl+C)
    /// cancels and every wait observes.</summary>
    public abstract class KmsCmdletBase : PSCmdlet, IDisposable
    {
        readonly CancellationTokenSource _stopping = new CancellationTokenSource();
        KmsSession? _session;

        /// <summary>-Region as bound now: the command line's, or the current pipeline object's Region property (that
        /// object's Region, <see cref="InputRegion"/>, as AWS.Tools takes it). One Region for the cmdlets that change
        /// grants; the listing cmdlets take several.</summary>
        protected abstract IReadOnlyList<string>? BoundRegions { get; }

        // The credential and endpoint parameters bind from the command line only (AWS.Tools also binds them by property
        // name): a column of a CSV someone else wrote must not choose where signed requests go or whose keys sign them.
        [Parameter]
        [Alias("StoredCredentials", "AWSProfileName")]
        [ArgumentCompleter(typeof(ProfileCompleter))]
        public string? ProfileName { get; set; }

        [Parameter]
        [Alias("AWSProfilesLocation", "ProfilesLocation")]
        public string? ProfileLocation { get; set; }

        [Parameter]
        [Alias("AK")]
        public string? AccessKey { get; set; }

        [Parameter]
        [Alias("SK", "SecretAccessKey")]
        public string? SecretKey { get; set; }

        [Parameter]
        [Alias("ST")]
        public string? SessionToken { get; set; }

        [Parameter]
        public PSObject? Credential { get; set; }

        [Parameter]
        public string? EndpointUrl { get; set; }

        protected CancellationToken Cancellation => _stopping.Token;

        /// <summary>The Region the current pipeline object names (a Region property: an exported result, a row of a CSV
        /// with a Region column, AWS.Tools' Get-AWSRegion): its grants or key go there, not to the command's default
        /// Region. Null when -Region was given on the command line (it is then the command's for every object) or when
        /// the object names none (the binder restores a parameter bound from one object before the next).</summary>
        protected string? InputRegion => InputRegions?[0];

        /// <summary>Every Region the current pipeline object names (a listing cmdlet takes several), or null as for
        /// <see cref="InputRegion"/>.</summary>
        protected IReadOnlyList<string>? InputRegions =>
            MyInvocation.ExpectingInput && !_regionOnCommandLine && BoundRegions is { Count: > 0 } regions && regions.Any(r => !string.IsNullOrEmpty(r))
                ? regions.Where(r => !string.IsNullOrEmpty(r)).ToList() : null;

        /// <summary>-Region as the command line gave it (empty when it was not given).</summary>
        protected IReadOnlyList<string> CommandRegions { get; private set; } = Array.Empty<string>();

        bool _regionOnCommandLine;
        readonly HashSet<string> _inputRegionsSaid = new HashSet<string>(StringComparer.Ordinal);
        string? _commandRegion;

        /// <summary>Notes -Region as the command line gave it, before any pipeline object binds its own.</summary>
        protected override void BeginProcessing()
        {
            _regionOnCommandLine = MyInvocation.BoundParameters.ContainsKey("Region");
            CommandRegions = BoundRegions?.ToList() ?? new List<string>();
            _commandRegion = CommandRegions.Count > 0 ? CommandRegions[0] : null;
        }

        /// <summary>Opens this invocation's session on first use: resolves credentials (once) and the Region, and says
        /// where the calls go. Anything that stops every request (no credentials, no Region, a missing profile, a bad
        /// Region or endpoint) ends the command here with a terminating error.</summary>
        protected KmsSession OpenSession()
        {
            if (_session != null) return _session;
            try
            {
                _session = KmsSession.Open(new ConnectionOptions
                {
                    Region = _commandRegion,
                    ProfileName = ProfileName,
                    ProfileLocation = ProfileLocation,
                    AccessKey = AccessKey,
                    SecretKey = SecretKey,
                    SessionToken = SessionToken,
                    Credential = Credential?.BaseObject,
                    EndpointUrl = EndpointUrl,
                    SessionCredentials = SessionValue("StoredAWSCredentials"),
                    SessionRegion = SessionValue("StoredAWSRegion") as string,
                    SessionProxy = SessionValue("AWSProxy"),
                });
            }
            catch (ConfigurationException e)
            {
                ThrowTerminatingError(ErrorRecords.Configuration(e));
            }
            foreach (var warning in _session!.Warnings) WriteWarning(warning);
            if (_session.Endpoint != null)
                WriteVerbose($"Endpoint {_session.Endpoint} from {_session.EndpointSource}: every request goes there, signed for its grant's or key's Region.");
            WriteVerbose(_session.DefaultRegion == null
                ? $"{_session.EndpointDisplay} (no default Region is set: a key named by its ARN goes to the ARN's Region; a token, a bare key ID " +
                    $"or an alias name gets KmsGrants.NoRegion), credentials from {_session.CredentialSource}."
                : $"{_session.EndpointDisplay} (Region {_session.DefaultRegion} from {_session.RegionSource}; a key named by its ARN " +
                    $"goes to the ARN's Region), credentials from {_session.CredentialSource}.");
            return _session;
        }

        /// <summary>The Region for what always needs one (ListRetirableGrants): the pipeline object's Region, else the
        /// default one; null, with the error reported for this object, when the object's Region is not one; with no
        /// Region at all, the command's terminating KmsGrants.NoRegion.</summary>
        protected string? RegionOrStop(string what, object target)
        {
            var session = OpenSession();
            if (InputRegion != null) return InputRegionUsable(null, what, target) ? InputRegion : null;
            try
            {
                return session.Routing.RequireDefaultRegion(what);
            }
            catch (ConfigurationException e)
            {
                ThrowTerminatingError(ErrorRecords.Configuration(e));
                throw;
            }
        }

        /// <summary>The Region a key goes to (<see cref="RegionRouting"/>); null, with the error reported for this item
        /// only, when it needs the default Region and none is set (a key named by ARN needs none), or when its input
        /// object's Region is not one or not the key ARN's.</summary>
        protected string? RegionOfKeyOrReport(string keyId, string what, object target)
        {
            var session = OpenSession();
            return InputRegionUsable(keyId, what, target) ? session.Routing.RegionOfKey(keyId, InputRegion) ?? ReportNoRegion(what, target) : null;
        }

        /// <summary>As <see cref="RegionOfKeyOrReport"/>, for a grant (a token always needs the default Region or its
        /// object's).</summary>
        protected string? RegionOfGrantOrReport(GrantReference grant)
        {
            var session = OpenSession();
            return InputRegionUsable(grant.KeyId, grant.ToString(), grant)
                ? session.Routing.RegionOf(grant, InputRegion) ?? ReportNoRegion(grant.ToString(), grant)
                : null;
        }

        bool InputRegionUsable(string? keyId, string what, object target)
        {
            if (InputRegion == null) return true;
            if (RegionRouting.InputRegionProblem(InputRegion, keyId, what) is not ValidationFailure invalid)
            {
                if (_inputRegionsSaid.Add(InputRegion))
                    WriteVerbose($"Input objects whose Region property is {InputRegion}: their grants and keys go to {InputRegion} (a key ARN to its own Region).");
                return true;
            }
            WriteError(ErrorRecords.Invalid(invalid, target));
            return false;
        }

        string? ReportNoRegion(string what, object target)
        {
            WriteError(ErrorRecords.Configuration(ConfigurationException.NoRegion(what), target));
            return null;
        }

        /// <summary>Reports a failed KMS call: terminating when it would fail every request alike (bad credentials, an
        /// endpoint that is not KMS), otherwise for this item only.</summary>
        protected void WriteServiceError(KmsError error, string what, object? target)
        {
            var record = ErrorRecords.Service(error, what, target, _session);
            if (error.StopsEverything) ThrowTerminatingError(record);
            WriteError(record);
        }

        /// <summary>Resolves an alias (alias/NAME or an alias ARN) to its key ARN with DescribeKey (once per alias per
        /// command); a key ID or ARN is returned as given. A failure is returned in <paramref name="failure"/>, for the
        /// caller to report as its item's; null and no failure when the command was stopped. The Region must be known
        /// (<see cref="RegionOfKeyOrReport"/>).</summary>
        protected string? ResolveKey(string keyId, string region, out KmsError? failure)
        {
            failure = null;
            // Outside the try: a session that cannot open (bad Region, credentials, profile file) has already thrown the
            // command's terminating error, which must not come back as a second error about this key.
            var session = OpenSession();
            string resolved;
            try
            {
                resolved = session.ResolveKey(keyId, region, Cancellation);
            }
            catch (OperationCanceledException) when (Cancellation.IsCancellationRequested)
            {
                return null;
            }
            catch (Exception e)
            {
                failure = session.ErrorFrom(e).ForAliasLookup(keyId, region);
                return null;
            }
            if (!ReferenceEquals(resolved, keyId)) WriteVerbose($"{keyId} is key {resolved}.");
            return resolved;
        }

        protected override void StopProcessing() => _stopping.Cancel();

        public void Dispose()
        {
            Dispose(true);
            GC.SuppressFinalize(this);
        }

        protected virtual void Dispose(bool disposing)
        {
            if (!disposing) return;
            _session?.Dispose();
            _stopping.Dispose();
        }

        object? SessionValue(string name)
        {
            var value = SessionState.PSVariable.GetValue(name);
            return value is PSObject ps ? ps.BaseObject : value;
        }
    }
}

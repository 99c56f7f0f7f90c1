using System;
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

        [Parameter(ValueFromPipelineByPropertyName = true)]
        [Alias("RegionToCall")]
        [ArgumentCompleter(typeof(RegionCompleter))]
        public string? Region { get; set; }

        [Parameter(ValueFromPipelineByPropertyName = true)]
        [Alias("StoredCredentials", "AWSProfileName")]
        [ArgumentCompleter(typeof(ProfileCompleter))]
        public string? ProfileName { get; set; }

        [Parameter(ValueFromPipelineByPropertyName = true)]
        [Alias("AWSProfilesLocation", "ProfilesLocation")]
        public string? ProfileLocation { get; set; }

        [Parameter(ValueFromPipelineByPropertyName = true)]
        [Alias("AK")]
        public string? AccessKey { get; set; }

        [Parameter(ValueFromPipelineByPropertyName = true)]
        [Alias("SK", "SecretAccessKey")]
        public string? SecretKey { get; set; }

        [Parameter(ValueFromPipelineByPropertyName = true)]
        [Alias("ST")]
        public string? SessionToken { get; set; }

        [Parameter(ValueFromPipelineByPropertyName = true)]
        public PSObject? Credential { get; set; }

        [Parameter(ValueFromPipelineByPropertyName = true)]
        public string? EndpointUrl { get; set; }

        protected CancellationToken Cancellation => _stopping.Token;

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
                    Region = Region,
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
            WriteVerbose(_session.DefaultRegion == null
                ? $"{_session.EndpointDisplay} (no default Region is set: a key named by its ARN goes to the ARN's Region; a token, a bare key ID " +
                    $"or an alias name gets KmsGrants.NoRegion), credentials from {_session.CredentialSource}."
                : $"{_session.EndpointDisplay} (Region {_session.DefaultRegion} from {_session.RegionSource}; a key named by its ARN " +
                    $"goes to the ARN's Region), credentials from {_session.CredentialSource}.");
            return _session;
        }

        /// <summary>The default Region, for what always needs one (ListRetirableGrants); with none set, the command's
        /// terminating KmsGrants.NoRegion.</summary>
        protected string DefaultRegionOrStop(string what)
        {
            var session = OpenSession();
            try
            {
                return session.RequireDefaultRegion(what);
            }
            catch (ConfigurationException e)
            {
                ThrowTerminatingError(ErrorRecords.Configuration(e));
                throw;
            }
        }

        /// <summary>Reports, for this item only, that it needs the default Region and none is set (KmsGrants.NoRegion). Returns
        /// whether it did: a key named by ARN, or a session with a default Region, needs nothing.</summary>
        protected bool ReportedNoRegion(bool needsDefaultRegion, string what, object target)
        {
            if (!needsDefaultRegion) return false;
            WriteError(ErrorRecords.Configuration(ConfigurationException.NoRegion(what), target));
            return true;
        }

        /// <summary>Reports a failed KMS call: terminating when it would fail every request alike (bad credentials, an
        /// endpoint that is not KMS), otherwise for this item only.</summary>
        protected void WriteServiceError(KmsError error, string what, object? target)
        {
            var record = ErrorRecords.Service(error, what, target, _session);
            if (error.StopsEverything) ThrowTerminatingError(record);
            WriteError(record);
        }

        /// <summary>Resolves an alias (alias/NAME or an alias ARN) to its key ARN; a key ID or ARN is returned as given.
        /// An unknown alias, or a failure to ask, is a non-terminating error for <paramref name="target"/> and null; an alias
        /// name with no default Region is KmsGrants.NoRegion for it. A Region other than the command's own that refuses the
        /// credentials goes to <paramref name="otherRegionRefused"/> (error, Region) when given: it may stop that Region only.</summary>
        protected string? ResolveKey(string keyId, object target, Action<KmsError, string>? otherRegionRefused = null)
        {
            // Outside the try: a session that cannot open (bad Region, credentials, profile file) has already thrown the
            // command's terminating error, which must not come back as a second error about this key.
            var session = OpenSession();
            if (ReportedNoRegion(session.NeedsDefaultRegion(keyId), $"the alias {keyId}", target)) return null;
            string resolved;
            try
            {
                resolved = session.ResolveKey(keyId, Cancellation);
            }
            catch (OperationCanceledException) when (Cancellation.IsCancellationRequested)
            {
                return null;
            }
            catch (Exception e)
            {
                var error = KmsError.From(e);
                var region = session.RegionOfKey(keyId);
                if (otherRegionRefused != null && error.RefusesCredentials && region != session.DefaultRegion)
                    otherRegionRefused(error, region);
                else
                    WriteServiceError(error, $"resolve the alias {keyId}", target);
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

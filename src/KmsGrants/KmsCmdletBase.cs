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
                return session.Routing.RequireDefaultRegion(what);
            }
            catch (ConfigurationException e)
            {
                ThrowTerminatingError(ErrorRecords.Configuration(e));
                throw;
            }
        }

        /// <summary>The Region a key goes to (<see cref="RegionRouting"/>); null, with KmsGrants.NoRegion reported for this
        /// item only, when it needs the default Region and none is set (a key named by ARN needs none).</summary>
        protected string? RegionOfKeyOrReport(string keyId, string what, object target) =>
            OpenSession().Routing.RegionOfKey(keyId) ?? ReportNoRegion(what, target);

        /// <summary>As <see cref="RegionOfKeyOrReport"/>, for a grant (a token always needs the default Region).</summary>
        protected string? RegionOfGrantOrReport(GrantReference grant) =>
            OpenSession().Routing.RegionOf(grant) ?? ReportNoRegion(grant.ToString(), grant);

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
        protected string? ResolveKey(string keyId, out KmsError? failure)
        {
            failure = null;
            // Outside the try: a session that cannot open (bad Region, credentials, profile file) has already thrown the
            // command's terminating error, which must not come back as a second error about this key.
            var session = OpenSession();
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
                failure = session.ErrorFrom(e);
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

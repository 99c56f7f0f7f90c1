using System;
using System.Management.Automation;
using System.Threading;
using KmsGrants.Engine;

namespace KmsGrants.Commands
{
    /// <summary>What every KmsGrants cmdlet shares: AWS.Tools.Common's credential, region and endpoint parameters
    /// (same names and aliases), one connection per invocation, and a cancellation token that StopProcessing
    /// (Ctrl+C) cancels and every wait observes.</summary>
    public abstract class KmsCmdletBase : PSCmdlet, IDisposable
    {
        readonly CancellationTokenSource _stopping = new CancellationTokenSource();
        KmsConnection? _connection;

        [Parameter]
        [ArgumentCompleter(typeof(RegionCompleter))]
        public string? Region { get; set; }

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

        /// <summary>An AWSCredentials object (e.g. from AWS.Tools' Get-AWSCredential).</summary>
        [Parameter]
        public PSObject? Credential { get; set; }

        [Parameter]
        public string? EndpointUrl { get; set; }

        protected CancellationToken Cancellation => _stopping.Token;

        /// <summary>The connection for this invocation, opened on first use. Anything that stops every request
        /// (no credentials, no region, a missing profile) ends the command here.</summary>
        protected KmsConnection Connection
        {
            get
            {
                if (_connection != null) return _connection;
                try
                {
                    _connection = KmsConnection.Open(new ConnectionOptions
                    {
                        Region = Region,
                        ProfileName = ProfileName,
                        ProfileLocation = ProfileLocation,
                        AccessKey = AccessKey,
                        SecretKey = SecretKey,
                        SessionToken = SessionToken,
                        Credential = Credential?.BaseObject,
                        EndpointUrl = EndpointUrl,
                        SessionCredentials = Unwrap(SessionState.PSVariable.GetValue("StoredAWSCredentials")),
                        SessionRegion = Unwrap(SessionState.PSVariable.GetValue("StoredAWSRegion"))?.ToString(),
                    });
                }
                catch (ConfigurationException e)
                {
                    ThrowTerminatingError(ErrorRecords.Configuration(e));
                }
                WriteVerbose($"KMS in {_connection!.Region}{(_connection.Endpoint == null ? "" : " at " + _connection.Endpoint)}, credentials from {_connection.CredentialSource}.");
                return _connection;
            }
        }

        /// <summary>Reports a failed KMS call: terminating when it would fail every request alike (bad credentials),
        /// otherwise for this item only.</summary>
        protected void WriteServiceError(KmsError error, string what, object? target)
        {
            var record = ErrorRecords.Service(error, what, target, Connection);
            if (ErrorRecords.StopsEverything(error)) ThrowTerminatingError(record);
            WriteError(record);
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
            _connection?.Dispose();
            _stopping.Dispose();
        }

        static object? Unwrap(object? value) => value is PSObject ps ? ps.BaseObject : value;
    }
}

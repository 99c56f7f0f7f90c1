// The shape of AWS.Tools.Common's session credentials object ($StoredAWSCredentials, set by Set-AWSCredential):
// Name and Credentials are internal, ToString() is the name. AWS.Tools.Common cannot be installed here, so the
// resolution tests use this stand-in, wrapping credentials from a different AWSSDK.Core copy as AWS.Tools would.
namespace Amazon.PowerShell.Common
{
    public class AWSPSCredentials
    {
        internal AWSPSCredentials(object credentials, string name, int source)
        {
            Credentials = credentials;
            Name = name;
            Source = source;
        }

        internal object Credentials { get; }
        internal string Name { get; }
        internal int Source { get; }

        public override string ToString() => Name;
    }
}

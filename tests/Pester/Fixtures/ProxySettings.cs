// The shape of AWS.Tools.Common's $AWSProxy (set by Set-AWSProxy): public Hostname, Port, Credentials, BypassList,
// BypassOnLocal. AWS.Tools.Common cannot be installed here, so the $AWSProxy tests use this stand-in.
namespace Amazon.PowerShell.Common
{
    public class ProxySettings
    {
        public string Hostname { get; set; }
        public int Port { get; set; }
        public System.Net.ICredentials Credentials { get; set; }
        public System.Collections.Generic.List<string> BypassList { get; set; }
        public bool? BypassOnLocal { get; set; }
    }
}

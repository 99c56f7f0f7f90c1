namespace KmsGrants.Engine
{
    /// <summary>The AWS Tools' common parameters, plus the session state that AWS.Tools.Common's Set-AWSCredential,
    /// Set-DefaultAWSRegion and Set-AWSProxy leave behind.</summary>
    public sealed class ConnectionOptions
    {
        public string? Region { get; set; }
        public string? ProfileName { get; set; }
        public string? ProfileLocation { get; set; }
        public string? AccessKey { get; set; }
        public string? SecretKey { get; set; }
        public string? SessionToken { get; set; }
        /// <summary>An AWSCredentials object, possibly from another copy of AWSSDK.Core (AWS.Tools).</summary>
        public object? Credential { get; set; }
        public string? EndpointUrl { get; set; }
        /// <summary>The value of $StoredAWSCredentials (AWS.Tools.Common's AWSPSCredentials), if any.</summary>
        public object? SessionCredentials { get; set; }
        /// <summary>The value of $StoredAWSRegion, if any.</summary>
        public string? SessionRegion { get; set; }
        /// <summary>The value of $AWSProxy (AWS.Tools.Common's ProxySettings), if any.</summary>
        public object? SessionProxy { get; set; }
    }
}

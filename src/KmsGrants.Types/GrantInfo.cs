using System;
using System.Collections.Generic;

namespace KmsGrants
{
    /// <summary>One grant as ListGrants / ListRetirableGrants describe it (the SDK's GrantListEntry), in our own type so
    /// that no AWS SDK type reaches the user's session. Property names match GrantListEntry's, so scripts written for
    /// AWS.Tools' objects read these the same way.</summary>
    public class GrantInfo
    {
        public string KeyId { get; set; } = "";
        public string GrantId { get; set; } = "";
        public string? Name { get; set; }
        public DateTime? CreationDate { get; set; }
        public string? GranteePrincipal { get; set; }
        public string? RetiringPrincipal { get; set; }
        public string? IssuingAccount { get; set; }
        public string[] Operations { get; set; } = Array.Empty<string>();
        /// <summary>Shaped like GrantListEntry.Constraints: null when the grant has none.</summary>
        public GrantConstraints? Constraints { get; set; }
        public IDictionary<string, string>? EncryptionContextSubset => Constraints?.EncryptionContextSubset;
        public IDictionary<string, string>? EncryptionContextEquals => Constraints?.EncryptionContextEquals;

        public override string ToString() => GrantId;
    }

    /// <summary>A grant's encryption-context constraints, as the SDK's GrantConstraints.</summary>
    public sealed class GrantConstraints
    {
        public IDictionary<string, string>? EncryptionContextEquals { get; set; }
        public IDictionary<string, string>? EncryptionContextSubset { get; set; }
    }
}

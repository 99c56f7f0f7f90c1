using System;
using System.Collections.Generic;

namespace KmsGrants
{
    /// <summary>One grant as ListGrants / ListRetirableGrants describe it (GrantListEntry), in our own type
    /// so that no AWS SDK type reaches the user's session.</summary>
    public sealed class GrantInfo
    {
        public string KeyId { get; set; } = "";
        public string GrantId { get; set; } = "";
        public string? Name { get; set; }
        public DateTime? CreationDate { get; set; }
        public string? GranteePrincipal { get; set; }
        public string? RetiringPrincipal { get; set; }
        public string? IssuingAccount { get; set; }
        public string[] Operations { get; set; } = Array.Empty<string>();
        public IDictionary<string, string>? EncryptionContextSubset { get; set; }
        public IDictionary<string, string>? EncryptionContextEquals { get; set; }

        public override string ToString() => GrantId;
    }
}

using System;
using System.Collections.Generic;
using System.ComponentModel;

namespace KmsGrants
{
    /// <summary>One grant as ListGrants / ListRetirableGrants describe it (the SDK's GrantListEntry), in our own type so
    /// that no AWS SDK type reaches the user's session. Property names match GrantListEntry's, so scripts written for
    /// AWS.Tools' objects read these the same way.</summary>
    public class GrantInfo
    {
        [Description("The key ARN.")]
        public string KeyId { get; set; } = "";
        [Description("The grant's ID.")]
        public string GrantId { get; set; } = "";
        [Description("The grant's name, if it has one (names are not unique).")]
        public string? Name { get; set; }
        [Description("When the grant was made.")]
        public DateTime? CreationDate { get; set; }
        [Description("The principal the grant gives its operations to; a deleted IAM role or user shows as its unique ID (AROA..., AIDA...).")]
        public string? GranteePrincipal { get; set; }
        [Description("The principal that may retire the grant, if any; shown like GranteePrincipal.")]
        public string? RetiringPrincipal { get; set; }
        [Description("The account under which the grant was issued.")]
        public string? IssuingAccount { get; set; }
        [Description("What the grant allows.")]
        public string[] Operations { get; set; } = Array.Empty<string>();
        [Description("Shaped like the SDK's GrantListEntry.Constraints (EncryptionContextSubset, EncryptionContextEquals); empty when the grant has none.")]
        public GrantConstraints? Constraints { get; set; }
        [Description("Constraints.EncryptionContextSubset, at the top level, where New-KmsGrant binds it from a piped grant.")]
        public IDictionary<string, string>? EncryptionContextSubset => Constraints?.EncryptionContextSubset;
        [Description("Constraints.EncryptionContextEquals, at the top level, where New-KmsGrant binds it from a piped grant.")]
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

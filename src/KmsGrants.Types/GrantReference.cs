namespace KmsGrants
{
    /// <summary>A grant to retire or revoke, identified by token or by key and grant ID; the target object of its errors.</summary>
    public sealed class GrantReference
    {
        public GrantReference(string? keyId, string? grantId, string? grantToken)
        {
            KeyId = keyId;
            GrantId = grantId;
            GrantToken = grantToken;
        }

        public string? KeyId { get; }
        public string? GrantId { get; }
        public string? GrantToken { get; }

        public bool ByToken => !string.IsNullOrEmpty(GrantToken);

        public override string ToString() => Describe(KeyId, GrantId, GrantToken);

        /// <summary>Names a grant for people: "grant &lt;id&gt; on key &lt;key&gt;", or its token's first and last characters
        /// (tokens are long; KMS says they are not secret, but a screenful of one helps nobody).</summary>
        public static string Describe(string? keyId, string? grantId, string? grantToken)
        {
            if (!string.IsNullOrEmpty(grantToken))
            {
                var t = grantToken!;
                return t.Length <= 24 ? $"grant token {t}" : $"grant token {t.Substring(0, 12)}…{t.Substring(t.Length - 8)}";
            }
            // A grant to be created has no ID yet.
            return string.IsNullOrEmpty(grantId) ? $"a new grant on key {keyId}" : $"grant {grantId} on key {keyId}";
        }
    }
}

using System;

namespace KmsGrants
{
    /// <summary>One page of a listing, shaped like ListGrantsResponse / ListRetirableGrantsResponse: what
    /// <c>-Select *</c> writes, as AWS.Tools does.</summary>
    public sealed class GrantPage
    {
        public GrantInfo[] Grants { get; set; } = Array.Empty<GrantInfo>();
        public string? NextMarker { get; set; }
        public bool Truncated { get; set; }
    }
}

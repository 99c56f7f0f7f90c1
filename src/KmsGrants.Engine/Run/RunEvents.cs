using System.Collections.Generic;

namespace KmsGrants.Engine
{
    /// <summary>What a run hands back to the pipeline thread, in completion order: an item's one result, or a page of
    /// grants a listing item found on its way to its result.</summary>
    public abstract class RunEvent
    {
        protected RunEvent(GrantReference grant, object? request)
        {
            Grant = grant;
            Request = request;
        }

        /// <summary>The item as the command named it: a grant, or a new grant's or a listing's key.</summary>
        public GrantReference Grant { get; }
        /// <summary>What the item asked beyond <see cref="Grant"/> (a <see cref="GrantSpec"/>, a <see cref="ListingRequest"/>).</summary>
        public object? Request { get; }
    }

    /// <summary>The one result of one item, with its error (if any) in the engine's terms.</summary>
    public sealed class GrantReport : RunEvent
    {
        public GrantReport(GrantReference grant, GrantResult result, KmsError? error, string? note, BulkReason? bulk, object? request = null) : base(grant, request)
        {
            Result = result;
            Error = error;
            Note = note;
            Bulk = bulk;
        }

        public GrantResult Result { get; }
        public KmsError? Error { get; }
        /// <summary>Worth a verbose line, e.g. why a NotFound counts as done.</summary>
        public string? Note { get; }
        /// <summary>Why this result is said once for many (<see cref="RunReport"/>), not grant by grant; null if it is not.</summary>
        public BulkReason? Bulk { get; }
        public bool ReportedInBulk => Bulk != null;
    }

    /// <summary>One page of grants a listing item's request brought back (ListGrants of a key, ListRetirableGrants of a
    /// principal): written as it arrives, before the item's result.</summary>
    public sealed class PageReport : RunEvent
    {
        public PageReport(GrantReference item, object? request, string region, IReadOnlyList<GrantInfo> grants) : base(item, request)
        {
            Region = region;
            Grants = grants;
        }

        public string Region { get; }
        public IReadOnlyList<GrantInfo> Grants { get; }
    }
}

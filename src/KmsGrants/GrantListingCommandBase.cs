using System;
using System.Management.Automation;
using KmsGrants.Engine;

namespace KmsGrants.Commands
{
    /// <summary>Streams grants page by page to the pipeline, honouring -First/-Skip/-IncludeTotalCount
    /// (SupportsPaging) across every input: the next page is requested only after the previous one was written,
    /// and never once -First is satisfied.</summary>
    public abstract class GrantListingCommandBase : KmsCmdletBase
    {
        /// <summary>KMS's own default page size.</summary>
        public const int DefaultPageSize = 50;

        ulong _skipped;
        ulong _written;
        bool _truncatedByFirst;

        /// <summary>Grants per ListGrants/ListRetirableGrants request (1-100).</summary>
        [Parameter]
        [ValidateRange(1, 100)]
        public int PageSize { get; set; } = DefaultPageSize;

        ulong First => PagingParameters.First;
        ulong Skip => PagingParameters.Skip;
        bool FirstSatisfied => _written >= First;

        /// <summary>The page size for the next listing: no more than -First still needs.</summary>
        int Limit
        {
            get
            {
                if (First == ulong.MaxValue) return PageSize;
                var needed = (First - _written) + (Skip > _skipped ? Skip - _skipped : 0);
                return (int)Math.Min((ulong)PageSize, Math.Max(1UL, needed));
            }
        }

        protected void WriteGrants(Func<int, GrantPager> open, string what, object target)
        {
            if (FirstSatisfied)
            {
                _truncatedByFirst = true;
                return;
            }
            using var pager = open(Limit);
            while (true)
            {
                // Only the request is guarded: exceptions from downstream (a later command's -ErrorAction Stop,
                // a throw in ForEach-Object) pass through WriteObject untouched.
                bool more;
                try
                {
                    more = pager.MoveNext();
                }
                catch (OperationCanceledException) when (Cancellation.IsCancellationRequested)
                {
                    return;
                }
                catch (Exception e)
                {
                    WriteServiceError(KmsError.From(e), what, target);
                    return;
                }
                if (!more) return;

                foreach (var grant in pager.Current)
                {
                    if (_skipped < Skip) { _skipped++; continue; }
                    WriteObject(grant);
                    _written++;
                    if (FirstSatisfied)
                    {
                        _truncatedByFirst = true;
                        return;
                    }
                }
                WriteDebug($"{what}: page {pager.PagesReceived} done, {_written} grants written.");
            }
        }

        protected override void EndProcessing()
        {
            if (PagingParameters.IncludeTotalCount)
            {
                var total = _written + _skipped;
                WriteObject(PagingParameters.NewTotalCount(total, _truncatedByFirst ? 0.0 : 1.0));
            }
        }
    }
}

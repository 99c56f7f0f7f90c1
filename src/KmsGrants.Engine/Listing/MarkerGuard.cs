using System;
using System.Collections.Generic;

namespace KmsGrants.Engine
{
    /// <summary>Keeps a listing from going round for ever against an endpoint that is not KMS: a NextMarker given before, or
    /// (for a listing with no filter) page after page with nothing on it yet another NextMarker. One per listing.</summary>
    public sealed class MarkerGuard
    {
        /// <summary>Empty pages in a row that still promise more: KMS fills an unfiltered listing's pages, so this many is no
        /// service's. A filtered one (ListGrants by GranteePrincipal) may skip what the filter drops, so it is not held to this.</summary>
        public const int MaxEmptyPagesInARow = 50;

        readonly HashSet<string> _markers = new HashSet<string>(StringComparer.Ordinal);
        readonly bool _pagesAreFull;
        int _emptyInARow;

        /// <param name="pagesAreFull">The listing has no filter, so each page but the last has something on it.</param>
        /// <param name="firstMarker">The marker the listing started from, if it resumed one.</param>
        public MarkerGuard(bool pagesAreFull, string? firstMarker = null)
        {
            _pagesAreFull = pagesAreFull;
            if (!string.IsNullOrEmpty(firstMarker)) _markers.Add(firstMarker!);
        }

        /// <summary>The marker of the next page, or null at the end; throws when the answer cannot be KMS's.</summary>
        public string? Next(string? nextMarker, bool? truncated, int entries)
        {
            if (string.IsNullOrEmpty(nextMarker) || truncated == false) return null;
            if (!_markers.Add(nextMarker!)) throw KmsAnswerCheck.RepeatedMarker();
            _emptyInARow = entries == 0 ? _emptyInARow + 1 : 0;
            if (_pagesAreFull && _emptyInARow >= MaxEmptyPagesInARow) throw KmsAnswerCheck.EndlessEmptyPages(MaxEmptyPagesInARow);
            return nextMarker;
        }
    }
}

using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using System.Text.RegularExpressions;

namespace KmsGrants.Engine
{
    /// <summary>Removes secrets (a secret key, a session token) from text an endpoint sent back: an error message, code or
    /// request ID quoting the request, a marker, a grant's fields. An endpoint may echo them altered, so besides the exact
    /// secret this finds it in any case, URL-encoded (once or twice), hex, base64 of its UTF-8 or UTF-16 bytes at any
    /// byte offset, and any run of <see cref="MinFragment"/> or more of its characters in those forms (half a token is
    /// still a credential). A secret shorter than that (a test's "testing") is masked only where it stands alone — not
    /// inside "alias/testing-app"; a real AWS secret key is 40 characters.</summary>
    public sealed class SecretRedaction
    {
        public const string Mask = "***";
        /// <summary>Long enough that ordinary words and IDs do not match by chance, short enough to catch a half secret
        /// key (40 characters).</summary>
        public const int MinFragment = 16;
        // Rolling hash of a window, case-folded: text is scanned without allocating; a hit is confirmed by its text.
        const ulong Base = 1_000_003;
        static readonly ulong TopPower = Enumerable.Repeat(Base, MinFragment - 1).Aggregate(1UL, (a, b) => unchecked(a * b));

        readonly string[] _secrets;
        readonly string[] _longSecrets;
        readonly Regex? _shortSecrets;
        readonly HashSet<string> _windows = new HashSet<string>(StringComparer.Ordinal);
        readonly HashSet<ulong> _windowHashes = new HashSet<ulong>();

        public SecretRedaction(IEnumerable<string?> secrets)
        {
            _secrets = secrets.Where(s => !string.IsNullOrEmpty(s)).Select(s => s!).ToArray();
            _longSecrets = _secrets.Where(s => s.Length >= MinFragment).ToArray();
            var shortOnes = _secrets.Where(s => s.Length < MinFragment).ToArray();
            // Standing alone: not between characters of a word, path or name (letters, digits, / - . _ + @).
            if (shortOnes.Length > 0)
                _shortSecrets = new Regex(@"(?<![\w/.+@-])(?:" + string.Join("|", shortOnes.Select(Regex.Escape)) + @")(?![\w/.+@-])", RegexOptions.CultureInvariant);
            foreach (var secret in _longSecrets)
                foreach (var form in Forms(secret))
                {
                    var lower = form.ToLowerInvariant();
                    for (var i = 0; i + MinFragment <= lower.Length; i++)
                    {
                        var window = lower.Substring(i, MinFragment);
                        if (_windows.Add(window)) _windowHashes.Add(Hash(window, 0));
                    }
                }
        }

        static IEnumerable<string> Forms(string secret)
        {
            yield return secret;
            var escaped = Uri.EscapeDataString(secret);
            yield return escaped;
            yield return Uri.EscapeDataString(escaped);
            var utf8 = Encoding.UTF8.GetBytes(secret);
            yield return string.Concat(utf8.Select(b => b.ToString("x2")));
            foreach (var bytes in new[] { utf8, Encoding.Unicode.GetBytes(secret) })
                for (var offset = 0; offset < 3; offset++)
                {
                    // Base64 of the secret after `offset` other bytes: its characters from the first group that is the
                    // secret's alone (a group of 3 bytes is 4 characters).
                    var shifted = Convert.ToBase64String(new byte[offset].Concat(bytes).ToArray());
                    yield return shifted.Substring(offset == 0 ? 0 : 4);
                }
        }

        /// <summary>Whether this was made for these secrets (credentials that refresh get a new one).</summary>
        public bool IsFor(IEnumerable<string?> secrets) =>
            _secrets.SequenceEqual(secrets.Where(s => !string.IsNullOrEmpty(s)).Select(s => s!), StringComparer.Ordinal);

        public string Redact(string text)
        {
            if (string.IsNullOrEmpty(text)) return text;
            var redacted = text;
            foreach (var secret in _longSecrets) redacted = redacted.Replace(secret, Mask);
            if (_shortSecrets != null) redacted = _shortSecrets.Replace(redacted, Mask);
            return _windows.Count == 0 || redacted.Length < MinFragment ? redacted : MaskWindows(redacted);
        }

        static ulong Hash(string text, int start)
        {
            ulong h = 0;
            for (var i = start; i < start + MinFragment; i++) h = unchecked(h * Base + char.ToLowerInvariant(text[i]));
            return h;
        }

        /// <summary>Masks every maximal run of text covered by windows of the secrets' forms (compared in lower case).</summary>
        string MaskWindows(string text)
        {
            bool[]? covered = null;
            var h = Hash(text, 0);
            for (var i = 0; ; i++)
            {
                if (_windowHashes.Contains(h) && _windows.Contains(text.Substring(i, MinFragment).ToLowerInvariant()))
                {
                    covered ??= new bool[text.Length];
                    for (var j = i; j < i + MinFragment; j++) covered[j] = true;
                }
                if (i + MinFragment >= text.Length) break;
                h = unchecked((h - char.ToLowerInvariant(text[i]) * TopPower) * Base + char.ToLowerInvariant(text[i + MinFragment]));
            }
            if (covered == null) return text;
            var result = new StringBuilder(text.Length);
            for (var i = 0; i < text.Length; i++)
            {
                if (!covered[i]) result.Append(text[i]);
                else if (i == 0 || !covered[i - 1]) result.Append(Mask);
            }
            return result.ToString();
        }
    }
}

using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;

namespace KmsGrants.Engine
{
    /// <summary>Removes secrets (a secret key, a session token) from text an endpoint sent back, such as an error message
    /// quoting the request. An endpoint may echo them altered, so besides the exact secret this finds it in any case,
    /// URL-encoded or base64-encoded, and any run of <see cref="MinFragment"/> or more of its characters in those forms
    /// (half a token is still a credential). Shorter secrets are matched whole and exactly: a 7-character test secret
    /// such as "testing" must not blank every word it happens to be part of.</summary>
    public sealed class SecretRedaction
    {
        public const string Mask = "***";
        /// <summary>Long enough that ordinary words and IDs do not match by chance, short enough to catch a half secret
        /// key (40 characters).</summary>
        public const int MinFragment = 16;

        readonly string[] _secrets;
        readonly HashSet<string> _windows = new HashSet<string>(StringComparer.Ordinal);

        public SecretRedaction(IEnumerable<string?> secrets)
        {
            _secrets = secrets.Where(s => !string.IsNullOrEmpty(s)).Select(s => s!).ToArray();
            foreach (var secret in _secrets.Where(s => s.Length >= MinFragment))
                foreach (var form in new[] { secret, Uri.EscapeDataString(secret), Convert.ToBase64String(Encoding.UTF8.GetBytes(secret)) })
                {
                    var lower = form.ToLowerInvariant();
                    for (var i = 0; i + MinFragment <= lower.Length; i++) _windows.Add(lower.Substring(i, MinFragment));
                }
        }

        /// <summary>Whether this was made for these secrets (credentials that refresh get a new one).</summary>
        public bool IsFor(IEnumerable<string?> secrets) =>
            _secrets.SequenceEqual(secrets.Where(s => !string.IsNullOrEmpty(s)).Select(s => s!), StringComparer.Ordinal);

        public string Redact(string text)
        {
            var redacted = text;
            foreach (var secret in _secrets) redacted = redacted.Replace(secret, Mask);
            return _windows.Count == 0 || redacted.Length < MinFragment ? redacted : MaskWindows(redacted, _windows);
        }

        /// <summary>Masks every maximal run of text covered by windows of the secrets' forms (compared in lower case).</summary>
        static string MaskWindows(string text, HashSet<string> windows)
        {
            var lower = text.ToLowerInvariant();
            var covered = new bool[text.Length];
            var any = false;
            for (var i = 0; i + MinFragment <= lower.Length; i++)
            {
                if (!windows.Contains(lower.Substring(i, MinFragment))) continue;
                for (var j = i; j < i + MinFragment; j++) covered[j] = true;
                any = true;
            }
            if (!any) return text;
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

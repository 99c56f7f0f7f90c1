using System;
using System.Collections;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;

namespace KmsGrants.Commands
{
    /// <summary>Reads a grant's operations and constraints from whatever object carries them: our GrantInfo, AWS.Tools'
    /// GrantListEntry, the AWS CLI's JSON (Constraints nested), a ConvertFrom-Json round trip (PSCustomObject instead of a
    /// dictionary), an Import-Csv row (text). A constraint that is there but cannot be read is reported as such, never taken
    /// for "no constraint": a grant copied without it would give more than its template, and a grant compared without it
    /// could be called another's duplicate. Find-KmsStaleGrant and New-KmsGrant read grants through this one place.</summary>
    public static class GrantObjects
    {
        /// <summary>A list of operations, or text as a CSV keeps it ("Decrypt Encrypt", "Decrypt,Encrypt").</summary>
        public static string[] Operations(object? value) => Unwrap(value) switch
        {
            null => Array.Empty<string>(),
            string s => s.Split(new[] { ',', ';', ' ' }, StringSplitOptions.RemoveEmptyEntries),
            IEnumerable many => many.Cast<object?>().Select(o => Unwrap(o)?.ToString()).Where(o => !string.IsNullOrEmpty(o)).Select(o => o!).ToArray(),
            var one => new[] { one.ToString()! },
        };

        /// <summary>An encryption context as given: null for none (absent, $null, empty text); a dictionary or an object's
        /// properties (ConvertFrom-Json) as its pairs, values as they are (the caller decides what a non-text value means);
        /// <see cref="Unreadable"/> for anything else, such as the type name Export-Csv writes for a dictionary.</summary>
        public static object? Context(object? value)
        {
            switch (Unwrap(value))
            {
                case null:
                case string { Length: 0 }:
                    return null;
                case IDictionary d:
                    return d;
                case PSCustomObject:
                    var pairs = new Hashtable(StringComparer.Ordinal);
                    foreach (var property in PSObject.AsPSObject(value!).Properties) pairs[property.Name] = property.Value;
                    return pairs;
                case string text when text.Trim() == "null":   // what ConvertTo-Json writes for no constraint
                    return null;
                case string text when text.TrimStart().StartsWith("{", StringComparison.Ordinal):
                    return FromJson(text);
                case var other:
                    return new Unreadable(other);
            }
        }

        /// <summary>One of a grant object's two constraints: at its top level (GrantInfo, our CSV rows) or inside its
        /// Constraints (GrantListEntry, the AWS CLI's JSON). <paramref name="present"/> says whether the object carries
        /// constraints at all — a property of either shape — so that a row exported without them is not taken as a grant
        /// without any.</summary>
        public static object? Constraint(PSObject grant, string name, out bool present)
        {
            var top = grant.Properties[name];
            var nested = grant.Properties["Constraints"];
            present = top != null || nested != null;
            if (top != null && Context(top.Value) is { } value) return value;
            return nested == null ? null : Nested(nested.Value, name);
        }

        /// <summary>One constraint inside a grant's Constraints (GrantListEntry's shape), or null for none.</summary>
        public static object? Nested(object? constraints, string name) => Unwrap(constraints) switch
        {
            null or string { Length: 0 } => null,
            string text => new Unreadable(text),
            _ => Context(PSObject.AsPSObject(constraints!).Properties[name]?.Value),
        };

        /// <summary>A constraint, as <see cref="Context"/> gives it, as text keys and values. False when it is there but is not
        /// a dictionary of text; then <paramref name="notText"/> is the first entry whose key or value is not text, or null when
        /// the whole is no dictionary. A value that is not text (a number, a list, $null) is never turned into "1" or "a b".</summary>
        public static bool TryTextPairs(object? context, out Dictionary<string, string>? pairs, out DictionaryEntry? notText)
        {
            pairs = null;
            notText = null;
            if (context == null) return true;
            if (context is Unreadable || context is not IDictionary dictionary) return false;
            var read = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (DictionaryEntry entry in dictionary)
            {
                if (Unwrap(entry.Key) is not string key || Unwrap(entry.Value) is not string text)
                {
                    notText = new DictionaryEntry(Unwrap(entry.Key)!, Unwrap(entry.Value));
                    return false;
                }
                read[key] = text;
            }
            pairs = read;
            return true;
        }

        /// <summary>A CSV cell holding a constraint as JSON text (ConvertTo-Json -Compress): its pairs, if it is one object.</summary>
        static object FromJson(string text)
        {
            try
            {
                using var json = System.Text.Json.JsonDocument.Parse(text);
                if (json.RootElement.ValueKind != System.Text.Json.JsonValueKind.Object) return new Unreadable(text);
                var pairs = new Hashtable(StringComparer.Ordinal);
                foreach (var property in json.RootElement.EnumerateObject())
                {
                    if (property.Value.ValueKind != System.Text.Json.JsonValueKind.String) return new Unreadable(text);
                    pairs[property.Name] = property.Value.GetString();
                }
                return pairs;
            }
            catch (System.Text.Json.JsonException)
            {
                return new Unreadable(text);
            }
        }

        /// <summary>A constraint that is there but is no dictionary of text; it keeps what it was. A (empty) dictionary only so
        /// that it binds to New-KmsGrant's constraint parameters, where it is refused rather than silently left unbound.</summary>
        public sealed class Unreadable : Hashtable
        {
            public Unreadable(object value) => Value = value;
            public object Value { get; }
            public override string ToString() => Value.ToString() ?? "";
        }

        /// <summary>Binds operations from a list or from text as a CSV keeps it ("Decrypt Encrypt").</summary>
        [AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
        public sealed class OperationsArgumentAttribute : ArgumentTransformationAttribute
        {
            public override object Transform(EngineIntrinsics engineIntrinsics, object inputData) => Operations(inputData);
        }

        /// <summary>Binds a constraint parameter from any shape <see cref="Context"/> reads, so that a piped template's
        /// constraint is never dropped because PowerShell could not convert it.</summary>
        [AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
        public sealed class ContextArgumentAttribute : ArgumentTransformationAttribute
        {
            public override object? Transform(EngineIntrinsics engineIntrinsics, object inputData) => Context(inputData);
        }

        static object? Unwrap(object? value) => value is PSObject p ? p.BaseObject : value;
    }
}

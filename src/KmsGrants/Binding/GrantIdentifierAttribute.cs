using System;
using System.Collections;
using System.Management.Automation;

namespace KmsGrants.Commands
{
    /// <summary>Binds only text to a grant identifier (token, key ID, grant ID, principal). PowerShell would otherwise turn
    /// anything into a string — a hashtable into "System.Collections.Hashtable", a CSV row split on the wrong delimiter
    /// into "@{KeyId;GrantId=…}" — and send it to KMS as a grant token. Anything but a non-empty string (or an array of
    /// them) becomes a value that cannot bind, so the binder tries the object's properties instead, or refuses the
    /// object with its own error (InputObjectNotBound, the object as target); an empty CSV column likewise lets another
    /// column bind (a by-token row whose KeyId and GrantId columns are empty).</summary>
    [AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
    public sealed class GrantIdentifierAttribute : ArgumentTransformationAttribute
    {
        public override object Transform(EngineIntrinsics engineIntrinsics, object inputData)
        {
            var value = inputData is PSObject ps ? ps.BaseObject : inputData;
            switch (value)
            {
                case string s:
                    return s.Length > 0 ? s : new NotAnIdentifier(inputData);
                case IEnumerable items when value is not IDictionary:
                    foreach (var item in items)
                        if ((item is PSObject p ? p.BaseObject : item) is not string { Length: > 0 })
                            return new NotAnIdentifier(inputData);
                    return inputData;
                default:
                    return new NotAnIdentifier(inputData);
            }
        }

        /// <summary>Stands in for a value that is not text: it converts to nothing, so binding it fails.</summary>
        sealed class NotAnIdentifier
        {
            readonly object? _value;

            public NotAnIdentifier(object? value) => _value = value;

            public override string ToString() => throw new PSInvalidCastException((_value is PSObject p ? p.BaseObject : _value) switch
            {
                null or "" => "A grant identifier cannot be empty.",
                IEnumerable items and not IDictionary and not string => "Each grant identifier of a list must be non-empty text.",
                var other => $"A grant identifier must be text; this is {other.GetType().FullName}.",
            });
        }
    }
}

using System;
using System.Collections.Generic;
using System.Text.Json;

namespace KmsGrants.Engine
{
    /// <summary>The JSON types of the answers this module asks KMS for, from the KMS service model (kms/2014-11-01), checked
    /// before the SDK parses an answer: handed a scalar where the model has a list or a structure, the SDK's parser loops
    /// without end, allocating (gigabytes in seconds). Members the model does not name are ignored (KMS adds members), and
    /// null stands for absent.</summary>
    internal static class KmsAnswerShapes
    {
        const string GrantList = "{Grants:[{KeyId:string, GrantId:string, Name:string, CreationDate:timestamp, GranteePrincipal:string, " +
            "RetiringPrincipal:string, IssuingAccount:string, Operations:[string], " +
            "Constraints:{EncryptionContextSubset:map<string>, EncryptionContextEquals:map<string>}}], NextMarker:string, Truncated:boolean}";

        // Before ByOperation, which uses it: static fields initialize in textual order.
        static readonly Shape AnyObject = Shape.Parse("{}");

        static readonly Dictionary<string, Shape> ByOperation = new Dictionary<string, Shape>(StringComparer.Ordinal)
        {
            ["ListGrants"] = Shape.Parse(GrantList),
            ["ListRetirableGrants"] = Shape.Parse(GrantList),
            ["RetireGrant"] = AnyObject,
            ["RevokeGrant"] = AnyObject,
            ["CreateGrant"] = Shape.Parse("{GrantToken:string, GrantId:string}"),
            ["ListKeys"] = Shape.Parse("{Keys:[{KeyId:string, KeyArn:string}], NextMarker:string, Truncated:boolean}"),
            ["ListAliases"] = Shape.Parse("{Aliases:[{AliasName:string, AliasArn:string, TargetKeyId:string, CreationDate:timestamp, " +
                "LastUpdatedDate:timestamp}], NextMarker:string, Truncated:boolean}"),
            ["DescribeKey"] = Shape.Parse("{KeyMetadata:{AWSAccountId:string, KeyId:string, Arn:string, CreationDate:timestamp, " +
                "Enabled:boolean, Description:string, KeyUsage:string, KeyState:string, DeletionDate:timestamp, ValidTo:timestamp, " +
                "Origin:string, CustomKeyStoreId:string, CloudHsmClusterId:string, ExpirationModel:string, KeyManager:string, " +
                "CustomerMasterKeySpec:string, KeySpec:string, EncryptionAlgorithms:[string], SigningAlgorithms:[string], " +
                "KeyAgreementAlgorithms:[string], MultiRegion:boolean, MultiRegionConfiguration:{MultiRegionKeyType:string, " +
                "PrimaryKey:{Arn:string, Region:string}, ReplicaKeys:[{Arn:string, Region:string}]}, " +
                "PendingDeletionWindowInDays:integer, MacAlgorithms:[string], XksKeyConfiguration:{Id:string}, CurrentKeyMaterialId:string}}"),
        };

        /// <summary>Every KMS error answer: its type, and a message.</summary>
        internal static readonly Shape Error = Shape.Parse("{__type:string, message:string, Message:string}");

        /// <summary>The shape of the answer to an operation ("ListGrants"), or a bare object for any other.</summary>
        public static Shape For(string? operation) =>
            operation != null && ByOperation.TryGetValue(operation, out var shape) ? shape : AnyObject;

        internal sealed class Shape
        {
            readonly string _type;                                  // structure, list, map, or a scalar's model type
            readonly Shape? _element;                               // a list's members, a map's values
            readonly Dictionary<string, Shape>? _members;          // a structure's

            Shape(string type, Shape? element = null, Dictionary<string, Shape>? members = null)
            {
                _type = type;
                _element = element;
                _members = members;
            }

            /// <summary>Where <paramref name="value"/> departs from this shape ("Grants[0].Operations: a string where the
            /// model has a list"), or null.</summary>
            public string? Mismatch(JsonElement value, string path = "")
            {
                if (value.ValueKind == JsonValueKind.Null) return null;
                var expected = _type switch
                {
                    "structure" or "map" => JsonValueKind.Object,
                    "list" => JsonValueKind.Array,
                    "string" => JsonValueKind.String,
                    "boolean" => value.ValueKind is JsonValueKind.True or JsonValueKind.False ? value.ValueKind : JsonValueKind.True,
                    // JSON 1.1 sends timestamps as epoch seconds; the SDK also reads them as strings.
                    "timestamp" => value.ValueKind is JsonValueKind.Number or JsonValueKind.String ? value.ValueKind : JsonValueKind.Number,
                    _ => JsonValueKind.Number,
                };
                if (value.ValueKind != expected)
                    return $"{(path.Length == 0 ? "the answer" : path)}: {Describe(value.ValueKind)} where the model has {Article(_type)}";
                switch (_type)
                {
                    case "structure":
                        foreach (var member in value.EnumerateObject())
                            if (_members!.TryGetValue(member.Name, out var shape) && shape.Mismatch(member.Value, Join(path, member.Name)) is string m)
                                return m;
                        return null;
                    case "map":
                        foreach (var entry in value.EnumerateObject())
                            if (_element!.Mismatch(entry.Value, $"{path}[{entry.Name}]") is string m) return m;
                        return null;
                    case "list":
                        var i = 0;
                        foreach (var item in value.EnumerateArray())
                            if (_element!.Mismatch(item, $"{path}[{i++}]") is string m) return m;
                        return null;
                    default:
                        return null;
                }
            }

            static string Join(string path, string name) => path.Length == 0 ? name : path + "." + name;
            static string Describe(JsonValueKind kind) => kind switch
            {
                JsonValueKind.Object => "an object",
                JsonValueKind.Array => "a list",
                JsonValueKind.String => "a string",
                JsonValueKind.Number => "a number",
                _ => "a boolean",
            };
            static string Article(string type) => type switch
            {
                "structure" => "an object",
                "map" => "a map",
                "list" => "a list",
                "integer" => "an integer",
                _ => "a " + type,
            };

            /// <summary>The notation used above, as printed from the service model: {Member:shape, …}, [shape],
            /// map&lt;shape&gt;, or a scalar type.</summary>
            public static Shape Parse(string notation)
            {
                var position = 0;
                var shape = ParseShape(notation, ref position);
                if (position != notation.Length) throw new FormatException($"Unexpected text at {position} in {notation}");
                return shape;
            }

            static Shape ParseShape(string text, ref int at)
            {
                if (text[at] == '[')
                {
                    at++;
                    var element = ParseShape(text, ref at);
                    Expect(text, ref at, ']');
                    return new Shape("list", element);
                }
                if (string.CompareOrdinal(text, at, "map<", 0, 4) == 0)
                {
                    at += 4;
                    var element = ParseShape(text, ref at);
                    Expect(text, ref at, '>');
                    return new Shape("map", element);
                }
                if (text[at] == '{')
                {
                    at++;
                    var members = new Dictionary<string, Shape>(StringComparer.Ordinal);
                    while (text[at] != '}')
                    {
                        var name = Word(text, ref at);
                        Expect(text, ref at, ':');
                        members[name] = ParseShape(text, ref at);
                        if (text[at] == ',') { at++; while (text[at] == ' ') at++; }
                    }
                    at++;
                    return new Shape("structure", members: members);
                }
                return new Shape(Word(text, ref at));
            }

            static string Word(string text, ref int at)
            {
                var start = at;
                while (at < text.Length && (char.IsLetterOrDigit(text[at]) || text[at] == '_')) at++;
                if (at == start) throw new FormatException($"A name was expected at {at} in {text}");
                return text.Substring(start, at - start);
            }

            static void Expect(string text, ref int at, char c)
            {
                if (text[at] != c) throw new FormatException($"'{c}' was expected at {at} in {text}");
                at++;
            }
        }
    }
}

using System.Collections.Generic;
using System.Linq;
using System.Text.Json;

namespace KmsGrants.Engine
{
    /// <summary>Whether an answer is KMS's. Only a KMS answer is a success, and only a KMS error is KMS's refusal: a web
    /// page with HTTP 200, a login portal, a redirect, another service on that port, a listing that goes round for ever or
    /// an answer the model cannot hold is not KMS, and the run stops on it (KmsGrants.NotKmsResponse). Pure: the HTTP
    /// plumbing (<see cref="KmsHttpClientFactory"/>) reads the answer and asks here. docs/design/kms.md says why each rule.</summary>
    internal static class KmsAnswerCheck
    {
        /// <summary>Why an answer is not KMS's, or null. What passes as a success is held to more than an error is: a false
        /// success is what does harm; but an error must still be KMS's to be reported as KMS's refusal. A 5xx is never
        /// refused here: one that is not KMS's (a proxy's error page) is a fault like any other, retried.</summary>
        /// <param name="operation">The operation asked ("ListGrants"), from the request's X-Amz-Target.</param>
        /// <param name="errorTypeHeader">The x-amzn-ErrorType header, if any.</param>
        public static string? Problem(string? operation, int status, IReadOnlyList<string> requestIds, string? errorTypeHeader, byte[] body)
        {
            if (status >= 500) return null;
            // Redirects are not followed (the handler would re-send the session token to wherever they point).
            if (status < 200 || status >= 300 && status < 400) return "with a redirect or an interim status, which KMS never gives";
            JsonDocument? document = null;
            try
            {
                if (!IsBlank(body))
                {
                    try { document = JsonDocument.Parse(body); }
                    catch (JsonException) { return "that is not JSON"; }
                    if (document.RootElement.ValueKind != JsonValueKind.Object) return "that is not a KMS answer (a JSON object)";
                }
                var root = document?.RootElement;
                if (status < 300)
                {
                    if (RequestId(requestIds) == null)
                        return requestIds.Count > 1 ? "with several request IDs" : "without the request ID every AWS answer carries";
                    if (root is JsonElement typed && typed.TryGetProperty("__type", out _)) return "that names an error type, as only KMS's errors do";
                    // A new grant is its ID and token: a "success" without them made nothing the caller can use or name.
                    if (operation == "CreateGrant" && !(root is JsonElement created && created.TryGetProperty("GrantId", out _) && created.TryGetProperty("GrantToken", out _)))
                        return "without the GrantId and GrantToken every CreateGrant answer has";
                    if (ListedMember(operation) is string member &&
                        !(root is JsonElement listing && (listing.TryGetProperty(member, out _) || listing.TryGetProperty("Truncated", out _))))
                        return $"without the {member} or Truncated a KMS listing always has";
                    return root is JsonElement answer && KmsAnswerShapes.For(operation).Mismatch(answer) is string mismatch
                        ? $"that does not fit KMS's model ({mismatch})" : null;
                }
                var errorType = errorTypeHeader;
                if (root is JsonElement error)
                {
                    if (KmsAnswerShapes.Error.Mismatch(error) is string mismatch) return $"that does not fit KMS's model ({mismatch})";
                    if (error.TryGetProperty("__type", out var t) && t.ValueKind == JsonValueKind.String) errorType ??= t.GetString();
                }
                return string.IsNullOrWhiteSpace(errorType) ? "without the error type every KMS error carries" : null;
            }
            finally
            {
                document?.Dispose();
            }
        }

        /// <summary>What a listing's answer lists ("Grants"), for the listings the module reads; null for other operations.</summary>
        static string? ListedMember(string? operation) => operation switch
        {
            "ListGrants" or "ListRetirableGrants" => "Grants",
            "ListKeys" => "Keys",
            "ListAliases" => "Aliases",
            _ => null,
        };

        /// <summary>The one non-empty request ID an AWS answer carries, or null.</summary>
        public static string? RequestId(IReadOnlyList<string> requestIds) =>
            requestIds.Count == 1 && !string.IsNullOrWhiteSpace(requestIds[0]) ? requestIds[0] : null;

        /// <summary>The refusal of an answer <see cref="Problem"/> found wanting.</summary>
        public static KmsAnswerException NotKms(int status, string? contentType, int length, string problem, string? requestId) =>
            new KmsAnswerException(
                $"The endpoint answered HTTP {status} ({contentType ?? "no content type"}, {length:N0} bytes) {problem}: " +
                "it may be a web page, a login portal, a redirect or another service. Whether the request reached KMS is unknown.",
                status, requestId, tooLarge: false);

        /// <summary>A listing whose NextMarker comes round again: KMS never does that, and the listing would never end.</summary>
        public static KmsAnswerException RepeatedMarker() =>
            new KmsAnswerException("The endpoint answered a listing with a NextMarker it had given before, which KMS never " +
                "does: the listing would go round for ever. It was stopped after the page before.", 200, null, tooLarge: false);

        public static KmsAnswerException EndlessEmptyPages(int pages) =>
            new KmsAnswerException($"The endpoint answered a listing with {pages} empty pages in a row, each with a new NextMarker, which KMS " +
                "never does: the listing would go on for ever. It was stopped there.", 200, null, tooLarge: false);

        /// <summary>A DescribeKey success without the key's ARN: KMS always names it.</summary>
        public static KmsAnswerException KeyWithoutArn(string keyId, int status) =>
            new KmsAnswerException($"DescribeKey of {keyId} answered without a key ARN.", status, null, tooLarge: false);

        /// <summary>Why the key ARN DescribeKey answered for an alias of <paramref name="region"/> cannot be KMS's, or null:
        /// what it names is sent on as the grant's key, so it is held to what a key ARN of that Region is.</summary>
        public static string? KeyArnProblem(string arn, string region)
        {
            if (InputValidation.KeyId(arn) is ValidationFailure invalid) return invalid.Message;
            if (KmsArn.Parse(arn) is not KmsArn parsed || parsed.IsAlias) return "it is not a key ARN";
            return parsed.Region == region ? null : $"it names the Region {parsed.Region}, not {region}, where the alias was looked up";
        }

        public static KmsAnswerException KeyArnNotKms(string keyId, int status, string problem) =>
            new KmsAnswerException($"DescribeKey of {keyId} answered with a key ARN that KMS would not give ({problem}); it was not used.", status, null, tooLarge: false);

        /// <summary>DryRunOperationException in answer to a request that was not a DryRun: no KMS says that.</summary>
        public static KmsError DryRunVerdictUnasked(int? status, string? requestId) => new KmsError(KmsErrorKind.NotKmsResponse, "NotKmsResponse",
            "The endpoint answered a request that was not a DryRun with DryRunOperationException, which KMS never does: " +
            "it is not KMS, and whether it acted on the request is unknown.", status, requestId);

        static bool IsBlank(byte[] body) => body.All(b => b is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n');
    }
}

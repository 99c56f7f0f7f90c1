using System.Management.Automation;
using KmsGrants.Engine;

namespace KmsGrants
{
    /// <summary>Every error the module reports, built in one place: a stable ID (KmsGrants.*), the matching category,
    /// the caller's object as target, and a message that says what happened and what to do.</summary>
    internal static class ErrorRecords
    {
        public static ErrorRecord Invalid(ValidationFailure failure, object? target)
        {
            var id = failure.Kind switch
            {
                InvalidInputKind.GrantToken => "KmsGrants.InvalidGrantToken",
                InvalidInputKind.GrantId => "KmsGrants.InvalidGrantId",
                InvalidInputKind.KeyId => "KmsGrants.InvalidKeyId",
                InvalidInputKind.Arn => "KmsGrants.InvalidArn",
                _ => "KmsGrants.InvalidPrincipal",
            };
            return new ErrorRecord(new KmsGrantsException(failure.Message), id, ErrorCategory.InvalidArgument, target);
        }

        public static ErrorRecord Configuration(ConfigurationException e)
        {
            var (id, category) = e.Problem switch
            {
                ConfigurationProblem.NoCredentials => ("KmsGrants.NoCredentials", ErrorCategory.AuthenticationError),
                ConfigurationProblem.NoRegion => ("KmsGrants.NoRegion", ErrorCategory.InvalidArgument),
                ConfigurationProblem.ProfileNotFound => ("KmsGrants.ProfileNotFound", ErrorCategory.ObjectNotFound),
                ConfigurationProblem.IncompleteKeys => ("KmsGrants.IncompleteKeys", ErrorCategory.InvalidArgument),
                ConfigurationProblem.InvalidEndpoint => ("KmsGrants.InvalidEndpoint", ErrorCategory.InvalidArgument),
                _ => ("KmsGrants.InvalidCredential", ErrorCategory.InvalidArgument),
            };
            return new ErrorRecord(new KmsGrantsException(e.Message), id, category, null);
        }

        /// <param name="what">What was being done, e.g. "retire grant X on key Y" or "list grants of key K".</param>
        public static ErrorRecord Service(KmsError error, string what, object? target, KmsConnection connection)
        {
            var message = $"Could not {what}: {error.Code}: {error.Message}".TrimEnd();
            var advice = Advice(error, connection);
            var record = new ErrorRecord(
                new KmsGrantsException(advice == null ? message : $"{message} {advice}", error.Code, error.HttpStatus, error.RequestId),
                Id(error.Kind), Category(error.Kind), target);
            // Shown as the message plus "Recommendation: …"; the exception keeps both for logs.
            if (advice != null) record.ErrorDetails = new ErrorDetails(message) { RecommendedAction = advice };
            return record;
        }

        /// <summary>Errors that will fail every request alike: the command stops instead of repeating them.</summary>
        public static bool StopsEverything(KmsError error) =>
            error.Kind is KmsErrorKind.InvalidSignature or KmsErrorKind.UnrecognizedClient or KmsErrorKind.ExpiredToken
                or KmsErrorKind.DryRunNotHonored;

        public static string Id(KmsErrorKind kind) => "KmsGrants." + kind switch
        {
            KmsErrorKind.ServiceError => "ServiceError",
            _ => kind.ToString(),
        };

        static ErrorCategory Category(KmsErrorKind kind) => kind switch
        {
            KmsErrorKind.NotFound => ErrorCategory.ObjectNotFound,
            KmsErrorKind.AccessDenied => ErrorCategory.PermissionDenied,
            KmsErrorKind.InvalidArn or KmsErrorKind.InvalidGrantToken or KmsErrorKind.InvalidGrantId
                or KmsErrorKind.InvalidMarker or KmsErrorKind.Validation => ErrorCategory.InvalidArgument,
            KmsErrorKind.InvalidState or KmsErrorKind.Disabled => ErrorCategory.InvalidOperation,
            KmsErrorKind.Throttled => ErrorCategory.LimitsExceeded,
            KmsErrorKind.DependencyTimeout => ErrorCategory.OperationTimeout,
            KmsErrorKind.NetworkError => ErrorCategory.ConnectionError,
            KmsErrorKind.InternalFailure => ErrorCategory.ResourceUnavailable,
            KmsErrorKind.InvalidSignature or KmsErrorKind.UnrecognizedClient or KmsErrorKind.ExpiredToken => ErrorCategory.AuthenticationError,
            KmsErrorKind.DryRunNotHonored => ErrorCategory.InvalidResult,
            _ => ErrorCategory.NotSpecified,
        };

        static string? Advice(KmsError error, KmsConnection connection) => error.Kind switch
        {
            KmsErrorKind.NotFound => "It may already be retired or revoked, or belong to another key, account or Region (this call went to " + connection.Region + ").",
            KmsErrorKind.AccessDenied => $"The caller (credentials from {connection.CredentialSource}) may retire a grant only as its retiring principal, as a grantee the grant allows RetireGrant, or as the key's account.",
            KmsErrorKind.InvalidState or KmsErrorKind.Disabled => "The key is not in a state that allows this operation (disabled, pending deletion or pending import).",
            KmsErrorKind.Throttled => "KMS's request quota was exceeded even after retries. Try again later, or lower -MaxRequestsPerSecond.",
            KmsErrorKind.InvalidSignature => $"The secret key does not match the access key; check the credentials from {connection.CredentialSource}.",
            KmsErrorKind.UnrecognizedClient => $"KMS does not know the access key; check the credentials from {connection.CredentialSource}.",
            KmsErrorKind.ExpiredToken => $"The session token has expired; refresh the credentials from {connection.CredentialSource}.",
            KmsErrorKind.NetworkError => $"Check the network path to {connection.Endpoint ?? "KMS in " + connection.Region}.",
            KmsErrorKind.InternalFailure or KmsErrorKind.DependencyTimeout => "KMS failed repeatedly; try again later.",
            KmsErrorKind.DryRunNotHonored => "-WhatIf cannot be trusted against this endpoint (moto, for one, ignores DryRun); the command stopped before sending more. Check whether the grant still exists.",
            _ => null,
        };
    }
}

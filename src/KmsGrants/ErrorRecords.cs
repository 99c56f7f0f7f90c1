using System.Management.Automation;
using KmsGrants.Engine;

namespace KmsGrants
{
    /// <summary>Every error the module reports, built in one place: a stable ID (the table in
    /// <see cref="ErrorIds"/>), the matching category, the caller's object as target, and a message that says what
    /// happened and what to do. The switches are exhaustive: a new kind fails the build until it has its category.</summary>
    internal static class ErrorRecords
    {
        public static ErrorRecord Invalid(ValidationFailure failure, object? target) =>
            new ErrorRecord(new KmsGrantsException(failure.Message), ErrorIds.For(failure.Kind), ErrorCategory.InvalidArgument, target);

        /// <param name="target">The item the problem stops (a grant or key that needs the default Region), or null when it
        /// stops the command.</param>
        public static ErrorRecord Configuration(ConfigurationException e, object? target = null)
        {
            var category = e.Problem switch
            {
                ConfigurationProblem.NoCredentials => ErrorCategory.AuthenticationError,
                ConfigurationProblem.CredentialsUnavailable => ErrorCategory.AuthenticationError,
                ConfigurationProblem.NoRegion => ErrorCategory.InvalidArgument,
                ConfigurationProblem.InvalidRegion => ErrorCategory.InvalidArgument,
                ConfigurationProblem.ProfileNotFound => ErrorCategory.ObjectNotFound,
                ConfigurationProblem.InvalidProfileFile => ErrorCategory.InvalidData,
                ConfigurationProblem.IncompleteKeys => ErrorCategory.InvalidArgument,
                ConfigurationProblem.InvalidEndpoint => ErrorCategory.InvalidArgument,
                ConfigurationProblem.InvalidCredentialObject => ErrorCategory.InvalidArgument,
            };
            return new ErrorRecord(new KmsGrantsException(e.Message), ErrorIds.For(e.Problem), category, target);
        }

        /// <param name="what">What was being done, e.g. "retire grant X on key Y" or "list grants of key K".</param>
        /// <param name="operation">The run's operation, when a grant was being retired or revoked: the advice differs.</param>
        public static ErrorRecord Service(KmsError error, string what, object? target, KmsSession? session, GrantOperation? operation = null)
        {
            var message = $"Could not {what}: {error.Code}: {error.Message}".TrimEnd();
            var advice = Advice(error, session, operation);
            var record = new ErrorRecord(
                new KmsGrantsException(advice == null ? message : $"{message} {advice}", error.Code, error.HttpStatus, error.RequestId),
                ErrorIds.For(error.Kind), Category(error.Kind), target);
            // Shown as the message plus "Recommendation: …"; the exception keeps both for logs.
            if (advice != null) record.ErrorDetails = new ErrorDetails(message) { RecommendedAction = advice };
            return record;
        }

        static ErrorCategory Category(KmsErrorKind kind) => kind switch
        {
            KmsErrorKind.NotFound => ErrorCategory.ObjectNotFound,
            KmsErrorKind.AccessDenied => ErrorCategory.PermissionDenied,
            KmsErrorKind.InvalidArn => ErrorCategory.InvalidArgument,
            KmsErrorKind.InvalidGrantToken => ErrorCategory.InvalidArgument,
            KmsErrorKind.InvalidGrantId => ErrorCategory.InvalidArgument,
            KmsErrorKind.InvalidMarker => ErrorCategory.InvalidArgument,
            KmsErrorKind.Validation => ErrorCategory.InvalidArgument,
            KmsErrorKind.InvalidState => ErrorCategory.InvalidOperation,
            KmsErrorKind.Disabled => ErrorCategory.InvalidOperation,
            KmsErrorKind.LimitExceeded => ErrorCategory.LimitsExceeded,
            KmsErrorKind.InvalidPrincipal => ErrorCategory.InvalidArgument,
            KmsErrorKind.Throttled => ErrorCategory.LimitsExceeded,
            KmsErrorKind.DependencyTimeout => ErrorCategory.OperationTimeout,
            KmsErrorKind.TimedOut => ErrorCategory.OperationTimeout,
            KmsErrorKind.Unresponsive => ErrorCategory.OperationTimeout,
            KmsErrorKind.NetworkError => ErrorCategory.ConnectionError,
            KmsErrorKind.NotSent => ErrorCategory.ConnectionError,
            KmsErrorKind.InternalFailure => ErrorCategory.ResourceUnavailable,
            KmsErrorKind.NotKmsResponse => ErrorCategory.InvalidResult,
            KmsErrorKind.ResponseTooLarge => ErrorCategory.InvalidResult,
            KmsErrorKind.InvalidSignature => ErrorCategory.AuthenticationError,
            KmsErrorKind.UnrecognizedClient => ErrorCategory.AuthenticationError,
            KmsErrorKind.ExpiredToken => ErrorCategory.AuthenticationError,
            KmsErrorKind.CredentialsUnavailable => ErrorCategory.AuthenticationError,
            KmsErrorKind.DryRunNotHonored => ErrorCategory.InvalidResult,
            KmsErrorKind.DryRunSucceeded => ErrorCategory.NotSpecified,
            KmsErrorKind.Stopped => ErrorCategory.OperationStopped,
            KmsErrorKind.ServiceError => ErrorCategory.NotSpecified,
        };

        static string? Advice(KmsError error, KmsSession? session, GrantOperation? operation)
        {
            var credentials = session?.CredentialSource ?? "the resolved credentials";
            var where = session?.EndpointDisplay ?? "KMS";
            return error.Kind switch
            {
                KmsErrorKind.NotFound when error.Alias != null => $"There is no alias {error.Alias} in {error.AliasRegion} that the caller can see (an alias " +
                    "belongs to one account and Region): check its name (-KeyId completes the Region's aliases) and the Region, or name the key by its ARN.",
                KmsErrorKind.NotFound when operation == GrantOperation.Create => "The key does not exist there, or the caller cannot see it (a key ARN names its Region " +
                    "and account; a key ID or alias name goes to the input object's Region or the command's).",
                KmsErrorKind.AccessDenied when operation == GrantOperation.Create => $"Creating a grant needs kms:CreateGrant on the key (its key policy, or an IAM policy it " +
                    $"allows) for the caller (credentials from {credentials}); a grant can give no operation the caller could not grant.",
                KmsErrorKind.NotFound => "It may already be retired or revoked, or belong to another key, account or Region (a key ARN names its Region; anything else goes to " +
                    "its input object's Region property, else to the command's Region" + (session?.DefaultRegion == null ? "" : ", " + session.DefaultRegion) + ").",
                KmsErrorKind.AccessDenied when operation == GrantOperation.Revoke => $"Revoking needs kms:RevokeGrant on the key (its key policy decides): the caller (credentials from {credentials}) " +
                    "must be a key administrator, usually of the key's account; a grant's retiring principal may retire it, not revoke it.",
                KmsErrorKind.AccessDenied => $"The caller (credentials from {credentials}) may retire a grant only as its retiring principal, as a grantee the grant allows RetireGrant, or as the key's account.",
                KmsErrorKind.LimitExceeded => "A customer managed key holds at most 50,000 grants (an adjustable quota): retire or revoke the grants that should go " +
                    "(Find-KmsStaleGrant finds stale ones), or ask AWS for a higher limit.",
                KmsErrorKind.InvalidPrincipal => $"KMS does not know this principal: it does not exist (a deleted role or user), or IAM has not yet propagated one " +
                    $"created moments ago; it was retried for {AttemptPolicy.PrincipalPropagationSeconds:0} s.",
                KmsErrorKind.InvalidState or KmsErrorKind.Disabled => "The key is not in a state that allows this operation (disabled, pending deletion or pending import).",
                KmsErrorKind.Throttled => "KMS's request quota was exceeded even after retries. Try again later, or lower -MaxRequestsPerSecond.",
                KmsErrorKind.InvalidSignature => $"The secret key does not match the access key, or the Region is not one {where} serves; check the credentials from {credentials}.",
                KmsErrorKind.UnrecognizedClient => session?.HasSessionToken == true
                    ? $"KMS does not know the access key, or the session token is not valid for it (from another session, or revoked); check the credentials from {credentials}."
                    : $"KMS does not know the access key; check the credentials from {credentials}.",
                KmsErrorKind.ExpiredToken => $"The session token has expired; refresh the credentials from {credentials}.",
                KmsErrorKind.NetworkError or KmsErrorKind.NotSent => $"Check the network path to {where}.",
                KmsErrorKind.TimedOut or KmsErrorKind.Unresponsive => $"{where} did not answer in time; check that it is a KMS endpoint and reachable.",
                KmsErrorKind.InternalFailure or KmsErrorKind.DependencyTimeout => "KMS failed repeatedly; try again later.",
                KmsErrorKind.NotKmsResponse or KmsErrorKind.ResponseTooLarge => $"Check -EndpointUrl and any proxy: {where} does not answer as KMS does. Nothing more was sent.",
                KmsErrorKind.DryRunNotHonored => "-WhatIf cannot be trusted against this endpoint (moto, for one, ignores DryRun): nothing was sent for any grant.",
                KmsErrorKind.CredentialsUnavailable => "Nothing more was sent.",
                KmsErrorKind.InvalidArn or KmsErrorKind.InvalidGrantToken or KmsErrorKind.InvalidGrantId or KmsErrorKind.InvalidMarker
                    or KmsErrorKind.Validation or KmsErrorKind.DryRunSucceeded or KmsErrorKind.Stopped or KmsErrorKind.ServiceError => null,
            };
        }
    }
}

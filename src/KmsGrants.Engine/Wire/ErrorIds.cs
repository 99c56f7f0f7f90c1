using System;
using System.Collections.Generic;
using System.ComponentModel;
using System.Linq;
using System.Reflection;

namespace KmsGrants.Engine
{
    /// <summary>Every public error ID, written out once, with when it happens: scripts match on the IDs, so none may change
    /// because an enum member was renamed, and about_KmsGrants_Errors is generated from the attributes (build.ps1 -Task
    /// Docs). The switches below are exhaustive (the build treats a missing case as an error), so a new kind cannot go out
    /// without an ID.</summary>
    public static class ErrorIds
    {
        [ErrorId(ErrorScope.Input, "A grant token that cannot be one: empty, longer than 8,192 characters, or holding white space, control or invisible format characters (a zero-width space, a byte order mark); also CreateGrant's -GrantToken beyond 10 tokens, and KMS's own InvalidGrantTokenException.")]
        public const string InvalidGrantToken = "KmsGrants.InvalidGrantToken";
        [ErrorId(ErrorScope.Input, "A grant ID that cannot be one: empty, longer than 128 characters, or holding white space, control or invisible format characters; also KMS's own InvalidGrantIdException.")]
        public const string InvalidGrantId = "KmsGrants.InvalidGrantId";
        [ErrorId(ErrorScope.Input, "A key ID or alias name that cannot name a key: empty, longer than 2,048 characters, holding white space, control or invisible format characters, alias/ alone, or an alias/ prefix in another case (Alias/app: alias names are case-sensitive).")]
        public const string InvalidKeyId = "KmsGrants.InvalidKeyId";
        [ErrorId(ErrorScope.Input, "A key or alias ARN that is not well formed, names a Region that is not one or is of another partition (arn:aws-cn:kms:us-east-1:...), or begins with arn: in another case (ARN:aws:kms:...); also KMS's own InvalidArnException.")]
        public const string InvalidArn = "KmsGrants.InvalidArn";
        [ErrorId(ErrorScope.Input, "A principal KMS would refuse: empty, longer than 256 characters, or with characters outside the model's pattern (letters, digits, + = , . @ : / - _; no trailing newline). For New-KmsGrant also KMS's refusal of a principal it does not know (InvalidArnException), after retrying for 120 seconds in case IAM had not yet propagated it.")]
        public const string InvalidPrincipal = "KmsGrants.InvalidPrincipal";
        [ErrorId(ErrorScope.Input, "A Region name that is not one (us-est-1, 'us-east-1 ', Frankfurt): from -Region, a piped object's Region property (or one that contradicts its key ARN), or a profile's region, which the error names with its file and quotes nothing of.")]
        public const string InvalidRegion = "KmsGrants.InvalidRegion";
        [ErrorId(ErrorScope.Input, "-Select names nothing a listing writes, or one-page parameters (-Marker, -NoAutoIteration, -Select other than Grants) are given where many listings run side by side (a -KeyId pattern, several Regions): terminating.")]
        public const string InvalidSelect = "KmsGrants.InvalidSelect";
        [ErrorId(ErrorScope.Input, "Revoke-KmsGrant was given a grant named by its token only: RevokeGrant takes the key and grant ID.")]
        public const string GrantIdRequired = "KmsGrants.GrantIdRequired";
        [ErrorId(ErrorScope.Input, "A grant ID (64 hexadecimal characters) was given where a grant token goes (no -KeyId): a grant ID names a grant only with its key.")]
        public const string KeyIdRequired = "KmsGrants.KeyIdRequired";
        [ErrorId(ErrorScope.Input, "New-KmsGrant: no operations, an operation no grant can allow (they are case-sensitive), or operations of two kinds of key (Decrypt with Sign or GenerateMac), which no key allows together.")]
        public const string InvalidOperations = "KmsGrants.InvalidOperations";
        [ErrorId(ErrorScope.Input, "New-KmsGrant: a -Name KMS refuses (1 to 256 letters, digits and : / _ -).")]
        public const string InvalidGrantName = "KmsGrants.InvalidGrantName";
        [ErrorId(ErrorScope.Input, "New-KmsGrant: both constraints at once, an empty constraint, an empty key, values that are not text, or a piped template's constraint that cannot be read (a type's name, as Export-Csv writes a dictionary): never dropped, since the copy would give more than the template.")]
        public const string InvalidConstraint = "KmsGrants.InvalidConstraint";
        [ErrorId(ErrorScope.Input, "Find-KmsStaleGrant was piped something that is not a grant: text, a hashtable, an object without KeyId and GrantId.")]
        public const string NotAGrant = "KmsGrants.NotAGrant";

        [ErrorId(ErrorScope.Command, "No credentials anywhere: no parameters, no stored credentials, no environment variables, no usable profile or instance role.")]
        public const string NoCredentials = "KmsGrants.NoCredentials";
        [ErrorId(ErrorScope.Input, "No Region is set anywhere, and this grant or key needs the command's (it is named by token, bare key ID or alias name); terminating for Get-KmsRetirableGrant, which lists one Region's grants.")]
        public const string NoRegion = "KmsGrants.NoRegion";
        [ErrorId(ErrorScope.Command, "-ProfileName (or $StoredAWSCredentials) names a profile that is not in the files, or a -ProfileLocation file has no usable [default] profile.")]
        public const string ProfileNotFound = "KmsGrants.ProfileNotFound";
        [ErrorId(ErrorScope.Command, "A profile file cannot be read: the error names the file and line number, and quotes nothing of it (it may hold secrets).")]
        public const string InvalidProfileFile = "KmsGrants.InvalidProfileFile";
        [ErrorId(ErrorScope.Command, "-AccessKey without -SecretKey or the other way round, or AWS_ACCESS_KEY_ID set without AWS_SECRET_ACCESS_KEY.")]
        public const string IncompleteKeys = "KmsGrants.IncompleteKeys";
        [ErrorId(ErrorScope.Command, "The endpoint URL (-EndpointUrl, AWS_ENDPOINT_URL_KMS, AWS_ENDPOINT_URL or a profile's endpoint_url) is not an absolute http:// or https:// URL, or has a query or fragment.")]
        public const string InvalidEndpoint = "KmsGrants.InvalidEndpoint";
        [ErrorId(ErrorScope.Command, "-Credential (or $StoredAWSCredentials) is not an AWSCredentials object from any copy of the AWS SDK, or holds no credentials.")]
        public const string InvalidCredential = "KmsGrants.InvalidCredential";
        [ErrorId(ErrorScope.Command, "The credentials could not be obtained (a failing credential_process, an expired SSO session): terminating before any grant is taken; mid-run, when refreshed credentials stop coming, it stops the run.")]
        public const string CredentialsUnavailable = "KmsGrants.CredentialsUnavailable";

        [ErrorId(ErrorScope.Answer, "The grant, key or alias does not exist there (or the caller cannot see it); a NotFound after a lost answer is not an error but RetiredOnRetry or RevokedOnRetry.")]
        public const string NotFound = "KmsGrants.NotFound";
        [ErrorId(ErrorScope.Answer, "The caller may not do this: retire (the retiring principal, a grantee the grant allows RetireGrant, the key's account), revoke or create grants (kms:RevokeGrant, kms:CreateGrant on the key), or list a key's grants; the error's advice says which.")]
        public const string AccessDenied = "KmsGrants.AccessDenied";
        [ErrorId(ErrorScope.Answer, "KMS refused -Marker (InvalidMarkerException): not a marker of this listing.")]
        public const string InvalidMarker = "KmsGrants.InvalidMarker";
        [ErrorId(ErrorScope.Answer, "The key's state does not allow it (KMSInvalidStateException): pending deletion, pending import, or unavailable.")]
        public const string InvalidState = "KmsGrants.InvalidState";
        [ErrorId(ErrorScope.Answer, "The key is disabled (DisabledException).")]
        public const string Disabled = "KmsGrants.Disabled";
        [ErrorId(ErrorScope.Answer, "New-KmsGrant: the key already holds its most grants (50,000 for a customer managed key), or another KMS limit was reached.")]
        public const string LimitExceeded = "KmsGrants.LimitExceeded";
        [ErrorId(ErrorScope.Answer, "Still throttled after 30 tries (the rate controller keeps this rare); or, as the stop of one Region, a Region that throttled every request for 30 seconds: its quota is taken by other clients, or is 0.")]
        public const string Throttled = "KmsGrants.Throttled";
        [ErrorId(ErrorScope.Answer, "KMS's DependencyTimeoutException outlasted the retries (at least 6 attempts).")]
        public const string DependencyTimeout = "KmsGrants.DependencyTimeout";
        [ErrorId(ErrorScope.Answer, "KMS faults (KMSInternalException, HTTP 500 and 503, a 5xx that is not KMS's) outlasted the retries (at least 6 attempts).")]
        public const string InternalFailure = "KmsGrants.InternalFailure";
        [ErrorId(ErrorScope.Answer, "The connection failed after the request may have been sent: the outcome is unknown (the result is Unknown).")]
        public const string NetworkError = "KmsGrants.NetworkError";
        [ErrorId(ErrorScope.Answer, "The connection failed before anything was sent (refused, name not found, TLS): nothing was done.")]
        public const string NotSent = "KmsGrants.NotSent";
        [ErrorId(ErrorScope.Answer, "No answer within an attempt's 5 seconds, for the last of a grant's attempts (at most 3 may go unanswered) or a listing's: the outcome is unknown (the result is Unknown).")]
        public const string TimedOut = "KmsGrants.TimedOut";
        [ErrorId(ErrorScope.Run, "An answer that is not KMS's: a web page, a login portal, a redirect, another service, JSON of types KMS's model does not have, a listing whose marker comes round again.")]
        public const string NotKmsResponse = "KmsGrants.NotKmsResponse";
        [ErrorId(ErrorScope.Run, "An answer larger than any KMS answer (24 MiB): not read.")]
        public const string ResponseTooLarge = "KmsGrants.ResponseTooLarge";
        [ErrorId(ErrorScope.Answer, "KMS refused the request's input (ValidationException, SerializationException) where the module could not know it before sending.")]
        public const string Validation = "KmsGrants.Validation";
        [ErrorId(ErrorScope.Run, "KMS refused the signature: the secret key does not match the access key, or the Region is not one the endpoint serves. A Region other than the command's own refusing it stops only that Region.")]
        public const string InvalidSignature = "KmsGrants.InvalidSignature";
        [ErrorId(ErrorScope.Run, "KMS does not know the access key, or the session token is not valid for it (as an opt-in Region not enabled answers). A Region other than the command's own refusing it stops only that Region.")]
        public const string UnrecognizedClient = "KmsGrants.UnrecognizedClient";
        [ErrorId(ErrorScope.Run, "The session token has expired.")]
        public const string ExpiredToken = "KmsGrants.ExpiredToken";
        [ErrorId(ErrorScope.Run, "-WhatIf: the endpoint answered a DryRun with success, so it ignores DryRun (moto does); nothing more is sent, and the grants are NotAttempted (or Unknown, for the one real grant that revealed it).")]
        public const string DryRunNotHonored = "KmsGrants.DryRunNotHonored";
        [ErrorId(ErrorScope.Answer, "The command stopped (Ctrl+C, a later command's stop, -ErrorAction Stop) while this grant's request was in flight, and no answer came within 2 seconds: the result is Unknown.")]
        public const string Stopped = "KmsGrants.Stopped";
        [ErrorId(ErrorScope.Run, "With requests in flight, no answer of any kind for 15 seconds: the endpoint is taken to be gone.")]
        public const string EndpointUnresponsive = "KmsGrants.EndpointUnresponsive";
        [ErrorId(ErrorScope.Answer, "Any other error code KMS answers with: the message names it.")]
        public const string ServiceError = "KmsGrants.ServiceError";

        /// <summary>Every ID above.</summary>
        public static IReadOnlyList<string> All { get; } = typeof(ErrorIds).GetFields(BindingFlags.Public | BindingFlags.Static)
            .Where(f => f.IsLiteral).Select(f => (string)f.GetRawConstantValue()!).ToList();

        public static string For(KmsErrorKind kind) => kind switch
        {
            KmsErrorKind.NotFound => NotFound,
            KmsErrorKind.AccessDenied => AccessDenied,
            KmsErrorKind.InvalidArn => InvalidArn,
            KmsErrorKind.InvalidGrantToken => InvalidGrantToken,
            KmsErrorKind.InvalidGrantId => InvalidGrantId,
            KmsErrorKind.InvalidMarker => InvalidMarker,
            KmsErrorKind.InvalidState => InvalidState,
            KmsErrorKind.Disabled => Disabled,
            KmsErrorKind.LimitExceeded => LimitExceeded,
            KmsErrorKind.InvalidPrincipal => InvalidPrincipal,
            KmsErrorKind.Throttled => Throttled,
            KmsErrorKind.DependencyTimeout => DependencyTimeout,
            KmsErrorKind.InternalFailure => InternalFailure,
            KmsErrorKind.NetworkError => NetworkError,
            KmsErrorKind.NotSent => NotSent,
            KmsErrorKind.TimedOut => TimedOut,
            KmsErrorKind.NotKmsResponse => NotKmsResponse,
            KmsErrorKind.ResponseTooLarge => ResponseTooLarge,
            KmsErrorKind.Validation => Validation,
            KmsErrorKind.InvalidSignature => InvalidSignature,
            KmsErrorKind.UnrecognizedClient => UnrecognizedClient,
            KmsErrorKind.ExpiredToken => ExpiredToken,
            KmsErrorKind.CredentialsUnavailable => CredentialsUnavailable,
            // A DryRun's "would succeed" is never reported as an error; should it reach here, it is KMS's own answer.
            KmsErrorKind.DryRunSucceeded => ServiceError,
            KmsErrorKind.DryRunNotHonored => DryRunNotHonored,
            KmsErrorKind.Stopped => Stopped,
            KmsErrorKind.Unresponsive => EndpointUnresponsive,
            KmsErrorKind.ServiceError => ServiceError,
        };

        public static string For(InvalidInputKind kind) => kind switch
        {
            InvalidInputKind.GrantToken => InvalidGrantToken,
            InvalidInputKind.GrantId => InvalidGrantId,
            InvalidInputKind.KeyId => InvalidKeyId,
            InvalidInputKind.Arn => InvalidArn,
            InvalidInputKind.Principal => InvalidPrincipal,
            InvalidInputKind.Region => InvalidRegion,
            InvalidInputKind.Select => InvalidSelect,
            InvalidInputKind.GrantIdRequired => GrantIdRequired,
            InvalidInputKind.KeyIdRequired => KeyIdRequired,
            InvalidInputKind.Operations => InvalidOperations,
            InvalidInputKind.GrantName => InvalidGrantName,
            InvalidInputKind.Constraint => InvalidConstraint,
            InvalidInputKind.GrantObject => NotAGrant,
        };

        public static string For(ConfigurationProblem problem) => problem switch
        {
            ConfigurationProblem.NoCredentials => NoCredentials,
            ConfigurationProblem.NoRegion => NoRegion,
            ConfigurationProblem.InvalidRegion => InvalidRegion,
            ConfigurationProblem.ProfileNotFound => ProfileNotFound,
            ConfigurationProblem.InvalidProfileFile => InvalidProfileFile,
            ConfigurationProblem.IncompleteKeys => IncompleteKeys,
            ConfigurationProblem.InvalidEndpoint => InvalidEndpoint,
            ConfigurationProblem.InvalidCredentialObject => InvalidCredential,
            ConfigurationProblem.CredentialsUnavailable => CredentialsUnavailable,
        };
    }

    /// <summary>Whom an error stops, as the docs group the IDs.</summary>
    public enum ErrorScope
    {
        [Description("Refused before anything is sent for it: that grant's, key's or object's own non-terminating error, and the others go on.")]
        Input = 1,
        [Description("KMS's (or the network's) answer for one grant or key, after any retries: that item's own non-terminating error, with it as target, and the others go on.")]
        Answer,
        [Description("Would fail every request alike: nothing more is sent, the grants still waiting are NotAttempted, and the cause is the command's last error, after every result (non-terminating for Remove-, Revoke- and New-KmsGrant, so that $r = ... -PassThru keeps the results; terminating for the listing cmdlets).")]
        Run,
        [Description("The command cannot start: a terminating error, before any grant is taken.")]
        Command,
    }

    /// <summary>When an error ID happens, in words for the generated error table.</summary>
    [AttributeUsage(AttributeTargets.Field)]
    public sealed class ErrorIdAttribute : Attribute
    {
        public ErrorIdAttribute(ErrorScope scope, string when)
        {
            Scope = scope;
            When = when;
        }

        public ErrorScope Scope { get; }
        public string When { get; }
    }
}

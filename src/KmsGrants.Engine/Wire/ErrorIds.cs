using System.Collections.Generic;
using System.Linq;
using System.Reflection;

namespace KmsGrants.Engine
{
    /// <summary>Every public error ID, written out once: they are documented (README, about_KmsGrants) and scripts match
    /// on them, so none may change because an enum member was renamed. The switches below are exhaustive (the build
    /// treats a missing case as an error), so a new kind cannot go out without an ID.</summary>
    public static class ErrorIds
    {
        // Input refused before anything is sent.
        public const string InvalidGrantToken = "KmsGrants.InvalidGrantToken";
        public const string InvalidGrantId = "KmsGrants.InvalidGrantId";
        public const string InvalidKeyId = "KmsGrants.InvalidKeyId";
        public const string InvalidArn = "KmsGrants.InvalidArn";
        public const string InvalidPrincipal = "KmsGrants.InvalidPrincipal";
        public const string InvalidRegion = "KmsGrants.InvalidRegion";
        public const string InvalidSelect = "KmsGrants.InvalidSelect";
        public const string GrantIdRequired = "KmsGrants.GrantIdRequired";
        public const string KeyIdRequired = "KmsGrants.KeyIdRequired";
        public const string InvalidOperations = "KmsGrants.InvalidOperations";
        public const string InvalidGrantName = "KmsGrants.InvalidGrantName";
        public const string InvalidConstraint = "KmsGrants.InvalidConstraint";
        public const string NotAGrant = "KmsGrants.NotAGrant";

        // Nothing can be sent: the command stops.
        public const string NoCredentials = "KmsGrants.NoCredentials";
        public const string NoRegion = "KmsGrants.NoRegion";
        public const string ProfileNotFound = "KmsGrants.ProfileNotFound";
        public const string InvalidProfileFile = "KmsGrants.InvalidProfileFile";
        public const string IncompleteKeys = "KmsGrants.IncompleteKeys";
        public const string InvalidEndpoint = "KmsGrants.InvalidEndpoint";
        public const string InvalidCredential = "KmsGrants.InvalidCredential";
        public const string CredentialsUnavailable = "KmsGrants.CredentialsUnavailable";

        // What KMS (or the network) answered.
        public const string NotFound = "KmsGrants.NotFound";
        public const string AccessDenied = "KmsGrants.AccessDenied";
        public const string InvalidMarker = "KmsGrants.InvalidMarker";
        public const string InvalidState = "KmsGrants.InvalidState";
        public const string Disabled = "KmsGrants.Disabled";
        public const string LimitExceeded = "KmsGrants.LimitExceeded";
        public const string Throttled = "KmsGrants.Throttled";
        public const string DependencyTimeout = "KmsGrants.DependencyTimeout";
        public const string InternalFailure = "KmsGrants.InternalFailure";
        public const string NetworkError = "KmsGrants.NetworkError";
        public const string NotSent = "KmsGrants.NotSent";
        public const string TimedOut = "KmsGrants.TimedOut";
        public const string NotKmsResponse = "KmsGrants.NotKmsResponse";
        public const string ResponseTooLarge = "KmsGrants.ResponseTooLarge";
        public const string Validation = "KmsGrants.Validation";
        public const string InvalidSignature = "KmsGrants.InvalidSignature";
        public const string UnrecognizedClient = "KmsGrants.UnrecognizedClient";
        public const string ExpiredToken = "KmsGrants.ExpiredToken";
        public const string DryRunNotHonored = "KmsGrants.DryRunNotHonored";
        public const string Stopped = "KmsGrants.Stopped";
        public const string EndpointUnresponsive = "KmsGrants.EndpointUnresponsive";
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
}

using System;
using System.IO;
using System.Net;
using System.Net.Http;
using System.Net.Sockets;
using Amazon.Runtime;

namespace KmsGrants.Engine
{
    /// <summary>What went wrong with one KMS call, sorted into the kinds the module reports and retries by.</summary>
    public enum KmsErrorKind
    {
        NotFound,
        AccessDenied,
        InvalidArn,
        InvalidGrantToken,
        InvalidGrantId,
        InvalidMarker,
        InvalidState,
        Disabled,
        Throttled,
        DependencyTimeout,
        InternalFailure,
        /// <summary>The connection failed after the request was (perhaps) sent: its outcome is unknown.</summary>
        NetworkError,
        /// <summary>The connection failed before any of the request was sent (refused, name not found, TLS).</summary>
        NotSent,
        /// <summary>No answer within the per-attempt time-out.</summary>
        TimedOut,
        /// <summary>An answer that is not KMS's: a web page, a proxy's error, the wrong service.</summary>
        NotKmsResponse,
        /// <summary>An answer larger than any KMS answer can be.</summary>
        ResponseTooLarge,
        Validation,
        InvalidSignature,
        UnrecognizedClient,
        ExpiredToken,
        /// <summary>The credentials could not be obtained (a failing credential_process, an expired SSO session).</summary>
        CredentialsUnavailable,
        /// <summary>LimitExceededException: a key holds its most grants (50,000), or another KMS limit was reached.</summary>
        LimitExceeded,
        /// <summary>CreateGrant's InvalidArnException: KMS does not know a grant's principal (it does not exist, or IAM has
        /// not yet propagated it).</summary>
        InvalidPrincipal,
        /// <summary>DryRunOperationException: not an error at all, the DryRun's "would succeed".</summary>
        DryRunSucceeded,
        /// <summary>The endpoint answered a DryRun request with success: it ignores DryRun, so it may make the change
        /// (moto does this).</summary>
        DryRunNotHonored,
        /// <summary>The command stopped while the request was in flight, before its answer came.</summary>
        Stopped,
        /// <summary>The endpoint accepted requests but answered none for a long while.</summary>
        Unresponsive,
        /// <summary>Any other error code KMS may answer with.</summary>
        ServiceError,
    }

    public sealed class KmsError
    {
        public KmsError(KmsErrorKind kind, string code, string message, int? httpStatus = null, string? requestId = null)
        {
            Kind = kind;
            Code = code;
            Message = message;
            HttpStatus = httpStatus;
            RequestId = requestId;
        }

        /// <summary>Set when this was the answer to looking an alias up (DescribeKey), not to the request for a grant.</summary>
        public string? Alias { get; private set; }
        /// <summary>The Region the alias was looked up in, with <see cref="Alias"/>.</summary>
        public string? AliasRegion { get; private set; }

        /// <summary>This error as the answer to looking up <paramref name="alias"/> in <paramref name="region"/>: its
        /// advice is about the alias, not the grant.</summary>
        public KmsError ForAliasLookup(string alias, string region) =>
            new KmsError(Kind, Code, Message, HttpStatus, RequestId) { Alias = alias, AliasRegion = region };

        public KmsErrorKind Kind { get; }
        /// <summary>The service's error code (e.g. NotFoundException), or a name for a failure without one.</summary>
        public string Code { get; }
        public string Message { get; }
        public int? HttpStatus { get; }
        public string? RequestId { get; }

        /// <summary>The Region refused the credentials: a signature scoped to a Region the endpoint does not serve, an opt-in
        /// Region not enabled. From a Region other than the command's own, that stops only that Region.</summary>
        public bool RefusesCredentials => Kind is KmsErrorKind.InvalidSignature or KmsErrorKind.UnrecognizedClient;

        /// <summary>Worth sending again: throttling, faults, time-outs and lost connections.</summary>
        public bool IsRetryable => Kind is KmsErrorKind.Throttled or KmsErrorKind.InternalFailure or KmsErrorKind.DependencyTimeout
            or KmsErrorKind.NetworkError or KmsErrorKind.NotSent or KmsErrorKind.TimedOut;

        /// <summary>The request may have taken effect though no success came back. A later NotFound for the same grant
        /// then means an earlier attempt retired it. An answer too large to read is one whose content is unknown.</summary>
        public bool OutcomeUnknown => Kind is KmsErrorKind.InternalFailure or KmsErrorKind.DependencyTimeout
            or KmsErrorKind.NetworkError or KmsErrorKind.TimedOut or KmsErrorKind.NotKmsResponse or KmsErrorKind.ResponseTooLarge
            or KmsErrorKind.Stopped;

        /// <summary>KMS itself refused the request for what it names (not the caller's credentials, not the rate): a
        /// refusal only an endpoint that evaluated the request gives.</summary>
        public bool IsKmsRefusal => HttpStatus is >= 400 and < 500 && !IsRetryable && !StopsEverything;

        /// <summary>Under DryRun, an answer the real call would get too: KMS's refusal of what the request names, or of the
        /// caller's credentials. Throttles, faults, time-outs and answers that are not KMS's say nothing of the real call.</summary>
        public bool IsDryRunVerdict => IsKmsRefusal || RefusesCredentials || Kind == KmsErrorKind.ExpiredToken;

        /// <summary>Errors that will fail every request alike: the command stops instead of repeating them.</summary>
        public bool StopsEverything => Kind is KmsErrorKind.InvalidSignature or KmsErrorKind.UnrecognizedClient
            or KmsErrorKind.ExpiredToken or KmsErrorKind.DryRunNotHonored or KmsErrorKind.CredentialsUnavailable
            or KmsErrorKind.NotKmsResponse or KmsErrorKind.ResponseTooLarge or KmsErrorKind.Unresponsive;

        public static KmsError StoppedInFlight() => new KmsError(KmsErrorKind.Stopped, "Stopped",
            "The command stopped while this grant's request was in flight, before an answer came.");

        /// <param name="timedOut">The attempt's own time-out cancelled it.</param>
        /// <param name="sends">How often the request went on the wire (0: never), when known.</param>
        /// <param name="redact">Takes the session's secrets out of text the endpoint sent (KmsSession.ErrorFrom).</param>
        public static KmsError From(Exception exception, Func<string, string> redact, bool timedOut = false, int? sends = null)
        {
            var error = From(exception, timedOut, sends);
            // Every text the endpoint chose: the message, the error code and the request ID.
            var (message, code, requestId) = (redact(error.Message), redact(error.Code), error.RequestId is null ? null : redact(error.RequestId));
            return message == error.Message && code == error.Code && requestId == error.RequestId ? error
                : new KmsError(error.Kind, code, message, error.HttpStatus, requestId);
        }

        internal static KmsError From(Exception exception, bool timedOut = false, int? sends = null)
        {
            if (exception is AggregateException { InnerExceptions.Count: 1 } agg)
                exception = agg.InnerException!;

            if (Find<KmsAnswerException>(exception) is KmsAnswerException notKms)
                return new KmsError(notKms.TooLarge ? KmsErrorKind.ResponseTooLarge : KmsErrorKind.NotKmsResponse,
                    notKms.TooLarge ? "ResponseTooLarge" : "NotKmsResponse", notKms.Message, notKms.HttpStatus, notKms.RequestId);
            if (Find<CredentialsUnavailableException>(exception) is CredentialsUnavailableException credentials)
                return new KmsError(KmsErrorKind.CredentialsUnavailable, "CredentialsUnavailable", credentials.Message);

            if (exception is AmazonServiceException service && !string.IsNullOrEmpty(service.ErrorCode))
            {
                var status = (int)service.StatusCode;
                return new KmsError(KindOf(service.ErrorCode, status), service.ErrorCode, service.Message, status == 0 ? null : status, service.RequestId);
            }
            if (exception is AmazonServiceException { StatusCode: >= (HttpStatusCode)500 } fault)
                return new KmsError(KmsErrorKind.InternalFailure, $"HTTP {(int)fault.StatusCode}", fault.Message, (int)fault.StatusCode, fault.RequestId);

            // The HTTP client's own time-out (the listing clients' only one) surfaces as a TimeoutException around the
            // cancelled socket read; a request never sent (sends == 0) stays NotSent below.
            if (timedOut || (sends != 0 && Find<TimeoutException>(exception) != null))
                return new KmsError(KmsErrorKind.TimedOut, "TimedOut", "No answer came within the time-out.");
            if (IsNetworkFailure(exception))
            {
                var inner = Innermost(exception);
                return sends == 0
                    ? new KmsError(KmsErrorKind.NotSent, inner.GetType().Name, $"The request was not sent: {inner.Message}")
                    : new KmsError(KmsErrorKind.NetworkError, inner.GetType().Name, inner.Message);
            }
            return new KmsError(KmsErrorKind.ServiceError, exception.GetType().Name, exception.Message);
        }

        internal static KmsErrorKind KindOf(string code, int httpStatus) => code switch
        {
            "NotFoundException" => KmsErrorKind.NotFound,
            "AccessDeniedException" => KmsErrorKind.AccessDenied,
            "InvalidArnException" => KmsErrorKind.InvalidArn,
            "InvalidGrantTokenException" => KmsErrorKind.InvalidGrantToken,
            "InvalidGrantIdException" => KmsErrorKind.InvalidGrantId,
            "InvalidMarkerException" => KmsErrorKind.InvalidMarker,
            "KMSInvalidStateException" => KmsErrorKind.InvalidState,
            "DisabledException" => KmsErrorKind.Disabled,
            "LimitExceededException" => KmsErrorKind.LimitExceeded,
            "ThrottlingException" or "Throttling" or "TooManyRequestsException" or "RequestLimitExceeded" => KmsErrorKind.Throttled,
            "DependencyTimeoutException" => KmsErrorKind.DependencyTimeout,
            "KMSInternalException" or "InternalFailure" or "ServiceUnavailable" or "ServiceUnavailableException" => KmsErrorKind.InternalFailure,
            "ValidationException" or "SerializationException" => KmsErrorKind.Validation,
            "InvalidSignatureException" or "SignatureDoesNotMatch" or "IncompleteSignature" => KmsErrorKind.InvalidSignature,
            "UnrecognizedClientException" or "InvalidClientTokenId" => KmsErrorKind.UnrecognizedClient,
            "ExpiredTokenException" or "ExpiredToken" => KmsErrorKind.ExpiredToken,
            "DryRunOperationException" => KmsErrorKind.DryRunSucceeded,
            _ when httpStatus >= 500 => KmsErrorKind.InternalFailure,
            _ => KmsErrorKind.ServiceError,
        };

        static T? Find<T>(Exception e) where T : Exception
        {
            for (var x = e; x != null; x = x.InnerException)
                if (x is T found) return found;
            return null;
        }

        static bool IsNetworkFailure(Exception e)
        {
            for (var x = e; x != null; x = x.InnerException)
                if (x is HttpRequestException or IOException or SocketException or WebException or TimeoutException
                    or OperationCanceledException)
                    return true;
            return false;
        }

        static Exception Innermost(Exception e)
        {
            while (e.InnerException != null) e = e.InnerException;
            return e;
        }
    }
}

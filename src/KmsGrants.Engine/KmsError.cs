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
        NetworkError,
        Validation,
        InvalidSignature,
        UnrecognizedClient,
        ExpiredToken,
        /// <summary>DryRunOperationException: not an error at all, the DryRun's "would succeed".</summary>
        DryRunSucceeded,
        /// <summary>The endpoint answered a DryRun request with success: it ignores DryRun, so it may have made
        /// the change (moto does this).</summary>
        DryRunNotHonored,
        ServiceError,
    }

    public sealed class KmsError
    {
        KmsError(KmsErrorKind kind, string code, string message, int? httpStatus, string? requestId, Exception exception)
        {
            Kind = kind;
            Code = code;
            Message = message;
            HttpStatus = httpStatus;
            RequestId = requestId;
            Exception = exception;
        }

        public KmsErrorKind Kind { get; }
        /// <summary>The service's error code (e.g. NotFoundException), or the exception type for a network failure.</summary>
        public string Code { get; }
        public string Message { get; }
        public int? HttpStatus { get; }
        public string? RequestId { get; }
        public Exception Exception { get; }

        /// <summary>Worth sending again: throttling, faults, timeouts and lost connections.</summary>
        public bool IsRetryable => Kind is KmsErrorKind.Throttled or KmsErrorKind.InternalFailure
            or KmsErrorKind.DependencyTimeout or KmsErrorKind.NetworkError;

        /// <summary>The request may have taken effect even though no success came back: a fault or a cut connection.
        /// A later NotFound for the same grant then means this attempt retired it.</summary>
        public bool OutcomeUnknown => Kind is KmsErrorKind.InternalFailure or KmsErrorKind.DependencyTimeout or KmsErrorKind.NetworkError;

        public static KmsError DryRunNotHonored(string? endpoint) => new KmsError(KmsErrorKind.DryRunNotHonored, "DryRunNotHonored",
            $"The endpoint{(endpoint == null ? "" : " " + endpoint)} answered a DryRun request with success instead of DryRunOperationException: " +
            "it does not honour DryRun, so the request may have taken effect.", null, null, new NotSupportedException("DryRun not honoured"));

        public static KmsError From(Exception exception)
        {
            if (exception is AggregateException { InnerExceptions.Count: 1 } agg)
                exception = agg.InnerException!;

            if (exception is AmazonServiceException service && !string.IsNullOrEmpty(service.ErrorCode))
            {
                var status = (int)service.StatusCode;
                var kind = KindOf(service.ErrorCode, status);
                return new KmsError(kind, service.ErrorCode, service.Message, status == 0 ? null : status, service.RequestId, exception);
            }
            if (exception is AmazonServiceException { StatusCode: >= (HttpStatusCode)500 } fault)
                return new KmsError(KmsErrorKind.InternalFailure, $"HTTP {(int)fault.StatusCode}", fault.Message, (int)fault.StatusCode, fault.RequestId, exception);

            if (IsNetworkFailure(exception))
                return new KmsError(KmsErrorKind.NetworkError, Innermost(exception).GetType().Name, Innermost(exception).Message, null, null, exception);

            return new KmsError(KmsErrorKind.ServiceError, exception.GetType().Name, exception.Message, null, null, exception);
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

using System;

namespace KmsGrants
{
    /// <summary>The exception inside every KmsGrants ErrorRecord: our own type, carrying the KMS error code and request
    /// ID but not the SDK's exception (its types belong to the module's private load context).</summary>
    public sealed class KmsGrantsException : Exception
    {
        public KmsGrantsException(string message, string? errorCode = null, int? httpStatus = null, string? requestId = null)
            : base(message)
        {
            ErrorCode = errorCode;
            HttpStatus = httpStatus;
            RequestId = requestId;
        }

        /// <summary>The KMS error code, e.g. NotFoundException; null for errors found before sending.</summary>
        public string? ErrorCode { get; }
        public int? HttpStatus { get; }
        public string? RequestId { get; }
    }
}

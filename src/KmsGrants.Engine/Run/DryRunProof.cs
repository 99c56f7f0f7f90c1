using System;
using System.Threading;
using System.Threading.Tasks;

namespace KmsGrants.Engine
{
    /// <summary>What a canary's answer proves about the endpoint.</summary>
    public enum CanaryVerdict
    {
        /// <summary>KMS refused the DryRun of a grant that cannot exist: it evaluated the request, so it honours DryRun.</summary>
        Honoured = 1,
        /// <summary>It answered with success: it ignores DryRun (moto does), so a DryRun of a real grant could delete it.</summary>
        NotHonored,
        /// <summary>A fault, no answer, an answer that is not KMS's, a refusal of the credentials: proves nothing.</summary>
        Inconclusive,
    }

    /// <summary>-WhatIf's safety, per Region. A DryRun never succeeds on KMS, but an endpoint that ignores DryRun makes the
    /// change. So before the first DryRun of a real grant in a Region, DryRuns of a grant that cannot exist (64 zeros on
    /// the grant's key, or a token no CreateGrant issued) are sent — RetireGrant's, and for revocation RevokeGrant's too
    /// (<see cref="GrantOperation.Canaries"/>) — and only KMS's refusal of each (a 4xx KMS error about the request) proves
    /// DryRun honoured: an endpoint that accepts an impossible request is one that ignores DryRun. moto answers a DryRun on a key it lacks with HTTP 500, and then deletes a real
    /// grant's: a fault proves nothing. Until proven, no grant is sent; each unproven grant is reported NotAttempted with
    /// the canary's answer, and the next grant gets its own canary.</summary>
    internal sealed class DryRunProof
    {
        int _unprovenInARow;

        /// <summary>Proven honoured: DryRuns of real grants may go.</summary>
        public bool Proven { get; private set; }

        /// <summary>Set once <see cref="AttemptPolicy.MaxUnprovenCanariesInARow"/> canaries in a row got answers that prove
        /// nothing (throttles aside, which say only that the quota is spent): the last such answer. The key's grants are
        /// then not tried.</summary>
        public KmsError? GivenUp { get; private set; }

        public static CanaryVerdict Judge(KmsError? answer)
        {
            if (answer == null) return CanaryVerdict.NotHonored;
            return answer.Kind == KmsErrorKind.DryRunSucceeded || answer.IsKmsRefusal ? CanaryVerdict.Honoured : CanaryVerdict.Inconclusive;
        }

        public static KmsError NotHonoredError(string? endpoint) => new KmsError(KmsErrorKind.DryRunNotHonored, "DryRunNotHonored", RunMessages.DryRunNotHonored(endpoint));

        /// <summary>Sends <paramref name="operation"/>'s canaries for <paramref name="sample"/>, one after another, each retried
        /// as a grant would be (what would end a grant's attempts ends the canary's), until each has proved something.
        /// Returns null when all were refused (proven) or when the run or its Region stopped meanwhile; the not-honoured error (the run
        /// must stop); or the answer that proved nothing (this grant is not sent).</summary>
        /// <param name="send">Paces and sends one DryRun request of an operation: its error (null: success) and sends;
        /// throws OperationCanceledException when the run stops while it waits for its turn.</param>
        public async Task<KmsError?> ProveAsync(GrantReference sample, GrantOperation operation,
            Func<GrantOperation, GrantReference, Task<(KmsError? Error, int Sends)>> send,
            AttemptPolicy policy, Func<bool> stopping, Random random, string endpoint, CancellationToken stopToken)
        {
            foreach (var (canaryOperation, canary) in operation.Canaries(sample))
            {
                var attempts = new GrantAttempts();
                while (true)
                {
                    if (stopping()) return null;   // the run or its Region stopped: the queued grants are the run's to finish
                    KmsError? error;
                    int sends;
                    try
                    {
                        (error, sends) = await send(canaryOperation, canary).ConfigureAwait(false);
                    }
                    catch (OperationCanceledException)
                    {
                        return null;   // stopping: the queued grants are the run's to finish
                    }
                    var verdict = Judge(error);
                    if (verdict == CanaryVerdict.Honoured)
                    {
                        _unprovenInARow = 0;
                        break;
                    }
                    if (verdict == CanaryVerdict.NotHonored) return NotHonoredError(endpoint);
                    if (error?.Kind != KmsErrorKind.Throttled && ++_unprovenInARow >= AttemptPolicy.MaxUnprovenCanariesInARow)
                    {
                        GivenUp = error;
                        return error;
                    }
                    var decision = policy.AfterAttempt(attempts, error, sends, stopping(), random);
                    if (!decision.IsRetry) return stopping() ? null : error;
                    try { await Task.Delay(AttemptPolicy.UnpacedRetryDelay(decision, error, attempts, random), stopToken).ConfigureAwait(false); }
                    catch (OperationCanceledException) { return null; }
                }
            }
            Proven = true;
            return null;
        }
    }
}

using System;

namespace KmsGrants.Engine
{
    /// <summary>Every sentence a run says about a grant, a Region or itself, in one place, built from the operation's own
    /// words (<see cref="GrantOperation.Verb"/>, <see cref="GrantOperation.PastParticiple"/>, …): the results' messages
    /// (<see cref="AttemptPolicy"/>), the stops' errors (<see cref="StopRules"/>, <see cref="DryRunProof"/>) and what the
    /// end of a run says once (<see cref="RunReport"/>).</summary>
    public static class RunMessages
    {
        public const string Unknown = "The outcome is unknown: a request may have reached KMS, but no answer came back. Check whether the grant still exists (Get-KmsGrant).";

        public static string PrincipalUnknownUnderWhatIf => "KMS does not know this principal now. A role or user created moments ago may not " +
            $"have reached KMS yet: without -WhatIf, the request is retried for up to {AttemptPolicy.PrincipalPropagationSeconds:0} seconds before it is reported.";

        public const string UnknownCreation = "The outcome is unknown: the request may have created the grant, but no answer came back. " +
            "Without a Name it was not sent again (a second request would make a second grant): check with Get-KmsGrant -KeyId <key> " +
            "-GranteePrincipal <principal>, and give -Name to make a retry safe (KMS returns the same grant for the same Name and parameters).";

        public const string SameGrantAfterLostAnswer = "an earlier attempt's answer was lost; KMS returned the grant for the same Name and parameters";

        public const string GoneSinceListKeys = "deleted after ListKeys listed it: skipped";

        public const string TemplateItself = "KMS answered with the template grant itself (same key, grantee, operations, constraints and name): " +
            "its grantee already held it, so nothing new was made. Give -GranteePrincipal to copy it to another principal.";

        public static string DryRunAnsweredSuccess(GrantOperation operation) =>
            $"The endpoint answered this DryRun with success, which KMS never does: it ignores DryRun, so this grant may have been {operation.PastParticiple}. " +
            "Check it (Get-KmsGrant); nothing more was sent.";

        public static string DoneOnRetry(GrantOperation operation) => $"gone after a lost response; this run's earlier attempt probably {operation.PastParticiple} it";

        /// <summary>Why a Region stopped, after its name: "refused the credentials (…)" or "throttled every request …".</summary>
        public static string RegionStopReason(KmsError stop) => stop.Kind == KmsErrorKind.Throttled
            ? $"throttled every request for {StopRules.ThrottledThroughoutSeconds:0} s"
            : $"refused the credentials ({stop.Code})";

        /// <summary>Why a grant could not be sent: "eu-west-1 refused the credentials (…)", or "the command stopped".</summary>
        public static string StopCause(KmsError? regionStop, string? region) => regionStop != null ? $"{region} {RegionStopReason(regionStop)}" : "the command stopped";

        public static string NeverSent(string cause) => $"Not sent: {cause} before this grant's request was sent.";

        public static string NoVerdictBeforeStop(string cause) => $"No DryRun verdict: {cause} before KMS gave one for this grant.";

        public static string NotSentAgain(GrantOperation operation, string cause, KmsError? lastError) =>
            $"Not {operation.PastParticiple}: {cause} before this grant could be sent again" + (lastError == null ? "." : $" (its last answer: {lastError.Code}).");

        public static string NoVerdictForLookup(KmsError error) => $"No DryRun verdict: the lookup of this grant's key got {error.Code}, so nothing was sent for it.";

        public static string NoVerdict(GrantOperation operation, KmsError error) =>
            $"No DryRun verdict: KMS gave none for this grant (its last answer: {error.Code}); nothing was {operation.PastParticiple}.";

        public static string DryRunUnproven(KmsError canaryError) =>
            $"Not sent: a DryRun of a grant that cannot exist, sent first to prove that the endpoint honours DryRun, got {canaryError.Code} " +
            "instead of KMS's refusal; -WhatIf sends no grant to an endpoint that may ignore DryRun.";

        public static string DryRunNotHonoredForGrant(GrantOperation operation) =>
            $"Not sent: the endpoint does not honour DryRun, so -WhatIf could have {operation.PastParticiple} this grant.";

        public static string KeyUnproven(KmsError canaryError) =>
            $"Not sent: DryRuns of a grant that cannot exist on this grant's key got {canaryError.Code} {AttemptPolicy.MaxUnprovenCanariesInARow} times in a row " +
            "instead of KMS's refusal, so -WhatIf cannot prove the endpoint honours DryRun for that key.";

        public static string NotSentFailure(GrantOperation operation, KmsError error) => $"{error.Message} The grant was not {operation.PastParticiple}.";

        public static string StoppedBeforeRetry(GrantOperation operation, KmsError error) =>
            $"The command stopped before this grant could be retried ({error.Code}); it was not {operation.PastParticiple}.";

        public static string DryRunNotHonored(string? endpoint) =>
            $"The endpoint{(endpoint == null ? "" : " " + endpoint)} answered a DryRun request with success instead of an error: " +
            "it does not honour DryRun, so a DryRun request may make the change it only asks about (retire, revoke or create a grant).";

        public static string Silent(string endpoint) =>
            $"{endpoint} accepted requests but answered none for {StopRules.SilenceSeconds:0} s (each attempt allows {KmsSession.AttemptTimeout.TotalSeconds:0} s).";

        public static string ThrottledThroughout(string region, double seconds, string operation) =>
            $"KMS in {region} throttled every request for {seconds:0} s: its {operation} quota is taken by other clients, or is 0.";

        // ---- What the end of a run says once (RunReport) ----

        public static string RegionLeft(GrantOperation operation, bool dryRun, string region, KmsError stop, int unsent, int undone, bool othersWentOn)
        {
            var left = unsent + undone;
            var undoneSaid = $"sent, but {operation.PastParticiple} by none of their attempts: Failed";
            var split = undone == 0 ? "never sent: NotAttempted" : unsent == 0 ? undoneSaid : $"{unsent} never sent: NotAttempted; {undone} {undoneSaid}";
            var verb = dryRun ? "get KMS's DryRun verdict on" : operation.Verb;
            var what = left > 0
                ? $"{verb} {left} more grant(s) in {region} ({split}): the Region {RegionStopReason(stop)}, so they were left as they were"
                : $"{verb} grants in {region}: the Region {RegionStopReason(stop)}";
            return what + (othersWentOn ? " (the other Regions went on)" : "");
        }

        public static string UnsentByStop(int count, string? stopReason) =>
            $"{count} grant(s) were not sent: {stopReason}. They are NotAttempted in the results and in $KmsGrantsLastRun; run them again once the cause is fixed.";

        public static string KeyUnprovenSummary(int count, string keyId, string region, KmsError? lastError) =>
            $"{count} grant(s) of key {keyId} in {region} were not sent: DryRuns of a grant that cannot exist on that key got {lastError?.Code} " +
            $"{AttemptPolicy.MaxUnprovenCanariesInARow} times in a row instead of KMS's refusal, so -WhatIf cannot prove the endpoint honours DryRun for that key. " +
            "They are NotAttempted; the key's other answers may say why (an endpoint that does not have the key, or is failing).";

        /// <summary>Ctrl+C leaves no output to read: the tally, and where every result went.</summary>
        public static string UserStop(GrantOperation operation, bool dryRun, GrantRunSummary s)
        {
            var done = dryRun
                ? $"{s.WouldSucceed} would be {operation.PastParticiple}, {s.WouldFail} would fail"
                : $"{s.Succeeded + s.SucceededOnRetry} {operation.PastParticiple}, {s.Failed} failed, {s.Unknown} unknown (check whether they still exist)";
            return $"Stopped by the user (Ctrl+C) after {s.Elapsed.TotalSeconds:0.0} s: of {s.Submitted} grant(s) taken in, {done}, " +
                $"{s.NotAttempted} not sent (NotAttempted). Every grant's result is in $KmsGrantsLastRun " +
                "($KmsGrantsLastRun.UnreportedResults holds those the pipeline no longer took); run the NotAttempted ones again.";
        }

        public static string RunStopped(GrantOperation operation, bool dryRun, GrantReference? grant) =>
            $"{operation.Verb} grants{(dryRun ? " (DryRun)" : "")}" + (grant == null ? "" : $" (stopped by the answer for {grant})");
    }
}

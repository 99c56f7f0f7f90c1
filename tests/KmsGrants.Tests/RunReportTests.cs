using KmsGrants;
using KmsGrants.Engine;
using Xunit;

/// <summary>What the end of a run says once, in words: Regions that stopped, grants never sent, keys whose DryRun could
/// not be proven, Ctrl+C and the run's own stop.</summary>
public class RunReportTests
{
    const string KeyA = "arn:aws:kms:us-east-1:111122223333:key/a";
    const string KeyB = "arn:aws:kms:eu-west-1:111122223333:key/b";
    static readonly KmsError Refused = new(KmsErrorKind.UnrecognizedClient, "UnrecognizedClientException", "not known", 400);
    static readonly KmsError Fault = new(KmsErrorKind.InternalFailure, "KMSInternalException", "boom", 500);

    static GrantReport Report(string key, string region, GrantOutcome outcome, BulkReason? bulk, KmsError? error = null)
    {
        var result = GrantOperation.Retire.NewResult(outcome);
        result.KeyId = key;
        result.GrantId = new string('a', 64);
        result.Region = region;
        return new GrantReport(new GrantReference(key, result.GrantId, null), result, error, null, bulk);
    }

    static (RunReport Report, RetireSummary Summary) Feed(params GrantReport[] reports)
    {
        var report = new RunReport();
        var summary = new RetireSummary { Submitted = reports.Length };
        foreach (var r in reports)
        {
            report.Add(r);
            summary.Count(r.Result);
        }
        return (report, summary);
    }

    [Fact]
    public void A_Region_that_stopped_alone_is_one_error_counting_its_grants_never_sent_and_those_left_undone()
    {
        var (report, summary) = Feed(
            Report(KeyB, "eu-west-1", GrantOutcome.Failed, null, Refused),
            Report(KeyB, "eu-west-1", GrantOutcome.NotAttempted, BulkReason.RegionStopped, Refused),
            Report(KeyB, "eu-west-1", GrantOutcome.NotAttempted, BulkReason.RegionStopped, Refused),
            Report(KeyB, "eu-west-1", GrantOutcome.Failed, BulkReason.RegionStopped, Refused),
            Report(KeyA, "us-east-1", GrantOutcome.Succeeded, null));
        var findings = report.Findings(new RunEnd { StoppedRegions = new Dictionary<string, KmsError> { ["eu-west-1"] = Refused }, Summary = summary });
        var finding = Assert.Single(findings);
        Assert.Same(Refused, finding.Error);
        Assert.Equal("eu-west-1", finding.Target);
        Assert.Equal("retire 3 more grant(s) in eu-west-1 (2 never sent: NotAttempted; 1 sent, but retired by none of their attempts: Failed): " +
            "the Region refused the credentials (UnrecognizedClientException), so they were left as they were (the other Regions went on)", finding.Text);
    }

    [Fact]
    public void Grants_not_sent_because_the_run_stopped_are_one_warning_with_the_reason()
    {
        var (report, summary) = Feed(
            Report(KeyA, "us-east-1", GrantOutcome.Succeeded, null),
            Report(KeyA, "us-east-1", GrantOutcome.NotAttempted, BulkReason.RunStopped),
            Report(KeyA, "us-east-1", GrantOutcome.NotAttempted, BulkReason.RunStopped));
        var finding = Assert.Single(report.Findings(new RunEnd { StopReason = "-ErrorAction Stop on an error", Summary = summary }));
        Assert.Null(finding.Error);
        Assert.False(finding.ToHost);
        Assert.StartsWith("2 grant(s) were not sent: -ErrorAction Stop on an error. They are NotAttempted", finding.Text);
    }

    [Fact]
    public void Each_key_whose_DryRun_could_not_be_proven_is_one_warning_naming_it_and_its_count()
    {
        var (report, summary) = Feed(
            Report(KeyA, "us-east-1", GrantOutcome.NotAttempted, BulkReason.KeyUnproven, Fault),
            Report(KeyA, "us-east-1", GrantOutcome.NotAttempted, BulkReason.KeyUnproven, Fault),
            Report(KeyB, "eu-west-1", GrantOutcome.NotAttempted, BulkReason.KeyUnproven, Fault),
            Report(KeyB, "eu-west-1", GrantOutcome.WouldSucceed, null));
        var findings = report.Findings(new RunEnd { DryRun = true, Summary = summary });
        Assert.Equal(2, findings.Count);
        Assert.StartsWith($"1 grant(s) of key {KeyB} in eu-west-1 were not sent: DryRuns of a grant that cannot exist on that key got KMSInternalException 6 times in a row", findings[0].Text);
        Assert.StartsWith($"2 grant(s) of key {KeyA} in us-east-1 were not sent", findings[1].Text);
    }

    [Fact]
    public void Ctrl_C_is_one_warning_to_the_host_with_the_tally_and_where_the_results_are_instead_of_the_stop_warning()
    {
        var (report, summary) = Feed(
            Report(KeyA, "us-east-1", GrantOutcome.Succeeded, null),
            Report(KeyA, "us-east-1", GrantOutcome.Unknown, null, Fault),
            Report(KeyA, "us-east-1", GrantOutcome.NotAttempted, BulkReason.RunStopped));
        var finding = Assert.Single(report.Findings(new RunEnd { StoppedByUser = true, StopReason = GrantRun.UserStopReason, Summary = summary }));
        Assert.True(finding.ToHost);
        Assert.StartsWith("Stopped by the user (Ctrl+C) after 0.0 s: of 3 grant(s) taken in, 1 retired, 0 failed, 1 unknown (check whether they still exist), 1 not sent (NotAttempted).", finding.Text);
        Assert.Contains("$KmsGrantsLastRun.UnreportedResults", finding.Text);
    }

    [Fact]
    public void The_run_s_own_stop_comes_last_naming_the_grant_whose_answer_it_was()
    {
        var grant = new GrantReference(KeyA, new string('b', 64), null);
        var (report, summary) = Feed(Report(KeyA, "us-east-1", GrantOutcome.NotAttempted, BulkReason.RunStopped));
        var findings = report.Findings(new RunEnd { Operation = GrantOperation.Revoke, FatalError = Refused, FatalGrant = grant, StopReason = "UnrecognizedClientException: every request would fail alike", Summary = summary });
        Assert.Equal(2, findings.Count);
        Assert.Null(findings[0].Error);
        Assert.Same(Refused, findings[1].Error);
        Assert.Same(grant, findings[1].Target);
        Assert.Equal($"revoke grants (stopped by the answer for {grant})", findings[1].Text);
    }
}

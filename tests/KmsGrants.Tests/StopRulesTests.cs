using KmsGrants.Engine;
using Xunit;

/// <summary>The rules by which a run, or one Region of it, stops of its own accord, in virtual time: the clock is an
/// argument, so 15 s of silence or 30 s of throttles take no time here (the Pester suites only check the wiring).</summary>
public class StopRulesTests
{
    const string Home = "us-east-1";
    const string Other = "eu-west-1";
    static readonly double Silence = StopRules.SilenceSeconds;
    static readonly double Throttled = StopRules.ThrottledThroughoutSeconds;

    static StopRules Rules(double now = 0, string? defaultRegion = Home) => new(defaultRegion, "http://127.0.0.1:1/", now);

    static KmsError Error(KmsErrorKind kind, string code) => new(kind, code, "message", 400);

    [Fact]
    public void Silence_with_requests_in_flight_stops_the_run_after_the_limit_and_not_before()
    {
        var rules = Rules();
        Assert.Equal(15, Silence);
        Assert.Null(rules.RunStopDue(Silence - 0.01, inFlight: 3));
        var stop = rules.RunStopDue(Silence, inFlight: 3)!;
        Assert.Equal(KmsErrorKind.Unresponsive, stop.Kind);
        Assert.Equal(ErrorIds.EndpointUnresponsive, ErrorIds.For(stop.Kind));
        Assert.Contains("http://127.0.0.1:1/", stop.Message);
        Assert.True(stop.StopsEverything);
    }

    [Fact]
    public void Silence_with_nothing_in_flight_is_an_idle_input_not_a_silent_endpoint()
    {
        Assert.Null(Rules().RunStopDue(1000, inFlight: 0));
    }

    [Fact]
    public void Any_answer_restarts_the_silence_clock_throttles_and_faults_included()
    {
        var rules = Rules();
        rules.OnAnswer(Home, 10, throttled: true);
        Assert.Null(rules.RunStopDue(10 + Silence - 0.01, 1));
        Assert.NotNull(rules.RunStopDue(10 + Silence, 1));
        rules.OnAnswer(Other, 20, throttled: false);
        Assert.Null(rules.RunStopDue(20 + Silence - 0.01, 1));
    }

    [Fact]
    public void Sending_again_after_the_whole_run_was_idle_starts_the_silence_clock_afresh()
    {
        // The input paused for 100 s (a slow source upstream): the first request after it has had no time to be answered.
        var rules = Rules();
        rules.OnBusyAgain(Home, 100, wholeRunWasIdle: true);
        Assert.Null(rules.RunStopDue(100 + Silence - 0.01, 1));
        Assert.NotNull(rules.RunStopDue(100 + Silence, 1));
    }

    [Fact]
    public void A_Region_busy_again_while_another_waits_does_not_hide_that_one_s_silence()
    {
        var rules = Rules();
        rules.OnBusyAgain(Other, 10, wholeRunWasIdle: false);
        Assert.NotNull(rules.RunStopDue(Silence, 2));
    }

    [Fact]
    public void A_Region_that_only_throttles_for_the_limit_stops_alone()
    {
        var rules = Rules();
        for (var t = 1; t <= 30; t++) rules.OnAnswer(Other, t, throttled: true);
        Assert.Null(rules.RegionStopDue(Other, Throttled - 0.01, "RetireGrant"));
        var stop = rules.RegionStopDue(Other, Throttled, "RetireGrant")!;
        Assert.Equal(KmsErrorKind.Throttled, stop.Kind);
        Assert.Contains("RetireGrant quota", stop.Message);
        Assert.Contains(Other, stop.Message);
        Assert.Null(rules.RegionStopDue(Home, Throttled, "RetireGrant"));
    }

    [Fact]
    public void A_Region_slow_to_answer_is_not_throttled_throughout()
    {
        var rules = Rules();
        for (var t = 1; t < StopRules.ThrottlesThroughout; t++) rules.OnAnswer(Other, t, throttled: true);
        Assert.Null(rules.RegionStopDue(Other, 100, "RevokeGrant"));
        rules.OnAnswer(Other, 101, throttled: true);
        Assert.NotNull(rules.RegionStopDue(Other, 101, "RevokeGrant"));
    }

    [Fact]
    public void One_accepted_answer_clears_a_Region_s_throttles()
    {
        var rules = Rules();
        for (var t = 1; t <= 20; t++) rules.OnAnswer(Other, t, throttled: true);
        rules.OnAnswer(Other, 25, throttled: false);
        for (var t = 26; t <= 40; t++) rules.OnAnswer(Other, t, throttled: true);
        Assert.Null(rules.RegionStopDue(Other, 25 + Throttled - 0.01, "RetireGrant"));
        Assert.NotNull(rules.RegionStopDue(Other, 25 + Throttled, "RetireGrant"));
    }

    [Fact]
    public void A_Region_busy_again_after_idling_starts_its_throttle_clock_afresh()
    {
        var rules = Rules();
        for (var t = 1; t <= 10; t++) rules.OnAnswer(Other, t, throttled: true);
        rules.OnBusyAgain(Other, 50, wholeRunWasIdle: true);
        Assert.Null(rules.RegionStopDue(Other, 50 + Throttled - 0.01, "RetireGrant"));
    }

    [Theory]
    [InlineData(KmsErrorKind.InvalidSignature, "InvalidSignatureException", Home, StopScope.Run)]
    [InlineData(KmsErrorKind.InvalidSignature, "InvalidSignatureException", Other, StopScope.Region)]
    [InlineData(KmsErrorKind.UnrecognizedClient, "UnrecognizedClientException", Other, StopScope.Region)]
    [InlineData(KmsErrorKind.UnrecognizedClient, "UnrecognizedClientException", Home, StopScope.Run)]
    [InlineData(KmsErrorKind.ExpiredToken, "ExpiredTokenException", Other, StopScope.Run)]
    [InlineData(KmsErrorKind.NotKmsResponse, "NotKmsResponse", Other, StopScope.Run)]
    [InlineData(KmsErrorKind.DryRunNotHonored, "DryRunNotHonored", Home, StopScope.Run)]
    [InlineData(KmsErrorKind.NotFound, "NotFoundException", Home, StopScope.Grant)]
    [InlineData(KmsErrorKind.Throttled, "ThrottlingException", Other, StopScope.Grant)]
    public void Whom_an_error_stops(KmsErrorKind kind, string code, string region, StopScope scope) =>
        Assert.Equal(scope, Rules().ScopeOf(Error(kind, code), region));

    [Fact]
    public void Without_a_default_Region_every_Region_s_refusal_is_its_own()
    {
        var rules = Rules(defaultRegion: null);
        Assert.Equal(StopScope.Region, rules.ScopeOf(Error(KmsErrorKind.InvalidSignature, "InvalidSignatureException"), Home));
        Assert.Equal(StopScope.Run, rules.ScopeOf(Error(KmsErrorKind.ExpiredToken, "ExpiredTokenException"), Home));
    }
}

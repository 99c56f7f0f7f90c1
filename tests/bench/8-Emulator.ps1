<#
.SYNOPSIS
    The emulator's own figures, for the emulator that ships (KmsGrants.Testing), in-process (Start-KmsEmulator) and out
    of process (its console host, as the other benchmarks run it): start-to-first-answer time (from starting it until a
    first RetireGrant is answered, median of -Starts) and RetireGrant calls served per second with no latency knob
    (KmsGrants as the client, 64 requests in flight, on the same 2 cores). Printed next to the figures of the ASP.NET
    Core/Kestrel emulator it replaced, measured before the move, and of its HttpListener host, measured before the host
    became its own server. Target: ≥ 2,000 RetireGrant/s out of process, so that the rate-control benchmarks measure
    the client, not the emulator.
#>
param([string] $ModulePath = (Join-Path $PSScriptRoot '../../out/KmsGrants'), [int] $Grants = 20000, [int] $Starts = 7)
$ErrorActionPreference = 'Stop'
. (Join-Path $PSScriptRoot '_BenchHelpers.ps1')
Import-Module $ModulePath

# The ASP.NET Core/Kestrel emulator (tests/KmsEmulator at commit 4369464), measured on this machine before the move with
# the same client and method as below, idle, back to back with the shipped emulator's 2,025 and 2,547 calls/s. Under
# another build's load it gave 0.52-0.60 s and 1,768-2,141 calls/s; the last full bench before the move, 2,292 calls/s.
$kestrel = [pscustomobject]@{ Listening = 0.27; FirstAnswer = 0.42; CallsPerSecond = 2208 }
# The same emulator on System.Net.HttpListener (commit a30d3ec), before its own bounded server replaced it: this script,
# 3 runs alternating with the shipped host's (load average 2-7 on the 2 cores), ranges. The shipped host in those runs:
# 0.004-0.007 s in-process, 0.23-0.31 s console host; 1,516-2,252 calls/s out of process, 2,537-3,424 in-process.
$httpListener = [pscustomobject]@{ FirstAnswerInProcess = '0.004-0.007'; FirstAnswerConsoleHost = '0.27-0.58'
    CallsOutOfProcess = '1,096-1,907'; CallsInProcess = '1,826-3,015' }

# A RetireGrant any emulator answers at once: NotFoundException, for a grant on a key that does not exist.
$probe = @{ KeyId = "arn:aws:kms:us-east-1:111122223333:key/$([guid]::Empty)"; GrantId = '0' * 64; Force = $true; PassThru = $true; ErrorAction = 'SilentlyContinue' }
function Measure-FirstAnswer([scriptblock] $Start, [scriptblock] $Stop) {
    $times = foreach ($i in 1..$Starts) {
        $clock = [Diagnostics.Stopwatch]::StartNew()
        $emulator = & $Start
        try {
            $answer = Remove-KmsGrant -EndpointUrl $emulator.Url @probe
            if ($answer.ErrorCode -ne 'NotFoundException') { throw "Unexpected answer: $($answer.Status) $($answer.ErrorCode)" }
            $clock.Elapsed.TotalSeconds
        }
        finally { & $Stop $emulator }
    }
    $sorted = @($times | Sort-Object)
    [pscustomobject]@{ Median = $sorted[[int][Math]::Floor($sorted.Count / 2)]; Max = $sorted[-1] }
}

# The client's own share of a first answer (a session and an SDK client per command), against an emulator already up.
$warm = Start-KmsEmulator
try {
    $null = Remove-KmsGrant -EndpointUrl $warm.Url @probe   # JIT and the SDK's first use, out of the measurement
    $clientOnly = @(1..$Starts | ForEach-Object { (Measure-Command { $null = Remove-KmsGrant -EndpointUrl $warm.Url @probe }).TotalSeconds } | Sort-Object)
}
finally { $warm | Stop-KmsEmulator }
$client = $clientOnly[[int][Math]::Floor($clientOnly.Count / 2)]

$inProcess = Measure-FirstAnswer { Start-KmsEmulator } { param($e) $e | Stop-KmsEmulator }
$outOfProcess = Measure-FirstAnswer { Start-EmulatorProcess } { param($e) Stop-EmulatorProcess $e }
Write-Figure 'emulator' ("start to first RetireGrant answered (median of {0}; the client alone takes {1:0.000} s of it):" -f $Starts, $client)
Write-Figure 'emulator' ("  in-process (Start-KmsEmulator)       {0,6:0.000} s, max {1:0.000} s" -f $inProcess.Median, $inProcess.Max)
Write-Figure 'emulator' ("  out of process (console host)        {0,6:0.000} s, max {1:0.000} s" -f $outOfProcess.Median, $outOfProcess.Max)
Write-Figure 'emulator' ("  Kestrel, measured before the move    {0,6:0.000} s (to 'listening': {1:0.00} s)" -f $kestrel.FirstAnswer, $kestrel.Listening)
Write-Figure 'emulator' ("  HttpListener host, measured before   {0} s in-process, {1} s console host" -f $httpListener.FirstAnswerInProcess, $httpListener.FirstAnswerConsoleHost)

# Calls served: the full Get-KmsRetirableGrant | Remove-KmsGrant pipeline over $Grants seeded grants.
$outside = Measure-KmsGrants @() $Grants @{ ThrottleLimit = 64 }
$inside = & {
    $emulator = Start-KmsEmulator -SeedGrants $Grants -RetiringPrincipal $script:Retirer
    try {
        $clock = [Diagnostics.Stopwatch]::StartNew()
        $results = @(Get-KmsRetirableGrant $script:Retirer -EndpointUrl $emulator.Url |
            Remove-KmsGrant -EndpointUrl $emulator.Url -Force -PassThru -ThrottleLimit 64 -ErrorAction SilentlyContinue)
        $seconds = $clock.Elapsed.TotalSeconds
        [pscustomobject]@{ Seconds = $seconds; Requests = ($emulator | Get-KmsEmulatorStatistic).operations.RetireGrant.requests
            Failed = @($results | Where-Object Status -NotIn 'Retired', 'RetiredOnRetry').Count }
    }
    finally { $emulator | Stop-KmsEmulator }
}
Write-Figure 'emulator' ("RetireGrant calls served, no latency knob, client on the same 2 cores ({0} grants):" -f $Grants)
Write-Figure 'emulator' ("  out of process (console host)        {0,6:0} calls/s ({1} in {2:0.0} s, failed {3})" -f ($outside.Requests / $outside.Seconds), $outside.Requests, $outside.Seconds, $outside.Failed)
Write-Figure 'emulator' ("  in-process (sharing the client's pwsh) {0,4:0} calls/s ({1} in {2:0.0} s, failed {3})" -f ($inside.Requests / $inside.Seconds), $inside.Requests, $inside.Seconds, $inside.Failed)
Write-Figure 'emulator' ("  Kestrel, measured before the move    {0,6:0} calls/s" -f $kestrel.CallsPerSecond)
Write-Figure 'emulator' ("  HttpListener host, measured before   {0} calls/s out of process, {1} in-process" -f $httpListener.CallsOutOfProcess, $httpListener.CallsInProcess)

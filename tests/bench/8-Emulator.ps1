<#
.SYNOPSIS The emulator's own figures: start-up time to its first stdout line, and RetireGrant calls served per second
with no latency knob (driven by KmsGrants with 64 requests in flight).
#>
param([string] $ModulePath = (Join-Path $PSScriptRoot '../../out/KmsGrants'), [int] $Grants = 20000)
$ErrorActionPreference = 'Stop'
. (Join-Path $PSScriptRoot '_BenchHelpers.ps1')
Import-Module $ModulePath

$starts = foreach ($i in 1..5) {
    $clock = [Diagnostics.Stopwatch]::StartNew()
    $e = Start-KmsEmulator
    $clock.Elapsed.TotalSeconds
    Stop-KmsEmulator $e
}
Write-Figure 'emulator' ("start-up to 'listening': median {0:0.00} s, max {1:0.00} s (5 starts)" -f ($starts | Sort-Object)[2], ($starts | Measure-Object -Maximum).Maximum)

$run = Measure-KmsGrants @() $Grants @{ ThrottleLimit = 64 }
Write-Figure 'emulator' ("{0} RetireGrant calls in {1:0.0} s: {2:0} calls/s served (client on the same 2 cores), failed {3}" -f
    $run.Requests, $run.Seconds, ($run.Requests / $run.Seconds), $run.Failed)

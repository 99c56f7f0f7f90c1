<#
.SYNOPSIS
    The audit: an account of 1,000 keys with 5 grants each plus one key with 2,000 grants (and an AWS managed key), a
    ListGrants quota of 100 per second, 20 ms latency. The bound is ListGrants requests / quota (pages of 100: 1,020
    requests, 10.2 s). Get-KmsGrant -KeyId * and Get-KmsGrant -KeyId * | Find-KmsStaleGrant against the bound, beside
    the peers a user would write: boto3 (list_keys and list_grants paginators) sequential and with 16 threads, and the
    AWS CLI loop (a process per key, timed on a sample). Also: the single-key Get-KmsGrant at 5,000 grants, and memory.
#>
param([string] $ModulePath = (Join-Path $PSScriptRoot '../../out/KmsGrants'), [int] $Keys = 1000, [int] $GrantsPerKey = 5,
    [int] $BigKeyGrants = 2000, [int] $Quota = 100, [int] $LatencyMs = 20, [int] $CliSample = 10)
$ErrorActionPreference = 'Stop'
. (Join-Path $PSScriptRoot '_BenchHelpers.ps1')
Import-Module $ModulePath
$knobs = @('--latency-ms', "$LatencyMs", '--quota', "ListGrants=$Quota")
# A key's grants fit in one page of 100; the big key's take BigKeyGrants/100 pages; the AWS managed key one page.
$pages = $Keys * [Math]::Ceiling($GrantsPerKey / 100) + [Math]::Ceiling($BigKeyGrants / 100) + 1
$bound = $pages / $Quota
$shape = @{ Keys = $Keys; GrantsPerKey = $GrantsPerKey; BigKeyGrants = $BigKeyGrants; AwsManagedGrants = 3; GrantAgeDays = 30 }

function Measure-Listing([scriptblock] $Command) {
    $emulator = Start-EmulatorProcess @shape -Arguments $knobs
    try {
        [GC]::Collect()
        $before = [Diagnostics.Process]::GetCurrentProcess().PeakWorkingSet64
        $clock = [Diagnostics.Stopwatch]::StartNew()
        $out = @(& $Command $emulator.Url)
        $seconds = $clock.Elapsed.TotalSeconds
        $stats = (Get-EmulatorProcessStatistic $emulator).operations.ListGrants
        [pscustomobject]@{ Seconds = $seconds; Count = $out.Count; Requests = $stats.requests; Throttled = $stats.throttled
            PeakMiB = [Diagnostics.Process]::GetCurrentProcess().PeakWorkingSet64 / 1MB; Out = $out }
    }
    finally { Stop-EmulatorProcess $emulator }
}

function Write-Run([string] $Name, $Run, [string] $What) {
    Write-Figure 'audit' ("{0,-36} {1,6:0.0} s  {2,5:0.00}x bound  {3,6} {4}  {5,5} requests, {6} throttled" -f $Name, $Run.Seconds, ($Run.Seconds / $bound), $Run.Count, $What, $Run.Requests, (Format-Share $Run))
}

Write-Figure 'audit' "$Keys keys x $GrantsPerKey grants + one key of $BigKeyGrants (+ an AWS managed key), ListGrants quota $Quota/s, --latency-ms $LatencyMs; bound $pages requests / $Quota = $('{0:0.0}' -f $bound) s"
$all = Measure-Listing { param($url) Get-KmsGrant -KeyId * -EndpointUrl $url }
Write-Run 'Get-KmsGrant -KeyId *' $all 'grants'
$find = Measure-Listing { param($url) Get-KmsGrant -KeyId * -EndpointUrl $url | Find-KmsStaleGrant }
Write-Run 'Get-KmsGrant -KeyId * | Find-KmsStaleGrant' $find 'findings'
$self = Measure-Listing { param($url) Find-KmsStaleGrant -EndpointUrl $url }
Write-Run 'Find-KmsStaleGrant (its own listing)' $self 'findings'
Write-Figure 'audit' ("findings: {0} PrincipalDeleted, {1} Duplicate; peak working set of this pwsh {2:0} MiB" -f
    @($self.Out | Where-Object Reason -EQ 'PrincipalDeleted').Count, @($self.Out | Where-Object Reason -EQ 'Duplicate').Count, $self.PeakMiB)

foreach ($threads in 1, 16) {
    $emulator = Start-EmulatorProcess @shape -Arguments $knobs
    try {
        $r = Invoke-KmsPeer $emulator.Url 'list-all' @("$threads")
        $stats = (Get-EmulatorProcessStatistic $emulator).operations.ListGrants
        $run = [pscustomobject]@{ Seconds = $r.Seconds; Count = $r.Grants; Requests = $stats.requests; Throttled = $stats.throttled }
        Write-Run ("boto3 paginators, {0}" -f $(if ($threads -eq 1) { 'sequential' } else { "$threads threads" })) $run "grants ($(@($r.Errors).Count) errors)"
    }
    finally { Stop-EmulatorProcess $emulator }
}

# The AWS CLI loop a user would write: list-keys once, then list-grants per key (a process each), timed on a sample.
$emulator = Start-EmulatorProcess @shape -Arguments $knobs
try {
    $clock = [Diagnostics.Stopwatch]::StartNew()
    $listed = Invoke-AwsCli -Endpoint $emulator.Url -Arguments 'kms', 'list-keys'
    $sample = @($listed.Output.Keys | Select-Object -First $CliSample)
    foreach ($key in $sample) { $null = Invoke-AwsCli -Endpoint $emulator.Url -Arguments 'kms', 'list-grants', '--key-id', $key.KeyArn }
    $perKey = $clock.Elapsed.TotalSeconds / [Math]::Max(1, $sample.Count)
    Write-Figure 'audit' ("{0,-36} {1,6:0.00} s a key ({2} keys timed): about {3:0} s for the account" -f 'aws cli loop', $perKey, $sample.Count, ($perKey * ($Keys + 2)))
}
finally { Stop-EmulatorProcess $emulator }

# One key's grants, as before this round: must not be slower.
$emulator = Start-EmulatorProcess -SeedGrants 5000 -Arguments @('--latency-ms', "$LatencyMs")
try {
    $clock = [Diagnostics.Stopwatch]::StartNew()
    $one = @(Get-KmsGrant -KeyId $emulator.KeyArn -EndpointUrl $emulator.Url)
    Write-Figure 'audit' ("{0,-36} {1,6:0.0} s  {2} grants (50 pages, one after another)" -f 'Get-KmsGrant one key', $clock.Elapsed.TotalSeconds, $one.Count)
}
finally { Stop-EmulatorProcess $emulator }

# Shared by the benchmark scripts (not run on its own: build.ps1 skips files starting with '_').
param()
# The emulator runs out of process, in its console host (tests/KmsEmulator), so that it does not share the measured
# pwsh's CPU; from the test helpers only the Python peers and the environment.
Import-Module (Join-Path $PSScriptRoot '../KmsEmulator/KmsEmulator.psm1') -Force
Import-Module (Join-Path $PSScriptRoot '../Pester/TestHelpers.psm1') -Function Set-TestAwsEnvironment, Invoke-KmsPeer, Invoke-AwsCli, Find-PythonTool -Force
Set-TestAwsEnvironment

function Write-Figure([string] $Scenario, [string] $Line) {
    Write-Host ("{0,-16} {1}" -f $Scenario, $Line)
}

# Grants of the seeded key, written where the Python peers read them.
function Export-SeededGrants($Emulator, [int] $First = [int]::MaxValue) {
    $file = [IO.Path]::GetTempFileName()
    @(Get-KmsGrant -KeyId $Emulator.KeyArn -EndpointUrl $Emulator.Url -PageSize 100 | Select-Object -First $First KeyId, GrantId) |
        ConvertTo-Json -Compress | Set-Content $file
    $file
}

# boto3 retire_grant over the seeded grants, sequentially (-Threads 1) or in a thread pool.
function Measure-Boto3([string[]] $EmulatorArguments, [int] $Grants, [int] $Threads, [int] $Sample = $Grants) {
    $emulator = Start-EmulatorProcess -SeedGrants $Grants -Arguments $EmulatorArguments
    try {
        $file = Export-SeededGrants $emulator $Sample
        $r = Invoke-KmsPeer $emulator.Url 'retire-many' @($file, "$Threads")
        $stats = (Get-EmulatorProcessStatistic $emulator).operations.RetireGrant
        [pscustomobject]@{ Seconds = $r.Seconds; Count = $r.Count; Failed = @($r.Errors).Count
            Throttled = $stats.throttled; Requests = $stats.requests }
    }
    finally { Stop-EmulatorProcess $emulator }
}

# The AWS CLI, one process per grant, over a sample (its start-up dominates; extrapolated by the caller).
function Measure-AwsCli([string[]] $EmulatorArguments, [int] $Sample = 20) {
    $emulator = Start-EmulatorProcess -SeedGrants $Sample -Arguments $EmulatorArguments
    try {
        $grants = Get-KmsGrant -KeyId $emulator.KeyArn -EndpointUrl $emulator.Url
        $failed = 0
        $clock = [Diagnostics.Stopwatch]::StartNew()
        foreach ($g in $grants) {
            $r = Invoke-AwsCli -Endpoint $emulator.Url -Arguments 'kms', 'retire-grant', '--key-id', $g.KeyId, '--grant-id', $g.GrantId
            if ($r.ExitCode -ne 0) { $failed++ }
        }
        [pscustomobject]@{ Seconds = $clock.Elapsed.TotalSeconds; Count = $grants.Count; Failed = $failed }
    }
    finally { Stop-EmulatorProcess $emulator }
}

$script:Retirer = 'arn:aws:iam::111122223333:role/bench'

# KmsGrants: the full pipeline, in this process, over the grants seeded in every Region the emulator serves, sorted by
# Region: Get-KmsRetirableGrant | Remove-KmsGrant, or with -Revoke, Get-KmsGrant of each seeded key | Revoke-KmsGrant.
function Measure-KmsGrants([string[]] $EmulatorArguments, [int] $Grants, [hashtable] $RemoveParameters = @{}, [string[]] $Regions = @('us-east-1'),
    [switch] $Revoke) {
    $emulator = Start-EmulatorProcess -SeedGrants $Grants -RetiringPrincipal $script:Retirer -Regions $Regions -Arguments $EmulatorArguments
    $operation = if ($Revoke) { 'RevokeGrant' } else { 'RetireGrant' }
    try {
        $clock = [Diagnostics.Stopwatch]::StartNew()
        $results = if ($Revoke) {
            @($emulator.KeyArns | ForEach-Object { Get-KmsGrant -KeyId $_ -EndpointUrl $emulator.Url } |
                Revoke-KmsGrant -EndpointUrl $emulator.Url -Region $Regions[0] -Force -PassThru -ErrorAction SilentlyContinue @RemoveParameters)
        }
        else {
            @($Regions | ForEach-Object { Get-KmsRetirableGrant $script:Retirer -Region $_ -EndpointUrl $emulator.Url } |
                Remove-KmsGrant -EndpointUrl $emulator.Url -Region $Regions[0] -Force -PassThru -ErrorAction SilentlyContinue @RemoveParameters)
        }
        $seconds = $clock.Elapsed.TotalSeconds
        $stats = Get-EmulatorProcessStatistic $emulator
        [pscustomobject]@{ Seconds = $seconds; Count = $results.Count
            Failed = @($results | Where-Object Outcome -NotIn 'Succeeded', 'SucceededOnRetry').Count
            Throttled = $stats.operations.$operation.throttled; Requests = $stats.operations.$operation.requests; Alive = $stats.grantsAlive
            Summary = $KmsGrantsLastRun }
    }
    finally { Stop-EmulatorProcess $emulator }
}

# "12.3%" of a run's requests throttled.
function Format-Share($Run) {
    if ($Run.Requests) { '{0:0.0}%' -f (100 * $Run.Throttled / $Run.Requests) } else { 'n/a' }
}

# The median of a few runs of a measurement (by wall time), for noisy cells.
function Get-MedianRun([scriptblock] $Measure, [int] $Runs = 3) {
    $all = @(1..$Runs | ForEach-Object { & $Measure })
    ($all | Sort-Object Seconds)[[int][Math]::Floor($Runs / 2)]
}

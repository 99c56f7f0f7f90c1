<#
.SYNOPSIS
    Sharing a quota: a steady 20 rps competitor (boto3, DryRun RetireGrant calls, one attempt each) on a 50 rps
    RetireGrant quota, 20 ms latency, while KmsGrants retires 300 grants. Targets: KmsGrants gets ≥ 0.9 × the 30 rps
    the competitor leaves; the competitor's own requests are throttled < 5 %.
#>
param([string] $ModulePath = (Join-Path $PSScriptRoot '../../out/KmsGrants'), [int] $Grants = 300)
$ErrorActionPreference = 'Stop'
. (Join-Path $PSScriptRoot '_BenchHelpers.ps1')
Import-Module $ModulePath

$emulator = Start-EmulatorProcess -SeedGrants $Grants -RetiringPrincipal $script:Retirer -Arguments @('--latency-ms', '20', '--quota', 'RetireGrant=50')
try {
    # The competitor runs in its own process for as long as we will, and must be steady before we start.
    $python = Find-PythonTool 'python3'
    $info = [Diagnostics.ProcessStartInfo]::new($python)
    foreach ($a in (Join-Path $PSScriptRoot '../peers/kms_peer.py'), $emulator.Url, 'steady', '20', "$([Math]::Ceiling($Grants / 30) + 4)", $emulator.KeyArn) { $info.ArgumentList.Add($a) }
    $info.RedirectStandardOutput = $true
    $info.Environment['AWS_ACCESS_KEY_ID'] = 'testing'; $info.Environment['AWS_SECRET_ACCESS_KEY'] = 'testing'; $info.Environment['AWS_DEFAULT_REGION'] = 'us-east-1'
    $competitor = [Diagnostics.Process]::Start($info)
    Start-Sleep -Seconds 2
    $clock = [Diagnostics.Stopwatch]::StartNew()
    $results = @(Get-KmsRetirableGrant $script:Retirer -EndpointUrl $emulator.Url | Remove-KmsGrant -EndpointUrl $emulator.Url -Force -PassThru)
    $seconds = $clock.Elapsed.TotalSeconds
    $ours = $KmsGrantsLastRun
    $theirs = $competitor.StandardOutput.ReadToEnd() | ConvertFrom-Json
    $competitor.WaitForExit()
    $rate = @($results | Where-Object Status -In 'Retired', 'RetiredOnRetry').Count / $seconds
    Write-Figure 'shared quota' ("KmsGrants {0:0.0} rps = {1:0.00}x the 30 left over, {2} of {3} requests throttled ({4:0.0}%)" -f
        $rate, ($rate / 30), $ours.ThrottledResponses, $ours.Requests, (100 * $ours.ThrottledResponses / [Math]::Max(1, $ours.Requests)))
    Write-Figure 'shared quota' ("competitor {0} of {1} requests throttled ({2:0.0}%)" -f $theirs.Throttled, $theirs.Requests, (100 * $theirs.Throttled / [Math]::Max(1, $theirs.Requests)))
}
finally { Stop-EmulatorProcess $emulator }

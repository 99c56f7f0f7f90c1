<#
.SYNOPSIS Scenario 1, quota-bound: 600 grants, 50 ms added latency, a 30 rps RetireGrant quota (bound: 20 s).
#>
param([string] $ModulePath = (Join-Path $PSScriptRoot '../../out/KmsGrants'), [int] $Grants = 600, [double] $Quota = 30)
$ErrorActionPreference = 'Stop'
. (Join-Path $PSScriptRoot '_BenchHelpers.ps1')
Import-Module $ModulePath
$knobs = @('--latency-ms', '50', '--quota', "RetireGrant=$Quota")
$bound = $Grants / $Quota

function Format-Run([string] $Who, $Run, [double] $Seconds = $Run.Seconds) {
    $throttledShare = if ($Run.PSObject.Properties['Requests'] -and $Run.Requests) { '{0:0.0}%' -f (100 * $Run.Throttled / $Run.Requests) } else { 'n/a' }
    Write-Figure 'quota-bound' ("{0,-22} wall {1,6:0.0} s  {2,5:0.00}x bound  throttled {3,5} ({4,5})  failed {5}" -f
        $Who, $Seconds, ($Seconds / $bound), $(if ($Run.PSObject.Properties['Throttled']) { $Run.Throttled } else { 'n/a' }), $throttledShare, $Run.Failed)
}

Write-Figure 'quota-bound' "$Grants grants, --latency-ms 50, --quota RetireGrant=${Quota}: bound $bound s"
$ours = Measure-KmsGrants $knobs $Grants
Format-Run 'KmsGrants' $ours
$seq = Measure-Boto3 $knobs $Grants 1
Format-Run 'boto3 sequential' $seq
$pool = Measure-Boto3 $knobs $Grants 16
Format-Run 'boto3 16 threads' $pool
$cli = Measure-AwsCli $knobs 20
Format-Run "aws cli (20, x$($Grants / 20))" $cli ($cli.Seconds * $Grants / $cli.Count)
Write-Figure 'quota-bound' ("KmsGrants vs boto3 sequential {0:0.00}x faster; vs boto3 16 threads {1:0.00}x faster, {2} vs {3} throttled" -f
    ($seq.Seconds / $ours.Seconds), ($pool.Seconds / $ours.Seconds), $ours.Throttled, $pool.Throttled)

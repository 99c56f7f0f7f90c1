<#
.SYNOPSIS
    Several Regions in one pipeline: 600 grants per Region, a 30 rps RetireGrant quota in each, 20 ms latency, input
    sorted by Region. One Region's bound is 20 s; N Regions run side by side, each at its own quota, so N Regions should
    take about the same (target ≤ 1.05 × one Region's bound), not N × 20 s. Prints 1, 2 and 4 Regions.
#>
param([string] $ModulePath = (Join-Path $PSScriptRoot '../../out/KmsGrants'), [int] $Grants = 600, [double] $Quota = 30)
$ErrorActionPreference = 'Stop'
. (Join-Path $PSScriptRoot '_BenchHelpers.ps1')
Import-Module $ModulePath

$all = @('us-east-1', 'eu-west-1', 'ap-southeast-2', 'sa-east-1')
$bound = $Grants / $Quota
foreach ($count in 1, 2, 4) {
    $regions = $all[0..($count - 1)]
    $run = Measure-KmsGrants @('--latency-ms', '20', '--quota', "RetireGrant=$Quota") $Grants -Regions $regions
    $perRegion = ($run.Summary.Regions.GetEnumerator() | ForEach-Object { '{0} {1}' -f $_.Key, $_.Value.Retired }) -join ', '
    Write-Figure 'regions' ("{0} Region(s), {1} grants: {2,5:0.0} s = {3:0.00}x one Region's bound ({4} s); {5} throttled; failed {6}; retired per Region: {7}" -f
        $count, ($Grants * $count), $run.Seconds, ($run.Seconds / $bound), $bound, (Format-Share $run), $run.Failed, $perRegion)
}

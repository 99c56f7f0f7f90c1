<#
.SYNOPSIS Memory: 50,000 grants streamed from Get-KmsRetirableGrant into Remove-KmsGrant; the pwsh
process's peak working set against the same run over 5,000. Each run in a fresh pwsh.
#>
param([string] $ModulePath = (Join-Path $PSScriptRoot '../../out/KmsGrants'), [int] $Small = 5000, [int] $Large = 50000)
$ErrorActionPreference = 'Stop'
. (Join-Path $PSScriptRoot '_BenchHelpers.ps1')

function Measure-Run([int] $Grants) {
    $principal = 'arn:aws:iam::111122223333:role/bulk'
    $emulator = Start-EmulatorProcess -SeedGrants $Grants -RetiringPrincipal $principal
    try {
        $script = Join-Path ([IO.Path]::GetTempPath()) "kmsgrants-memory-$Grants.ps1"
        Set-Content $script @"
`$env:AWS_ACCESS_KEY_ID = 'testing'; `$env:AWS_SECRET_ACCESS_KEY = 'testing'; `$env:AWS_REGION = 'us-east-1'
Import-Module '$ModulePath'
`$clock = [Diagnostics.Stopwatch]::StartNew()
Get-KmsRetirableGrant '$principal' -EndpointUrl '$($emulator.Url)' | Remove-KmsGrant -EndpointUrl '$($emulator.Url)' -Force
`$p = [Diagnostics.Process]::GetCurrentProcess(); `$p.Refresh()
'{0} {1} {2}' -f `$p.PeakWorkingSet64, `$clock.Elapsed.TotalSeconds, `$KmsGrantsLastRun.Retired
"@
        $out = & ([Environment]::ProcessPath) (Join-Path $PSHOME 'pwsh.dll') -NoProfile -NonInteractive -File $script
        $peak, $seconds, $retired = ($out | Select-Object -Last 1) -split ' '
        [pscustomobject]@{ Grants = $Grants; PeakMiB = [double]$peak / 1MB; Seconds = [double]$seconds; Retired = [int]$retired
            Alive = (Get-EmulatorProcessStatistic $emulator).grantsAlive }
    }
    finally { Stop-EmulatorProcess $emulator }
}

$smallRun = Measure-Run $Small
$largeRun = Measure-Run $Large
foreach ($r in $smallRun, $largeRun) {
    Write-Figure 'memory' ("{0,6} grants: peak working set {1,6:0.0} MiB, {2,5:0.0} s ({3,6:0} grants/s), retired {4}, left {5}" -f
        $r.Grants, $r.PeakMiB, $r.Seconds, ($r.Retired / $r.Seconds), $r.Retired, $r.Alive)
}
Write-Figure 'memory' ("peak at {0} grants is {1:0.00}x the peak at {2}" -f $Large, ($largeRun.PeakMiB / $smallRun.PeakMiB), $Small)

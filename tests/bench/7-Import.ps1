<#
.SYNOPSIS Import: what Import-Module ./out/KmsGrants adds to a bare pwsh -NoProfile start (median of 10).
#>
param([string] $ModulePath = (Join-Path $PSScriptRoot '../../out/KmsGrants'), [int] $Runs = 10)
$ErrorActionPreference = 'Stop'
. (Join-Path $PSScriptRoot '_BenchHelpers.ps1')
$pwsh = [Environment]::ProcessPath
$pwshDll = Join-Path $PSHOME 'pwsh.dll'

function Measure-Median([string] $Command) {
    $times = foreach ($i in 1..$Runs) {
        $clock = [Diagnostics.Stopwatch]::StartNew()
        & $pwsh $pwshDll -NoProfile -NonInteractive -Command $Command | Out-Null
        $clock.Elapsed.TotalMilliseconds
    }
    ($times | Sort-Object)[[int][Math]::Floor($Runs / 2)]
}

$bare = Measure-Median '1'
$import = Measure-Median "Import-Module '$ModulePath'"
$firstCall = Measure-Median "Import-Module '$ModulePath'; Get-KmsRetirableGrant arn:aws:iam::111122223333:role/x -EndpointUrl http://127.0.0.1:9 -Region us-east-1 -AccessKey a -SecretKey b -ErrorAction SilentlyContinue"
Write-Figure 'import' ("bare pwsh {0:0} ms; with Import-Module {1:0} ms: import adds {2:0} ms (median of {3})" -f $bare, $import, ($import - $bare), $Runs)
Write-Figure 'import' ("import plus a first call (client creation, no server) adds {0:0} ms" -f ($firstCall - $bare))

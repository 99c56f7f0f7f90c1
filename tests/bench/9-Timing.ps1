<#
.SYNOPSIS
    How soon the module reacts, as figures: the times the test suite no longer asserts (a loaded machine stretches them;
    the suite checks only the bounds that load cannot break). Each is the median of three runs, with min and max.
    - Ctrl+C (PowerShell.Stop) during a 2,000-grant run at 20 ms latency: seconds until the pipeline returns (target < 2).
    - Ctrl+C with four requests in flight to an endpoint that never answers (target < 3: the stop's grace, not the 5 s
      attempt time-out).
    - An endpoint that never answers: when each grant is given up (3 attempts of 5 s: 15 s) and when the run stops with
      KmsGrants.EndpointUnresponsive (15 s of silence and up to 2 s of grace).
    - Completing -KeyId against that endpoint: seconds until TabExpansion2 returns (target ≈ 2, the completion's limit).
    - -MaxRequestsPerSecond 0.5: the gaps between sends, by the emulator's clock (target 2 s each).
#>
param([string] $ModulePath = (Join-Path $PSScriptRoot '../../out/KmsGrants'))
$ErrorActionPreference = 'Stop'
. (Join-Path $PSScriptRoot '_BenchHelpers.ps1')
Import-Module (Join-Path $PSScriptRoot '../Pester/TestHelpers.psm1') -Function Start-HostileServer, Stop-TestServer -Force
Import-Module $ModulePath

# "median m s (min a, max b)" of a few figures.
function Format-Spread([double[]] $Seconds) {
    $sorted = @($Seconds | Sort-Object)
    '{0:0.00} s (min {1:0.00}, max {2:0.00})' -f $sorted[[int][Math]::Floor($sorted.Count / 2)], $sorted[0], $sorted[-1]
}

# Runs SCRIPT in a new runspace with the module imported; returns the running pipeline.
function Start-InRunspace([string] $Script, [hashtable] $Arguments) {
    $ps = [powershell]::Create()
    $null = $ps.AddScript("Import-Module '$((Resolve-Path $ModulePath).Path)'").AddStatement().AddScript($Script)
    foreach ($k in $Arguments.Keys) { $null = $ps.AddParameter($k, $Arguments[$k]) }
    [pscustomobject]@{ PowerShell = $ps; Handle = $ps.BeginInvoke() }
}

# Seconds from PowerShell.Stop() to the pipeline's return.
function Measure-Stop($Run) {
    $clock = [Diagnostics.Stopwatch]::StartNew()
    $Run.PowerShell.Stop()
    $seconds = $clock.Elapsed.TotalSeconds
    # Its bookkeeping finished before it is disposed: disposing a pipeline still winding down ends the process.
    try { $null = $Run.PowerShell.EndInvoke($Run.Handle) } catch [System.Management.Automation.PipelineStoppedException] { }
    $Run.PowerShell.Dispose()
    $seconds
}

$fakeGrants = 'param($Url, $Count) 1..$Count | ForEach-Object { [pscustomobject]@{ KeyId = "arn:aws:kms:us-east-1:111122223333:key/k"; GrantId = ("{0:x64}" -f $_) } } |
    Remove-KmsGrant -EndpointUrl $Url -Region us-east-1 -Force -PassThru -ErrorAction SilentlyContinue -ErrorVariable errors -WarningAction SilentlyContinue'

$bulkStops = foreach ($i in 1..3) {
    $emulator = Start-EmulatorProcess -SeedGrants 2000 -Arguments @('--latency-ms', '20')
    try {
        $run = Start-InRunspace 'param($Url, $Key) Get-KmsGrant -KeyId $Key -EndpointUrl $Url -Region us-east-1 | Remove-KmsGrant -EndpointUrl $Url -Region us-east-1 -Force -PassThru' @{ Url = $emulator.Url; Key = $emulator.KeyArn }
        Start-Sleep -Seconds 1
        Measure-Stop $run
    }
    finally { Stop-EmulatorProcess $emulator }
}
Write-Figure 'ctrl+c' ("2,000 grants at 20 ms latency, stopped after 1 s: returns in {0}" -f (Format-Spread $bulkStops))

$silent = Start-HostileServer silent
try {
    $silentStops = foreach ($i in 1..3) {
        $before = (Invoke-RestMethod "$($silent.Url)/_stats" -NoProxy).requests
        $run = Start-InRunspace $fakeGrants @{ Url = $silent.Url; Count = 4 }
        $deadline = [DateTime]::UtcNow.AddSeconds(10)
        while ((Invoke-RestMethod "$($silent.Url)/_stats" -NoProxy).requests -lt $before + 4 -and [DateTime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 50 }
        Measure-Stop $run
    }
    Write-Figure 'ctrl+c' ("4 requests in flight to an endpoint that never answers: returns in {0}" -f (Format-Spread $silentStops))

    $giveUps = [Collections.Generic.List[double]]::new()
    $runStops = foreach ($i in 1..3) {
        $clock = [Diagnostics.Stopwatch]::StartNew()
        $results = @(& ([scriptblock]::Create($fakeGrants)) $silent.Url 4)
        $results.Elapsed.TotalSeconds | ForEach-Object { $giveUps.Add($_) }
        $clock.Elapsed.TotalSeconds
    }
    Write-Figure 'silence' ("a grant given up after 3 unanswered attempts in {0}; the run stopped (EndpointUnresponsive) in {1}" -f
        (Format-Spread $giveUps), (Format-Spread $runStops))

    $completions = foreach ($i in 1..3) {
        $line = "Get-KmsGrant -EndpointUrl $($silent.Url) -Region us-east-1 -KeyId al$i"
        $clock = [Diagnostics.Stopwatch]::StartNew()
        $null = TabExpansion2 -inputScript $line -cursorColumn $line.Length
        $clock.Elapsed.TotalSeconds
    }
    Write-Figure 'completion' ("-KeyId against an endpoint that never answers: offers nothing in {0}" -f (Format-Spread $completions))
}
finally { Stop-TestServer $silent }

$emulator = Start-EmulatorProcess -SeedGrants 4
try {
    $grants = @(Get-KmsGrant -KeyId $emulator.KeyArn -EndpointUrl $emulator.Url)
    $clock = [Diagnostics.Stopwatch]::StartNew()
    $null = $grants | Remove-KmsGrant -EndpointUrl $emulator.Url -Force -MaxRequestsPerSecond 0.5
    $seconds = $clock.Elapsed.TotalSeconds
    # The send times as the emulator saw them: the client's pacing, measured from outside.
    $sent = @((Invoke-RestMethod "$($emulator.Url)/_emulator/requests" -NoProxy).requests | Where-Object operation -EQ 'RetireGrant' |
            ForEach-Object { [DateTimeOffset]$_.time })
    $gaps = for ($i = 1; $i -lt $sent.Count; $i++) { ($sent[$i] - $sent[$i - 1]).TotalSeconds }
    Write-Figure 'pacing' ("-MaxRequestsPerSecond 0.5, 4 grants: {0:0.00} s in all; gaps between sends {1}" -f $seconds, (($gaps | ForEach-Object { '{0:0.00} s' -f $_ }) -join ', '))
}
finally { Stop-EmulatorProcess $emulator }

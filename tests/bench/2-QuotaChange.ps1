<#
.SYNOPSIS
    A quota that changes under a running retirement: 100 → 30 → 100 rps (RetireGrant, 20 ms latency), changed through
    the emulator's POST /_emulator/quota while Remove-KmsGrant runs in another runspace. Prints, from the emulator's own
    counts sampled every 100 ms, how long after each change the run's requests came back within 5 % of the new quota
    (after a drop: sent no more than 1.05 × it; after a rise: accepted at least 0.95 × it). Target: ≤ 2 s.
#>
param([string] $ModulePath = (Join-Path $PSScriptRoot '../../out/KmsGrants'), [int] $Grants = 1300, [double] $Phase = 5)
$ErrorActionPreference = 'Stop'
. (Join-Path $PSScriptRoot '_BenchHelpers.ps1')

$emulator = Start-EmulatorProcess -SeedGrants $Grants -RetiringPrincipal $script:Retirer -Arguments @('--latency-ms', '20', '--quota', 'RetireGrant=100')
try {
    $ps = [powershell]::Create()
    $null = $ps.AddScript("Import-Module '$ModulePath'").AddStatement().AddScript('param($Url, $P) Get-KmsRetirableGrant $P -EndpointUrl $Url | Remove-KmsGrant -EndpointUrl $Url -Force').
        AddParameter('Url', $emulator.Url).AddParameter('P', $script:Retirer)
    $samples = [Collections.Generic.List[object]]::new()
    $clock = [Diagnostics.Stopwatch]::StartNew()
    $handle = $ps.BeginInvoke()
    $changes = @(@{ At = $Phase; Quota = 30 }, @{ At = 2 * $Phase; Quota = 100 })
    $next = 0
    while (-not $handle.IsCompleted) {
        if ($next -lt $changes.Count -and $clock.Elapsed.TotalSeconds -ge $changes[$next].At) {
            $null = Set-EmulatorProcessQuota -Emulator $emulator -Quota @{ RetireGrant = $changes[$next].Quota }
            $changes[$next].Actual = $clock.Elapsed.TotalSeconds
            $next++
        }
        $op = (Get-EmulatorProcessStatistic $emulator).operations.RetireGrant
        if ($op) { $samples.Add([pscustomobject]@{ At = $clock.Elapsed.TotalSeconds; Requests = $op.requests; Accepted = $op.succeeded }) }
        Start-Sleep -Milliseconds 100
    }
    $null = $ps.EndInvoke($handle)
    $total = $clock.Elapsed.TotalSeconds

    # Requests and acceptances per second over the second that starts at each sample.
    function Get-Window($From) {
        $end = $samples | Where-Object At -GE ($From.At + 1) | Select-Object -First 1
        if (-not $end) { return $null }
        [pscustomobject]@{ Sent = ($end.Requests - $From.Requests) / ($end.At - $From.At); Accepted = ($end.Accepted - $From.Accepted) / ($end.At - $From.At) }
    }
    Write-Figure 'quota change' "$Grants grants, 20 ms latency, RetireGrant quota 100 → 30 at $Phase s → 100 at $(2 * $Phase) s; done in $('{0:0.0}' -f $total) s"
    foreach ($change in $changes | Where-Object { $_.ContainsKey('Actual') }) {
        $settled = $null
        foreach ($s in $samples | Where-Object At -GE $change.Actual) {
            $w = Get-Window $s
            if (-not $w) { break }
            $ok = if ($change.Quota -lt 50) { $w.Sent -le 1.05 * $change.Quota } else { $w.Accepted -ge 0.95 * $change.Quota }
            if ($ok) { $settled = $s.At - $change.Actual; break }
        }
        $text = if ($null -ne $settled) { '{0:0.0} s' -f $settled } else { 'not within the run' }
        Write-Figure 'quota change' ("to {0,3} rps at {1,4:0.0} s: within 5 % after {2}" -f $change.Quota, $change.Actual, $text)
    }
    $op = (Get-EmulatorProcessStatistic $emulator).operations.RetireGrant
    Write-Figure 'quota change' ("{0} requests, {1} throttled ({2:0.0}%), {3} grants left" -f $op.requests, $op.throttled, (100 * $op.throttled / $op.requests), (Get-EmulatorProcessStatistic $emulator).grantsAlive)
}
finally { Stop-EmulatorProcess $emulator }

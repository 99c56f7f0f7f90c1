<#
.SYNOPSIS
    Quota-bound retirement across the range: RetireGrant quota ∈ {10, 50, 100, 500} rps × added latency ∈ {5, 20, 100} ms,
    grants = 10 × quota (bound: 10 s), the full Get-KmsRetirableGrant | Remove-KmsGrant pipeline; boto3 with 16 threads
    in the same cell. Targets: ≤ 1.05 × bound, < 3 % throttled, 0 failed, no slower than boto3. Then RevokeGrant rows:
    Get-KmsGrant of one key | Revoke-KmsGrant over 10 × quota grants at the RevokeGrant quota (the emulator's RetireGrant
    quota set far lower, as KMS's quotas are separate), same bound and targets.
.PARAMETER Quick
    Only the cells at KMS's default quota (50 rps).
#>
param([string] $ModulePath = (Join-Path $PSScriptRoot '../../out/KmsGrants'), [switch] $Quick)
$ErrorActionPreference = 'Stop'
. (Join-Path $PSScriptRoot '_BenchHelpers.ps1')
Import-Module $ModulePath

$quotas = if ($Quick) { @(50) } else { @(10, 50, 100, 500) }
Write-Figure 'quota matrix' ('{0,-14} {1,9} {2,9} {3,7} {4,12} {5,9} {6,7}' -f 'quota/latency', 'KmsGrants', 'throttled', 'failed', 'boto3 16thr', 'throttled', 'failed')
foreach ($latency in 5, 20, 100) {
    foreach ($quota in $quotas) {
        $grants = [int](10 * $quota)
        $knobs = @('--latency-ms', "$latency", '--quota', "RetireGrant=$quota")
        $ours = Measure-KmsGrants $knobs $grants
        $note = ''
        if ($ours.Seconds / 10 -gt 1.05 -or $ours.Throttled / [Math]::Max(1, $ours.Requests) -gt 0.03) {
            # A noisy cell: the median of three.
            $ours = Get-MedianRun { Measure-KmsGrants $knobs $grants }
            $note = ' (median of 3)'
        }
        $pool = Measure-Boto3 $knobs $grants 16
        Write-Figure 'quota matrix' ('{0,4} rps {1,3} ms {2,8:0.00}x {3,9} {4,7} {5,11:0.00}x {6,9} {7,7}{8}' -f
            $quota, $latency, ($ours.Seconds / 10), (Format-Share $ours), $ours.Failed, ($pool.Seconds / 10), (Format-Share $pool), $pool.Failed, $note)
    }
}

# RevokeGrant: the same engine, against its own quota (RetireGrant's held at 5 rps to show it is not the one paced to).
$revokeQuotas = if ($Quick) { @(50) } else { @(50, 100) }
foreach ($quota in $revokeQuotas) {
    $grants = [int](10 * $quota)
    $knobs = @('--latency-ms', '20', '--quota', "RevokeGrant=$quota", '--quota', 'RetireGrant=5')
    $ours = Measure-KmsGrants $knobs $grants -Revoke
    Write-Figure 'quota matrix' ('{0,4} rps  20 ms {1,8:0.00}x {2,9} {3,7}   RevokeGrant: {4} grants of one key revoked' -f
        $quota, ($ours.Seconds / 10), (Format-Share $ours), $ours.Failed, $ours.Count)
}

<#
.SYNOPSIS Latency-bound: 2,000 grants, 50 ms added latency, no quota. Rate against boto3 sequential.
#>
param([string] $ModulePath = (Join-Path $PSScriptRoot '../../out/KmsGrants'), [int] $Grants = 2000, [int] $PeerSample = 300)
$ErrorActionPreference = 'Stop'
. (Join-Path $PSScriptRoot '_BenchHelpers.ps1')
Import-Module $ModulePath
$knobs = @('--latency-ms', '50')

Write-Figure 'latency-bound' "$Grants grants, --latency-ms 50, no quota (boto3 sequential timed on $PeerSample of them)"
$ours = Measure-KmsGrants $knobs $Grants
$oursRate = $ours.Count / $ours.Seconds
Write-Figure 'latency-bound' ("{0,-22} {1,7:0.0} grants/s  wall {2,5:0.0} s  failed {3}" -f 'KmsGrants', $oursRate, $ours.Seconds, $ours.Failed)
$seq = Measure-Boto3 $knobs $PeerSample 1
$seqRate = $seq.Count / $seq.Seconds
Write-Figure 'latency-bound' ("{0,-22} {1,7:0.0} grants/s  wall {2,5:0.0} s  failed {3}" -f 'boto3 sequential', $seqRate, $seq.Seconds, $seq.Failed)
$pool = Measure-Boto3 $knobs $Grants 16
$poolRate = $pool.Count / $pool.Seconds
Write-Figure 'latency-bound' ("{0,-22} {1,7:0.0} grants/s  wall {2,5:0.0} s  failed {3}" -f 'boto3 16 threads', $poolRate, $pool.Seconds, $pool.Failed)
$cli = Measure-AwsCli $knobs 20
Write-Figure 'latency-bound' ("{0,-22} {1,7:0.0} grants/s  (20 grants, one process each)" -f 'aws cli', ($cli.Count / $cli.Seconds))
Write-Figure 'latency-bound' ("KmsGrants {0:0.0}x boto3 sequential, {1:0.0}x boto3 16 threads" -f ($oursRate / $seqRate), ($oursRate / $poolRate))

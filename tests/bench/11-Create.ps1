<#
.SYNOPSIS
    New-KmsGrant: 1,000 grants on 100 keys at a CreateGrant quota of 50 per second, 20 ms latency; the bound is 1,000 / 50
    = 20 s. Beside boto3's create_grant sequential and with 16 threads, and the AWS CLI loop (AWS.Tools' New-KMSGrant
    makes one request a call too; its shape, timed on a sample).
#>
param([string] $ModulePath = (Join-Path $PSScriptRoot '../../out/KmsGrants'), [int] $Grants = 1000, [int] $KeyCount = 100,
    [int] $Quota = 50, [int] $LatencyMs = 20, [int] $CliSample = 20)
$ErrorActionPreference = 'Stop'
. (Join-Path $PSScriptRoot '_BenchHelpers.ps1')
Import-Module $ModulePath
$knobs = @('--latency-ms', "$LatencyMs", '--quota', "CreateGrant=$Quota")
$bound = $Grants / $Quota
$grantee = 'arn:aws:iam::111122223333:role/bench-grantee'

# KEYCOUNT empty keys (the audit shape with no grants), and the specs of GRANTS grants spread over them.
function Start-Keys { Start-EmulatorProcess -Keys $KeyCount -GrantsPerKey 0 -Arguments $knobs }
function Get-Specs($Emulator) {
    $keys = @($Emulator.AuditKeyArns | Select-Object -First $KeyCount)
    0..($Grants - 1) | ForEach-Object { [pscustomobject]@{ KeyId = $keys[$_ % $keys.Count]; GranteePrincipal = $grantee; Operations = @('Decrypt'); Name = "bench-$_" } }
}
function Write-Run([string] $Name, [double] $Seconds, [int] $Count, [int] $Failed, $Stats) {
    $share = if ($Stats.requests) { '{0:0.0}%' -f (100 * $Stats.throttled / $Stats.requests) } else { 'n/a' }
    Write-Figure 'create' ("{0,-24} {1,6:0.0} s  {2,5:0.00}x bound  {3,5} created, {4} failed  {5,5} requests, {6} throttled" -f $Name, $Seconds, ($Seconds / $bound), $Count, $Failed, $Stats.requests, $share)
}

Write-Figure 'create' "$Grants grants on $KeyCount keys, CreateGrant quota $Quota/s, --latency-ms $LatencyMs; bound $('{0:0.0}' -f $bound) s"
$emulator = Start-Keys
try {
    $specs = @(Get-Specs $emulator)
    $clock = [Diagnostics.Stopwatch]::StartNew()
    $results = @($specs | New-KmsGrant -EndpointUrl $emulator.Url -ErrorAction SilentlyContinue)
    $seconds = $clock.Elapsed.TotalSeconds
    Write-Run 'New-KmsGrant' $seconds @($results | Where-Object Status -EQ 'Created').Count @($results | Where-Object Status -NE 'Created').Count (Get-EmulatorProcessStatistic $emulator).operations.CreateGrant
}
finally { Stop-EmulatorProcess $emulator }

foreach ($threads in 1, 16) {
    $emulator = Start-Keys
    try {
        $file = [IO.Path]::GetTempFileName()
        Get-Specs $emulator | ConvertTo-Json -Compress | Set-Content $file
        $r = Invoke-KmsPeer $emulator.Url 'create-many' @($file, "$threads")
        Write-Run ("boto3 {0}" -f $(if ($threads -eq 1) { 'sequential' } else { "$threads threads" })) $r.Seconds ($r.Count - @($r.Errors).Count) @($r.Errors).Count (Get-EmulatorProcessStatistic $emulator).operations.CreateGrant
        Remove-Item $file
    }
    finally { Stop-EmulatorProcess $emulator }
}

$emulator = Start-Keys
try {
    $sample = @(Get-Specs $emulator | Select-Object -First $CliSample)
    $clock = [Diagnostics.Stopwatch]::StartNew()
    foreach ($s in $sample) {
        $null = Invoke-AwsCli -Endpoint $emulator.Url -Arguments 'kms', 'create-grant', '--key-id', $s.KeyId, '--grantee-principal', $s.GranteePrincipal, '--operations', 'Decrypt', '--name', $s.Name
    }
    $per = $clock.Elapsed.TotalSeconds / $sample.Count
    Write-Figure 'create' ("{0,-24} {1,6:0.00} s a grant ({2} timed): about {3:0} s for {4}" -f 'aws cli loop', $per, $sample.Count, ($per * $Grants), $Grants)
}
finally { Stop-EmulatorProcess $emulator }

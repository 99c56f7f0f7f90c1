# Starts, drives and stops the emulator's console host (this folder) as a process of its own: for the benchmarks, whose
# emulator must not share the measured pwsh's CPU. Everything else runs the emulator in-process with KmsGrants.Testing.
# It builds nothing: build first with `dotnet build tests/KmsEmulator -c Release` (build.ps1 -Task Bench does).
Set-StrictMode -Version 3.0

$script:HostDll = Join-Path $PSScriptRoot 'bin/Release/net10.0/KmsEmulator.dll'

# The Regions the host will serve for these arguments, as it decides: the last --regions, else the last --region,
# else us-east-1. The launcher needs them to know how many seeded key ARNs to read.
function Get-ServedRegion([string[]] $Arguments) {
    $regions = $null; $region = 'us-east-1'
    for ($i = 0; $i -lt $Arguments.Count - 1; $i++) {
        switch ($Arguments[$i]) {
            '--regions' { $regions = @($Arguments[++$i] -split ',' | ForEach-Object Trim | Where-Object { $_ }) }
            '--region' { $region = $Arguments[++$i] }
        }
    }
    if ($regions) { $regions } else { @($region) }
}

# How many audit key ARNs the host prints for these arguments, per served Region: --keys customer keys, the big key
# (--big-key-grants), the AWS managed key (--aws-managed-grants); the last of each option wins, as the host's parsing.
function Get-AuditKeyCount([string[]] $Arguments) {
    $keys = 0; $big = 0; $managed = 0
    for ($i = 0; $i -lt $Arguments.Count - 1; $i++) {
        switch ($Arguments[$i]) {
            '--keys' { $keys = [int]$Arguments[++$i] }
            '--big-key-grants' { $big = [int]$Arguments[++$i] }
            '--aws-managed-grants' { $managed = [int]$Arguments[++$i] }
        }
    }
    $keys + [int]($big -gt 0) + [int]($managed -gt 0)
}

function Read-HostLine([System.Diagnostics.Process] $Process, [int] $TimeoutSeconds, [string] $What) {
    $read = $Process.StandardOutput.ReadLineAsync()
    if (-not $read.Wait([TimeSpan]::FromSeconds($TimeoutSeconds)) -or $null -eq $read.Result) {
        $err = if ($Process.HasExited) { $Process.StandardError.ReadToEnd() } else { '' }
        Stop-EmulatorProcess ([pscustomobject]@{ Process = $Process })
        throw "$What did not come within $TimeoutSeconds s. $err"
    }
    $read.Result
}

<#
.SYNOPSIS
    Starts the emulator's console host on a free loopback port.
.DESCRIPTION
    Runs `dotnet KmsEmulator.dll --port 0` with -Arguments (any option of the host, see about_KmsGrants.Testing_Http), reads the listening
    line and, with -SeedGrants, the seeded key ARN of each served Region, then the audit shape's key ARNs (-Keys,
    -GrantsPerKey, -BigKeyGrants, -AwsManagedGrants, -GrantAgeDays, -DeletedPrincipal: see about_KmsGrants.Testing_Http's console host
    options for which grants are duplicates and which name deleted roles). Its standard input stays open: the host
    serves until it ends, so it exits with this process even if Stop-EmulatorProcess is never called. Returns Url,
    KeyArn (the first Region's seeded key), KeyArns (every Region's, in Region order), AuditKeyArns (Region by Region:
    the customer keys, the big key, the AWS managed key), Regions and Process.
.EXAMPLE
    $e = Start-EmulatorProcess -Regions us-east-1, eu-west-1 -SeedGrants 100 -RetiringPrincipal arn:aws:iam::111122223333:role/ci -Arguments '--quota', 'RetireGrant=50'
.EXAMPLE
    $e = Start-EmulatorProcess -Keys 1000 -GrantsPerKey 5 -BigKeyGrants 2000 -GrantAgeDays 400 -Arguments '--quota', 'ListGrants=100'
#>
function Start-EmulatorProcess {
    [CmdletBinding()]
    param(
        [string[]] $Arguments = @(),
        [int] $SeedGrants,
        [string] $RetiringPrincipal,
        [string[]] $Regions,
        [int] $Keys,
        [int] $GrantsPerKey,
        [int] $BigKeyGrants,
        [int] $AwsManagedGrants,
        [int] $GrantAgeDays,
        [string[]] $DeletedPrincipal
    )
    if (-not (Test-Path $script:HostDll)) {
        throw "$script:HostDll is missing: build it first with 'dotnet build tests/KmsEmulator -c Release'."
    }
    $hostArgs = @($script:HostDll, '--port', '0') + $Arguments
    if ($Regions) { $hostArgs += @('--regions', ($Regions -join ',')) }
    if ($SeedGrants) { $hostArgs += @('--seed-grants', "$SeedGrants") }
    if ($RetiringPrincipal) { $hostArgs += @('--retiring-principal', $RetiringPrincipal) }
    foreach ($option in @(@('--keys', $Keys), @('--grants-per-key', $GrantsPerKey), @('--big-key-grants', $BigKeyGrants),
            @('--aws-managed-grants', $AwsManagedGrants), @('--grant-age-days', $GrantAgeDays))) {
        if ($option[1]) { $hostArgs += @($option[0], "$($option[1])") }
    }
    foreach ($p in $DeletedPrincipal) { $hostArgs += @('--deleted-principal', $p) }
    $served = @(Get-ServedRegion $hostArgs)
    $auditPerRegion = Get-AuditKeyCount $hostArgs

    $info = [System.Diagnostics.ProcessStartInfo]::new('dotnet')
    foreach ($a in $hostArgs) { $info.ArgumentList.Add($a) }
    $info.RedirectStandardOutput = $true
    $info.RedirectStandardError = $true
    $info.RedirectStandardInput = $true
    $info.UseShellExecute = $false
    $process = [System.Diagnostics.Process]::Start($info)

    $first = Read-HostLine $process 30 'The KMS emulator''s listening line'
    if ($first -notmatch '^KMS emulator listening on (http://127\.0\.0\.1:\d+)$') {
        Stop-EmulatorProcess ([pscustomobject]@{ Process = $process })
        throw "Unexpected emulator output: $first"
    }
    $url = $Matches[1]
    # Seeded keys are printed one a line, in Region order, once all grants exist.
    $keyArns = @(if ($SeedGrants) { foreach ($r in $served) { Read-HostLine $process 60 "The seeded key ARN for $r" } })
    # Then the audit keys, all printed once every grant exists (read whole, so the host never blocks on a full pipe).
    $auditKeyArns = @(foreach ($r in $served) { for ($i = 0; $i -lt $auditPerRegion; $i++) { Read-HostLine $process 120 "Audit key ARN $($i + 1) for $r" } })
    [pscustomobject]@{
        Url          = $url
        KeyArn       = if ($keyArns) { $keyArns[0] } else { $null }
        KeyArns      = $keyArns
        AuditKeyArns = $auditKeyArns
        Regions = $served
        Process = $process
    }
}

<#
.SYNOPSIS Stops a host started by Start-EmulatorProcess: closes its standard input (it exits), killing it if it lingers.
#>
function Stop-EmulatorProcess {
    [CmdletBinding()]
    param([Parameter(Mandatory, ValueFromPipeline, Position = 0)] [AllowNull()] $Emulator)
    process {
        if ($Emulator -and $Emulator.Process -and -not $Emulator.Process.HasExited) {
            try { $Emulator.Process.StandardInput.Close() } catch [System.InvalidOperationException] { }
            if (-not $Emulator.Process.WaitForExit(5000)) { $Emulator.Process.Kill($true); $null = $Emulator.Process.WaitForExit(10000) }
        }
    }
}

<#
.SYNOPSIS
    GET /_emulator/stats: operations (totals), grantsAlive, keys, lastCaller, lastAccessKey, lastRegion, and
    regions.<Region>.operations / grantsAlive / keys (the same as Get-KmsEmulatorStatistic in-process).
#>
function Get-EmulatorProcessStatistic {
    [CmdletBinding()]
    param([Parameter(Mandatory, Position = 0)] $Emulator)
    Invoke-RestMethod "$($Emulator.Url)/_emulator/stats"
}

<#
.SYNOPSIS
    POST /_emulator/quota: sets operations' quotas (requests per second) in every Region while the host runs;
    0 or $null removes one. Returns the new quota table.
.EXAMPLE
    Set-EmulatorProcessQuota -Emulator $e -Quota @{ RetireGrant = 30; ListGrants = $null }
#>
function Set-EmulatorProcessQuota {
    [CmdletBinding()]
    param([Parameter(Mandatory, Position = 0)] $Emulator, [Parameter(Mandatory, Position = 1)] [hashtable] $Quota)
    $body = ConvertTo-Json -InputObject $Quota -Compress
    try {
        Invoke-RestMethod -Method Post -Uri "$($Emulator.Url)/_emulator/quota" -ContentType 'application/json' -Body $body
    }
    catch {
        $message = $_.Exception.Message
        $details = if ($_.ErrorDetails) { $_.ErrorDetails.Message }
        if ($details) { $message = try { ($details | ConvertFrom-Json).message } catch { $details } }
        throw "The emulator refused the quota $body`: $message"
    }
}

Export-ModuleMember -Function Start-EmulatorProcess, Stop-EmulatorProcess, Get-EmulatorProcessStatistic, Set-EmulatorProcessQuota

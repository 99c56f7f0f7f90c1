# Starts, drives and stops the KMS emulator beside this file. Shared by the Pester suites, the benchmarks and the
# demo. It builds nothing: build first with `dotnet build tests/KmsEmulator -c Release` (build.ps1 does).
Set-StrictMode -Version 3.0

$script:EmulatorDll = Join-Path $PSScriptRoot 'bin/Release/net10.0/KmsEmulator.dll'

# The Regions the emulator will serve for these arguments, as it decides: the last --regions, else the last --region,
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

function Read-EmulatorLine([System.Diagnostics.Process] $Process, [int] $TimeoutSeconds, [string] $What) {
    $read = $Process.StandardOutput.ReadLineAsync()
    if (-not $read.Wait([TimeSpan]::FromSeconds($TimeoutSeconds)) -or $null -eq $read.Result) {
        $err = if ($Process.HasExited) { $Process.StandardError.ReadToEnd() } else { '' }
        Stop-KmsEmulator ([pscustomobject]@{ Process = $Process })
        throw "$What did not come within $TimeoutSeconds s. $err"
    }
    $read.Result
}

<#
.SYNOPSIS
    Starts the KMS emulator on a free loopback port.
.DESCRIPTION
    Runs `dotnet KmsEmulator.dll --port 0` with -Arguments (any emulator option), reads the listening line and, with
    -SeedGrants, the seeded key ARN of each served Region. Returns Url, KeyArn (the first Region's seeded key),
    KeyArns (every Region's, in Region order), Regions (served, in order) and Process.
.EXAMPLE
    $e = Start-KmsEmulator -Regions us-east-1, eu-west-1 -SeedGrants 100 -RetiringPrincipal arn:aws:iam::111122223333:role/ci
#>
function Start-KmsEmulator {
    [CmdletBinding()]
    param(
        [string[]] $Arguments = @(),
        [int] $SeedGrants,
        [string] $RetiringPrincipal,
        [string[]] $Regions
    )
    if (-not (Test-Path $script:EmulatorDll)) {
        throw "$script:EmulatorDll is missing: build it first with 'dotnet build tests/KmsEmulator -c Release'."
    }
    $emulatorArgs = @($script:EmulatorDll, '--port', '0') + $Arguments
    if ($Regions) { $emulatorArgs += @('--regions', ($Regions -join ',')) }
    if ($SeedGrants) { $emulatorArgs += @('--seed-grants', "$SeedGrants") }
    if ($RetiringPrincipal) { $emulatorArgs += @('--retiring-principal', $RetiringPrincipal) }
    $served = @(Get-ServedRegion $emulatorArgs)

    $info = [System.Diagnostics.ProcessStartInfo]::new('dotnet')
    foreach ($a in $emulatorArgs) { $info.ArgumentList.Add($a) }
    $info.RedirectStandardOutput = $true
    $info.RedirectStandardError = $true
    $info.RedirectStandardInput = $true
    $info.UseShellExecute = $false
    $process = [System.Diagnostics.Process]::Start($info)

    $first = Read-EmulatorLine $process 30 'The KMS emulator''s listening line'
    if ($first -notmatch '^KMS emulator listening on (http://127\.0\.0\.1:\d+)$') {
        Stop-KmsEmulator ([pscustomobject]@{ Process = $process })
        throw "Unexpected emulator output: $first"
    }
    $url = $Matches[1]
    # Seeded keys are printed one a line, in Region order, once all grants exist.
    $keyArns = @(if ($SeedGrants) { foreach ($r in $served) { Read-EmulatorLine $process 60 "The seeded key ARN for $r" } })
    [pscustomobject]@{
        Url     = $url
        KeyArn  = if ($keyArns) { $keyArns[0] } else { $null }
        KeyArns = $keyArns
        Regions = $served
        Process = $process
    }
}

<#
.SYNOPSIS Stops an emulator started by Start-KmsEmulator (and waits for it to exit).
#>
function Stop-KmsEmulator {
    [CmdletBinding()]
    param([Parameter(Mandatory, ValueFromPipeline, Position = 0)] [AllowNull()] $Emulator)
    process {
        if ($Emulator -and $Emulator.Process -and -not $Emulator.Process.HasExited) {
            $Emulator.Process.Kill($true)
            $null = $Emulator.Process.WaitForExit(10000)
        }
    }
}

<#
.SYNOPSIS
    GET /_emulator/stats: operations (totals), grantsAlive, keys, lastCaller, lastAccessKey, lastRegion, and
    regions.<Region>.operations / grantsAlive / keys.
#>
function Get-KmsEmulatorStats {
    [CmdletBinding()]
    param([Parameter(Mandatory, Position = 0)] $Emulator)
    Invoke-RestMethod "$($Emulator.Url)/_emulator/stats"
}

<#
.SYNOPSIS
    POST /_emulator/quota: sets operations' quotas (requests per second) in every Region while the emulator runs;
    0 or $null removes one. Returns the new quota table.
.EXAMPLE
    Set-KmsEmulatorQuota -Emulator $e -Quota @{ RetireGrant = 30; ListGrants = $null }
#>
function Set-KmsEmulatorQuota {
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

Export-ModuleMember -Function Start-KmsEmulator, Stop-KmsEmulator, Get-KmsEmulatorStats, Set-KmsEmulatorQuota

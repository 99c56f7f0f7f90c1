<#
.SYNOPSIS
    The main job, shown end to end: list retirable grants, ask KMS with -WhatIf (DryRun), retire them in bulk with
    a progress bar, and count what is left; then revoke every grant on a key but a keep list (incident response).
.DESCRIPTION
    By default against the KMS emulator of KmsGrants.Testing (the module runbook tests use), in this process, seeded
    with a few hundred grants; it starts and stops it. With -EndpointUrl, -Region or -ProfileName it runs only the read-only part (listing and a
    -WhatIf DryRun, which changes nothing) against that real account.
#>
param(
    [Parameter(Mandatory)] [string] $ModulePath,
    [string] $TestingModulePath = (Join-Path $PSScriptRoot '../out/KmsGrants.Testing'),
    [string] $EndpointUrl,
    [string] $Region,
    [string] $ProfileName,
    [string] $RetiringPrincipal,
    [int] $Grants = 400
)
$ErrorActionPreference = 'Stop'
Import-Module $ModulePath

function Show-Step([string] $Text) { Write-Host "`n>>> $Text" -ForegroundColor Cyan }

if ($EndpointUrl -or $Region -or $ProfileName) {
    # A real account: read-only. Listing and DryRun never change anything.
    $connection = @{}
    if ($EndpointUrl) { $connection.EndpointUrl = $EndpointUrl }
    if ($Region) { $connection.Region = $Region }
    if ($ProfileName) { $connection.ProfileName = $ProfileName }
    if (-not $RetiringPrincipal) { throw 'Give -RetiringPrincipal: the principal whose retirable grants to show.' }
    Show-Step "Get-KmsRetirableGrant $RetiringPrincipal (first 20)"
    $found = @(Get-KmsRetirableGrant $RetiringPrincipal @connection -First 20)
    $found | Format-Table | Out-Host
    Show-Step 'The same grants through Remove-KmsGrant -WhatIf: KMS DryRun verdicts, nothing retired'
    $found | Remove-KmsGrant -WhatIf @connection -ErrorAction Continue
    Write-Host "`n$($found.Count) grants shown; nothing was changed."
    return
}

Import-Module $TestingModulePath
$principal = 'arn:aws:iam::111122223333:role/demo-deployer'
Show-Step "Starting the KMS emulator with $Grants grants retirable by $principal (20 ms added latency, a 100 rps RetireGrant quota)"
$emulator = Start-KmsEmulator -SeedGrants $Grants -RetiringPrincipal $principal -LatencyMs 20 -Quota @{ RetireGrant = 100 }
try {
    $PSDefaultParameterValues['*-Kms*:EndpointUrl'] = $emulator.Url
    $PSDefaultParameterValues['*-Kms*:Region'] = 'us-east-1'
    $PSDefaultParameterValues['*-Kms*:AccessKey'] = 'testing'
    $PSDefaultParameterValues['*-Kms*:SecretKey'] = 'testing'
    Write-Host "Emulator at $($emulator.Url); key $($emulator.KeyArn)"

    Show-Step "Get-KmsRetirableGrant $principal -First 5"
    Get-KmsRetirableGrant $principal -First 5 | Format-Table | Out-Host
    Write-Host "($((Get-KmsRetirableGrant $principal -PageSize 100 | Measure-Object).Count) in all)"

    Show-Step 'Get-KmsRetirableGrant ... -First 3 | Remove-KmsGrant -WhatIf   (DryRun: KMS checks, nothing changes)'
    Get-KmsRetirableGrant $principal -First 3 | Remove-KmsGrant -WhatIf
    Show-Step 'A grant that does not exist, under -WhatIf: the verdict is the error the real call would get'
    Remove-KmsGrant -KeyId $emulator.KeyArn -GrantId ('0' * 64) -WhatIf -ErrorAction Continue

    Show-Step "Get-KmsRetirableGrant $principal | Remove-KmsGrant -Force   (paced to the quota, with a progress bar)"
    Get-KmsRetirableGrant $principal -PageSize 100 | Remove-KmsGrant -Force
    $KmsGrantsLastRun | Format-List Submitted, Retired, RetiredOnRetry, Failed, Requests, ThrottledResponses, Elapsed | Out-Host

    $left = (Get-KmsRetirableGrant $principal | Measure-Object).Count
    Write-Host "$left grants left (the emulator's own count: $(@($emulator | Get-KmsEmulatorGrant).Count))" -ForegroundColor Green

    # Incident response, as a key administrator: every grant on a key goes, but the ones on a keep list.
    $key = New-KmsEmulatorKey -Emulator $emulator -Description 'payments'
    $made = @(New-KmsEmulatorGrant -Emulator $emulator -KeyId $key.Arn -GranteePrincipal 'arn:aws:iam::111122223333:role/compromised' -Count 50)
    $keep = $made[0..1].GrantId
    Show-Step "Get-KmsGrant <key> | Where-Object GrantId -notin `$keep | Revoke-KmsGrant -Force   (50 grants, 2 kept)"
    Get-KmsGrant -KeyId $key.Arn | Where-Object GrantId -NotIn $keep | Revoke-KmsGrant -Force
    $KmsGrantsLastRun | Format-List Submitted, Revoked, Failed, Requests, Elapsed | Out-Host
    Write-Host "$(@(Get-KmsEmulatorGrant -Emulator $emulator -KeyId $key.Arn).Count) grants left on the key: the two kept" -ForegroundColor Green
}
finally {
    $emulator | Stop-KmsEmulator
}

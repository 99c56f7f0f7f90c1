<#
A sample runbook built on KmsGrants: retire every grant a principal may retire whose name matches a pattern,
and report what happened. Its tests show the two ways to test such a runbook: with Pester mocks
(tests/Pester/RunbookMocked.Tests.ps1) and against the KMS emulator of KmsGrants.Testing (GrantCleanup.Tests.ps1, beside
this file).
#>
#Requires -Modules KmsGrants

function Invoke-KmsGrantCleanup {
    <#
    .SYNOPSIS
        Retires the grants retirable by a principal whose Name matches a wildcard pattern, and reports each one's fate.
    .EXAMPLE
        Invoke-KmsGrantCleanup -RetiringPrincipal arn:aws:iam::111122223333:role/ci -NamePattern 'build-*' -WhatIf
        Asks KMS, with DryRun, whether each matching grant could be retired; retires nothing.
    .EXAMPLE
        Invoke-KmsGrantCleanup -RetiringPrincipal $ci -NamePattern 'build-*' -ReportPath ./cleanup.csv -Confirm:$false
        Retires them and writes one CSV row per grant.
    #>
    [CmdletBinding(SupportsShouldProcess, ConfirmImpact = 'High')]
    param(
        [Parameter(Mandatory)] [string] $RetiringPrincipal,
        [Parameter(Mandatory)] [string] $NamePattern,
        # A CSV file to write one row per grant into.
        [string] $ReportPath,
        # Passed on to the KmsGrants cmdlets: Region, ProfileName, EndpointUrl, credentials.
        [hashtable] $Connection = @{}
    )

    $matching = @(Get-KmsRetirableGrant -RetiringPrincipal $RetiringPrincipal @Connection | Where-Object Name -Like $NamePattern)
    $failures = @()
    $results = @()
    if ($matching.Count -gt 0) {
        if ($WhatIfPreference) {
            # KMS DryRun: every verdict comes back, nothing is retired.
            $results = @($matching | Remove-KmsGrant -WhatIf -PassThru @Connection -ErrorAction SilentlyContinue -ErrorVariable failures)
        }
        elseif ($PSCmdlet.ShouldProcess("$($matching.Count) grants retirable by $RetiringPrincipal named like '$NamePattern'", 'Retire')) {
            # One confirmation for the runbook, then no prompt per grant.
            $results = @($matching | Remove-KmsGrant -Force -PassThru @Connection -ErrorAction SilentlyContinue -ErrorVariable failures)
        }
    }
    if ($ReportPath -and $results) {
        $results | Select-Object Status, KeyId, GrantId, Attempts, ErrorCode, Message | Export-Csv -Path $ReportPath -NoTypeInformation -WhatIf:$false
    }

    [pscustomobject]@{
        RetiringPrincipal = $RetiringPrincipal
        NamePattern       = $NamePattern
        DryRun            = [bool]$WhatIfPreference
        Matched           = $matching.Count
        Retired           = @($results | Where-Object Status -In 'Retired', 'RetiredOnRetry').Count
        WouldRetire       = @($results | Where-Object Status -EQ 'WouldRetire').Count
        Failed            = @($results | Where-Object Status -In 'Failed', 'WouldFail').Count
        Errors            = @($failures | ForEach-Object { "$($_.FullyQualifiedErrorId): $($_.TargetObject)" })
        Results           = $results
    }
}

Export-ModuleMember -Function Invoke-KmsGrantCleanup

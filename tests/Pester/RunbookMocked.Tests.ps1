# Testing runbooks, style 1: the sample runbook with KmsGrants mocked by Pester. No endpoint at all.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1')
    Import-Module (Get-KmsGrantsModulePath)     # the real module: the mocks take its parameters, and its types
    Import-Module (Join-Path $PSScriptRoot '../../samples/GrantCleanup/GrantCleanup.psm1') -Force

    $principal = 'arn:aws:iam::111122223333:role/ci'
    $key = 'arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab'
    $grants = 'build-1', 'build-2', 'deploy-1' | ForEach-Object {
        [KmsGrants.GrantInfo]@{ KeyId = $key; GrantId = ($_ -replace '\W', '').PadRight(64, '0'); Name = $_; RetiringPrincipal = $principal }
    }
    Mock Get-KmsRetirableGrant -ModuleName GrantCleanup { $grants }
    Mock Remove-KmsGrant -ModuleName GrantCleanup {
        [KmsGrants.RetireResult]@{ KeyId = $KeyId; GrantId = $GrantId[0]; Attempts = 1
            Status = $(if ($PesterBoundParameters.WhatIf) { 'WouldRetire' } else { 'Retired' }); DryRun = [bool]$PesterBoundParameters.WhatIf }
    }
}

Describe 'Invoke-KmsGrantCleanup (mocked)' {
    It 'retires only the grants whose name matches, with -Force after its own confirmation' {
        $report = Invoke-KmsGrantCleanup -RetiringPrincipal $principal -NamePattern 'build-*' -Confirm:$false
        $report.Matched | Should -Be 2
        $report.Retired | Should -Be 2
        Should -Invoke Get-KmsRetirableGrant -ModuleName GrantCleanup -Times 1 -Exactly -ParameterFilter { $RetiringPrincipal -eq $principal }
        Should -Invoke Remove-KmsGrant -ModuleName GrantCleanup -Times 2 -Exactly -ParameterFilter { $Force -and -not $WhatIf }
        Should -Invoke Remove-KmsGrant -ModuleName GrantCleanup -Times 0 -ParameterFilter { $GrantId -eq $grants[2].GrantId }
    }

    It 'passes -WhatIf on as a DryRun and never -Force' {
        $report = Invoke-KmsGrantCleanup -RetiringPrincipal $principal -NamePattern 'build-*' -WhatIf
        $report.DryRun | Should -BeTrue
        $report.WouldRetire | Should -Be 2
        Should -Invoke Remove-KmsGrant -ModuleName GrantCleanup -Times 2 -Exactly -ParameterFilter { $WhatIf -and -not $Force }
    }

    It 'retires nothing when nothing matches' {
        $report = Invoke-KmsGrantCleanup -RetiringPrincipal $principal -NamePattern 'nothing-*' -Confirm:$false
        $report.Matched | Should -Be 0
        Should -Invoke Remove-KmsGrant -ModuleName GrantCleanup -Times 0
    }

    It 'writes a report row per grant' {
        $csv = Join-Path $TestDrive 'report.csv'
        $null = Invoke-KmsGrantCleanup -RetiringPrincipal $principal -NamePattern '*-1' -ReportPath $csv -Confirm:$false
        (Import-Csv $csv).GrantId | Should -Be @($grants[0].GrantId, $grants[2].GrantId)
    }
}

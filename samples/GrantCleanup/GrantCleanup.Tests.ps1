# The GrantCleanup runbook, tested against a local KMS: the emulator of KmsGrants.Testing, in this process.
# Needs the KmsGrants and KmsGrants.Testing modules, installed; run it with Invoke-Pester ./GrantCleanup.Tests.ps1
BeforeAll {
    Import-Module KmsGrants, KmsGrants.Testing
    Import-Module (Join-Path $PSScriptRoot 'GrantCleanup.psm1') -Force
    $ci = 'arn:aws:iam::111122223333:role/ci'

    # A KMS of its own for each Describe: a key with three builds and a deploy the ci role may retire, and a build
    # that another role retires.
    function Start-TestKms {
        $kms = Start-KmsEmulator
        $key = $kms | New-KmsEmulatorKey -Description app
        $null = $key | New-KmsEmulatorGrant -RetiringPrincipal $ci -Name build-1, build-2, build-3, deploy-1
        $null = $key | New-KmsEmulatorGrant -RetiringPrincipal arn:aws:iam::111122223333:role/other -Name build-4
        $kms
    }

    # What the runbook passes on to KmsGrants: the emulator's endpoint, signed as its default identity.
    function Get-Connection($Kms) {
        @{ EndpointUrl = $Kms.Url; Region = $Kms.Region; AccessKey = $Kms.AccessKey; SecretKey = $Kms.SecretKey }
    }
}

Describe 'Invoke-KmsGrantCleanup -WhatIf' {
    BeforeAll {
        $kms = Start-TestKms
        $report = Invoke-KmsGrantCleanup -RetiringPrincipal $ci -NamePattern 'build-*' -Connection (Get-Connection $kms) -WhatIf
    }
    AfterAll { $kms | Stop-KmsEmulator }

    It 'reports KMS''s DryRun verdict for each matching grant' {
        $report.Matched | Should -Be 3
        $report.WouldRetire | Should -Be 3
        $report.Retired | Should -Be 0
    }

    It 'sends RetireGrant only as DryRun' {
        $retires = @($kms | Get-KmsEmulatorRequest -Operation RetireGrant)
        $retires.Count | Should -BeGreaterOrEqual 3
        $retires | Where-Object { -not $_.DryRun } | Should -BeNullOrEmpty
    }

    It 'retires nothing' {
        @($kms | Get-KmsEmulatorGrant).Count | Should -Be 5
    }
}

Describe 'Invoke-KmsGrantCleanup' {
    BeforeAll {
        $kms = Start-TestKms
        $csv = Join-Path $TestDrive 'cleanup.csv'
        $report = Invoke-KmsGrantCleanup -RetiringPrincipal $ci -NamePattern 'build-*' -Connection (Get-Connection $kms) -ReportPath $csv -Confirm:$false
    }
    AfterAll { $kms | Stop-KmsEmulator }

    It 'retires exactly the matching grants: the ci role''s builds' {
        $report.Retired | Should -Be 3
        $report.Failed | Should -Be 0
        ($kms | Get-KmsEmulatorGrant).Name | Sort-Object | Should -Be 'build-4', 'deploy-1'
    }

    It 'reports each grant it retired' {
        @(Import-Csv $csv | Where-Object Status -EQ 'Retired').Count | Should -Be 3
    }

    It 'finds nothing left to do the second time' {
        (Invoke-KmsGrantCleanup -RetiringPrincipal $ci -NamePattern 'build-*' -Connection (Get-Connection $kms) -Confirm:$false).Matched | Should -Be 0
    }
}

# Testing runbooks, style 2: the sample runbook for real, against the KMS emulator.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1')
    Import-Module (Get-KmsGrantsModulePath)
    Import-Module (Join-Path $PSScriptRoot '../../samples/GrantCleanup/GrantCleanup.psm1') -Force
    Set-TestAwsEnvironment
    $emulator = Start-KmsEmulator
    $connection = @{ EndpointUrl = $emulator.Url }
    $principal = 'arn:aws:iam::111122223333:role/ci'
    # boto3 names them peer-0 … peer-24: 'peer-1*' matches peer-1 and peer-10 … peer-19.
    $set = New-TestGrantSet -Endpoint $emulator.Url -Count 25 -RetiringPrincipal $principal
    function Get-LeftNames { @(Get-KmsGrant -KeyId $set.KeyId @connection).Name }
}
AfterAll { Stop-TestServer $emulator }

Describe 'Invoke-KmsGrantCleanup against the emulator' {
    It '-WhatIf reports KMS''s DryRun verdict for each match and retires nothing' {
        $report = Invoke-KmsGrantCleanup -RetiringPrincipal $principal -NamePattern 'peer-1*' -Connection $connection -WhatIf
        $report.Matched | Should -Be 11
        $report.WouldRetire | Should -Be 11
        (Get-LeftNames).Count | Should -Be 25
    }

    It 'retires exactly the matching grants and reports them' {
        $csv = Join-Path $TestDrive 'cleanup.csv'
        $report = Invoke-KmsGrantCleanup -RetiringPrincipal $principal -NamePattern 'peer-1*' -Connection $connection -ReportPath $csv -Confirm:$false
        $report.Retired | Should -Be 11
        $report.Failed | Should -Be 0
        $left = Get-LeftNames
        $left.Count | Should -Be 14
        $left | Where-Object { $_ -like 'peer-1*' } | Should -BeNullOrEmpty
        @(Import-Csv $csv | Where-Object Status -EQ 'Retired').Count | Should -Be 11
    }

    It 'a second run finds nothing left to do' {
        (Invoke-KmsGrantCleanup -RetiringPrincipal $principal -NamePattern 'peer-1*' -Connection $connection -Confirm:$false).Matched | Should -Be 0
    }
}

# Accounts and assumed roles: cross-account retirement by key ARN, STS sessions of the retiring role acting as it,
# ListRetirableGrants refused for another account's principal. What is left is the emulator's own state.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1')
    Import-Module (Get-KmsGrantsModulePath)
    Set-TestAwsEnvironment
    . (Join-Path $PSScriptRoot 'RegionHelpers.ps1')
}

Describe 'Accounts and assumed roles' {
    BeforeAll {
        $secrets = @{ testing = 'testing'; OWNER = 'owner-secret'; RETIRER = 'retirer-secret'; SESSION = 'session-secret' }
        $emulator = Start-KmsEmulator -Region us-east-1, eu-west-1 -Identity @(
            @{ AccessKey = 'testing'; SecretKey = 'testing'; Principal = 'arn:aws:iam::111122223333:root' }
            @{ AccessKey = 'OWNER'; SecretKey = 'owner-secret'; Principal = 'arn:aws:iam::444455556666:root' }
            @{ AccessKey = 'RETIRER'; SecretKey = 'retirer-secret'; Principal = 'arn:aws:iam::111122223333:role/retirer' }
            @{ AccessKey = 'SESSION'; SecretKey = 'session-secret'; Principal = 'arn:aws:sts::111122223333:assumed-role/cleaner/session1' })
        $url = $emulator.Url
        # The module's connection parameters as identity $As.
        function As([string] $As, [string] $Region = 'us-east-1') {
            @{ EndpointUrl = $url; Region = $Region; AccessKey = $As; SecretKey = $secrets[$As] }
        }
        $retirer = 'arn:aws:iam::111122223333:role/retirer'
        $cleaner = 'arn:aws:iam::111122223333:role/cleaner'
        $other = 'arn:aws:iam::111122223333:role/other'
        $asRetirer = As RETIRER
        $asSession = As SESSION
        $made = Invoke-Boto3Steps $url @(
            # Cross-account: a key of 444455556666 whose grants a role of 111122223333 may retire.
            @{ Name = 'foreign'; Region = 'us-east-1'; AccessKey = 'OWNER'; SecretKey = $secrets.OWNER; Grants = 3; Retiring = $retirer }
            # The cleaner role's grants in two Regions, and another role's grant beside them.
            @{ Name = 'usCleaner'; Region = 'us-east-1'; Grants = 3; Retiring = $cleaner }
            @{ Name = 'euCleaner'; Region = 'eu-west-1'; Grants = 2; Retiring = $cleaner }
            @{ Name = 'other'; Region = 'us-east-1'; Key = 'usCleaner'; Grants = 1; Retiring = $other })
    }
    AfterAll { Stop-KmsEmulator $emulator }

    Context 'Cross-account: a key of 444455556666, its grants retirable by a role of 111122223333' {
        BeforeAll {
            $foreignKey = $made.foreign.KeyArn
            $foreign = $made.foreign.Grants
        }

        It 'Get-KmsRetirableGrant as the role lists them, on the other account''s key' {
            $foreignKey | Should -Match '^arn:aws:kms:us-east-1:444455556666:key/'
            $listed = @(Get-KmsRetirableGrant $retirer @asRetirer -ErrorVariable failed)
            $failed | Should -BeNullOrEmpty
            ($listed.GrantId | Sort-Object) | Should -Be ($foreign.GrantId | Sort-Object)
            $listed.KeyId | Sort-Object -Unique | Should -Be $foreignKey
        }

        It 'a bare key ID is looked up in the role''s own account: NotFound, nothing retired' {
            # Why the key ARN matters: it is what reaches the other account's key.
            $r = Remove-KmsGrant -KeyId (Get-BareKeyId $foreignKey) -GrantId $foreign[0].GrantId -Force -PassThru @asRetirer -ErrorVariable failed -ErrorAction SilentlyContinue
            $r.ErrorCode | Should -Be 'NotFoundException'
            $failed[0].FullyQualifiedErrorId | Should -BeLike 'KmsGrants.NotFound,*'
            Get-GrantIdsLeft $foreignKey | Should -Contain $foreign[0].GrantId
        }

        It 'the role retires one by key ARN and grant ID through Remove-KmsGrant' {
            $r = Remove-KmsGrant -KeyId $foreignKey -GrantId $foreign[0].GrantId -Force -PassThru @asRetirer -ErrorVariable failed
            $failed | Should -BeNullOrEmpty
            $r.Status | Should -Be 'Retired'
            (Get-KmsEmulatorStatistic $emulator).lastCaller | Should -Be $retirer
            Get-GrantIdsLeft $foreignKey | Should -Not -Contain $foreign[0].GrantId
        }

        It 'and the rest from its own listing, piped' {
            $alive = Get-GrantIdsLeft $foreignKey
            $results = @(Get-KmsRetirableGrant $retirer @asRetirer | Remove-KmsGrant -Force -PassThru @asRetirer -ErrorVariable failed)
            $failed | Should -BeNullOrEmpty
            ($results.GrantId | Sort-Object) | Should -Be ($alive | Sort-Object)
            $results.Status | Sort-Object -Unique | Should -Be 'Retired'
            Get-GrantIdsLeft $foreignKey | Should -BeNullOrEmpty
        }
    }

    Context 'An STS session of the retiring role' {
        BeforeAll {
            $usKey = $made.usCleaner.KeyArn
            $euKey = $made.euCleaner.KeyArn
            $usCleaner = $made.usCleaner.Grants
            $othersGrant = $made.other.Grants
        }

        It 'lists its role''s grants: Get-KmsRetirableGrant arn:aws:iam::111122223333:role/cleaner' {
            $listed = @(Get-KmsRetirableGrant $cleaner @asSession -ErrorVariable failed)
            $failed | Should -BeNullOrEmpty
            ($listed.GrantId | Sort-Object) | Should -Be ($usCleaner.GrantId | Sort-Object)
            (Get-KmsEmulatorStatistic $emulator).lastCaller | Should -Be 'arn:aws:sts::111122223333:assumed-role/cleaner/session1'
        }

        It 'retires them in both Regions, and not another role''s grant' {
            $results = @('us-east-1', 'eu-west-1' | ForEach-Object { $inRegion = As SESSION $_; Get-KmsRetirableGrant $cleaner @inRegion } |
                Remove-KmsGrant -Force -PassThru @asSession -ErrorVariable failed)
            $failed | Should -BeNullOrEmpty
            $results.Count | Should -Be 5
            $results.Status | Sort-Object -Unique | Should -Be 'Retired'
            @($results | Where-Object Region -EQ 'eu-west-1').Count | Should -Be 2
            (Get-KmsEmulatorStatistic $emulator).lastCaller | Should -Be 'arn:aws:sts::111122223333:assumed-role/cleaner/session1'
            Get-GrantIdsLeft $usKey | Should -Be @($othersGrant.GrantId)
            Get-GrantIdsLeft $euKey | Should -BeNullOrEmpty
        }
    }

    Context 'ListRetirableGrants for a principal of another account' {
        It 'is KmsGrants.AccessDenied, non-terminating, with the principal as target' {
            $foreignPrincipal = 'arn:aws:iam::444455556666:role/retirer'
            $before = Get-RegionOp (Get-KmsEmulatorStatistic $emulator) 'us-east-1' 'ListRetirableGrants'
            # The refused principal first: the one after it must still be listed.
            $listed = @($foreignPrincipal, $other | Get-KmsRetirableGrant -EndpointUrl $url -Region us-east-1 -ErrorVariable failed -ErrorAction SilentlyContinue)
            $failed.Count | Should -Be 1
            $failed[0].FullyQualifiedErrorId | Should -BeLike 'KmsGrants.AccessDenied,*'
            $failed[0].CategoryInfo.Category | Should -Be 'PermissionDenied'
            $failed[0].TargetObject | Should -Be $foreignPrincipal
            $listed.RetiringPrincipal | Sort-Object -Unique | Should -Be $other
            # KMS refused it (the emulator counted the error); the module did not decide locally.
            $after = Get-RegionOp (Get-KmsEmulatorStatistic $emulator) 'us-east-1' 'ListRetirableGrants'
            $after.errors - $before.errors | Should -Be 1
        }
    }
}

# Issue 3: the emulator, checked with clients nobody here wrote (the AWS CLI and boto3), and against moto.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1')
    $emulator = Start-KmsEmulator -Arguments @(
        '--identity', 'testing:testing=arn:aws:iam::111122223333:root',
        '--identity', 'RETIRER:retirer-secret=arn:aws:iam::111122223333:role/retirer',
        '--identity', 'OTHER:other-secret=arn:aws:iam::111122223333:role/other')
    $url = $emulator.Url
    function Aws([string[]] $Arguments, [string] $AccessKey = 'testing', [string] $SecretKey = 'testing') {
        Invoke-AwsCli -Endpoint $url -Arguments $Arguments -AccessKey $AccessKey -SecretKey $SecretKey
    }
}
AfterAll { Stop-TestServer $emulator }

Describe 'The AWS CLI against the emulator' {
    BeforeAll {
        $key = (Aws 'kms', 'create-key', '--description', 'cli').Output.KeyMetadata
        $grants = 1..5 | ForEach-Object {
            (Aws 'kms', 'create-grant', '--key-id', $key.KeyId, '--grantee-principal', 'arn:aws:iam::111122223333:role/app',
                '--retiring-principal', 'arn:aws:iam::111122223333:role/retirer', '--operations', 'Decrypt', 'Encrypt').Output
        }
    }

    It 'creates keys with ARNs and grants with 64-hex IDs and long opaque tokens' {
        $key.Arn | Should -Match '^arn:aws:kms:us-east-1:111122223333:key/[0-9a-f-]{36}$'
        $grants.GrantId | ForEach-Object { $_ | Should -Match '^[0-9a-f]{64}$' }
        $grants.GrantToken | ForEach-Object { $_.Length | Should -BeGreaterThan 200 }
    }

    It 'describes a key by ID, ARN and alias' {
        (Aws 'kms', 'create-alias', '--alias-name', 'alias/cli-test', '--target-key-id', $key.KeyId).ExitCode | Should -Be 0
        foreach ($id in $key.KeyId, $key.Arn, 'alias/cli-test', 'arn:aws:kms:us-east-1:111122223333:alias/cli-test') {
            (Aws 'kms', 'describe-key', '--key-id', $id).Output.KeyMetadata.KeyId | Should -Be $key.KeyId
        }
    }

    It 'lists keys' {
        (Aws 'kms', 'list-keys').Output.Keys.KeyId | Should -Contain $key.KeyId
    }

    It 'pages ListGrants with Limit 2 through every page (boto3)' {
        $listing = Invoke-KmsPeer $url 'list-grants' @($key.Arn, '2')
        $listing.Pages | Should -Be 3
        ($listing.GrantIds | Sort-Object) | Should -Be ($grants.GrantId | Sort-Object)
    }

    It 'pages with the CLI''s own paginator' {
        $r = Aws 'kms', 'list-grants', '--key-id', $key.KeyId, '--page-size', '2'
        $r.Output.Grants.Count | Should -Be 5
    }

    It 'answers a DryRun with DryRunOperationException and changes nothing' {
        $r = Aws 'kms', 'retire-grant', '--key-id', $key.Arn, '--grant-id', $grants[0].GrantId, '--dry-run'
        $r.ExitCode | Should -Not -Be 0
        $r.Error | Should -Match 'DryRunOperationException'
        (Aws 'kms', 'list-grants', '--key-id', $key.KeyId).Output.Grants.Count | Should -Be 5
    }

    It 'refuses a principal that may not retire the grant with AccessDeniedException' {
        $r = Aws 'kms', 'retire-grant', '--grant-token', $grants[0].GrantToken -AccessKey OTHER -SecretKey other-secret
        $r.Error | Should -Match 'AccessDeniedException'
    }

    It 'retires by token (as the retiring principal) and by key and ID (as the account)' {
        (Aws 'kms', 'retire-grant', '--grant-token', $grants[0].GrantToken -AccessKey RETIRER -SecretKey retirer-secret).ExitCode | Should -Be 0
        (Aws 'kms', 'retire-grant', '--key-id', $key.Arn, '--grant-id', $grants[1].GrantId).ExitCode | Should -Be 0
        (Aws 'kms', 'list-grants', '--key-id', $key.KeyId).Output.Grants.GrantId | Should -Not -Contain $grants[1].GrantId
    }

    It 'answers NotFoundException for a grant that is gone' {
        (Aws 'kms', 'retire-grant', '--key-id', $key.Arn, '--grant-id', $grants[1].GrantId).Error | Should -Match 'NotFoundException'
        (Aws 'kms', 'retire-grant', '--grant-token', $grants[0].GrantToken).Error | Should -Match 'NotFoundException'
    }

    It 'revokes as the key''s account, with DryRun too' {
        (Aws 'kms', 'revoke-grant', '--key-id', $key.KeyId, '--grant-id', $grants[2].GrantId, '--dry-run').Error | Should -Match 'DryRunOperationException'
        (Aws 'kms', 'revoke-grant', '--key-id', $key.KeyId, '--grant-id', $grants[2].GrantId).ExitCode | Should -Be 0
    }

    It 'rejects malformed input per the model: <Case>' -ForEach @(
        @{ Case = 'bad grant ID'; Arguments = @('kms', 'retire-grant', '--key-id', 'KEY', '--grant-id', 'xyz'); Code = 'InvalidGrantIdException' }
        @{ Case = 'bad token'; Arguments = @('kms', 'retire-grant', '--grant-token', 'not-a-token'); Code = 'InvalidGrantTokenException' }
        @{ Case = 'bad ARN'; Arguments = @('kms', 'retire-grant', '--key-id', 'arn:aws:kms:oops', '--grant-id', ('a' * 64)); Code = 'InvalidArnException' }
        @{ Case = 'limit over 100'; Arguments = @('kms', 'list-grants', '--key-id', 'KEY', '--limit', '101', '--no-paginate'); Code = 'ValidationException' }
        @{ Case = 'bad marker'; Arguments = @('kms', 'list-grants', '--key-id', 'KEY', '--marker', 'forged', '--no-paginate'); Code = 'InvalidMarkerException' }
        @{ Case = 'bad principal'; Arguments = @('kms', 'list-retirable-grants', '--retiring-principal', 'bad principal'); Code = 'ValidationException' }
    ) {
        $resolved = $Arguments | ForEach-Object { if ($_ -eq 'KEY') { $key.KeyId } else { $_ } }
        (Aws $resolved).Error | Should -Match $Code
    }

    It 'KMSInvalidStateException for a key pending deletion; DisabledException for CreateGrant on a disabled key' {
        $k2 = (Aws 'kms', 'create-key').Output.KeyMetadata.KeyId
        (Aws 'kms', 'disable-key', '--key-id', $k2).ExitCode | Should -Be 0
        (Aws 'kms', 'create-grant', '--key-id', $k2, '--grantee-principal', 'arn:aws:iam::111122223333:role/a', '--operations', 'Decrypt').Error | Should -Match 'DisabledException'
        (Aws 'kms', 'enable-key', '--key-id', $k2).ExitCode | Should -Be 0
        $g = (Aws 'kms', 'create-grant', '--key-id', $k2, '--grantee-principal', 'arn:aws:iam::111122223333:role/a', '--operations', 'Decrypt').Output
        (Aws 'kms', 'schedule-key-deletion', '--key-id', $k2, '--pending-window-in-days', '7').Output.KeyState | Should -Be 'PendingDeletion'
        (Aws 'kms', 'retire-grant', '--key-id', $k2, '--grant-id', $g.GrantId).Error | Should -Match 'KMSInvalidStateException'
    }
}

Describe 'Identity and signatures' {
    It 'rejects a wrong secret with InvalidSignatureException' {
        (Aws 'kms', 'list-keys' -AccessKey testing -SecretKey wrong).Error | Should -Match 'InvalidSignatureException'
    }

    It 'rejects an unknown access key with UnrecognizedClientException' {
        (Aws 'kms', 'list-keys' -AccessKey NOBODY -SecretKey x).Error | Should -Match 'UnrecognizedClientException'
    }
}

Describe 'Quota and stats' {
    BeforeAll { $throttled = Start-KmsEmulator -Arguments @('--quota', 'ListKeys=2') }
    AfterAll { Stop-TestServer $throttled }

    It 'answers ThrottlingException past a quota and counts it' {
        $codes = Invoke-KmsPeer $throttled.Url 'call-many' @('list_keys', '10')
        @($codes | Where-Object { $_ -eq 'ThrottlingException' }).Count | Should -BeGreaterThan 0
        @($codes | Where-Object { $_ -eq 'OK' }).Count | Should -BeGreaterThan 1
        $stats = Get-EmulatorStats $throttled
        $stats.operations.ListKeys.requests | Should -Be 10
        $stats.operations.ListKeys.throttled | Should -BeGreaterThan 0
    }

    It 'seeds grants at start-up and reports them alive' {
        $seeded = Start-KmsEmulator -SeedGrants 30 -RetiringPrincipal 'arn:aws:iam::111122223333:role/seed'
        try {
            $seeded.KeyArn | Should -Match '^arn:aws:kms:us-east-1:111122223333:key/'
            (Get-EmulatorStats $seeded).grantsAlive | Should -Be 30
            (Invoke-KmsPeer $seeded.Url 'list-grants' @($seeded.KeyArn)).GrantIds.Count | Should -Be 30
        }
        finally { Stop-TestServer $seeded }
    }
}

Describe 'Parity with moto on the behaviour both share' {
    # What moto lacks, and is therefore not compared: NotFound for a grant already retired (moto succeeds),
    # DryRun (moto ignores it and makes the change), Limit/Marker paging of ListGrants, who-may-retire rules,
    # signature checks, 64-hex grant IDs (moto's are 8 hex characters).
    BeforeAll {
        $moto = Start-MotoServer
        function Invoke-Scenario([string] $Endpoint) {
            $set = New-TestGrantSet -Endpoint $Endpoint -Count 3 -RetiringPrincipal 'arn:aws:iam::111122223333:role/parity'
            $listed = Invoke-KmsPeer $Endpoint 'list-grants' @($set.KeyId)
            $byId = Invoke-AwsCli -Endpoint $Endpoint -Arguments 'kms', 'retire-grant', '--key-id', $set.KeyId, '--grant-id', $set.Grants[0].GrantId
            $byToken = Invoke-AwsCli -Endpoint $Endpoint -Arguments 'kms', 'retire-grant', '--grant-token', $set.Grants[1].GrantToken
            $left = Invoke-KmsPeer $Endpoint 'list-grants' @($set.KeyId)
            $retirable = Invoke-AwsCli -Endpoint $Endpoint -Arguments 'kms', 'list-retirable-grants', '--retiring-principal', 'arn:aws:iam::111122223333:role/parity'
            [pscustomobject]@{
                Listed          = $listed.GrantIds.Count
                ListedAll       = -not (Compare-Object @($listed.GrantIds) @($set.Grants.GrantId))
                RetireById      = $byId.ExitCode
                RetireByToken   = $byToken.ExitCode
                Left            = @($left.GrantIds) -join ','
                ExpectedLeft    = $set.Grants[2].GrantId
                Retirable       = @($retirable.Output.Grants).Count
                RetirableFields = (@($retirable.Output.Grants)[0].PSObject.Properties.Name | Where-Object { $_ -in 'KeyId', 'GrantId', 'GranteePrincipal', 'RetiringPrincipal', 'Operations', 'Name' } | Sort-Object) -join ','
            }
        }
    }
    AfterAll { Stop-TestServer $moto }

    It 'gives the same results on both backends' {
        $ours = Invoke-Scenario $emulator.Url
        $theirs = Invoke-Scenario $moto.Url
        foreach ($r in $ours, $theirs) {
            $r.Listed | Should -Be 3
            $r.ListedAll | Should -BeTrue
            $r.RetireById | Should -Be 0
            $r.RetireByToken | Should -Be 0
            $r.Left | Should -Be $r.ExpectedLeft
            $r.Retirable | Should -Be 1
        }
        $ours.RetirableFields | Should -Be $theirs.RetirableFields
    }
}

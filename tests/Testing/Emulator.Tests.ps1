# The emulator, checked with clients nobody here wrote (the AWS CLI and boto3), and against moto.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot '../Pester/TestHelpers.psm1')
    $emulator = Start-KmsEmulator -Identity @(
        @{ AccessKey = 'testing'; SecretKey = 'testing'; Principal = 'arn:aws:iam::111122223333:root' }
        @{ AccessKey = 'RETIRER'; SecretKey = 'retirer-secret'; Principal = 'arn:aws:iam::111122223333:role/retirer' }
        @{ AccessKey = 'OTHER'; SecretKey = 'other-secret'; Principal = 'arn:aws:iam::111122223333:role/other' })
    $url = $emulator.Url
    # AWS CLI calls: most through one boto3 process (botocore, as the CLI; a process per call costs a second), a few
    # through the AWS CLI itself (AwsCli; not "Cli": that is an alias of Clear-Item), so that its own parsing, paginator and signing are covered too.
    $peer = Start-KmsPeer $url
    function Aws([string[]] $Arguments, [string] $AccessKey = 'testing', [string] $SecretKey = 'testing') {
        Invoke-AwsCli -Peer $peer -Arguments $Arguments -AccessKey $AccessKey -SecretKey $SecretKey
    }
    function AwsCli([string[]] $Arguments, [string] $AccessKey = 'testing', [string] $SecretKey = 'testing') {
        Invoke-AwsCli -Endpoint $url -Arguments $Arguments -AccessKey $AccessKey -SecretKey $SecretKey
    }
}
AfterAll { Stop-TestServer $peer; Stop-TestServer $emulator }

Describe 'The AWS CLI and boto3 against the emulator' {
    BeforeAll {
        $key = (AwsCli 'kms', 'create-key', '--description', 'cli').Output.KeyMetadata
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
        $r = AwsCli 'kms', 'list-grants', '--key-id', $key.KeyId, '--page-size', '2'
        $r.Output.Grants.Count | Should -Be 5
    }

    It 'answers a DryRun with DryRunOperationException and changes nothing' {
        $r = AwsCli 'kms', 'retire-grant', '--key-id', $key.Arn, '--grant-id', $grants[0].GrantId, '--dry-run'
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

Describe 'Paging while most grants are retired' {
    It 'lists every grant left, in creation order, through every page (boto3, Limit 7)' {
        $seeded = Start-KmsEmulator -SeedGrants 300
        try {
            # Two grants in three retired (boto3, by key and ID): the listing must step over what is gone.
            $all = @(Get-KmsEmulatorGrant -Emulator $seeded)
            $retire = @(for ($i = 0; $i -lt $all.Count; $i++) { if ($i % 3) { [ordered]@{ KeyId = $all[$i].KeyId; GrantId = $all[$i].GrantId } } })
            $file = Join-Path $TestDrive 'retire.json'
            ConvertTo-Json -InputObject $retire -Compress | Set-Content $file
            (Invoke-KmsPeer $seeded.Url 'retire-many' @($file, '4')).Errors | Should -BeNullOrEmpty
            $left = @(for ($i = 0; $i -lt $all.Count; $i += 3) { $all[$i].GrantId })
            $listing = Invoke-KmsPeer $seeded.Url 'list-grants' @($seeded.KeyArn, '7')
            $listing.GrantIds | Should -Be $left
            $listing.Pages | Should -Be ([Math]::Ceiling($left.Count / 7))
        }
        finally { $seeded | Stop-KmsEmulator }
    }
}

Describe 'Identity and signatures' {
    It 'rejects a wrong secret with InvalidSignatureException' {
        (AwsCli 'kms', 'list-keys' -AccessKey testing -SecretKey wrong).Error | Should -Match 'InvalidSignatureException'
    }

    It 'rejects an unknown access key with UnrecognizedClientException' {
        (Aws 'kms', 'list-keys' -AccessKey NOBODY -SecretKey x).Error | Should -Match 'UnrecognizedClientException'
    }
}

Describe 'Quota and stats' {
    BeforeAll { $throttled = Start-KmsEmulator -Quota @{ ListKeys = 2 } }
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

Describe 'Regions, accounts and assumed roles' {
    BeforeAll {
        # Two Regions; identities in two accounts; STS sessions of two roles.
        $secrets = @{ testing = 'testing'; OWNER = 'owner-secret'; RETIRER = 'retirer-secret'; SESSION = 'session-secret'; OTHERSESSION = 'other-session-secret' }
        $world = Start-KmsEmulator -Region us-east-1, eu-west-1 -Identity @(
            @{ AccessKey = 'testing'; SecretKey = 'testing'; Principal = 'arn:aws:iam::111122223333:root' }
            @{ AccessKey = 'OWNER'; SecretKey = 'owner-secret'; Principal = 'arn:aws:iam::444455556666:root' }
            @{ AccessKey = 'RETIRER'; SecretKey = 'retirer-secret'; Principal = 'arn:aws:iam::111122223333:role/retirer' }
            @{ AccessKey = 'SESSION'; SecretKey = 'session-secret'; Principal = 'arn:aws:sts::111122223333:assumed-role/retirer/session1' }
            @{ AccessKey = 'OTHERSESSION'; SecretKey = 'other-session-secret'; Principal = 'arn:aws:sts::111122223333:assumed-role/other/session1' })
        # AWS CLI-style calls against $world (through one boto3 process), as identity -As, signed for -Region.
        $worldPeer = Start-KmsPeer $world.Url
        function W([string[]] $Arguments, [string] $As = 'testing', [string] $Region = 'us-east-1') {
            Invoke-AwsCli -Peer $worldPeer -Arguments $Arguments -AccessKey $As -SecretKey $secrets[$As] -Region $Region
        }
        function New-WorldGrant([string] $KeyId, [string] $Retiring = 'arn:aws:iam::111122223333:role/retirer', [string] $As = 'testing', [string] $Region = 'us-east-1') {
            $r = W 'kms', 'create-grant', '--key-id', $KeyId, '--grantee-principal', 'arn:aws:iam::111122223333:role/app',
                '--retiring-principal', $Retiring, '--operations', 'Decrypt' -As $As -Region $Region
            if ($r.ExitCode -ne 0) { throw "create-grant failed: $($r.Error)" }
            $r.Output
        }
        function Get-WorldGrantIds([string] $KeyId, [string] $As = 'testing', [string] $Region = 'us-east-1') {
            @((W 'kms', 'list-grants', '--key-id', $KeyId -As $As -Region $Region).Output.Grants | ForEach-Object GrantId)
        }
    }
    AfterAll { Stop-TestServer $worldPeer; Stop-KmsEmulator $world }

    Context 'Regions' {
        BeforeAll {
            $keys = @{}
            foreach ($r in 'us-east-1', 'eu-west-1') { $keys[$r] = (W 'kms', 'create-key' -Region $r).Output.KeyMetadata }
            $usGrants = @(1..2 | ForEach-Object { New-WorldGrant $keys['us-east-1'].KeyId 'arn:aws:iam::111122223333:role/regional' })
            $euGrants = @(1..3 | ForEach-Object { New-WorldGrant $keys['eu-west-1'].KeyId 'arn:aws:iam::111122223333:role/regional' -Region eu-west-1 })
        }

        It 'creates each key in the Region its request was signed for' {
            $keys['us-east-1'].Arn | Should -Match '^arn:aws:kms:us-east-1:111122223333:key/[0-9a-f-]{36}$'
            $keys['eu-west-1'].Arn | Should -Match '^arn:aws:kms:eu-west-1:111122223333:key/[0-9a-f-]{36}$'
        }

        It 'lists each Region''s keys, grants and retirable grants in that Region only' {
            (Get-WorldGrantIds $keys['us-east-1'].KeyId | Sort-Object) | Should -Be ($usGrants.GrantId | Sort-Object)
            (Get-WorldGrantIds $keys['eu-west-1'].KeyId -Region eu-west-1 | Sort-Object) | Should -Be ($euGrants.GrantId | Sort-Object)
            $usKeys = (W 'kms', 'list-keys').Output.Keys.KeyId
            $usKeys | Should -Contain $keys['us-east-1'].KeyId
            $usKeys | Should -Not -Contain $keys['eu-west-1'].KeyId
            $retirable = @((W 'kms', 'list-retirable-grants', '--retiring-principal', 'arn:aws:iam::111122223333:role/regional' -Region eu-west-1).Output.Grants)
            $retirable.Count | Should -Be 3
            $retirable.KeyId | Sort-Object -Unique | Should -Be $keys['eu-west-1'].Arn
        }

        It 'answers NotFoundException for a key of the other Region, by ARN or by ID' {
            $eu = $keys['eu-west-1']
            (W 'kms', 'list-grants', '--key-id', $eu.Arn).Error | Should -Match 'NotFoundException'
            (W 'kms', 'list-grants', '--key-id', $eu.KeyId).Error | Should -Match 'NotFoundException'
            (W 'kms', 'describe-key', '--key-id', $eu.Arn).Error | Should -Match 'NotFoundException'
            (W 'kms', 'retire-grant', '--key-id', $eu.Arn, '--grant-id', $euGrants[0].GrantId).Error | Should -Match 'NotFoundException'
            (W 'kms', 'retire-grant', '--grant-token', $euGrants[0].GrantToken).Error | Should -Match 'NotFoundException'
            Get-WorldGrantIds $eu.KeyId -Region eu-west-1 | Should -Contain $euGrants[0].GrantId
        }

        It 'refuses a Region it does not serve as a signature scoped to the wrong Region' {
            $r = W 'kms', 'list-keys' -Region ap-south-1
            $r.ExitCode | Should -Not -Be 0
            $r.Error | Should -Match 'InvalidSignatureException'
            $r.Error | Should -Match 'Credential should be scoped to a valid region'
        }

        It 'counts per Region in the stats, and the totals across Regions' {
            $stats = Get-KmsEmulatorStatistic $world
            $stats.regions.'us-east-1'.grantsAlive | Should -Be 2
            $stats.regions.'eu-west-1'.grantsAlive | Should -Be 3
            $stats.grantsAlive | Should -Be 5
            $stats.regions.'us-east-1'.operations.CreateGrant.succeeded | Should -Be 2
            $stats.regions.'eu-west-1'.operations.CreateGrant.succeeded | Should -Be 3
            $stats.operations.CreateGrant.succeeded | Should -Be 5
            @($stats.regions.PSObject.Properties.Name) | Should -Be @('us-east-1', 'eu-west-1')
            # The unserved Region's request is in the totals only.
            $stats.operations.ListKeys.errors | Should -Be 1
            $stats.regions.'us-east-1'.operations.ListKeys.errors | Should -Be 0
        }
    }

    Context 'Accounts' {
        BeforeAll {
            # A key of account 444455556666 whose grants name principals of account 111122223333.
            $foreign = (W 'kms', 'create-key' -As OWNER).Output.KeyMetadata
            $fg = @(1..5 | ForEach-Object { New-WorldGrant $foreign.KeyId -As OWNER })
        }

        It 'creates a key in the account of the identity that creates it' {
            $foreign.Arn | Should -Match '^arn:aws:kms:us-east-1:444455556666:key/'
            $foreign.AWSAccountId | Should -Be '444455556666'
            $listed = (W 'kms', 'list-grants', '--key-id', $foreign.KeyId -As OWNER).Output.Grants
            $listed.IssuingAccount | Sort-Object -Unique | Should -Be 'arn:aws:iam::444455556666:root'
            (W 'kms', 'list-keys' -As OWNER).Output.Keys.KeyId | Should -Be @($foreign.KeyId)
        }

        It 'lets the retiring principal, in another account than the key, retire by key ARN and grant ID and by token' {
            (W 'kms', 'retire-grant', '--key-id', $foreign.Arn, '--grant-id', $fg[0].GrantId -As RETIRER).ExitCode | Should -Be 0
            (W 'kms', 'retire-grant', '--grant-token', $fg[1].GrantToken -As RETIRER).ExitCode | Should -Be 0
            $left = Get-WorldGrantIds $foreign.KeyId -As OWNER
            $left | Should -Not -Contain $fg[0].GrantId
            $left | Should -Not -Contain $fg[1].GrantId
            $left | Should -Contain $fg[2].GrantId
        }

        It 'looks a bare key ID up in the caller''s own account only; a key ARN of another account is found' {
            (W 'kms', 'list-grants', '--key-id', $foreign.KeyId).Error | Should -Match 'NotFoundException'
            (W 'kms', 'retire-grant', '--key-id', $foreign.KeyId, '--grant-id', $fg[2].GrantId -As RETIRER).Error | Should -Match 'NotFoundException'
            (W 'kms', 'describe-key', '--key-id', $foreign.Arn).Output.KeyMetadata.AWSAccountId | Should -Be '444455556666'
            # Found by ARN, but only the key's own account manages its grants.
            (W 'kms', 'list-grants', '--key-id', $foreign.Arn).Error | Should -Match 'AccessDeniedException'
        }

        It 'lets the root of the key''s account retire, not the root of another account' {
            (W 'kms', 'retire-grant', '--key-id', $foreign.Arn, '--grant-id', $fg[2].GrantId).Error | Should -Match 'AccessDeniedException'
            Get-WorldGrantIds $foreign.KeyId -As OWNER | Should -Contain $fg[2].GrantId
            (W 'kms', 'retire-grant', '--key-id', $foreign.KeyId, '--grant-id', $fg[2].GrantId -As OWNER).ExitCode | Should -Be 0
            Get-WorldGrantIds $foreign.KeyId -As OWNER | Should -Not -Contain $fg[2].GrantId
        }

        It 'keeps CreateGrant and RevokeGrant to principals of the key''s account' {
            $r = W 'kms', 'create-grant', '--key-id', $foreign.Arn, '--grantee-principal', 'arn:aws:iam::111122223333:role/app', '--operations', 'Decrypt'
            $r.Error | Should -Match 'AccessDeniedException'
            (W 'kms', 'revoke-grant', '--key-id', $foreign.Arn, '--grant-id', $fg[3].GrantId).Error | Should -Match 'AccessDeniedException'
            (W 'kms', 'revoke-grant', '--key-id', $foreign.KeyId, '--grant-id', $fg[3].GrantId -As OWNER).ExitCode | Should -Be 0
        }
    }

    Context 'Assumed-role sessions' {
        BeforeAll { $own = (W 'kms', 'create-key').Output.KeyMetadata }

        It 'lets a session of the retiring role retire the grant, by key and ID and by token' {
            $g1 = New-WorldGrant $own.KeyId
            $g2 = New-WorldGrant $own.KeyId
            (W 'kms', 'retire-grant', '--key-id', $own.Arn, '--grant-id', $g1.GrantId -As SESSION).ExitCode | Should -Be 0
            (W 'kms', 'retire-grant', '--grant-token', $g2.GrantToken -As SESSION).ExitCode | Should -Be 0
            $left = Get-WorldGrantIds $own.KeyId
            $left | Should -Not -Contain $g1.GrantId
            $left | Should -Not -Contain $g2.GrantId
        }

        It 'does not let a session of another role retire it' {
            $g = New-WorldGrant $own.KeyId
            $r = W 'kms', 'retire-grant', '--grant-token', $g.GrantToken -As OTHERSESSION
            $r.Error | Should -Match 'AccessDeniedException'
            $r.Error | Should -Match 'assumed-role/other/session1'
            Get-WorldGrantIds $own.KeyId | Should -Contain $g.GrantId
        }
    }

    Context 'ListRetirableGrants and accounts' {
        BeforeAll {
            $own = (W 'kms', 'create-key').Output.KeyMetadata
            $ownGrant = New-WorldGrant $own.KeyId 'arn:aws:iam::111122223333:role/lister'
            $foreignKey = (W 'kms', 'create-key' -As OWNER).Output.KeyMetadata
            $foreignGrant = New-WorldGrant $foreignKey.KeyId 'arn:aws:iam::111122223333:role/lister' -As OWNER
            $serviceGrant = New-WorldGrant $own.KeyId 'kms.amazonaws.com'
        }

        It 'lists grants for a principal of one''s own account, on keys of any account' {
            foreach ($as in 'testing', 'RETIRER', 'SESSION') {
                $r = W 'kms', 'list-retirable-grants', '--retiring-principal', 'arn:aws:iam::111122223333:role/lister' -As $as
                $r.ExitCode | Should -Be 0
                ($r.Output.Grants.GrantId | Sort-Object) | Should -Be (@($ownGrant.GrantId, $foreignGrant.GrantId) | Sort-Object)
                ($r.Output.Grants.KeyId | Sort-Object) | Should -Be (@($own.Arn, $foreignKey.Arn) | Sort-Object)
            }
        }

        It 'refuses a principal of another account with AccessDeniedException' {
            $r = W 'kms', 'list-retirable-grants', '--retiring-principal', 'arn:aws:iam::111122223333:role/lister' -As OWNER
            $r.ExitCode | Should -Not -Be 0
            $r.Error | Should -Match 'AccessDeniedException'
            $r.Error | Should -Match 'kms:ListRetirableGrants'
            (W 'kms', 'list-retirable-grants', '--retiring-principal', 'arn:aws:iam::444455556666:role/lister').Error | Should -Match 'AccessDeniedException'
            (W 'kms', 'list-retirable-grants', '--retiring-principal', 'arn:aws:sts::444455556666:assumed-role/lister/s' -As SESSION).Error | Should -Match 'AccessDeniedException'
        }

        It 'allows a principal that is in no account (a service principal)' {
            $r = W 'kms', 'list-retirable-grants', '--retiring-principal', 'kms.amazonaws.com' -As OWNER
            $r.ExitCode | Should -Be 0
            $r.Output.Grants.GrantId | Should -Be @($serviceGrant.GrantId)
        }
    }
}

Describe 'Seeding several Regions' {
    It 'seeds every Region, prints one key ARN per Region in order, and counts grants per Region' {
        $seeded = Start-KmsEmulator -Region us-east-1, eu-west-1 -SeedGrants 30 -RetiringPrincipal 'arn:aws:iam::111122223333:role/seed'
        try {
            $seeded.KeyArns.Count | Should -Be 2
            $seeded.KeyArns[0] | Should -Match '^arn:aws:kms:us-east-1:111122223333:key/'
            $seeded.KeyArns[1] | Should -Match '^arn:aws:kms:eu-west-1:111122223333:key/'
            $seeded.KeyArn | Should -Be $seeded.KeyArns[0]
            $seeded.Regions | Should -Be @('us-east-1', 'eu-west-1')
            $stats = Get-KmsEmulatorStatistic $seeded
            $stats.grantsAlive | Should -Be 60
            $stats.regions.'us-east-1'.grantsAlive | Should -Be 30
            $stats.regions.'eu-west-1'.grantsAlive | Should -Be 30
            (Invoke-KmsPeer $seeded.Url 'list-grants' @($seeded.KeyArns[1]) -Region eu-west-1).GrantIds.Count | Should -Be 30
            $retirable = Invoke-AwsCli -Endpoint $seeded.Url -Arguments 'kms', 'list-retirable-grants', '--retiring-principal', 'arn:aws:iam::111122223333:role/seed' -Region eu-west-1
            @($retirable.Output.Grants).Count | Should -Be 30
        }
        finally { Stop-KmsEmulator $seeded }
    }
}

Describe 'Quotas per Region' {
    BeforeAll { $perRegion = Start-KmsEmulator -Region us-east-1, eu-west-1 -Quota @{ ListKeys = 3 } }
    AfterAll { Stop-KmsEmulator $perRegion }

    It 'gives each Region its own bucket: throttling in one does not consume the other''s' {
        # Back to back in one process: a shared bucket would have nothing left for the second Region.
        $us, $eu = Invoke-KmsPeer $perRegion.Url 'sequence' @('us-east-1:list_keys:10', 'eu-west-1:list_keys:10')
        foreach ($codes in $us, $eu) {
            @($codes | Where-Object { $_ -eq 'OK' }).Count | Should -BeIn 3, 4
            @($codes | Where-Object { $_ -eq 'ThrottlingException' }).Count | Should -BeGreaterThan 5
        }
        $stats = Get-KmsEmulatorStatistic $perRegion
        $stats.regions.'us-east-1'.operations.ListKeys.throttled | Should -Be @($us | Where-Object { $_ -eq 'ThrottlingException' }).Count
        $stats.regions.'eu-west-1'.operations.ListKeys.throttled | Should -Be @($eu | Where-Object { $_ -eq 'ThrottlingException' }).Count
        $stats.operations.ListKeys.throttled | Should -Be (@($us + $eu | Where-Object { $_ -eq 'ThrottlingException' }).Count)
    }
}

Describe 'Changing quotas while running (POST /_emulator/quota)' {
    BeforeAll {
        $live = Start-KmsEmulator -Region us-east-1, eu-west-1 -Quota @{ ListKeys = 5 }
        function Get-OkCount($Codes) { @($Codes | Where-Object { $_ -eq 'OK' }).Count }
        function Get-Throttled([string] $Region) {
            $op = (Get-KmsEmulatorStatistic $live).regions.$Region.operations.PSObject.Properties['ListKeys']
            if ($op) { $op.Value.throttled } else { 0 }
        }
    }
    AfterAll { Stop-KmsEmulator $live }

    It 'lowers a quota in every Region at once; the full buckets keep only the new capacity' {
        # Both buckets are full at 5; lowered to 2, a burst gets 2 through, not 5.
        $table, $us, $eu = Invoke-KmsPeer $live.Url 'sequence' @('quota={"ListKeys": 2}', 'us-east-1:list_keys:10', 'eu-west-1:list_keys:10')
        $table.ListKeys | Should -Be 2
        # 2, and what accrues at 2/s while each burst goes (by the emulator's clock: load spreads a burst out).
        foreach ($r in @(@{ Region = 'us-east-1'; Codes = $us }, @{ Region = 'eu-west-1'; Codes = $eu })) {
            $logged = @(Get-KmsEmulatorRequest -Emulator $live -Operation ListKeys -Region $r.Region -Last 10)
            $span = ($logged[-1].Time - $logged[0].Time).TotalSeconds
            Get-OkCount $r.Codes | Should -BeGreaterOrEqual 2
            Get-OkCount $r.Codes | Should -BeLessOrEqual (2 + [math]::Ceiling(2 * $span) + 1) -Because "the burst took $span s"
        }
        Get-Throttled 'us-east-1' | Should -Be (10 - (Get-OkCount $us))
        Get-Throttled 'eu-west-1' | Should -Be (10 - (Get-OkCount $eu))
    }

    It 'raises a quota without refilling the bucket; the new capacity then fills at the new rate' {
        $table, $burst = Invoke-KmsPeer $live.Url 'sequence' @('quota={"ListKeys": 30}', 'us-east-1:list_keys:40')
        $table.ListKeys | Should -Be 30
        # A refill would let 30 through at once; without one, only what the old bucket held (2) plus what accrued at 30/s
        # while the burst went, by the emulator's own clock (a loaded machine spreads the burst out, and more accrues).
        $logged = @(Get-KmsEmulatorRequest -Emulator $live -Operation ListKeys -Last 40)
        $span = ($logged[-1].Time - $logged[0].Time).TotalSeconds
        # (+3: what accrues between the quota's answer and the first call, a few ms idle.)
        Get-OkCount $burst | Should -BeLessOrEqual (2 + 3 + [math]::Ceiling(30 * $span)) -Because "the burst took $span s" 
        Start-Sleep -Milliseconds 1200
        $before = Get-Throttled 'us-east-1'
        $burst = Invoke-KmsPeer $live.Url 'sequence' @('us-east-1:list_keys:40')
        # At the old capacity (2) this would be 2 or 3.
        Get-OkCount $burst | Should -BeGreaterOrEqual 30
        (Get-Throttled 'us-east-1') - $before | Should -Be (40 - (Get-OkCount $burst))
    }

    It 'starts a new quota full' {
        $table, $burst, $null = Invoke-KmsPeer $live.Url 'sequence' @('quota={"CreateKey": 4}', 'us-east-1:create_key:10', 'quota={"CreateKey": null}')
        $table.CreateKey | Should -Be 4
        Get-OkCount $burst | Should -BeIn 4, 5
    }

    It 'removes a quota with 0 or null, in every Region' {
        Set-KmsEmulatorQuota -Emulator $live @{ CreateKey = 7 }
        $before = (Get-Throttled 'us-east-1'), (Get-Throttled 'eu-west-1')
        $table, $us, $eu = Invoke-KmsPeer $live.Url 'sequence' @('quota={"ListKeys": 0, "CreateKey": null}', 'us-east-1:list_keys:40', 'eu-west-1:list_keys:40')
        @($table.PSObject.Properties).Count | Should -Be 0
        Get-OkCount $us | Should -Be 40
        Get-OkCount $eu | Should -Be 40
        (Get-Throttled 'us-east-1'), (Get-Throttled 'eu-west-1') | Should -Be $before
        (Invoke-RestMethod "$($live.Url)/_emulator/quota").PSObject.Properties.Name | Should -BeNullOrEmpty
    }

    It 'answers 400 with a message for a bad body (<Case>) and changes nothing' -ForEach @(
        @{ Case = 'not JSON'; Body = 'RetireGrant=30' }
        @{ Case = 'not an object'; Body = '[30]' }
        @{ Case = 'empty object'; Body = '{}' }
        @{ Case = 'a string rate'; Body = '{"RetireGrant": "30"}' }
        @{ Case = 'a negative rate'; Body = '{"RetireGrant": -1}' }
        @{ Case = 'an unknown operation'; Body = '{"RetireGrants": 30}' }
        @{ Case = 'one bad among good'; Body = '{"ListGrants": 10, "RetireGrant": true}' }
    ) {
        Set-KmsEmulatorQuota -Emulator $live @{ RetireGrant = 12 }
        $response = Invoke-WebRequest -Method Post -Uri "$($live.Url)/_emulator/quota" -Body $Body -ContentType 'application/json' -SkipHttpErrorCheck
        $response.StatusCode | Should -Be 400
        ($response.Content | ConvertFrom-Json).message | Should -Not -BeNullOrEmpty
        $table = Invoke-RestMethod "$($live.Url)/_emulator/quota"
        $table.PSObject.Properties.Name | Should -Be @('RetireGrant')
        $table.RetireGrant | Should -Be 12
    }

    It 'is driven by Set-KmsEmulatorQuota, which stops with the same message on a bad quota and changes nothing' {
        (Set-KmsEmulatorQuota -Emulator $live @{ RetireGrant = 30; ListGrants = 15 } -PassThru).RetireGrant | Should -Be 30
        { Set-KmsEmulatorQuota -Emulator $live @{ RetireGrant = -5; ListGrants = 1 } } |
            Should -Throw '*0 or more*' -ErrorId 'KmsGrants.Testing.InvalidQuota,KmsGrants.Testing.Commands.SetKmsEmulatorQuotaCommand'
        (Invoke-RestMethod "$($live.Url)/_emulator/quota").ListGrants | Should -Be 15
        (Set-KmsEmulatorQuota -Emulator $live @{ RetireGrant = $null; ListGrants = 0 } -PassThru).PSObject.Properties.Name | Should -BeNullOrEmpty
    }
}

Describe 'Requests KMS refuses, sent raw (botocore signs them, each case alters one thing)' {
    BeforeAll {
        # Cases in, results out (JSON): botocore's SigV4Auth signs as boto3 and the AWS CLI do, then the case changes the
        # service, the signed headers, the clock, the token or the body; urllib sends it as it is.
        $rawPy = Join-Path $TestDrive 'raw.py'
        Set-Content $rawPy @'
import sys, json, time, datetime, urllib.request, urllib.error
import botocore.auth
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

url = sys.argv[1]
results = []
for c in json.load(open(sys.argv[2])):
    time.sleep(c.get('sleep', 0))
    body = c.get('body', '{}').encode()
    req = AWSRequest(method='POST', url=url + '/', data=body, headers={
        'Content-Type': 'application/x-amz-json-1.1', 'X-Amz-Target': 'TrentService.' + c.get('target', 'ListKeys')})
    class Signer(SigV4Auth):
        def headers_to_sign(self, request):
            signed = super().headers_to_sign(request)
            for name in c.get('unsigned', []):
                if name in signed: del signed[name]
            return signed
    real = datetime.datetime
    shift = datetime.timedelta(minutes=c.get('shift_minutes', 0))
    class Shifted(real):
        @classmethod
        def utcnow(cls): return real.utcnow() + shift
        @classmethod
        def now(cls, tz=None): return real.now(tz) + shift
    botocore.auth.datetime.datetime = Shifted
    try:
        Signer(Credentials(c.get('ak', 'testing'), c.get('sk', 'testing'), c.get('token')), c.get('service', 'kms'), c.get('region', 'us-east-1')).add_auth(req)
    finally:
        botocore.auth.datetime.datetime = real
    headers = dict(req.headers.items())
    headers.update(c.get('set_headers', {}))
    try:
        r = urllib.request.urlopen(urllib.request.Request(url + '/', data=body, headers=headers, method='POST'))
        status, text = r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        status, text = e.code, e.read().decode()
    answer = json.loads(text) if text.startswith('{') else {}
    results.append({'label': c['label'], 'status': status, 'type': answer.get('__type'), 'message': answer.get('message') or answer.get('Message'), 'answer': answer})
print(json.dumps(results))
'@
        <# Sends the cases to $Url; returns label -> { status, type, message, answer }. #>
        function Send-Raw([string] $Url, [object[]] $Cases) {
            $file = Join-Path $TestDrive "cases-$([guid]::NewGuid().ToString('N')).json"
            ConvertTo-Json -InputObject $Cases -Depth 5 | Set-Content $file
            $out = & (Find-PythonTool 'python3') $rawPy $Url $file
            if ($LASTEXITCODE -ne 0) { throw "raw.py failed (exit $LASTEXITCODE)" }
            $byLabel = [ordered]@{}
            foreach ($r in ($out | ConvertFrom-Json)) { $byLabel[$r.label] = $r }
            $byLabel
        }
    }

    Context 'Signatures, checked as KMS checks them' {
        BeforeAll {
            $token = 'FwoGZXIvYXdzEXAMPLE/session+token=='
            $signing = Start-KmsEmulator -Identity @(
                @{ AccessKey = 'testing'; SecretKey = 'testing'; Principal = 'arn:aws:iam::111122223333:root' }
                @{ AccessKey = 'ASIATEMP'; SecretKey = 'temp-secret'; SessionToken = $token; Principal = 'arn:aws:sts::111122223333:assumed-role/ci/s1' })
            $r = Send-Raw $signing.Url @(
                @{ label = 'baseline' }
                @{ label = 'scoped to s3'; service = 's3' }
                @{ label = 'scoped to dynamodb'; service = 'dynamodb' }
                @{ label = 'host and date unsigned'; unsigned = @('host', 'x-amz-date') }
                @{ label = 'date unsigned'; unsigned = @('x-amz-date') }
                @{ label = '3 days ago'; shift_minutes = -4320 }
                @{ label = '20 min ago'; shift_minutes = -20 }
                @{ label = '10 min ago'; shift_minutes = -10 }
                @{ label = '20 min ahead'; shift_minutes = 20 }
                @{ label = 'scope date not the header''s'; set_headers = @{ 'X-Amz-Date' = [DateTime]::UtcNow.AddDays(1).ToString("yyyyMMdd'T'HHmmss'Z'") } }
                @{ label = 'long-term key, bogus token'; token = 'garbage-session-token' }
                @{ label = 'unknown key'; ak = 'AKIASTRANGER'; sk = 'x' }
                @{ label = 'wrong secret, bogus token'; sk = 'wrong'; token = 'garbage' }
                @{ label = 'temporary, its token'; ak = 'ASIATEMP'; sk = 'temp-secret'; token = $token }
                @{ label = 'temporary, no token'; ak = 'ASIATEMP'; sk = 'temp-secret' }
                @{ label = 'temporary, another token'; ak = 'ASIATEMP'; sk = 'temp-secret'; token = 'another' }
            )
        }
        AfterAll { Stop-TestServer $signing }

        It 'serves a request signed right, and one signed 10 minutes ago (within the 15 allowed)' {
            $r['baseline'].status | Should -Be 200
            $r['10 min ago'].status | Should -Be 200
        }

        It 'refuses with InvalidSignatureException: <Case>' -ForEach @(
            @{ Case = 'scoped to s3'; Message = "*correct service: 'kms'*" }
            @{ Case = 'scoped to dynamodb'; Message = "*correct service: 'kms'*" }
            @{ Case = 'host and date unsigned'; Message = "*'Host'*must be a 'SignedHeader'*" }
            @{ Case = 'date unsigned'; Message = "*'X-Amz-Date' must be a 'SignedHeader'*" }
            @{ Case = '3 days ago'; Message = 'Signature expired:*15 min.)' }
            @{ Case = '20 min ago'; Message = 'Signature expired:*' }
            @{ Case = '20 min ahead'; Message = 'Signature not yet current:*' }
            @{ Case = 'scope date not the header''s'; Message = 'Date in Credential scope does not match*' }
            @{ Case = 'wrong secret, bogus token'; Message = 'The request signature we calculated does not match*' }
        ) {
            $r[$Case].status | Should -Be 400
            $r[$Case].type | Should -Be 'InvalidSignatureException'
            $r[$Case].message | Should -BeLike $Message
        }

        It 'refuses an unknown key, and a token that is not the identity''s, with UnrecognizedClientException: <Case>' -ForEach @(
            @{ Case = 'long-term key, bogus token' }
            @{ Case = 'unknown key' }
            @{ Case = 'temporary, no token' }
            @{ Case = 'temporary, another token' }
        ) {
            $r[$Case].status | Should -Be 400
            $r[$Case].type | Should -Be 'UnrecognizedClientException'
            $r[$Case].message | Should -Be 'The security token included in the request is invalid.'
        }

        It 'serves temporary credentials with their token (botocore, and the AWS CLI from AWS_SESSION_TOKEN)' {
            $r['temporary, its token'].status | Should -Be 200
            $saved = $env:AWS_SESSION_TOKEN
            try {
                $env:AWS_SESSION_TOKEN = $token
                (Invoke-AwsCli -Endpoint $signing.Url -Arguments 'kms', 'list-keys' -AccessKey ASIATEMP -SecretKey temp-secret).ExitCode | Should -Be 0
                (Invoke-AwsCli -Endpoint $signing.Url -Arguments 'kms', 'list-keys').Error | Should -Match 'UnrecognizedClientException'
            }
            finally { if ($null -eq $saved) { Remove-Item env:AWS_SESSION_TOKEN -ErrorAction Ignore } else { $env:AWS_SESSION_TOKEN = $saved } }
            (Get-KmsEmulatorStatistic $signing).lastCaller | Should -Be 'arn:aws:sts::111122223333:assumed-role/ci/s1'
        }
    }

    Context 'Quotas are charged after authentication' {
        BeforeAll { $guarded = Start-KmsEmulator -Quota @{ ListKeys = 3 } }
        AfterAll { Stop-TestServer $guarded }

        It 'refuses strangers as strangers, however many, and leaves the callers'' quota whole' {
            $r = Send-Raw $guarded.Url @(
                foreach ($i in 1..6) { @{ label = "stranger $i"; ak = 'AKIASTRANGER'; sk = 'x' } }
                foreach ($i in 1..4) { @{ label = "wrong secret $i"; sk = 'wrong' } }
                foreach ($i in 1..6) { @{ label = "caller $i" } })
            1..6 | ForEach-Object { $r["stranger $_"].type | Should -Be 'UnrecognizedClientException' }
            1..4 | ForEach-Object { $r["wrong secret $_"].type | Should -Be 'InvalidSignatureException' }
            $callers = 1..6 | ForEach-Object { $r["caller $_"].status }
            @($callers | Where-Object { $_ -eq 200 }).Count | Should -BeIn 3, 4
            $stats = (Get-KmsEmulatorStatistic $guarded).operations.ListKeys
            $stats.throttled | Should -Be (6 - @($callers | Where-Object { $_ -eq 200 }).Count)
            $stats.errors | Should -Be 10
        }
    }

    Context 'A quota below one request per second' {
        BeforeAll { $slow = Start-KmsEmulator -Quota @{ ListKeys = 0.5 } }
        AfterAll { Stop-TestServer $slow }

        It 'admits one request, then one every 2 s (0.5 rps), and throttles what comes between' {
            $r = Send-Raw $slow.Url @(
                @{ label = 'first' }
                @{ label = 'at once' }
                @{ label = 'after 1 s'; sleep = 1 }
                @{ label = 'after 2.2 s more'; sleep = 2.2 }
                @{ label = 'at once again' })
            $r['first'].status | Should -Be 200
            $r['at once'].type | Should -Be 'ThrottlingException'
            $r['after 1 s'].type | Should -Be 'ThrottlingException'
            $r['after 2.2 s more'].status | Should -Be 200
            $r['at once again'].type | Should -Be 'ThrottlingException'
        }

        It 'keeps at most one request in a bucket lowered below one per second' {
            Set-KmsEmulatorQuota -Emulator $slow @{ ListKeys = 50 }
            Start-Sleep -Milliseconds 1100
            Set-KmsEmulatorQuota -Emulator $slow @{ ListKeys = 0.25 }
            $r = Send-Raw $slow.Url @(@{ label = 'one' }, @{ label = 'two' })
            $r['one'].status | Should -Be 200
            $r['two'].type | Should -Be 'ThrottlingException'
        }
    }

    Context 'Malformed bodies: SerializationException, logged and counted, nothing changed' {
        BeforeAll {
            $grant = New-KmsEmulatorKey -Emulator $emulator | New-KmsEmulatorGrant
            $before = (Get-KmsEmulatorStatistic $emulator).operations
            $t = $grant.GrantToken
            $r = Send-Raw $url @(
                @{ label = 'DryRun twice'; target = 'RetireGrant'; body = "{`"GrantToken`":`"$t`",`"DryRun`":true,`"DryRun`":false}" }
                @{ label = 'GrantToken twice'; target = 'RetireGrant'; body = "{`"GrantToken`":`"x`",`"GrantToken`":`"$t`"}" }
                @{ label = 'a duplicate inside Constraints'; target = 'CreateGrant'; body = (@{ KeyId = $grant.KeyId; GranteePrincipal = 'arn:aws:iam::111122223333:role/a'; Operations = @('Decrypt') } | ConvertTo-Json -Compress).TrimEnd('}') + ',"Constraints":{"EncryptionContextSubset":{"a":"1","a":"2"}}}' }
                @{ label = 'Limit as text'; target = 'ListGrants'; body = "{`"KeyId`":`"$($grant.KeyId)`",`"Limit`":`"5`"}" }
                @{ label = 'Limit not whole'; target = 'ListGrants'; body = "{`"KeyId`":`"$($grant.KeyId)`",`"Limit`":1.5}" }
                @{ label = 'Limit beyond any int'; target = 'ListGrants'; body = "{`"KeyId`":`"$($grant.KeyId)`",`"Limit`":1e30}" }
                @{ label = 'an array'; target = 'RetireGrant'; body = '[]' }
                @{ label = 'not JSON'; target = 'RetireGrant'; body = 'GrantToken=x' }
                # JSON that parses, with a string that is not text (a lone surrogate): it used to escape as a 500, unlogged.
                @{ label = 'a lone surrogate (DescribeKey)'; target = 'DescribeKey'; body = '{"KeyId":"\ud800"}' }
                @{ label = 'a lone surrogate (RetireGrant)'; target = 'RetireGrant'; body = "{`"GrantToken`":`"$t`",`"KeyId`":`"\ud800`"}" })
        }

        It 'refuses <Case> with HTTP 400 SerializationException' -ForEach @(
            @{ Case = 'DryRun twice' }, @{ Case = 'GrantToken twice' }, @{ Case = 'a duplicate inside Constraints' }, @{ Case = 'Limit as text' },
            @{ Case = 'Limit not whole' }, @{ Case = 'Limit beyond any int' }, @{ Case = 'an array' }, @{ Case = 'not JSON' },
            @{ Case = 'a lone surrogate (DescribeKey)' }, @{ Case = 'a lone surrogate (RetireGrant)' }
        ) {
            $r[$Case].status | Should -Be 400
            $r[$Case].type | Should -Be 'SerializationException'
        }

        It 'changes nothing, and logs and counts each as an error' {
            @(Get-KmsEmulatorGrant -Emulator $emulator -GrantId $grant.GrantId).Count | Should -Be 1
            @(Get-KmsEmulatorGrant -Emulator $emulator -KeyId $grant.KeyId).Count | Should -Be 1
            $logged = @(Get-KmsEmulatorRequest -Emulator $emulator -Last 10)
            $logged.Count | Should -Be 10
            $logged.ErrorCode | Sort-Object -Unique | Should -Be 'SerializationException'
            $logged.StatusCode | Sort-Object -Unique | Should -Be 400
            $after = (Get-KmsEmulatorStatistic $emulator).operations
            $after.RetireGrant.errors - $before.RetireGrant.errors | Should -Be 5
            $after.RetireGrant.succeeded | Should -Be $before.RetireGrant.succeeded
        }
    }

    Context 'Operations the emulator does not implement' {
        It 'refuses an invented operation before the signature, and does not keep a counter per invented name' {
            $names = 'Invented' + ('A' * 5000), 'AlsoInvented'
            $r = Send-Raw $url @(
                @{ label = 'signed'; target = $names[0] }
                @{ label = 'unsigned'; target = $names[1]; set_headers = @{ Authorization = '' } })
            foreach ($label in 'signed', 'unsigned') {
                $r[$label].status | Should -Be 400
                $r[$label].type | Should -Be 'UnknownOperationException'
            }
            $r['signed'].message.Length | Should -BeLessThan 200
            $operations = (Get-KmsEmulatorStatistic $emulator).operations.PSObject.Properties.Name
            $operations | Where-Object { $_ -like '*Invented*' } | Should -BeNullOrEmpty
            $operations | Should -Contain '(unknown)'
        }
    }

    Context 'A trailing newline, refused as KMS refuses it (the model''s patterns end the value)' {
        BeforeAll {
            $k = (Aws 'kms', 'create-key').Output.KeyMetadata
            $g = (Aws 'kms', 'create-grant', '--key-id', $k.KeyId, '--grantee-principal', 'arn:aws:iam::111122223333:role/a', '--operations', 'Decrypt').Output
        }

        It '<Case>: <Code>' -ForEach @(
            @{ Case = 'CreateGrant, grantee'; Arguments = @('kms', 'create-grant', '--key-id', 'KEY', '--grantee-principal', "arn:aws:iam::111122223333:role/x`n", '--operations', 'Decrypt'); Code = 'ValidationException' }
            @{ Case = 'CreateGrant, retiring principal'; Arguments = @('kms', 'create-grant', '--key-id', 'KEY', '--grantee-principal', 'arn:aws:iam::111122223333:role/x', '--retiring-principal', "arn:aws:iam::111122223333:role/x`n", '--operations', 'Decrypt'); Code = 'ValidationException' }
            @{ Case = 'CreateGrant, name'; Arguments = @('kms', 'create-grant', '--key-id', 'KEY', '--grantee-principal', 'arn:aws:iam::111122223333:role/x', '--name', "n`n", '--operations', 'Decrypt'); Code = 'ValidationException' }
            @{ Case = 'RetireGrant, grant ID'; Arguments = @('kms', 'retire-grant', '--key-id', 'ARN', '--grant-id', "GRANT`n"); Code = 'InvalidGrantIdException' }
            @{ Case = 'RevokeGrant, grant ID'; Arguments = @('kms', 'revoke-grant', '--key-id', 'KEY', '--grant-id', "GRANT`n"); Code = 'InvalidGrantIdException' }
            @{ Case = 'RetireGrant, key ARN'; Arguments = @('kms', 'retire-grant', '--key-id', "ARN`n", '--grant-id', 'GRANT'); Code = 'InvalidArnException' }
            @{ Case = 'ListRetirableGrants, principal'; Arguments = @('kms', 'list-retirable-grants', '--retiring-principal', "arn:aws:iam::111122223333:role/x`n"); Code = 'ValidationException' }
            @{ Case = 'CreateAlias, name'; Arguments = @('kms', 'create-alias', '--alias-name', "alias/nl`n", '--target-key-id', 'KEY'); Code = 'ValidationException' }
        ) {
            $resolved = $Arguments | ForEach-Object { $_.Replace('KEY', $k.KeyId).Replace('ARN', $k.Arn).Replace('GRANT', $g.GrantId) }
            (Aws $resolved).Error | Should -Match $Code
            (Aws 'kms', 'list-grants', '--key-id', $k.KeyId).Output.Grants.GrantId | Should -Be $g.GrantId
        }
    }
}

Describe 'An unexpected failure inside the emulator' {
    It 'is HTTP 500 KMSInternalException, never a success, and is logged and counted' {
        # No request reaches a defect on purpose: a call whose headers fail once the request is under way stands for one.
        $options = [KmsGrants.Testing.Emulator.EmulatorOptions]::new()
        $options.Validate()
        $service = [KmsGrants.Testing.Emulator.EmulatorService]::new($options)
        $headers = @{
            'x-amz-target'  = 'TrentService.ListKeys'
            'authorization' = 'AWS4-HMAC-SHA256 Credential=testing/20250101/us-east-1/kms/aws4_request, SignedHeaders=host;x-amz-date, Signature=00'
        }
        $header = [Func[string, string]] { param($name) if ($name -eq 'x-amz-date') { throw 'emulator defect' } $headers[$name] }
        $call = [KmsGrants.Testing.Emulator.KmsCall]::new('127.0.0.1', '', $header, [Text.Encoding]::UTF8.GetBytes('{}'))
        $answer = $service.HandleAsync($call).GetAwaiter().GetResult()
        $answer.Status | Should -Be 500
        ([Text.Encoding]::UTF8.GetString($answer.Body) | ConvertFrom-Json).__type | Should -Be 'KMSInternalException'
        $logged = $service.Log.Snapshot()
        $logged.Count | Should -Be 1
        $logged[0].StatusCode | Should -Be 500
        $logged[0].ErrorCode | Should -Be 'KMSInternalException'
        $service.Stats()['operations']['ListKeys']['errors'].GetValue[long]() | Should -Be 1
    }
}

Describe 'Parity with moto on the behaviour both share' {
    # What moto lacks, and is therefore not compared: NotFound for a grant already retired (moto succeeds),
    # DryRun (moto ignores it and makes the change), Limit/Marker paging of ListGrants, who-may-retire rules,
    # signature checks, 64-hex grant IDs (moto's are 8 hex characters), accounts (moto puts every access key in
    # one account, 123456789012, so cross-account rules and assumed-role sessions cannot be compared; its
    # ListRetirableGrants lists another account's principal instead of refusing it), IAM principals deleted or not yet
    # propagated (moto resolves no principal), CreateGrant's Name retry rule, key-spec checks of grant operations and
    # constraint sizes, AWS managed keys' access rules, the model's wording of length errors. Both keep Regions apart.
    BeforeAll {
        $moto = Start-MotoServer
        $twoRegions = Start-KmsEmulator -Region us-east-1, eu-west-1
        # One boto3 process per backend for the CLI-style calls.
        $peers = @{}
        foreach ($u in $emulator.Url, $moto.Url, $twoRegions.Url) { $peers[$u] = Start-KmsPeer $u }
        function Invoke-Scenario([string] $Endpoint) {
            $set = New-TestGrantSet -Endpoint $Endpoint -Count 3 -RetiringPrincipal 'arn:aws:iam::111122223333:role/parity'
            $listed = Invoke-KmsPeer $Endpoint 'list-grants' @($set.KeyId)
            $byId = Invoke-AwsCli -Peer $peers[$Endpoint] -Arguments 'kms', 'retire-grant', '--key-id', $set.KeyId, '--grant-id', $set.Grants[0].GrantId
            $byToken = Invoke-AwsCli -Peer $peers[$Endpoint] -Arguments 'kms', 'retire-grant', '--grant-token', $set.Grants[1].GrantToken
            $left = Invoke-KmsPeer $Endpoint 'list-grants' @($set.KeyId)
            $retirable = Invoke-AwsCli -Peer $peers[$Endpoint] -Arguments 'kms', 'list-retirable-grants', '--retiring-principal', 'arn:aws:iam::111122223333:role/parity'
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
    AfterAll { $peers.Values | ForEach-Object { Stop-TestServer $_ }; Stop-TestServer $moto; Stop-KmsEmulator $twoRegions }

    It 'keeps Regions apart on both backends: another Region''s key ARN is NotFound, its ListKeys lacks the key' {
        foreach ($url in $twoRegions.Url, $moto.Url) {
            $key = (Invoke-AwsCli -Peer $peers[$url] -Arguments 'kms', 'create-key' -Region eu-west-1).Output.KeyMetadata
            $key.Arn | Should -Match '^arn:aws:kms:eu-west-1:'
            (Invoke-AwsCli -Peer $peers[$url] -Arguments 'kms', 'describe-key', '--key-id', $key.Arn -Region us-east-1).Error | Should -Match 'NotFoundException'
            (Invoke-AwsCli -Peer $peers[$url] -Arguments 'kms', 'list-keys' -Region us-east-1).Output.Keys.KeyId | Should -Not -Contain $key.KeyId
            (Invoke-AwsCli -Peer $peers[$url] -Arguments 'kms', 'list-keys' -Region eu-west-1).Output.Keys.KeyId | Should -Contain $key.KeyId
        }
    }

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

Describe 'Deleted and new IAM principals, as KMS shows and refuses them (boto3)' {
    BeforeAll {
        $iam = Start-KmsEmulator -Region us-east-1, eu-west-1 -Identity @(
            @{ AccessKey = 'testing'; SecretKey = 'testing'; Principal = 'arn:aws:iam::111122223333:root' }
            @{ AccessKey = 'GONEUSER'; SecretKey = 'gone-user'; Principal = 'arn:aws:iam::111122223333:user/gone-user' }
            @{ AccessKey = 'GONESESSION'; SecretKey = 'gone-session'; Principal = 'arn:aws:sts::111122223333:assumed-role/gone-role/s1' }
            @{ AccessKey = 'RET'; SecretKey = 'ret'; Principal = 'arn:aws:iam::111122223333:role/ret' })
        $role = 'arn:aws:iam::111122223333:role/app'
        $ret = 'arn:aws:iam::111122223333:role/ret'
        $user = 'arn:aws:iam::111122223333:user/u1'
        $made = Invoke-KmsCalls $iam.Url @(
            @{ label = 'key'; op = 'create_key'; params = @{} }
            @{ label = 'euKey'; op = 'create_key'; params = @{}; region = 'eu-west-1' }
            @{ label = 'g1'; op = 'create_grant'; params = @{ KeyId = '{{key.KeyMetadata.Arn}}'; GranteePrincipal = $role; RetiringPrincipal = $ret; Operations = @('Decrypt') } }
            @{ label = 'g2'; op = 'create_grant'; params = @{ KeyId = '{{key.KeyMetadata.Arn}}'; GranteePrincipal = $user; RetiringPrincipal = $user; Operations = @('Decrypt') } }
            @{ label = 'g3'; op = 'create_grant'; params = @{ KeyId = '{{euKey.KeyMetadata.Arn}}'; GranteePrincipal = $role; Operations = @('Decrypt') }; region = 'eu-west-1' })
    }
    AfterAll { $iam | Stop-KmsEmulator }

    It 'made the set-up through boto3' {
        foreach ($label in 'key', 'euKey', 'g1', 'g2', 'g3') { $made[$label].ok | Should -BeTrue -Because "$label`: $($made[$label].message)" }
    }

    Context 'once the role and the user are deleted' {
        BeforeAll {
            $deleted = @(Remove-KmsEmulatorPrincipal -Emulator $iam $role, $ret, $user -PassThru)
            # The principals two identities sign as (a user, a role of which the other is a session).
            Remove-KmsEmulatorPrincipal -Emulator $iam 'arn:aws:iam::111122223333:user/gone-user', 'arn:aws:iam::111122223333:role/gone-role'
            $keyArn = $made['key'].response.KeyMetadata.Arn
            $euArn = $made['euKey'].response.KeyMetadata.Arn
            $seen = Invoke-KmsCalls $iam.Url @(
                @{ label = 'list1'; op = 'list_grants'; params = @{ KeyId = $keyArn } }
                @{ label = 'list2'; op = 'list_grants'; params = @{ KeyId = $keyArn } }
                @{ label = 'eu'; op = 'list_grants'; params = @{ KeyId = $euArn }; region = 'eu-west-1' }
                @{ label = 'byArn'; op = 'list_retirable_grants'; params = @{ RetiringPrincipal = $ret } }
                @{ label = 'byId'; op = 'list_retirable_grants'; params = @{ RetiringPrincipal = $deleted[1].UniqueId } }
                @{ label = 'granteeArn'; op = 'list_grants'; params = @{ KeyId = $keyArn; GranteePrincipal = $role } }
                @{ label = 'granteeId'; op = 'list_grants'; params = @{ KeyId = $keyArn; GranteePrincipal = $deleted[0].UniqueId } }
                @{ label = 'grantDeleted'; op = 'create_grant'; params = @{ KeyId = $keyArn; GranteePrincipal = $role; Operations = @('Decrypt') } }
                @{ label = 'retiringDeleted'; op = 'create_grant'; params = @{ KeyId = $keyArn; GranteePrincipal = 'arn:aws:iam::111122223333:role/alive'; RetiringPrincipal = $user; Operations = @('Decrypt') } }
                @{ label = 'sessionDeleted'; op = 'create_grant'; params = @{ KeyId = $keyArn; GranteePrincipal = 'arn:aws:sts::111122223333:assumed-role/app/s9'; Operations = @('Decrypt') } }
                @{ label = 'group'; op = 'create_grant'; params = @{ KeyId = $keyArn; GranteePrincipal = 'arn:aws:iam::111122223333:group/devs'; Operations = @('Decrypt') } }
                @{ label = 'retireAsDeletedRole'; op = 'retire_grant'; params = @{ GrantToken = $made['g1'].response.GrantToken }; access_key = 'RET'; secret_key = 'ret' }
                @{ label = 'asGoneUser'; op = 'list_keys'; params = @{}; access_key = 'GONEUSER'; secret_key = 'gone-user' }
                @{ label = 'asGoneSession'; op = 'list_keys'; params = @{}; access_key = 'GONESESSION'; secret_key = 'gone-session' })
        }

        It 'lists the unique IDs (AROA + 17 for a role, AIDA + 17 for a user) where the grants named them, the same every time, in every Region' {
            $deleted.UniqueId[0] | Should -MatchExactly '^AROA[A-Z0-9]{17}$'
            $deleted.UniqueId[2] | Should -MatchExactly '^AIDA[A-Z0-9]{17}$'
            $g1 = $seen['list1'].response.Grants | Where-Object GrantId -EQ $made['g1'].response.GrantId
            $g2 = $seen['list1'].response.Grants | Where-Object GrantId -EQ $made['g2'].response.GrantId
            $g1.GranteePrincipal | Should -Be $deleted[0].UniqueId
            $g1.RetiringPrincipal | Should -Be $deleted[1].UniqueId
            $g2.GranteePrincipal | Should -Be $deleted[2].UniqueId
            $g2.RetiringPrincipal | Should -Be $deleted[2].UniqueId
            ($seen['list2'].response.Grants | Where-Object GrantId -EQ $g1.GrantId).GranteePrincipal | Should -Be $g1.GranteePrincipal
            $seen['eu'].response.Grants[0].GranteePrincipal | Should -Be $deleted[0].UniqueId
        }

        It 'no longer finds the grants by the deleted ARN (ListRetirableGrants, ListGrants'' GranteePrincipal); the unique ID finds them' {
            @($seen['byArn'].response.Grants).Count | Should -Be 0
            $seen['byId'].response.Grants.GrantId | Should -Be $made['g1'].response.GrantId
            @($seen['granteeArn'].response.Grants).Count | Should -Be 0
            $seen['granteeId'].response.Grants.GrantId | Should -Be $made['g1'].response.GrantId
        }

        It 'refuses a deleted grantee or retiring principal, a session of a deleted role and a group with InvalidArnException, in KMS''s words' {
            $seen['grantDeleted'].code | Should -Be 'InvalidArnException'
            $seen['grantDeleted'].message | Should -Be "ARN does not refer to a valid principal: $role"
            $seen['retiringDeleted'].code | Should -Be 'InvalidArnException'
            $seen['retiringDeleted'].message | Should -Be "ARN does not refer to a valid principal: $user"
            $seen['sessionDeleted'].code | Should -Be 'InvalidArnException'
            $seen['group'].code | Should -Be 'InvalidArnException'
        }

        It 'refuses identities that sign as a deleted user (UnrecognizedClientException) or as a deleted role''s session (AccessDeniedException)' {
            $seen['asGoneUser'].code | Should -Be 'UnrecognizedClientException'
            $seen['asGoneSession'].code | Should -Be 'AccessDeniedException'
            $seen['asGoneSession'].message | Should -BeLike '*gone-role*no longer exists*'
            $seen['retireAsDeletedRole'].code | Should -Be 'AccessDeniedException'
            @(Get-KmsEmulatorGrant -Emulator $iam -GrantId $made['g1'].response.GrantId).Count | Should -Be 1
        }

        It 'takes the ARN again once the principal is made again: new grants show the ARN, old ones keep the old unique ID' {
            $again = New-KmsEmulatorPrincipal -Emulator $iam $role
            $again.UniqueId | Should -Not -Be $deleted[0].UniqueId
            $keyArn = $made['key'].response.KeyMetadata.Arn
            $r = Invoke-KmsCalls $iam.Url @(
                @{ label = 'new'; op = 'create_grant'; params = @{ KeyId = $keyArn; GranteePrincipal = $role; Operations = @('Decrypt') } }
                @{ label = 'list'; op = 'list_grants'; params = @{ KeyId = $keyArn } })
            $r['new'].ok | Should -BeTrue
            ($r['list'].response.Grants | Where-Object GrantId -EQ $r['new'].response.GrantId).GranteePrincipal | Should -Be $role
            ($r['list'].response.Grants | Where-Object GrantId -EQ $made['g1'].response.GrantId).GranteePrincipal | Should -Be $deleted[0].UniqueId
        }
    }

    It 'refuses a principal IAM has not propagated yet, and takes it once the time has passed' {
        $slow = 'arn:aws:iam::111122223333:role/slow'
        $quick = 'arn:aws:iam::111122223333:user/quick'
        $null = New-KmsEmulatorPrincipal -Emulator $iam $slow -PropagationSeconds 3600
        $null = New-KmsEmulatorPrincipal -Emulator $iam $quick -PropagationSeconds 1
        $keyArn = $made['key'].response.KeyMetadata.Arn
        $early = Invoke-KmsCalls $iam.Url @(@{ label = 'slow'; op = 'create_grant'; params = @{ KeyId = $keyArn; GranteePrincipal = $slow; Operations = @('Decrypt') } })
        $early['slow'].code | Should -Be 'InvalidArnException'
        $early['slow'].message | Should -Be "ARN does not refer to a valid principal: $slow"
        Start-Sleep -Milliseconds 1500   # a lower bound: the principal is visible after 1 s, whatever the load
        $late = Invoke-KmsCalls $iam.Url @(@{ label = 'quick'; op = 'create_grant'; params = @{ KeyId = $keyArn; GranteePrincipal = $quick; Operations = @('Decrypt') } })
        $late['quick'].ok | Should -BeTrue
    }
}

Describe 'CreateGrant as KMS does it (boto3)' {
    BeforeAll {
        $cg = Start-KmsEmulator
        $app = 'arn:aws:iam::111122223333:role/app'
        $r = Invoke-KmsCalls $cg.Url @(
            @{ label = 'key'; op = 'create_key'; params = @{} }
            @{ label = 'first'; op = 'create_grant'; params = @{ KeyId = '{{key.KeyMetadata.Arn}}'; GranteePrincipal = $app; Operations = @('Decrypt', 'Encrypt'); Name = 'retried'; Constraints = @{ EncryptionContextSubset = @{ a = '1'; b = '2' } } } }
            @{ label = 'retry'; op = 'create_grant'; params = @{ KeyId = '{{key.KeyMetadata.Arn}}'; GranteePrincipal = $app; Operations = @('Encrypt', 'Decrypt'); Name = 'retried'; Constraints = @{ EncryptionContextSubset = @{ b = '2'; a = '1' } } } }
            @{ label = 'dryRetry'; op = 'create_grant'; params = @{ KeyId = '{{key.KeyMetadata.Arn}}'; GranteePrincipal = $app; Operations = @('Encrypt', 'Decrypt'); Name = 'retried'; Constraints = @{ EncryptionContextSubset = @{ a = '1'; b = '2' } }; DryRun = $true } }
            @{ label = 'otherOps'; op = 'create_grant'; params = @{ KeyId = '{{key.KeyMetadata.Arn}}'; GranteePrincipal = $app; Operations = @('Decrypt'); Name = 'retried'; Constraints = @{ EncryptionContextSubset = @{ a = '1'; b = '2' } } } }
            @{ label = 'unnamed1'; op = 'create_grant'; params = @{ KeyId = '{{key.KeyMetadata.Arn}}'; GranteePrincipal = $app; Operations = @('Decrypt') } }
            @{ label = 'unnamed2'; op = 'create_grant'; params = @{ KeyId = '{{key.KeyMetadata.Arn}}'; GranteePrincipal = $app; Operations = @('Decrypt') } }
            @{ label = 'withTokens'; op = 'create_grant'; params = @{ KeyId = '{{key.KeyMetadata.Arn}}'; GranteePrincipal = $app; Operations = @('Decrypt'); GrantTokens = @('{{first.GrantToken}}') } }
            @{ label = 'badToken'; op = 'create_grant'; params = @{ KeyId = '{{key.KeyMetadata.Arn}}'; GranteePrincipal = $app; Operations = @('Decrypt'); GrantTokens = @('not-a-token') } }
            @{ label = 'elevenTokens'; op = 'create_grant'; params = @{ KeyId = '{{key.KeyMetadata.Arn}}'; GranteePrincipal = $app; Operations = @('Decrypt'); GrantTokens = @(1..11 | ForEach-Object { '{{first.GrantToken}}' }) } }
            @{ label = 'bothConstraints'; op = 'create_grant'; params = @{ KeyId = '{{key.KeyMetadata.Arn}}'; GranteePrincipal = $app; Operations = @('Decrypt'); Constraints = @{ EncryptionContextSubset = @{ a = '1' }; EncryptionContextEquals = @{ a = '1' } } } }
            @{ label = 'ninePairs'; op = 'create_grant'; params = @{ KeyId = '{{key.KeyMetadata.Arn}}'; GranteePrincipal = $app; Operations = @('Decrypt'); Constraints = @{ EncryptionContextEquals = [ordered]@{ k1 = '1'; k2 = '1'; k3 = '1'; k4 = '1'; k5 = '1'; k6 = '1'; k7 = '1'; k8 = '1'; k9 = '1' } } } }
            @{ label = 'eightPairs'; op = 'create_grant'; params = @{ KeyId = '{{key.KeyMetadata.Arn}}'; GranteePrincipal = $app; Operations = @('Decrypt'); Constraints = @{ EncryptionContextEquals = [ordered]@{ k1 = '1'; k2 = '1'; k3 = '1'; k4 = '1'; k5 = '1'; k6 = '1'; k7 = '1'; k8 = ('v' * 384) } } } }
            @{ label = 'longValue'; op = 'create_grant'; params = @{ KeyId = '{{key.KeyMetadata.Arn}}'; GranteePrincipal = $app; Operations = @('Decrypt'); Constraints = @{ EncryptionContextSubset = @{ k = ('v' * 385) } } } }
            @{ label = 'signOnSymmetric'; op = 'create_grant'; params = @{ KeyId = '{{key.KeyMetadata.Arn}}'; GranteePrincipal = $app; Operations = @('Decrypt', 'Sign') } }
            @{ label = 'macOnSymmetric'; op = 'create_grant'; params = @{ KeyId = '{{key.KeyMetadata.Arn}}'; GranteePrincipal = $app; Operations = @('GenerateMac') } }
            @{ label = 'service'; op = 'create_grant'; params = @{ KeyId = '{{key.KeyMetadata.Arn}}'; GranteePrincipal = 'logs.us-east-1.amazonaws.com'; RetiringPrincipal = 'logs.us-east-1.amazonaws.com'; Operations = @('Decrypt') } }
            @{ label = 'ecc'; op = 'create_key'; params = @{ KeySpec = 'ECC_NIST_P256'; KeyUsage = 'SIGN_VERIFY' } }
            @{ label = 'eccSign'; op = 'create_grant'; params = @{ KeyId = '{{ecc.KeyMetadata.Arn}}'; GranteePrincipal = $app; Operations = @('Sign', 'Verify', 'GetPublicKey', 'DescribeKey') } }
            @{ label = 'eccDecrypt'; op = 'create_grant'; params = @{ KeyId = '{{ecc.KeyMetadata.Arn}}'; GranteePrincipal = $app; Operations = @('Decrypt') } }
            @{ label = 'eccContext'; op = 'create_grant'; params = @{ KeyId = '{{ecc.KeyMetadata.Arn}}'; GranteePrincipal = $app; Operations = @('Sign'); Constraints = @{ EncryptionContextSubset = @{ a = '1' } } } }
            @{ label = 'hmac'; op = 'create_key'; params = @{ KeySpec = 'HMAC_256'; KeyUsage = 'GENERATE_VERIFY_MAC' } }
            @{ label = 'hmacMac'; op = 'create_grant'; params = @{ KeyId = '{{hmac.KeyMetadata.Arn}}'; GranteePrincipal = $app; Operations = @('GenerateMac', 'VerifyMac') } }
            @{ label = 'hmacDecrypt'; op = 'create_grant'; params = @{ KeyId = '{{hmac.KeyMetadata.Arn}}'; GranteePrincipal = $app; Operations = @('Decrypt') } }
            @{ label = 'rsaNoUsage'; op = 'create_key'; params = @{ KeySpec = 'RSA_2048' } }
            @{ label = 'hmacWrongUsage'; op = 'create_key'; params = @{ KeySpec = 'HMAC_256'; KeyUsage = 'SIGN_VERIFY' } })
        $keyArn = $r['key'].response.KeyMetadata.Arn
    }
    AfterAll { $cg | Stop-KmsEmulator }

    It 'returns the grant a retried request with its Name and identical parameters made (operations and context in any order), with a new token' {
        $r['retry'].response.GrantId | Should -Be $r['first'].response.GrantId
        $r['retry'].response.GrantToken | Should -Not -Be $r['first'].response.GrantToken
        @(Get-KmsEmulatorGrant -Emulator $cg -Name retried).Count | Should -Be 2   # the first (and its retry) and otherOps
        (Get-KmsEmulatorGrant -Emulator $cg -GrantId $r['first'].response.GrantId).GrantTokens.Count | Should -Be 2
    }

    It 'makes a new grant of the same name when a parameter differs, and always without a Name' {
        $r['otherOps'].response.GrantId | Should -Not -Be $r['first'].response.GrantId
        $r['unnamed1'].response.GrantId | Should -Not -Be $r['unnamed2'].response.GrantId
    }

    It 'answers a DryRun of a retry with DryRunOperationException and adds no token' {
        $r['dryRetry'].code | Should -Be 'DryRunOperationException'
        (Get-KmsEmulatorGrant -Emulator $cg -GrantId $r['first'].response.GrantId).GrantTokens.Count | Should -Be 2
    }

    It 'lets every token of the grant retire it; then every token is NotFound' {
        $t = Invoke-KmsCalls $cg.Url @(
            @{ label = 'bySecond'; op = 'retire_grant'; params = @{ GrantToken = $r['retry'].response.GrantToken } }
            @{ label = 'byFirst'; op = 'retire_grant'; params = @{ GrantToken = $r['first'].response.GrantToken } }
            @{ label = 'list'; op = 'list_grants'; params = @{ KeyId = $keyArn } })
        $t['bySecond'].ok | Should -BeTrue
        $t['byFirst'].code | Should -Be 'NotFoundException'
        $t['list'].response.Grants.GrantId | Should -Not -Contain $r['first'].response.GrantId
    }

    It 'takes GrantTokens (up to 10 well-formed tokens)' {
        $r['withTokens'].ok | Should -BeTrue
        $r['badToken'].code | Should -Be 'InvalidGrantTokenException'
        $r['elevenTokens'].code | Should -Be 'ValidationException'
        $r['elevenTokens'].message | Should -BeLike "1 validation error detected: Value '*' at 'grantTokens' failed to satisfy constraint: Member must have length less than or equal to 10"
    }

    It 'checks the constraints: one of the two, up to 8 pairs, values up to 384 characters' {
        $r['bothConstraints'].code | Should -Be 'ValidationException'
        $r['bothConstraints'].message | Should -Be 'More than one constraint supplied'
        $r['ninePairs'].code | Should -Be 'ValidationException'
        $r['longValue'].code | Should -Be 'ValidationException'
        $r['eightPairs'].ok | Should -BeTrue
    }

    It 'allows only the operations the key spec supports, and an encryption context only on symmetric encryption keys' {
        $r['signOnSymmetric'].code | Should -Be 'ValidationException'
        $r['macOnSymmetric'].code | Should -Be 'ValidationException'
        $r['eccSign'].ok | Should -BeTrue
        $r['eccDecrypt'].code | Should -Be 'ValidationException'
        $r['eccContext'].code | Should -Be 'ValidationException'
        $r['hmacMac'].ok | Should -BeTrue
        $r['hmacDecrypt'].code | Should -Be 'ValidationException'
    }

    It 'makes keys of the key spec and usage asked for, and refuses a usage the spec does not take or none where one is needed' {
        $r['ecc'].response.KeyMetadata.KeySpec | Should -Be 'ECC_NIST_P256'
        $r['ecc'].response.KeyMetadata.KeyUsage | Should -Be 'SIGN_VERIFY'
        $r['ecc'].response.KeyMetadata.SigningAlgorithms | Should -Be 'ECDSA_SHA_256'
        $r['hmac'].response.KeyMetadata.MacAlgorithms | Should -Be 'HMAC_SHA_256'
        $r['rsaNoUsage'].code | Should -Be 'ValidationException'
        $r['hmacWrongUsage'].code | Should -Be 'ValidationException'
    }

    It 'takes an AWS service principal as grantee and retiring principal, and lists it as given' {
        $r['service'].ok | Should -BeTrue
        $listed = Invoke-KmsCalls $cg.Url @(@{ label = 'l'; op = 'list_grants'; params = @{ KeyId = $keyArn; GrantId = $r['service'].response.GrantId } })
        $listed['l'].response.Grants[0].GranteePrincipal | Should -Be 'logs.us-east-1.amazonaws.com'
        $listed['l'].response.Grants[0].RetiringPrincipal | Should -Be 'logs.us-east-1.amazonaws.com'
    }
}

Describe 'The 50,000 grants of a customer managed key; AWS managed keys (boto3)' {
    BeforeAll {
        $full = Start-KmsEmulator -SeedGrants 50000
        $ebs = New-KmsEmulatorKey -Emulator $full -AwsManaged -Alias alias/aws/ebs
        $ec2 = 'ec2.us-east-1.amazonaws.com'
        $serviceGrant = $ebs | New-KmsEmulatorGrant -GranteePrincipal $ec2 -RetiringPrincipal $ec2 -Operations Decrypt, GenerateDataKeyWithoutPlaintext, CreateGrant
        $r = Invoke-KmsCalls $full.Url @(
            @{ label = 'over'; op = 'create_grant'; params = @{ KeyId = $full.KeyArn; GranteePrincipal = 'arn:aws:iam::111122223333:role/one-more'; Operations = @('Decrypt') } }
            @{ label = 'retryAtLimit'; op = 'create_grant'; params = @{ KeyId = $full.KeyArn; GranteePrincipal = 'arn:aws:iam::111122223333:role/seeded-grantee'; RetiringPrincipal = 'arn:aws:iam::111122223333:root'; Operations = @('Encrypt', 'Decrypt'); Name = 'seeded-0' } }
            @{ label = 'keys'; op = 'list_keys'; params = @{} }
            @{ label = 'aliases'; op = 'list_aliases'; params = @{} }
            @{ label = 'describe'; op = 'describe_key'; params = @{ KeyId = 'alias/aws/ebs' } }
            @{ label = 'grants'; op = 'list_grants'; params = @{ KeyId = $ebs.Arn } }
            @{ label = 'createGrant'; op = 'create_grant'; params = @{ KeyId = $ebs.Arn; GranteePrincipal = 'arn:aws:iam::111122223333:role/app'; Operations = @('Decrypt') } }
            @{ label = 'disable'; op = 'disable_key'; params = @{ KeyId = $ebs.Arn } }
            @{ label = 'delete'; op = 'schedule_key_deletion'; params = @{ KeyId = $ebs.Arn; PendingWindowInDays = 7 } }
            @{ label = 'alias'; op = 'create_alias'; params = @{ AliasName = 'alias/mine'; TargetKeyId = $ebs.Arn } }
            @{ label = 'revoke'; op = 'revoke_grant'; params = @{ KeyId = $ebs.Arn; GrantId = $serviceGrant.GrantId } })
    }
    AfterAll { $full | Stop-KmsEmulator }

    It 'refuses a 50,001st grant on a customer managed key with LimitExceededException, but answers a retry of an existing one' {
        $r['over'].code | Should -Be 'LimitExceededException'
        $r['retryAtLimit'].ok | Should -BeTrue
        $r['retryAtLimit'].response.GrantId | Should -Be (Get-KmsEmulatorGrant -Emulator $full -Name seeded-0).GrantId
    }

    It 'lists an AWS managed key with the account''s keys and its alias/aws/ alias, KeyManager AWS' {
        $r['keys'].response.Keys.KeyId | Should -Contain $ebs.KeyId
        $alias = $r['aliases'].response.Aliases | Where-Object AliasName -EQ 'alias/aws/ebs'
        $alias.TargetKeyId | Should -Be $ebs.KeyId
        $alias.AliasArn | Should -Be 'arn:aws:kms:us-east-1:111122223333:alias/aws/ebs'
        $alias.CreationDate | Should -Not -BeNullOrEmpty
        $r['describe'].response.KeyMetadata.KeyManager | Should -Be 'AWS'
        $r['grants'].response.Grants[0].GranteePrincipal | Should -Be $ec2
    }

    It 'lets the account list and revoke its grants, and nothing else: CreateGrant, DisableKey, deletion and CreateAlias are AccessDeniedException' {
        foreach ($label in 'createGrant', 'disable', 'delete', 'alias') { $r[$label].code | Should -Be 'AccessDeniedException' -Because $label }
        $r['revoke'].ok | Should -BeTrue
    }

    It 'has no limit of grants: the AWS service may make more than 50,000' {
        $null = $ebs | New-KmsEmulatorGrant -GranteePrincipal $ec2 -Count 50000
        $one = $ebs | New-KmsEmulatorGrant -GranteePrincipal $ec2
        $one.GrantId | Should -Match '^[0-9a-f]{64}$'
        (Get-KmsEmulatorStatistic $full).grantsAlive | Should -Be 100001
    }
}

Describe 'Back-dated grants (boto3 reads their CreationDate)' {
    It 'lists the CreationDate given by New-KmsEmulatorGrant -CreationDate and by POST /_emulator/grants' {
        $old = Start-KmsEmulator
        try {
            $key = New-KmsEmulatorKey -Emulator $old
            $when = [DateTimeOffset]::UtcNow.AddDays(-400)
            $byCmdlet = $key | New-KmsEmulatorGrant -CreationDate $when.UtcDateTime
            $byHttp = (Invoke-RestMethod -Method Post "$($old.Url)/_emulator/grants" -Body (@{ keyId = $key.Arn; granteePrincipal = 'arn:aws:iam::111122223333:role/x'; creationDate = '2020-02-03T04:05:06Z' } | ConvertTo-Json)).grants[0]
            $listed = (Invoke-KmsCalls $old.Url @(@{ label = 'l'; op = 'list_grants'; params = @{ KeyId = $key.Arn } }))['l'].response.Grants
            $a = [DateTimeOffset]::Parse(($listed | Where-Object GrantId -EQ $byCmdlet.GrantId).CreationDate)
            [math]::Abs(($a - $when).TotalSeconds) | Should -BeLessThan 2
            [DateTimeOffset]::Parse(($listed | Where-Object GrantId -EQ $byHttp.grantId).CreationDate).ToUnixTimeSeconds() | Should -Be ([DateTimeOffset]'2020-02-03T04:05:06Z').ToUnixTimeSeconds()
        }
        finally { $old | Stop-KmsEmulator }
    }
}

Describe 'The model''s constraints, refused in KMS''s words (boto3; one raw request)' {
    BeforeAll {
        $m = Start-KmsEmulator
        $r = Invoke-KmsCalls $m.Url @(
            @{ label = 'desc8192'; op = 'create_key'; params = @{ Description = 'd' * 8192 } }
            @{ label = 'desc8193'; op = 'create_key'; params = @{ Description = 'd' * 8193 } }
            @{ label = 'marker1025'; op = 'list_keys'; params = @{ Marker = 'm' * 1025 } }
            @{ label = 'name257'; op = 'create_grant'; params = @{ KeyId = '{{desc8192.KeyMetadata.Arn}}'; GranteePrincipal = 'arn:aws:iam::111122223333:role/a'; Operations = @('Decrypt'); Name = 'n' * 257 } }
            @{ label = 'principalBoth'; op = 'list_retirable_grants'; params = @{ RetiringPrincipal = ('bad principal ' * 20) } }
            @{ label = 'limit1000'; op = 'list_keys'; params = @{ Limit = 1000 } }
            @{ label = 'limit1001'; op = 'list_keys'; params = @{ Limit = 1001 } })
    }
    AfterAll { $m | Stop-KmsEmulator }

    It 'takes an 8,192-character Description and refuses 8,193' {
        $r['desc8192'].ok | Should -BeTrue
        $r['desc8193'].code | Should -Be 'ValidationException'
        $r['desc8193'].message | Should -Be "1 validation error detected: Value '$('d' * 8193)' at 'description' failed to satisfy constraint: Member must have length less than or equal to 8192"
    }

    It 'refuses a 1,025-character Marker with ValidationException, not InvalidMarkerException' {
        $r['marker1025'].code | Should -Be 'ValidationException'
        $r['marker1025'].message | Should -BeLike "1 validation error detected: Value 'm*' at 'marker' failed to satisfy constraint: Member must have length less than or equal to 1024"
    }

    It 'words a long name, and a value breaking two constraints, as KMS does' {
        $r['name257'].message | Should -BeLike "1 validation error detected: Value 'n*' at 'name' failed to satisfy constraint: Member must have length less than or equal to 256"
        $r['principalBoth'].message | Should -BeLike '2 validation errors detected: *at ''retiringPrincipal''*length less than or equal to 256; *at ''retiringPrincipal''*regular expression pattern*'
    }

    It 'takes ListKeys'' Limit up to 1,000 (its documented range), not 1,001' {
        $r['limit1000'].ok | Should -BeTrue
        $r['limit1001'].code | Should -Be 'ValidationException'
    }

    It 'answers a malformed signature (upper-case hex) with InvalidSignatureException, the signature mismatch' {
        $py = Join-Path $TestDrive 'upper.py'
        Set-Content $py @'
import sys, json, urllib.request, urllib.error
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
url = sys.argv[1]
req = AWSRequest(method='POST', url=url + '/', data=b'{}', headers={'Content-Type': 'application/x-amz-json-1.1', 'X-Amz-Target': 'TrentService.ListKeys'})
SigV4Auth(Credentials('testing', 'testing'), 'kms', 'us-east-1').add_auth(req)
headers = dict(req.headers.items())
auth = headers['Authorization']
head, sig = auth.rsplit('Signature=', 1)
headers['Authorization'] = head + 'Signature=' + sig.upper()
try:
    r = urllib.request.urlopen(urllib.request.Request(url + '/', data=b'{}', headers=headers, method='POST'))
    print(json.dumps({'status': r.status}))
except urllib.error.HTTPError as e:
    print(json.dumps({'status': e.code, 'answer': json.loads(e.read().decode())}))
'@
        $answer = & (Find-PythonTool 'python3') $py $m.Url | ConvertFrom-Json
        $answer.status | Should -Be 400
        $answer.answer.__type | Should -Be 'InvalidSignatureException'
        $answer.answer.message | Should -BeLike 'The request signature we calculated does not match*'
    }
}

Describe 'Quotas of the listing operations and of CreateGrant (boto3, one attempt a call)' {
    It 'throttles <Operation> past its quota, as RetireGrant''s, and counts it' -ForEach @(
        @{ Operation = 'ListKeys'; Call = 'list_keys'; Params = @{} }
        @{ Operation = 'ListAliases'; Call = 'list_aliases'; Params = @{} }
        @{ Operation = 'ListGrants'; Call = 'list_grants'; Params = @{ KeyId = 'KEY' } }
        @{ Operation = 'CreateGrant'; Call = 'create_grant'; Params = @{ KeyId = 'KEY'; GranteePrincipal = 'arn:aws:iam::111122223333:role/q'; Operations = @('Decrypt') } }
    ) {
        $q = Start-KmsEmulator -Quota @{ $Operation = 2 }
        try {
            $key = New-KmsEmulatorKey -Emulator $q
            $resolved = @{}   # (not $params: PowerShell's names ignore case, and that is -ForEach's $Params)
            foreach ($p in $Params.GetEnumerator()) { $resolved[$p.Key] = $p.Value; if ($p.Value -is [string] -and $p.Value -eq 'KEY') { $resolved[$p.Key] = $key.Arn } }
            $codes = (Invoke-KmsCalls $q.Url @(@{ label = 'burst'; op = $Call; params = $resolved; repeat = 12 }))['burst'].codes
            # 2 in the bucket, and what accrues at 2/s while the burst goes (by the emulator's clock: load spreads it out).
            $logged = @(Get-KmsEmulatorRequest -Emulator $q -Operation $Operation -Last 12)
            $span = ($logged[-1].Time - $logged[0].Time).TotalSeconds
            @($codes | Where-Object { $_ -eq 'OK' }).Count | Should -BeGreaterOrEqual 2
            @($codes | Where-Object { $_ -eq 'OK' }).Count | Should -BeLessOrEqual (2 + [math]::Ceiling(2 * $span) + 1) -Because "the burst took $span s"
            @($codes | Where-Object { $_ -eq 'ThrottlingException' }).Count | Should -BeGreaterThan 0
            (Get-KmsEmulatorStatistic $q).operations.$Operation.throttled | Should -Be @($codes | Where-Object { $_ -eq 'ThrottlingException' }).Count
        }
        finally { $q | Stop-KmsEmulator }
    }
}

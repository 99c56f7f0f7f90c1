# Remove-KmsGrant through the built module against the emulator: parameter sets, every pipeline source,
# -WhatIf as DryRun, -Confirm, errors that do not stop the pipeline, local validation that sends nothing (Regions and key
# ARNs too), input objects the binder must refuse, and a by-token CSV fed back in. What was sent is the emulator's own
# request count; what is alive, its own state.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1')
    Import-Module (Get-KmsGrantsModulePath)
    Set-TestAwsEnvironment
    $emulator = Start-KmsEmulator -Identity @(
        @{ AccessKey = 'testing'; SecretKey = 'testing'; Principal = 'arn:aws:iam::111122223333:root' }
        @{ AccessKey = 'RETIRER'; SecretKey = 'retirer-secret'; Principal = 'arn:aws:iam::111122223333:role/retirer' }
        @{ AccessKey = 'STRANGER'; SecretKey = 'stranger-secret'; Principal = 'arn:aws:iam::444455556666:role/stranger' })
    $PSDefaultParameterValues['*-Kms*:EndpointUrl'] = $emulator.Url
    $Retirer = 'arn:aws:iam::111122223333:role/retirer'

    function Get-AliveGrantIds([string] $KeyId) { Get-AliveGrantId $KeyId -Server $emulator }
}
AfterAll { Stop-TestServer $emulator }

Describe 'Parameter sets, enforced before any request' {
    It 'rejects <Case> with the binder''s own error' -ForEach @(
        @{ Case = 'a token mixed with key and ID'; Params = @{ GrantToken = 'x'; KeyId = 'k'; GrantId = 'g' }; Id = 'AmbiguousParameterSet' }
        @{ Case = 'a grant ID without a key'; Params = @{ GrantId = ('a' * 64) }; Id = 'MissingMandatoryParameter' }
        @{ Case = 'an empty token'; Params = @{ GrantToken = '' }; Id = 'CannotConvertArgumentNoMessage' }
    ) {
        $before = Get-RequestCount $emulator 'RetireGrant'
        { Remove-KmsGrant @Params -Force -ErrorAction Stop } |
            Should -Throw -ErrorId "$Id,KmsGrants.Commands.RemoveKmsGrantCommand"
        Get-RequestCount $emulator 'RetireGrant' | Should -Be $before
    }
}

Describe 'Bad input gets a specific error and sends no request' {
    It '<Case> -> <Id>' -ForEach @(
        @{ Case = 'a 129-character grant ID'; Params = @{ KeyId = '1234abcd-12ab-34cd-56ef-1234567890ab'; GrantId = ('a' * 129) }; Id = 'KmsGrants.InvalidGrantId' }
        @{ Case = 'a grant ID with a space'; Params = @{ KeyId = '1234abcd-12ab-34cd-56ef-1234567890ab'; GrantId = 'ab cd' }; Id = 'KmsGrants.InvalidGrantId' }
        @{ Case = 'a malformed key ARN'; Params = @{ KeyId = 'arn:aws:kms:us-east-1:12:key'; GrantId = ('a' * 64) }; Id = 'KmsGrants.InvalidArn' }
        @{ Case = 'an alias with no name'; Params = @{ KeyId = 'alias/'; GrantId = ('a' * 64) }; Id = 'KmsGrants.InvalidKeyId' }
        @{ Case = 'a key ARN in a Region that does not exist'; Params = @{ KeyId = 'arn:aws:kms:xx-nowhere-9:111122223333:key/k'; GrantId = ('a' * 64) }; Id = 'KmsGrants.InvalidArn' }
        @{ Case = 'a 2049-character key ID'; Params = @{ KeyId = ('k' * 2049); GrantId = ('a' * 64) }; Id = 'KmsGrants.InvalidKeyId' }
        @{ Case = 'an 8193-character token'; Params = @{ GrantToken = ('t' * 8193) }; Id = 'KmsGrants.InvalidGrantToken' }
        # A grant ID without -KeyId was sent as a token and came back InvalidGrantTokenException.
        @{ Case = 'a grant ID where a token goes (no -KeyId)'; Params = @{ GrantToken = ('0c23' * 16) }; Id = 'KmsGrants.KeyIdRequired' }
    ) {
        $before = Get-RequestCount $emulator 'RetireGrant'
        Remove-KmsGrant @Params -Force -ErrorAction SilentlyContinue -ErrorVariable errors
        $errors.Count | Should -Be 1
        $errors[0].FullyQualifiedErrorId | Should -Be "$Id,KmsGrants.Commands.RemoveKmsGrantCommand"
        $errors[0].CategoryInfo.Category | Should -Be 'InvalidArgument'
        $errors[0].TargetObject | Should -Not -BeNullOrEmpty
        Get-RequestCount $emulator 'RetireGrant' | Should -Be $before
    }

    It 'a grant ID piped without -KeyId is refused with advice to give the key, and the others go on' {
        $set = New-TestGrantSet -Endpoint $emulator.Url -Count 1
        $before = Get-RequestCount $emulator 'RetireGrant'
        $results = @($set.Grants[0].GrantId, $set.Grants[0].GrantToken | Remove-KmsGrant -Force -PassThru -ErrorAction SilentlyContinue -ErrorVariable errors)
        $errors.Count | Should -Be 1
        $errors[0].FullyQualifiedErrorId | Should -Be 'KmsGrants.KeyIdRequired,KmsGrants.Commands.RemoveKmsGrantCommand'
        $errors[0].Exception.Message | Should -BeLike '*is a grant ID*-KeyId*'
        $errors[0].TargetObject.GrantToken | Should -Be $set.Grants[0].GrantId
        $results.Status | Should -Be 'Retired'
        (Get-RequestCount $emulator 'RetireGrant') - $before | Should -Be 1
    }

    It 'an unknown alias is KmsGrants.NotFound about the alias, not about a retired grant' {
        Remove-KmsGrant -KeyId alias/no-such-alias -GrantId ('a' * 64) -Force -ErrorAction SilentlyContinue -ErrorVariable errors
        $errors.Count | Should -Be 1
        $errors[0].FullyQualifiedErrorId | Should -Be 'KmsGrants.NotFound,KmsGrants.Commands.RemoveKmsGrantCommand'
        $errors[0].Exception.Message | Should -BeLike '*no alias alias/no-such-alias in us-east-1*'
        $errors[0].Exception.Message | Should -Not -BeLike '*retired or revoked*'
        { Get-KmsGrant -KeyId alias/no-such-alias -ErrorAction Stop } | Should -Throw '*no alias alias/no-such-alias in us-east-1*'
    }

    It 'throws the same error under -ErrorAction Stop' {
        { Remove-KmsGrant -KeyId ('k' * 10) -GrantId ('a' * 129) -Force -ErrorAction Stop } |
            Should -Throw -ErrorId 'KmsGrants.InvalidGrantId,KmsGrants.Commands.RemoveKmsGrantCommand'
    }

    It 'reports a bad item and goes on with the rest of the pipeline' {
        $set = New-TestGrantSet -Endpoint $emulator.Url -Count 2
        $rows = @(
            [pscustomobject]@{ KeyId = $set.KeyId; GrantId = $set.Grants[0].GrantId }
            [pscustomobject]@{ KeyId = $set.KeyId; GrantId = ('z' * 200) }
            [pscustomobject]@{ KeyId = $set.KeyId; GrantId = $set.Grants[1].GrantId }
        )
        $results = $rows | Remove-KmsGrant -Force -PassThru -ErrorAction SilentlyContinue -ErrorVariable errors
        $errors.FullyQualifiedErrorId | Should -Be 'KmsGrants.InvalidGrantId,KmsGrants.Commands.RemoveKmsGrantCommand'
        $errors[0].TargetObject.GrantId | Should -Be ('z' * 200)
        @($results | Where-Object Status -EQ 'Retired').Count | Should -Be 2
        Get-AliveGrantIds $set.KeyId | Should -BeNullOrEmpty
    }
}

Describe 'A key ARN or key ID that can never be right is refused locally, and the rest go on' {
    BeforeAll {
        $set = New-TestGrantSet -Endpoint $emulator.Url -Count 6
        function Get-TotalRequests { $total = 0; foreach ($op in (Get-EmulatorStats $emulator).operations.PSObject.Properties) { $total += $op.Value.requests }; $total }
    }

    It '<Case> -> <Id>' -ForEach @(
        @{ Index = 0; Case = 'a partition that does not exist (awsfoo)'; KeyId = "arn:awsfoo:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"; Id = 'KmsGrants.InvalidArn' }
        @{ Index = 1; Case = 'partition aws-cn with a Region of aws (us-east-1)'; KeyId = "arn:aws-cn:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"; Id = 'KmsGrants.InvalidArn' }
        @{ Index = 2; Case = 'partition aws with a Region of aws-us-gov'; KeyId = "arn:aws:kms:us-gov-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"; Id = 'KmsGrants.InvalidArn' }
        @{ Index = 3; Case = 'a key ID ending in a zero-width space'; KeyId = "1234abcd-12ab-34cd-56ef-1234567890ab$([char]0x200B)"; Id = 'KmsGrants.InvalidKeyId' }
        @{ Index = 4; Case = 'a key ID starting with a byte order mark'; KeyId = "$([char]0xFEFF)1234abcd-12ab-34cd-56ef-1234567890ab"; Id = 'KmsGrants.InvalidKeyId' }
        @{ Index = 5; Case = 'an alias name with a zero-width joiner'; KeyId = "alias/app$([char]0x200D)"; Id = 'KmsGrants.InvalidKeyId' }
    ) {
        $good = [pscustomobject]@{ KeyId = $set.KeyId; GrantId = $set.Grants[$Index].GrantId }
        $before = Get-TotalRequests
        $results = @([pscustomobject]@{ KeyId = $KeyId; GrantId = ('a' * 64) }, $good |
            Remove-KmsGrant -Force -PassThru -ErrorAction SilentlyContinue -ErrorVariable errors)
        $errors.Count | Should -Be 1
        $errors[0].FullyQualifiedErrorId | Should -Be "$Id,KmsGrants.Commands.RemoveKmsGrantCommand"
        $errors[0].CategoryInfo.Category | Should -Be 'InvalidArgument'
        $errors[0].TargetObject.KeyId | Should -Be $KeyId
        # Only the good grant's RetireGrant went out: nothing for the bad one (no RetireGrant, no alias lookup).
        Get-TotalRequests | Should -Be ($before + 1)
        $results.Count | Should -Be 1
        $results[0].Status | Should -Be 'Retired'
        $results[0].GrantId | Should -Be $good.GrantId
    }
}

Describe 'Pipeline sources' {
    It 'retires what Get-KmsRetirableGrant streams' {
        $set = New-TestGrantSet -Endpoint $emulator.Url -Count 3 -RetiringPrincipal 'arn:aws:iam::111122223333:role/pipe1'
        Get-KmsRetirableGrant 'arn:aws:iam::111122223333:role/pipe1' | Remove-KmsGrant -Force
        Get-AliveGrantIds $set.KeyId | Should -BeNullOrEmpty
    }

    It 'retires what Get-KmsGrant | Where-Object selects, and nothing else' {
        $set = New-TestGrantSet -Endpoint $emulator.Url -Count 4
        $keep = $set.Grants[0].GrantId
        Get-KmsGrant -KeyId $set.KeyId | Where-Object GrantId -NE $keep | Remove-KmsGrant -Force
        Get-AliveGrantIds $set.KeyId | Should -Be $keep
    }

    It 'retires Import-Csv rows with KeyId and GrantId columns' {
        $set = New-TestGrantSet -Endpoint $emulator.Url -Count 3
        $csv = Join-Path $TestDrive 'ids.csv'
        $set.Grants | Select-Object KeyId, GrantId | Export-Csv $csv
        Import-Csv $csv | Remove-KmsGrant -Force
        Get-AliveGrantIds $set.KeyId | Should -BeNullOrEmpty
    }

    It 'retires Import-Csv rows with a GrantToken column' {
        $set = New-TestGrantSet -Endpoint $emulator.Url -Count 3
        $csv = Join-Path $TestDrive 'tokens.csv'
        $set.Grants | Select-Object GrantToken | Export-Csv $csv
        $results = Import-Csv $csv | Remove-KmsGrant -Force -PassThru
        $results.Status | Sort-Object -Unique | Should -Be 'Retired'
        $results.GrantToken | Sort-Object | Should -Be ($set.Grants.GrantToken | Sort-Object)
        Get-AliveGrantIds $set.KeyId | Should -BeNullOrEmpty
    }

    It 'retires objects shaped like the AWS Tools'' GrantListEntry (KeyId, GrantId and more)' {
        $set = New-TestGrantSet -Endpoint $emulator.Url -Count 2
        $entries = $set.Grants | ForEach-Object {
            [pscustomobject]@{ Constraints = $null; CreationDate = Get-Date; GranteePrincipal = 'arn:aws:iam::111122223333:role/app'
                GrantId = $_.GrantId; IssuingAccount = 'arn:aws:iam::111122223333:root'; KeyId = $_.KeyId; Name = 'n'
                Operations = @('Decrypt'); RetiringPrincipal = $Retirer }
        }
        $entries | Remove-KmsGrant -Force
        Get-AliveGrantIds $set.KeyId | Should -BeNullOrEmpty
    }

    It 'treats a bare string as a grant token' {
        $set = New-TestGrantSet -Endpoint $emulator.Url -Count 2
        $set.Grants.GrantToken | Remove-KmsGrant -Force
        Get-AliveGrantIds $set.KeyId | Should -BeNullOrEmpty
    }

    It 'binds an object with both a token and KeyId+GrantId by its token (the token wins)' {
        $set = New-TestGrantSet -Endpoint $emulator.Url -Count 2
        # The token names the second grant, KeyId+GrantId the first: only the second may go.
        [pscustomobject]@{ KeyId = $set.KeyId; GrantId = $set.Grants[0].GrantId; GrantToken = $set.Grants[1].GrantToken } |
            Remove-KmsGrant -Force -PassThru | ForEach-Object { $_.GrantToken | Should -Be $set.Grants[1].GrantToken }
        Get-AliveGrantIds $set.KeyId | Should -Be $set.Grants[0].GrantId
    }

    It 'refuses an object that has a grant ID but no key, instead of turning it into a token' {
        $before = Get-RequestCount $emulator 'RetireGrant'
        [pscustomobject]@{ GrantId = ('a' * 64) } | Remove-KmsGrant -Force -ErrorAction SilentlyContinue -ErrorVariable errors
        $errors[0].FullyQualifiedErrorId | Should -BeLike 'InputObjectMissingMandatory*'
        Get-RequestCount $emulator 'RetireGrant' | Should -Be $before
    }

    It 'retires 250 grants listed over several pages in one pipeline' {
        $principal = 'arn:aws:iam::111122223333:role/bulk250'
        $set = New-TestGrantSet -Endpoint $emulator.Url -Count 250 -RetiringPrincipal $principal
        $pagesBefore = Get-RequestCount $emulator 'ListRetirableGrants'
        $results = Get-KmsRetirableGrant $principal -PageSize 40 | Remove-KmsGrant -Force -PassThru
        (Get-RequestCount $emulator 'ListRetirableGrants') - $pagesBefore | Should -BeGreaterOrEqual 7
        $results.Count | Should -Be 250
        ($results.GrantId | Sort-Object -Unique).Count | Should -Be 250
        $results.Status | Sort-Object -Unique | Should -Be 'Retired'
        Get-AliveGrantIds $set.KeyId | Should -BeNullOrEmpty
    }
}

Describe '-WhatIf is DryRun' {
    It 'retires none of 20 grants and reports each verdict' {
        $set = New-TestGrantSet -Endpoint $emulator.Url -Count 20
        $byId = $set.Grants | Select-Object KeyId, GrantId
        $byId[0] | Remove-KmsGrant -Force    # gone already: its verdict must be NotFound
        $results = $byId | Remove-KmsGrant -WhatIf -PassThru -ErrorAction SilentlyContinue -ErrorVariable errors
        $results.Count | Should -Be 20
        @($results | Where-Object Status -EQ 'WouldRetire').Count | Should -Be 19
        $notFound = $results | Where-Object Status -EQ 'WouldFail'
        $notFound.GrantId | Should -Be $set.Grants[0].GrantId
        $notFound.ErrorCode | Should -Be 'NotFoundException'
        $errors.FullyQualifiedErrorId | Should -Be 'KmsGrants.NotFound,KmsGrants.Commands.RemoveKmsGrantCommand'
        $results.DryRun | Sort-Object -Unique | Should -BeTrue
        @(Get-AliveGrantIds $set.KeyId).Count | Should -Be 19
    }

    It 'states KMS''s verdict on each What if line' {
        $set = New-TestGrantSet -Endpoint $emulator.Url -Count 1
        $run = Invoke-Isolated 'param($Url, $KeyId, $Ids) Remove-KmsGrant -EndpointUrl $Url -Region us-east-1 -KeyId $KeyId -GrantId $Ids -WhatIf' -Answer 'Yes' -Arguments @{
            Url = $emulator.Url; KeyId = $set.KeyId; Ids = [string[]]@($set.Grants[0].GrantId, ('b' * 64)) }
        $lines = $run.Lines
        $run.Errors.FullyQualifiedErrorId | Should -Be 'KmsGrants.NotFound,KmsGrants.Commands.RemoveKmsGrantCommand'
        $lines | Should -Contain "What if: Retiring grant $($set.Grants[0].GrantId) on key $($set.KeyId). KMS DryRun: the retirement would succeed."
        ($lines -like "What if: Retiring grant $('b' * 64) *would fail with NotFoundException*").Count | Should -Be 1
        Get-AliveGrantIds $set.KeyId | Should -Be $set.Grants[0].GrantId
    }

    It 'sends DryRun requests (the emulator sees them, as KMS counts them against the quota)' {
        $set = New-TestGrantSet -Endpoint $emulator.Url -Count 3
        $before = (Get-EmulatorStats $emulator).operations.RetireGrant.errors
        $set.Grants | Remove-KmsGrant -WhatIf
        # Three grants, and first the DryRun of a grant that cannot exist, proving the endpoint honours DryRun.
        (Get-EmulatorStats $emulator).operations.RetireGrant.errors - $before | Should -Be 4
    }

    It '-Force never overrides -WhatIf' {
        $set = New-TestGrantSet -Endpoint $emulator.Url -Count 3
        $set.Grants | Remove-KmsGrant -WhatIf -Force
        @(Get-AliveGrantIds $set.KeyId).Count | Should -Be 3
    }
}

Describe '-Confirm and -Force' {
    BeforeAll {
        $script = 'param($Url, $KeyId, $Ids, [switch] $Force) Remove-KmsGrant -EndpointUrl $Url -Region us-east-1 -KeyId $KeyId -GrantId $Ids -Confirm -Force:$Force -PassThru'
    }

    It 'prompts per grant, and No to All retires nothing' {
        $set = New-TestGrantSet -Endpoint $emulator.Url -Count 3
        $before = Get-RequestCount $emulator 'RetireGrant'
        $run = Invoke-Isolated $script -Answer 'No to All' -Arguments @{ Url = $emulator.Url; KeyId = $set.KeyId; Ids = [string[]]$set.Grants.GrantId }
        $run.Prompts.Count | Should -Be 1
        $run.Prompts[0] | Should -BeLike "*grant $($set.Grants[0].GrantId) on key $($set.KeyId)*"
        Get-RequestCount $emulator 'RetireGrant' | Should -Be $before
        @(Get-AliveGrantIds $set.KeyId).Count | Should -Be 3
    }

    It 'Yes to All retires every grant after one prompt' {
        $set = New-TestGrantSet -Endpoint $emulator.Url -Count 3
        $run = Invoke-Isolated $script -Answer 'Yes to All' -Arguments @{ Url = $emulator.Url; KeyId = $set.KeyId; Ids = [string[]]$set.Grants.GrantId }
        $run.Prompts.Count | Should -Be 1
        $run.Output.Count | Should -Be 3
        Get-AliveGrantIds $set.KeyId | Should -BeNullOrEmpty
    }

    It 'No skips that grant only; the prompt names key and grant ID' {
        $set = New-TestGrantSet -Endpoint $emulator.Url -Count 2
        $run = Invoke-Isolated $script -Answer 'No' -Arguments @{ Url = $emulator.Url; KeyId = $set.KeyId; Ids = [string[]]$set.Grants.GrantId }
        $run.Prompts.Count | Should -Be 2
        @(Get-AliveGrantIds $set.KeyId).Count | Should -Be 2
    }

    It 'an explicit -Confirm still prompts when -Force is given' {
        $set = New-TestGrantSet -Endpoint $emulator.Url -Count 1
        $run = Invoke-Isolated $script -Answer 'No' -Arguments @{ Url = $emulator.Url; KeyId = $set.KeyId; Ids = [string[]]$set.Grants.GrantId; Force = $true }
        $run.Prompts.Count | Should -Be 1
    }

    It '-Force alone does not prompt' {
        $set = New-TestGrantSet -Endpoint $emulator.Url -Count 2
        $run = Invoke-Isolated 'param($Url, $KeyId, $Ids) Remove-KmsGrant -EndpointUrl $Url -Region us-east-1 -KeyId $KeyId -GrantId $Ids -Force' -Answer 'No to All' -Arguments @{ Url = $emulator.Url; KeyId = $set.KeyId; Ids = [string[]]$set.Grants.GrantId }
        $run.Prompts.Count | Should -Be 0
        Get-AliveGrantIds $set.KeyId | Should -BeNullOrEmpty
    }
}

Describe 'Service errors' {
    It 'NotFound and AccessDenied mid-pipeline do not stop the others' {
        $set = New-TestGrantSet -Endpoint $emulator.Url -Count 4 -RetiringPrincipal $Retirer
        # The retirer may retire these four; a fifth grant belongs to someone else's retiring principal.
        $other = New-TestGrantSet -Endpoint $emulator.Url -Count 1 -RetiringPrincipal 'arn:aws:iam::111122223333:role/not-you' -KeyId $set.KeyId
        $byId = @($set.Grants + $other.Grants | Select-Object KeyId, GrantId)
        $items = @($byId[0], [pscustomobject]@{ KeyId = $set.KeyId; GrantId = ('c' * 64) }, $byId[1], $byId[4], $byId[2], $byId[3])
        $results = $items | Remove-KmsGrant -Force -PassThru -AccessKey RETIRER -SecretKey retirer-secret -ErrorAction SilentlyContinue -ErrorVariable errors
        $errors.Count | Should -Be 2
        ($errors.FullyQualifiedErrorId | Sort-Object) | Should -Be @('KmsGrants.AccessDenied,KmsGrants.Commands.RemoveKmsGrantCommand', 'KmsGrants.NotFound,KmsGrants.Commands.RemoveKmsGrantCommand')
        ($errors | Where-Object { $_.CategoryInfo.Category -eq 'PermissionDenied' }).TargetObject.GrantId | Should -Be $other.Grants[0].GrantId
        ($errors | Where-Object { $_.CategoryInfo.Category -eq 'ObjectNotFound' }).TargetObject.GrantId | Should -Be ('c' * 64)
        ($errors | Where-Object { $_.CategoryInfo.Category -eq 'PermissionDenied' }).Exception.Message | Should -BeLike "*grant $($other.Grants[0].GrantId) on key*"
        @($results | Where-Object Status -EQ 'Retired').Count | Should -Be 4
        Get-AliveGrantIds $set.KeyId | Should -Be $other.Grants[0].GrantId
    }

    It '-ErrorAction Stop ends the pipeline at the first failure' {
        $set = New-TestGrantSet -Endpoint $emulator.Url -Count 1
        { [pscustomobject]@{ KeyId = $set.KeyId; GrantId = ('d' * 64) } | Remove-KmsGrant -Force -ErrorAction Stop } |
            Should -Throw -ErrorId 'KmsGrants.NotFound,KmsGrants.Commands.RemoveKmsGrantCommand'
    }

    It 'the grantee may retire a grant that allows RetireGrant, and nobody else outside the rules may' {
        $set = New-TestGrantSet -Endpoint $emulator.Url -Count 1 -Grantee $Retirer -RetiringPrincipal 'arn:aws:iam::111122223333:role/x' -Operations 'Decrypt,RetireGrant'
        $set.Grants | Remove-KmsGrant -Force -AccessKey STRANGER -SecretKey stranger-secret -ErrorAction SilentlyContinue -ErrorVariable denied
        $denied[0].FullyQualifiedErrorId | Should -BeLike 'KmsGrants.AccessDenied,*'
        $set.Grants | Remove-KmsGrant -Force -AccessKey RETIRER -SecretKey retirer-secret
        Get-AliveGrantIds $set.KeyId | Should -BeNullOrEmpty
    }

    It 'a key pending deletion gives KmsGrants.InvalidState' {
        $set = New-TestGrantSet -Endpoint $emulator.Url -Count 1
        $r = Invoke-AwsCli -Endpoint $emulator.Url -Arguments @('kms', 'schedule-key-deletion', '--key-id', $set.KeyId, '--pending-window-in-days', '7')
        $r.ExitCode | Should -Be 0
        $set.Grants | Remove-KmsGrant -Force -ErrorAction SilentlyContinue -ErrorVariable errors
        $errors[0].FullyQualifiedErrorId | Should -Be 'KmsGrants.InvalidState,KmsGrants.Commands.RemoveKmsGrantCommand'
        $errors[0].CategoryInfo.Category | Should -Be 'InvalidOperation'
    }

    It 'writes nothing by default (Remove-* convention)' {
        $set = New-TestGrantSet -Endpoint $emulator.Url -Count 1
        $set.Grants | Remove-KmsGrant -Force | Should -BeNullOrEmpty
    }
}

Describe 'Input objects the binder must refuse' {
    BeforeAll {
        $set = New-TestGrantSet -Endpoint $emulator.Url -Count 2
        $mine = @($set.Grants | Select-Object KeyId, GrantId)
        $grants = @(Get-KmsGrant -KeyId $set.KeyId | Where-Object GrantId -In $mine.GrantId)
        $csv = Join-Path $TestDrive 'grants.csv'
        $grants | Select-Object KeyId, GrantId | Export-Csv $csv
    }

    It 'refuses <Case> with the object as target, and sends nothing' -ForEach @(
        # Each scriptblock writes the one pipeline object.
        @{ Case = 'a hashtable'; Make = { @{ KeyId = $mine[0].KeyId; GrantId = $mine[0].GrantId } }; Type = 'System.Collections.Hashtable' }
        @{ Case = 'an array of two grants as one object'; Make = { , @($grants[0], $grants[1]) }; Type = 'System.Object[]' }
        @{ Case = 'a CSV row read with the wrong delimiter'; Make = { @(Import-Csv $csv -Delimiter ';')[0] }; Type = 'System.Management.Automation.PSCustomObject' }
        @{ Case = 'an int'; Make = { 42 }; Type = 'System.Int32' }
    ) {
        $before = Get-TotalRequestCount $emulator
        & $Make | Remove-KmsGrant -EndpointUrl $emulator.Url -Force -PassThru -ErrorAction SilentlyContinue -ErrorVariable errors | Should -BeNullOrEmpty
        $errors.Count | Should -Be 1
        $errors[0].FullyQualifiedErrorId | Should -BeIn @('InputObjectNotBound,KmsGrants.Commands.RemoveKmsGrantCommand', 'InputObjectMissingMandatory,KmsGrants.Commands.RemoveKmsGrantCommand')
        $errors[0].TargetObject.GetType().FullName | Should -Be $Type
        Get-TotalRequestCount $emulator | Should -Be $before
        @(Get-AliveGrantIds $set.KeyId).Count | Should -Be 2
    }
}

Describe 'A CSV exported from by-token results' {
    It 'binds back by token (empty KeyId and GrantId columns) and retires' {
        $set = New-TestGrantSet -Endpoint $emulator.Url -Count 3
        $csv = Join-Path $TestDrive 'by-token.csv'
        # The report of a -WhatIf run, reviewed, then fed back in.
        $set.Grants.GrantToken | Remove-KmsGrant -EndpointUrl $emulator.Url -WhatIf -PassThru | Export-Csv $csv
        $rows = Import-Csv $csv
        $rows.KeyId | Sort-Object -Unique | Should -Be ''
        $rows.GrantId | Sort-Object -Unique | Should -Be ''
        $results = $rows | Remove-KmsGrant -EndpointUrl $emulator.Url -Force -PassThru
        $results.Status | Sort-Object -Unique | Should -Be 'Retired'
        ($results.GrantToken | Sort-Object) | Should -Be ($set.Grants.GrantToken | Sort-Object)
        Get-AliveGrantIds $set.KeyId | Should -BeNullOrEmpty
    }
}

Describe 'Regions and key ARNs that cannot be right send nothing' {
    It '<Case> -> <Id>' -ForEach @(
        @{ Case = '-Region with a trailing space'; Run = { New-FakeGrant 2 | Remove-KmsGrant -EndpointUrl $emulator.Url -Region 'us-east-1 ' -Force }; Id = 'KmsGrants.InvalidRegion,KmsGrants.Commands.RemoveKmsGrantCommand' }
        @{ Case = '$StoredAWSRegion = ''bogus'''; Run = {
                $global:StoredAWSRegion = 'bogus'
                try { New-FakeGrant 1 | Remove-KmsGrant -EndpointUrl $emulator.Url -Force } finally { Remove-Variable StoredAWSRegion -Scope Global }
            }; Id = 'KmsGrants.InvalidRegion,KmsGrants.Commands.RemoveKmsGrantCommand'
        }
        @{ Case = 'a key ARN naming a bogus Region'; Run = { [pscustomobject]@{ KeyId = 'arn:aws:kms:xx-nowhere-9:111122223333:key/k'; GrantId = ('a' * 64) } | Remove-KmsGrant -EndpointUrl $emulator.Url -Force -ErrorAction Stop }; Id = 'KmsGrants.InvalidArn,KmsGrants.Commands.RemoveKmsGrantCommand' }
        # A typo of a Region shaped like one (us-est-1) reached the network: a DNS failure, or with an endpoint, advice blaming the credentials.
        @{ Case = '-Region us-est-1 (a typo)'; Run = { New-FakeGrant 2 | Remove-KmsGrant -EndpointUrl $emulator.Url -Region us-est-1 -Force }; Id = 'KmsGrants.InvalidRegion,KmsGrants.Commands.RemoveKmsGrantCommand' }
        @{ Case = 'a key ARN in eu-wset-1 (a typo)'; Run = { [pscustomobject]@{ KeyId = 'arn:aws:kms:eu-wset-1:111122223333:key/k'; GrantId = ('a' * 64) } | Remove-KmsGrant -EndpointUrl $emulator.Url -Force -ErrorAction Stop }; Id = 'KmsGrants.InvalidArn,KmsGrants.Commands.RemoveKmsGrantCommand' }
    ) {
        $before = Get-TotalRequestCount $emulator
        { & $Run } | Should -Throw -ErrorId $Id
        Get-TotalRequestCount $emulator | Should -Be $before
    }

    It 'reports that error alone: Remove-KmsGrant writes no other' {
        $run = Invoke-Isolated "param(`$Url) Remove-KmsGrant -KeyId arn:aws:kms:us-east-1:111122223333:key/k -GrantId abc -Force -EndpointUrl `$Url -Region 'us-east-1 '; `$Error.FullyQualifiedErrorId" -Arguments @{ Url = $emulator.Url }
        $run.Output | Should -Be 'KmsGrants.InvalidRegion,KmsGrants.Commands.RemoveKmsGrantCommand'
        $run.PowerShell.Dispose()
    }
}

Describe 'Pipeline binding' {
    BeforeAll {
        # One key for the four cases (boto3 costs a second a call); each case retires its own grants and checks only them.
        $set = New-TestGrantSet -Endpoint $emulator.Url -Count 6
        $g = $set.Grants
        function Get-Alive { Get-AliveGrantId -KeyId $set.KeyId -Server $emulator }
    }

    It 'a piped string is a key for Get-KmsGrant' {
        # First in this block: nothing is retired yet.
        ($set.KeyId | Get-KmsGrant).GrantId | Sort-Object | Should -Be ([string[]]$g.GrantId | Sort-Object)
    }

    It 'piped strings are grant IDs for Remove-KmsGrant -KeyId' {
        $results = $g[0..1].GrantId | Remove-KmsGrant -KeyId $set.KeyId -Force -PassThru
        $results.GrantId | Sort-Object | Should -Be ([string[]]$g[0..1].GrantId | Sort-Object)
        $results.Status | Sort-Object -Unique | Should -Be 'Retired'
        $alive = Get-Alive
        $alive | Should -Not -Contain $g[0].GrantId
        $alive | Should -Not -Contain $g[1].GrantId
        $alive | Should -Contain $g[2].GrantId
    }

    It 'a piped string without -KeyId is a grant token' {
        $result = $g[2].GrantToken | Remove-KmsGrant -Force -PassThru
        $result.GrantToken | Should -Be $g[2].GrantToken
        $result.Status | Should -Be 'Retired'
        $alive = Get-Alive
        $alive | Should -Not -Contain $g[2].GrantId
        $alive | Should -Contain $g[3].GrantId
    }

    # Decided: the token wins (ByToken is the default parameter set). The object names two different grants so that
    # which one went shows which binding won.
    It 'an object with KeyId+GrantId and a GrantToken binds by token' {
        $result = [pscustomobject]@{ KeyId = $set.KeyId; GrantId = $g[3].GrantId; GrantToken = $g[4].GrantToken } |
            Remove-KmsGrant -Force -PassThru
        $result.GrantToken | Should -Be $g[4].GrantToken
        $result.GrantId | Should -BeNullOrEmpty
        $alive = Get-Alive
        $alive | Should -Not -Contain $g[4].GrantId
        $alive | Should -Contain $g[3].GrantId
    }
}

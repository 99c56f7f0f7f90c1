# Get-KmsRetirableGrant and Get-KmsGrant stream pages lazily, honour PowerShell paging, validate
# locally (Regions, principals, key ARNs: nothing sent, by the emulator's own request count), and emit
# KmsGrants.GrantInfo with readable views.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1')
    Import-Module (Get-KmsGrantsModulePath)
    Set-TestAwsEnvironment
    $emulator = Start-KmsEmulator
    $PSDefaultParameterValues['*-Kms*:EndpointUrl'] = $emulator.Url
    $principal = 'arn:aws:iam::111122223333:role/lister'
    $set = New-TestGrantSet -Endpoint $emulator.Url -Count 25 -RetiringPrincipal $principal -Grantee 'arn:aws:iam::111122223333:role/app-a'
    $other = New-TestGrantSet -Endpoint $emulator.Url -Count 2 -KeyId $set.KeyId -RetiringPrincipal 'arn:aws:iam::111122223333:role/lister2' -Grantee 'arn:aws:iam::111122223333:role/app-b'
}
AfterAll { Stop-TestServer $emulator }

Describe 'Streaming pages' {
    It 'writes the first grant before it requests the second page' {
        $before = Get-RequestCount $emulator 'ListRetirableGrants'
        $seenAtFirst = $null
        $all = Get-KmsRetirableGrant $principal -PageSize 10 | ForEach-Object {
            if ($null -eq $seenAtFirst) { $seenAtFirst = (Get-RequestCount $emulator 'ListRetirableGrants') - $before }
            $_
        }
        $seenAtFirst | Should -Be 1
        $all.Count | Should -Be 25
        (Get-RequestCount $emulator 'ListRetirableGrants') - $before | Should -Be 3
    }

    It '-First 3 sends one page request' {
        $before = Get-RequestCount $emulator 'ListGrants'
        $grants = Get-KmsGrant -KeyId $set.KeyId -First 3
        $grants.Count | Should -Be 3
        (Get-RequestCount $emulator 'ListGrants') - $before | Should -Be 1
    }

    It '-Skip and -First page across pages in order' {
        $all = Get-KmsGrant -KeyId $set.KeyId -PageSize 4
        $some = Get-KmsGrant -KeyId $set.KeyId -PageSize 4 -Skip 5 -First 6
        $some.GrantId | Should -Be $all[5..10].GrantId
    }

    It '-IncludeTotalCount reports the total' {
        # KMS does not tell the total up front, so it comes after the grants, once counted.
        $out = Get-KmsRetirableGrant $principal -IncludeTotalCount -PageSize 100
        $out.Count | Should -Be 26
        $out[-1].ToString() | Should -Be 'Total count: 25'
        $out[-1].Accuracy | Should -Be 1.0
    }

    It 'takes several principals from the pipeline' {
        $grants = 'arn:aws:iam::111122223333:role/lister', 'arn:aws:iam::111122223333:role/lister2' | Get-KmsRetirableGrant
        $grants.Count | Should -Be 27
    }

    It 'takes KeyId by property name' {
        ([pscustomobject]@{ KeyId = $set.KeyId } | Get-KmsGrant).Count | Should -Be 27
    }

    It 'rejects a page size outside the model''s 1-1000 before any request' -ForEach @(@{ Size = 0 }, @{ Size = 1001 }) {
        { Get-KmsGrant -KeyId $set.KeyId -PageSize $Size -ErrorAction Stop } |
            Should -Throw -ErrorId 'ParameterArgumentValidationError,KmsGrants.Commands.GetKmsGrantCommand'
    }
}

Describe 'Filters and fields' {
    It 'Get-KmsGrant -GrantId returns that grant' {
        $one = Get-KmsGrant -KeyId $set.KeyId -GrantId $set.Grants[3].GrantId
        $one.GrantId | Should -Be $set.Grants[3].GrantId
    }

    It 'Get-KmsGrant -GranteePrincipal filters by grantee' {
        (Get-KmsGrant -KeyId $set.KeyId -GranteePrincipal 'arn:aws:iam::111122223333:role/app-b').Count | Should -Be 2
    }

    It 'emits KmsGrants.GrantInfo with every GrantListEntry field' {
        $g = Get-KmsGrant -KeyId $set.KeyId -First 1
        $g | Should -BeOfType ([KmsGrants.GrantInfo])
        $g.KeyId | Should -Be $set.KeyId
        $g.GrantId | Should -Match '^[0-9a-f]{64}$'
        $g.Name | Should -Be 'peer-0'
        $g.CreationDate | Should -BeOfType ([datetime])
        $g.GranteePrincipal | Should -Be 'arn:aws:iam::111122223333:role/app-a'
        $g.RetiringPrincipal | Should -Be $principal
        $g.IssuingAccount | Should -Be 'arn:aws:iam::111122223333:root'
        , $g.Operations | Should -BeOfType ([string[]])
        $g.Operations | Should -Be @('Decrypt')
    }

    It 'shows a table that fits 120 columns and a list with everything' {
        $table = Get-KmsGrant -KeyId $set.KeyId -First 3 | Format-Table | Out-String -Width 120
        $table | Should -Match 'GrantId\s+Name\s+Key\s+Grantee\s+Operations\s+Created'
        $table -split "`n" | ForEach-Object { $_.TrimEnd().Length | Should -BeLessOrEqual 120 }
        $list = Get-KmsGrant -KeyId $set.KeyId -First 1 | Format-List | Out-String
        foreach ($field in 'GrantId', 'Name', 'KeyId', 'GranteePrincipal', 'RetiringPrincipal', 'IssuingAccount', 'Operations', 'CreationDate') {
            $list | Should -Match "$field\s+:"
        }
    }
}

Describe 'Errors' {
    It 'a bad principal gets KmsGrants.InvalidPrincipal and sends nothing' {
        $before = Get-RequestCount $emulator 'ListRetirableGrants'
        Get-KmsRetirableGrant 'arn:aws:iam::111122223333:role/bad principal' -ErrorAction SilentlyContinue -ErrorVariable errors
        $errors[0].FullyQualifiedErrorId | Should -Be 'KmsGrants.InvalidPrincipal,KmsGrants.Commands.GetKmsRetirableGrantCommand'
        $errors[0].TargetObject | Should -Be 'arn:aws:iam::111122223333:role/bad principal'
        Get-RequestCount $emulator 'ListRetirableGrants' | Should -Be $before
    }

    It 'a too-long principal gets KmsGrants.InvalidPrincipal' {
        { Get-KmsRetirableGrant ('arn:' + 'a' * 300) -ErrorAction Stop } | Should -Throw -ErrorId 'KmsGrants.InvalidPrincipal,KmsGrants.Commands.GetKmsRetirableGrantCommand'
    }

    It 'an unknown key gets KmsGrants.NotFound, and the next key in the pipeline is still listed' {
        $keys = @([pscustomobject]@{ KeyId = '00000000-0000-0000-0000-000000000000' }, [pscustomobject]@{ KeyId = $set.KeyId })
        $grants = $keys | Get-KmsGrant -ErrorAction SilentlyContinue -ErrorVariable errors
        $errors[0].FullyQualifiedErrorId | Should -Be 'KmsGrants.NotFound,KmsGrants.Commands.GetKmsGrantCommand'
        $errors[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
        $grants.Count | Should -Be 27
    }

    It 'lets an exception from downstream through, instead of reporting it as its own' {
        { Get-KmsGrant -KeyId $set.KeyId | ForEach-Object { throw 'downstream failure' } } | Should -Throw 'downstream failure'
        { Get-KmsGrant -KeyId $set.KeyId | ForEach-Object { Write-Error 'stop here' -ErrorAction Stop } } | Should -Throw 'stop here'
    }

    It 'a bad key ARN gets KmsGrants.InvalidArn before any request' {
        $before = Get-RequestCount $emulator 'ListGrants'
        { Get-KmsGrant -KeyId 'arn:aws:kms:nowhere' -ErrorAction Stop } | Should -Throw -ErrorId 'KmsGrants.InvalidArn,KmsGrants.Commands.GetKmsGrantCommand'
        Get-RequestCount $emulator 'ListGrants' | Should -Be $before
    }

    It 'a key that can never be right is refused before any request, and the key after it is listed: <Case> -> <Id>' -ForEach @(
        @{ Case = 'partition awsfoo'; KeyId = 'arn:awsfoo:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab'; Id = 'KmsGrants.InvalidArn' }
        @{ Case = 'partition aws-cn, Region us-east-1'; KeyId = 'arn:aws-cn:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab'; Id = 'KmsGrants.InvalidArn' }
        @{ Case = 'a key ID ending in a zero-width space'; KeyId = "1234abcd-12ab-34cd-56ef-1234567890ab$([char]0x200B)"; Id = 'KmsGrants.InvalidKeyId' }
    ) {
        $before = @('ListGrants', 'DescribeKey' | ForEach-Object { Get-RequestCount $emulator $_ })
        $grants = @($KeyId, $set.KeyId | Get-KmsGrant -ErrorAction SilentlyContinue -ErrorVariable errors)
        $errors.Count | Should -Be 1
        $errors[0].FullyQualifiedErrorId | Should -Be "$Id,KmsGrants.Commands.GetKmsGrantCommand"
        $errors[0].TargetObject | Should -Be $KeyId
        $grants.Count | Should -Be 27
        # One listing (the good key's one page), nothing for the bad key.
        @('ListGrants', 'DescribeKey' | ForEach-Object { Get-RequestCount $emulator $_ }) | Should -Be @(($before[0] + 1), $before[1])
    }
}

Describe 'Smoke against moto (third-party backend)' {
    BeforeAll {
        $moto = Start-MotoServer
        $motoSet = New-TestGrantSet -Endpoint $moto.Url -Count 4
    }
    AfterAll { Stop-TestServer $moto }

    It 'lists, retires by ID and by token, and lists what is left' {
        $listed = Get-KmsGrant -KeyId $motoSet.KeyId -EndpointUrl $moto.Url
        $listed.Count | Should -Be 4
        $listed[0] | Remove-KmsGrant -EndpointUrl $moto.Url -Force
        $motoSet.Grants[1].GrantToken | Remove-KmsGrant -EndpointUrl $moto.Url -Force
        $left = (Get-KmsGrant -KeyId $motoSet.KeyId -EndpointUrl $moto.Url).GrantId
        $left.Count | Should -Be 2
        $left | Should -Not -Contain $listed[0].GrantId
        $left | Should -Not -Contain $motoSet.Grants[1].GrantId
        (Get-KmsRetirableGrant 'arn:aws:iam::111122223333:role/retirer' -EndpointUrl $moto.Url).Count | Should -Be 2
    }
}

Describe 'Regions, principals and key ARNs that cannot be right send nothing' {
    It '<Case> -> <Id>' -ForEach @(
        @{ Case = '-Region with a trailing space'; Run = { Get-KmsGrant -KeyId $FakeKey -EndpointUrl $emulator.Url -Region 'us-east-1 ' }; Id = 'KmsGrants.InvalidRegion,KmsGrants.Commands.GetKmsGrantCommand' }
        @{ Case = '-Region xx-nowhere-9'; Run = { Get-KmsRetirableGrant arn:aws:iam::111122223333:role/x -EndpointUrl $emulator.Url -Region xx-nowhere-9 }; Id = 'KmsGrants.InvalidRegion,KmsGrants.Commands.GetKmsRetirableGrantCommand' }
        @{ Case = 'a principal ending in a newline'; Run = { Get-KmsRetirableGrant "arn:aws:iam::111122223333:role/x`n" -EndpointUrl $emulator.Url -ErrorAction Stop }; Id = 'KmsGrants.InvalidPrincipal,KmsGrants.Commands.GetKmsRetirableGrantCommand' }
        @{ Case = 'a key ARN naming a bogus Region (Get)'; Run = { Get-KmsGrant -KeyId 'arn:aws:kms:xx-nowhere-9:111122223333:key/k' -EndpointUrl $emulator.Url -ErrorAction Stop }; Id = 'KmsGrants.InvalidArn,KmsGrants.Commands.GetKmsGrantCommand' }
    ) {
        $before = Get-TotalRequestCount $emulator
        { & $Run } | Should -Throw -ErrorId $Id
        Get-TotalRequestCount $emulator | Should -Be $before
    }

    It 'reports that error alone: <Command> writes no other' -ForEach @(
        @{ Command = 'Get-KmsGrant'; Script = 'Get-KmsGrant -KeyId arn:aws:kms:us-east-1:111122223333:key/k' }
        @{ Command = 'Get-KmsRetirableGrant'; Script = 'Get-KmsRetirableGrant arn:aws:iam::111122223333:role/x' }
    ) {
        $run = Invoke-Isolated "param(`$Url) $Script -EndpointUrl `$Url -Region 'us-east-1 '; `$Error.FullyQualifiedErrorId" -Arguments @{ Url = $emulator.Url }
        $run.Output | Should -Be "KmsGrants.InvalidRegion,KmsGrants.Commands.$($Command -replace '-', '')Command"
        $run.PowerShell.Dispose()
    }
}

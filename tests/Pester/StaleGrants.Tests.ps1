# Finding the grants that should go, through the built module over HTTP: every key's grants (Get-KmsGrant -KeyId *,
# patterns on IDs and aliases, several Regions, -GranteePrincipal across keys) paced at the ListGrants quota with a key's
# refusal its own error; Find-KmsStaleGrant's findings (deleted principals past the age rule, duplicates, keys near the
# limit) from the pipeline or its own listing, revoked through Revoke-KmsGrant; bad input. What exists, was deleted and
# was sent is the emulator's own state and log (or boto3's for moto), never the module's word.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1')
    Import-Module (Get-KmsGrantsModulePath)
    Set-TestAwsEnvironment
    $App = 'arn:aws:iam::111122223333:role/app'
    # Every grant of the account's keys in REGION, as the emulator holds them (the oracle).
    function Get-AccountGrants($Emulator, [string] $Region = 'us-east-1') {
        @(Get-KmsEmulatorGrant -Emulator $Emulator -Region $Region | Where-Object KeyId -Like "arn:aws:kms:${Region}:111122223333:key/*")
    }
    function Get-Ids($Grants) { @($Grants | ForEach-Object GrantId | Sort-Object) }
}

Describe 'Get-KmsGrant -KeyId <pattern>: every matching key''s grants, side by side' {
    BeforeAll {
        $emulator = Start-KmsEmulator -Region us-east-1, eu-west-1
        $PSDefaultParameterValues['*-Kms*:EndpointUrl'] = $emulator.Url
        $apps = @(1..12 | ForEach-Object { New-KmsEmulatorKey -Emulator $emulator -Alias "alias/app-$_" })
        $others = @(1..3 | ForEach-Object { New-KmsEmulatorKey -Emulator $emulator })
        $eu = @(1..4 | ForEach-Object { New-KmsEmulatorKey -Emulator $emulator -Region eu-west-1 })
        foreach ($key in $apps + $others + $eu) { $null = New-KmsEmulatorGrant -Emulator $emulator -KeyId $key.Arn -GranteePrincipal $App -Count 2 }
        $big = New-KmsEmulatorKey -Emulator $emulator
        $null = New-KmsEmulatorGrant -Emulator $emulator -KeyId $big.Arn -GranteePrincipal 'arn:aws:iam::111122223333:role/bulk' -Count 350
        $worker = 'arn:aws:iam::111122223333:role/worker'
        foreach ($key in $apps[0], $eu[0], $big) { $null = New-KmsEmulatorGrant -Emulator $emulator -KeyId $key.Arn -GranteePrincipal $worker }
    }
    AfterAll { Stop-TestServer $emulator; $PSDefaultParameterValues.Remove('*-Kms*:EndpointUrl') }

    It '* lists every grant of every key of the Region, each once' {
        $listed = @(Get-KmsGrant -KeyId *)
        Get-Ids $listed | Should -Be (Get-Ids (Get-AccountGrants $emulator))
        $listed | ForEach-Object { $_ | Should -BeOfType ([KmsGrants.GrantInfo]) }
    }

    It 'alias/app-1* lists the keys whose aliases match' {
        $matching = @($apps | Where-Object Alias -Like 'alias/app-1*')
        $matching.Count | Should -Be 4   # app-1, app-10, app-11, app-12
        $listed = @(Get-KmsGrant -KeyId 'alias/app-1*')
        ($listed.KeyId | Sort-Object -Unique) | Should -Be ($matching.Arn | Sort-Object)
        Get-Ids $listed | Should -Be (Get-Ids (Get-AccountGrants $emulator | Where-Object KeyId -In $matching.Arn))
    }

    It 'a key ID pattern and a key ARN pattern match as written' {
        $id = $others[0].KeyId
        (Get-KmsGrant -KeyId ($id.Substring(0, 12) + '*')).KeyId | Sort-Object -Unique | Should -Be $others[0].Arn
        @(Get-KmsGrant -KeyId 'arn:aws:kms:us-east-1:111122223333:key/*').Count | Should -Be (Get-AccountGrants $emulator).Count
    }

    It '-GranteePrincipal finds every grant given to one role across the keys (and Regions)' {
        $listed = @(Get-KmsGrant -KeyId * -GranteePrincipal $worker -Region us-east-1, eu-west-1)
        $expected = @(Get-AccountGrants $emulator) + @(Get-AccountGrants $emulator 'eu-west-1') | Where-Object GranteePrincipal -EQ $worker
        Get-Ids $listed | Should -Be (Get-Ids $expected)
        $listed.Count | Should -Be 3
    }

    It 'several Regions are listed side by side, from -Region or from piped objects'' Region property' {
        $expected = Get-Ids (@(Get-AccountGrants $emulator) + @(Get-AccountGrants $emulator 'eu-west-1'))
        Get-Ids (Get-KmsGrant -KeyId * -Region us-east-1, eu-west-1) | Should -Be $expected
        Get-Ids ([pscustomobject]@{ KeyId = '*'; Region = 'eu-west-1' }, [pscustomobject]@{ KeyId = '*'; Region = 'us-east-1' } | Get-KmsGrant) | Should -Be $expected
    }

    It 'a pattern of key ARNs that names a Region lists that Region, whatever the default' {
        Get-Ids (Get-KmsGrant -KeyId 'arn:aws:kms:eu-west-1:111122223333:key/*') | Should -Be (Get-Ids (Get-AccountGrants $emulator 'eu-west-1'))
    }

    It 'alias patterns are case-sensitive, as KMS''s names are' {
        $other = New-KmsEmulatorKey -Emulator $emulator -Alias 'alias/App-Upper'
        $null = New-KmsEmulatorGrant -Emulator $emulator -KeyId $other.Arn -GranteePrincipal $App
        (Get-KmsGrant -KeyId 'alias/app-*').KeyId | Should -Not -Contain $other.Arn
        (Get-KmsGrant -KeyId 'alias/App-*').KeyId | Sort-Object -Unique | Should -Be $other.Arn
    }

    It 'a pattern PowerShell cannot read is KmsGrants.InvalidKeyId before anything is sent' {
        $before = (Get-KmsEmulatorRequest -Emulator $emulator).Count
        { Get-KmsGrant -KeyId 'alias/[' -ErrorAction Stop } | Should -Throw -ErrorId 'KmsGrants.InvalidKeyId,KmsGrants.Commands.GetKmsGrantCommand'
        { Get-KmsGrant -KeyId 'arn:aws:kms:eu-wset-1:111122223333:key/*' -ErrorAction Stop } | Should -Throw -ErrorId 'KmsGrants.InvalidRegion,KmsGrants.Commands.GetKmsGrantCommand'
        (Get-KmsEmulatorRequest -Emulator $emulator).Count | Should -Be $before
    }

    It 'a piped object''s list of Regions: empty entries are no Region, and a bad one is that object''s error only' {
        $expected = Get-Ids (Get-AccountGrants $emulator 'eu-west-1')
        Get-Ids ([pscustomobject]@{ KeyId = 'arn:aws:kms:*:111122223333:key/*'; Region = @('', 'eu-west-1') } | Get-KmsGrant) | Should -Be $expected
        $listed = @([pscustomobject]@{ KeyId = '*'; Region = @('eu-west-1', 'us-est-1') }, [pscustomobject]@{ KeyId = '*'; Region = 'eu-west-1' } |
            Get-KmsGrant -ErrorAction SilentlyContinue -ErrorVariable failed)
        $failed.Count | Should -Be 1
        $failed[0].FullyQualifiedErrorId | Should -Be 'KmsGrants.InvalidRegion,KmsGrants.Commands.GetKmsGrantCommand'
        Get-Ids $listed | Should -Be $expected
    }

    It 'a pattern that matches nothing writes nothing and no error; a literal key that does not exist is still KmsGrants.NotFound' {
        Get-KmsGrant -KeyId 'alias/none-*' -ErrorVariable errors | Should -BeNullOrEmpty
        $errors | Should -BeNullOrEmpty
        { Get-KmsGrant -KeyId 'alias/none' -ErrorAction Stop } | Should -Throw -ErrorId 'KmsGrants.NotFound,KmsGrants.Commands.GetKmsGrantCommand'
    }

    It 'Select-Object -First stops the listing: it does not read every key' {
        $before = @(Get-KmsEmulatorRequest -Emulator $emulator -Operation ListGrants).Count
        @(Get-KmsGrant -KeyId * | Select-Object -First 3).Count | Should -Be 3
        @(Get-KmsGrant -KeyId * -First 5).Count | Should -Be 5
        # 16 keys (and 4 pages of the big one) twice over would be 40 requests; the stops leave most unsent.
        (@(Get-KmsEmulatorRequest -Emulator $emulator -Operation ListGrants).Count - $before) | Should -BeLessThan 40
    }

    It 'refuses AWS.Tools'' one-listing parameters with a pattern, before sending' {
        { Get-KmsGrant -KeyId * -Marker abc -ErrorAction Stop } | Should -Throw -ErrorId 'KmsGrants.InvalidSelect,KmsGrants.Commands.GetKmsGrantCommand'
        { Get-KmsGrant -KeyId * -NoAutoIteration -ErrorAction Stop } | Should -Throw -ErrorId 'KmsGrants.InvalidSelect,KmsGrants.Commands.GetKmsGrantCommand'
    }

    It 'the objects bind into Remove-KmsGrant and Revoke-KmsGrant unchanged' {
        $target = @(Get-KmsGrant -KeyId * -GranteePrincipal $worker)
        $results = @($target | Revoke-KmsGrant -Force -PassThru)
        $results.Status | Sort-Object -Unique | Should -Be 'Revoked'
        @(Get-AccountGrants $emulator | Where-Object GranteePrincipal -EQ $worker) | Should -BeNullOrEmpty
    }
}

Describe 'A throttled ListKeys page' {
    It 'is retried as a listing''s request is: every key of the Region is listed (2,100 keys, three pages, ListKeys at 0.5 a second)' {
        $emulator = Start-KmsEmulator -Quota @{ ListKeys = 0.5 }
        try {
            $keys = @(1..2100 | ForEach-Object { New-KmsEmulatorKey -Emulator $emulator })
            foreach ($key in $keys) { $null = New-KmsEmulatorGrant -Emulator $emulator -KeyId $key.Arn -GranteePrincipal $App }
            $listed = @(Get-KmsGrant -KeyId * -EndpointUrl $emulator.Url -ErrorVariable failed)
            $failed | Should -BeNullOrEmpty
            $listed.Count | Should -Be 2100
            (Get-KmsEmulatorStatistic -Emulator $emulator).operations.ListKeys.throttled | Should -BeGreaterThan 0
        }
        finally { Stop-TestServer $emulator }
    }
}

Describe 'Several Regions where one refuses the credentials (one the account has not opted into)' {
    BeforeAll {
        $emulator = Start-KmsEmulator   # serves us-east-1 only: ap-south-1's signatures are refused
        $key = New-KmsEmulatorKey -Emulator $emulator
        $made = @(New-KmsEmulatorGrant -Emulator $emulator -KeyId $key.Arn -GranteePrincipal $App -RetiringPrincipal $App -Count 3)
    }
    AfterAll { Stop-TestServer $emulator }

    It '<Command> -Region <Order>: lists the Region that serves, and the other is one error of its own' -ForEach @(
        @{ Command = 'Get-KmsGrant'; Order = 'us-east-1, ap-south-1'; Regions = @('us-east-1', 'ap-south-1') }
        @{ Command = 'Get-KmsGrant'; Order = 'ap-south-1, us-east-1'; Regions = @('ap-south-1', 'us-east-1') }
        @{ Command = 'Get-KmsRetirableGrant'; Order = 'us-east-1, ap-south-1'; Regions = @('us-east-1', 'ap-south-1') }
        @{ Command = 'Get-KmsRetirableGrant'; Order = 'ap-south-1, us-east-1'; Regions = @('ap-south-1', 'us-east-1') }
    ) {
        $what = if ($Command -eq 'Get-KmsGrant') { @{ KeyId = '*' } } else { @{ RetiringPrincipal = $App } }
        $listed = @(& $Command @what -Region $Regions -EndpointUrl $emulator.Url -ErrorAction SilentlyContinue -ErrorVariable failed)
        Get-Ids $listed | Should -Be (Get-Ids $made)
        $failed.Count | Should -Be 1
        $failed[0].FullyQualifiedErrorId | Should -BeLike 'KmsGrants.InvalidSignature,*'
        $failed[0].TargetObject | Should -Be 'ap-south-1'
    }

    It 'every Region refusing: an error naming each, nothing listed' {
        Get-KmsGrant -KeyId * -Region ap-south-1, eu-north-1 -EndpointUrl $emulator.Url -ErrorAction SilentlyContinue -ErrorVariable failed | Should -BeNullOrEmpty
        $failed.TargetObject | Sort-Object | Should -Be 'ap-south-1', 'eu-north-1'
        $failed.FullyQualifiedErrorId | Sort-Object -Unique | Should -Be 'KmsGrants.InvalidSignature,KmsGrants.Commands.GetKmsGrantCommand'
        # One Region alone refusing ends the command, as it always has.
        { Get-KmsGrant -KeyId * -Region ap-south-1 -EndpointUrl $emulator.Url } | Should -Throw -ErrorId 'KmsGrants.InvalidSignature,KmsGrants.Commands.GetKmsGrantCommand'
    }
}

Describe 'Paced at the ListGrants quota, with a key''s refusal its own error' {
    BeforeAll {
        $quota = 20
        $emulator = Start-KmsEmulator -Quota @{ ListGrants = $quota }
        $keys = @(1..60 | ForEach-Object { New-KmsEmulatorKey -Emulator $emulator })
        foreach ($key in $keys) { $null = New-KmsEmulatorGrant -Emulator $emulator -KeyId $key.Arn -GranteePrincipal $App }
        # A key pending deletion: KMS refuses its ListGrants (KMSInvalidStateException); the others must go on.
        $pending = $keys[7]
        (Invoke-AwsCli -Endpoint $emulator.Url -Arguments @('kms', 'schedule-key-deletion', '--key-id', $pending.KeyId, '--pending-window-in-days', '7')).ExitCode | Should -Be 0
        $listed = @(Get-KmsGrant -KeyId * -EndpointUrl $emulator.Url -ErrorAction SilentlyContinue -ErrorVariable errors -Verbose 4>&1 | Tee-Object -Variable everything |
            Where-Object { $_ -is [KmsGrants.GrantInfo] })
        $verbose = @($everything | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] }).Message -join "`n"
        $stats = Get-KmsEmulatorStatistic -Emulator $emulator
    }
    AfterAll { Stop-TestServer $emulator }

    It 'lists every other key''s grants, absorbing the throttles' {
        Get-Ids $listed | Should -Be (Get-Ids (Get-AccountGrants $emulator | Where-Object KeyId -NE $pending.Arn))
        $stats.operations.ListGrants.throttled | Should -BeGreaterThan 0
    }

    It 'reports the refused key as one non-terminating error naming it' {
        $errors.Count | Should -Be 1
        $errors[0].FullyQualifiedErrorId | Should -Be 'KmsGrants.InvalidState,KmsGrants.Commands.GetKmsGrantCommand'
        $errors[0].TargetObject | Should -Be $pending.Arn
        $errors[0].Exception.Message | Should -BeLike "*list the grants of key $($pending.Arn) in us-east-1*"
    }

    It 'says what it measured: every request and throttle the emulator counted, and a quota near its own' {
        $verbose | Should -Match "Listed 60 key\(s\) in [0-9.]+ s: $($listed.Count) grants written; $($stats.operations.ListGrants.requests) requests, $($stats.operations.ListGrants.throttled) throttled"
        [double]([regex]::Match($verbose, 'quota ≈ ([0-9.]+)/s').Groups[1].Value) | Should -BeLessThan (1.3 * $quota)
    }
}

Describe 'A listing whose consumer pauses longer than the silence rule (a prompt, a slow command downstream)' {
    It 'goes on when the consumer does: the lanes waited on the pipeline, not on KMS' {
        $emulator = Start-KmsEmulator -LatencyMs 250
        try {
            $keys = @(1..12 | ForEach-Object { New-KmsEmulatorKey -Emulator $emulator })
            foreach ($key in $keys) { $null = New-KmsEmulatorGrant -Emulator $emulator -KeyId $key.Arn -GranteePrincipal $App -Count 40 }
            $seen = 0
            # 48 pages of 10 fill the 32 pages a run lets wait; the pause outlasts the 15 s the silence rule allows, and the
            # latency keeps the first requests after it on the wire while the rule is checked.
            $listed = @(Get-KmsGrant -KeyId * -PageSize 10 -EndpointUrl $emulator.Url -ErrorVariable failed |
                ForEach-Object { if (++$seen -eq 5) { Start-Sleep -Seconds 17 }; $_ })
            $failed | Should -BeNullOrEmpty
            Get-Ids $listed | Should -Be (Get-Ids (Get-AccountGrants $emulator))
        }
        finally { Stop-TestServer $emulator }
    }
}

Describe 'Find-KmsStaleGrant' {
    BeforeAll {
        $emulator = Start-KmsEmulator -Region us-east-1, eu-west-1
        $PSDefaultParameterValues['*-Kms*:EndpointUrl'] = $emulator.Url
        $gone = 'arn:aws:iam::111122223333:role/gone'
        $goneUser = 'arn:aws:iam::111122223333:user/left'
        $key = New-KmsEmulatorKey -Emulator $emulator
        $euKey = New-KmsEmulatorKey -Emulator $emulator -Region eu-west-1
        $old = (Get-Date).AddDays(-10)
        $orphans = @(
            New-KmsEmulatorGrant -Emulator $emulator -KeyId $key.Arn -GranteePrincipal $gone -Count 2 -CreationDate $old
            New-KmsEmulatorGrant -Emulator $emulator -KeyId $euKey.Arn -GranteePrincipal $App -RetiringPrincipal $goneUser -CreationDate $old)
        # Made moments ago: a principal created seconds ago shows the same way, so these are not called stale.
        $young = @(New-KmsEmulatorGrant -Emulator $emulator -KeyId $key.Arn -GranteePrincipal $gone)
        Remove-KmsEmulatorPrincipal -Emulator $emulator -Principal $gone, $goneUser
        $dupes = @(1..3 | ForEach-Object { New-KmsEmulatorGrant -Emulator $emulator -KeyId $key.Arn -GranteePrincipal $App -Operations Decrypt, Encrypt -CreationDate $old.AddDays($_) })
        $unique = @(New-KmsEmulatorGrant -Emulator $emulator -KeyId $key.Arn -GranteePrincipal $App -Operations Decrypt)
        $ebs = New-KmsEmulatorKey -Emulator $emulator -AwsManaged -Alias alias/aws/ebs
        $service = @(1..2 | ForEach-Object { New-KmsEmulatorGrant -Emulator $emulator -KeyId $ebs.Arn -GranteePrincipal ec2.us-east-1.amazonaws.com -RetiringPrincipal ec2.us-east-1.amazonaws.com -CreationDate $old })
    }
    AfterAll { Stop-TestServer $emulator; $PSDefaultParameterValues.Remove('*-Kms*:EndpointUrl') }

    It 'finds the grants of deleted principals past the age rule, and the older duplicates, in each Region it lists' {
        $findings = @(Find-KmsStaleGrant -Region us-east-1, eu-west-1)
        $deleted = @($findings | Where-Object Reason -EQ 'PrincipalDeleted')
        # Only the deleted grantee's grants: the grant whose retiring principal alone was deleted still serves its grantee.
        Get-Ids $deleted | Should -Be (Get-Ids $orphans[0..1])
        $duplicates = @($findings | Where-Object Reason -EQ 'Duplicate')
        Get-Ids $duplicates | Should -Be (Get-Ids $dupes[0..1])
        $duplicates.KeptGrantId | Sort-Object -Unique | Should -Be $dupes[2].GrantId
        $findings.GrantId | Should -Not -Contain $young[0].GrantId
        $findings.GrantId | Should -Not -Contain $unique[0].GrantId
        $findings.GrantId | Where-Object { $_ -in $service.GrantId } | Should -BeNullOrEmpty
        $findings | ForEach-Object { $_ | Should -BeOfType ([KmsGrants.StaleGrant]); $_.Evidence | Should -Not -BeNullOrEmpty }
        ($deleted | Where-Object GrantId -EQ $orphans[0].GrantId).Evidence | Should -BeLike 'The grantee principal is AROA*, an IAM role''s unique ID*10 days old*'
        $findings.GrantId | Should -Not -Contain $orphans[2].GrantId
    }

    It 'finds the same from Get-KmsGrant -KeyId * piped in, and from an exported CSV' {
        $fromPipe = @(Get-KmsGrant -KeyId * | Find-KmsStaleGrant)
        $direct = @(Find-KmsStaleGrant)
        Get-Ids $fromPipe | Should -Be (Get-Ids $direct)
        $csv = Join-Path $TestDrive 'grants.csv'
        Get-KmsGrant -KeyId * | Select-Object KeyId, GrantId, GranteePrincipal, RetiringPrincipal, @{ n = 'Operations'; e = { $_.Operations -join ' ' } }, CreationDate,
            @{ n = 'EncryptionContextSubset'; e = { $_.EncryptionContextSubset | ConvertTo-Json -Compress } },
            @{ n = 'EncryptionContextEquals'; e = { $_.EncryptionContextEquals | ConvertTo-Json -Compress } } | Export-Csv $csv
        Get-Ids (Import-Csv $csv | Find-KmsStaleGrant) | Should -Be (Get-Ids $direct)
        # Exported as they are, Operations and the constraints are type names ('System.String[]'): those rows join no
        # duplicate group (they would all look alike), one warning says so, and deleted grantees are still found.
        $raw = Join-Path $TestDrive 'raw.csv'
        Get-KmsGrant -KeyId * | Export-Csv $raw
        $fromRaw = @(Import-Csv $raw | Find-KmsStaleGrant -WarningVariable warned -WarningAction SilentlyContinue)
        Get-Ids $fromRaw | Should -Be (Get-Ids ($direct | Where-Object Reason -EQ 'PrincipalDeleted'))
        @($warned | Where-Object { "$_".Contains("could not be read (such as 'System.String[]'") }).Count | Should -Be 1
    }

    It 'rows that cannot show the constraints or the retiring principal (<Case>) join no duplicate group; deleted grantees are still found' -ForEach @(
        @{ Case = 'no constraint columns'; Columns = @('KeyId', 'GrantId', 'GranteePrincipal', 'RetiringPrincipal', 'CreationDate') }
        @{ Case = 'no RetiringPrincipal column'; Columns = @('KeyId', 'GrantId', 'GranteePrincipal', 'CreationDate', 'EncryptionContextSubset', 'EncryptionContextEquals') }
    ) {
        $rows = Get-KmsGrant -KeyId * | Select-Object ($Columns + @{ n = 'Operations'; e = { $_.Operations -join ' ' } }) | ConvertTo-Csv | ConvertFrom-Csv
        $found = @($rows | Find-KmsStaleGrant -WarningVariable warned -WarningAction SilentlyContinue)
        Get-Ids $found | Should -Be (Get-Ids (Find-KmsStaleGrant -Reason PrincipalDeleted))
        @($warned | Where-Object { "$_".Contains('lacked their retiring principal, operations or constraints') }).Count | Should -Be 1
    }

    It 'grants alike but for their constraint or retiring principal are no duplicates, read from JSON too; alike ones are' {
        $other = New-KmsEmulatorKey -Emulator $emulator
        $who = 'arn:aws:iam::111122223333:role/constrained-reader'
        $made = @(
            New-KmsEmulatorGrant -Emulator $emulator -KeyId $other.Arn -GranteePrincipal $who -Operations Decrypt -CreationDate $old
            New-KmsEmulatorGrant -Emulator $emulator -KeyId $other.Arn -GranteePrincipal $who -Operations Decrypt -EncryptionContextSubset @{ app = 'x' } -CreationDate $old.AddDays(1)
            New-KmsEmulatorGrant -Emulator $emulator -KeyId $other.Arn -GranteePrincipal $who -Operations Decrypt -EncryptionContextSubset @{ app = 'y' } -CreationDate $old.AddDays(2)
            New-KmsEmulatorGrant -Emulator $emulator -KeyId $other.Arn -GranteePrincipal $who -Operations Decrypt -RetiringPrincipal $who -CreationDate $old.AddDays(3)
            New-KmsEmulatorGrant -Emulator $emulator -KeyId $other.Arn -GranteePrincipal $who -Operations Decrypt -EncryptionContextSubset @{ app = 'x' } -CreationDate $old.AddDays(4))
        $listed = @(Get-KmsGrant -KeyId $other.Arn)
        foreach ($source in @(
                @{ Name = 'the grants'; Grants = $listed }
                @{ Name = 'JSON'; Grants = @($listed | ConvertTo-Json -Depth 4 | ConvertFrom-Json) }
                @{ Name = 'JSON, Constraints nested only'; Grants = @($listed | Select-Object KeyId, GrantId, GranteePrincipal, RetiringPrincipal, Operations, CreationDate, Constraints | ConvertTo-Json -Depth 4 | ConvertFrom-Json) })) {
            $found = @($source.Grants | Find-KmsStaleGrant -WarningVariable warned -WarningAction SilentlyContinue)
            # Only the older of the two alike grants (app = x) is a duplicate.
            ($found.GrantId -join ',') | Should -Be $made[1].GrantId -Because $source.Name
            $found[0].KeptGrantId | Should -Be $made[4].GrantId -Because $source.Name
            $warned | Should -BeNullOrEmpty -Because $source.Name
        }
        Get-KmsGrant -KeyId $other.Arn | Revoke-KmsGrant -Force
    }

    It 'says why a young grant of a deleted principal is not a finding, and -MinimumAge 0 finds it' {
        $null = Find-KmsStaleGrant -Verbose 4>&1 | Tee-Object -Variable everything
        @($everything | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] -and $_.Message -like "Grant $($young[0].GrantId)*not called stale*" }).Count | Should -Be 1
        (Find-KmsStaleGrant -MinimumAge 0 -Reason PrincipalDeleted).GrantId | Should -Contain $young[0].GrantId
    }

    It '-KeyId names one key (by ARN, in its own Region) or a pattern' {
        $one = @(Find-KmsStaleGrant -KeyId $euKey.Arn -MinimumAge 0)
        $one | Should -BeNullOrEmpty
        Get-Ids (Find-KmsStaleGrant -KeyId $key.Arn -Reason PrincipalDeleted) | Should -Be (Get-Ids $orphans[0..1])
        # Asked for duplicates only, the deleted role's three grants are a group too: the two older ones are findings.
        Get-Ids (Find-KmsStaleGrant -KeyId $key.KeyId -Reason Duplicate) | Should -Be (Get-Ids ($dupes[0..1] + $orphans[0..1]))
        Find-KmsStaleGrant -KeyId 'alias/none-*' | Should -BeNullOrEmpty
    }

    It '-Reason selects' {
        (Find-KmsStaleGrant -Reason Duplicate).Reason | Sort-Object -Unique | Should -Be 'Duplicate'
        (Find-KmsStaleGrant -Reason PrincipalDeleted).Reason | Sort-Object -Unique | Should -Be 'PrincipalDeleted'
    }

    It 'findings bind into Revoke-KmsGrant: -WhatIf revokes nothing, -Force revokes exactly them' {
        $before = Get-Ids (Get-KmsEmulatorGrant -Emulator $emulator)
        $verdicts = @(Find-KmsStaleGrant | Revoke-KmsGrant -WhatIf -PassThru)
        $verdicts.Status | Sort-Object -Unique | Should -Be 'WouldRevoke'
        Get-Ids (Get-KmsEmulatorGrant -Emulator $emulator) | Should -Be $before
        $findings = @(Find-KmsStaleGrant)
        $revoked = @($findings | Revoke-KmsGrant -Force -PassThru)
        $revoked.Status | Sort-Object -Unique | Should -Be 'Revoked'
        Get-Ids (Get-KmsEmulatorGrant -Emulator $emulator) | Should -Be @($before | Where-Object { $_ -notin $findings.GrantId })
        Find-KmsStaleGrant | Should -BeNullOrEmpty
    }

    It 'refuses what is not a grant, one object at a time, and weighs the rest' {
        $grants = @(Get-KmsGrant -KeyId $key.Arn)
        $results = @($grants[0], 'a string', @{ KeyId = 'k'; GrantId = 'g' }, [pscustomobject]@{ Name = 'no ids' }, 42 |
            Find-KmsStaleGrant -MinimumAge 0 -ErrorAction SilentlyContinue -ErrorVariable errors)
        $errors.Count | Should -Be 4
        $errors.FullyQualifiedErrorId | Sort-Object -Unique | Should -Be 'KmsGrants.NotAGrant,KmsGrants.Commands.FindKmsStaleGrantCommand'
        $errors[0].TargetObject | Should -Be 'a string'
        $results.Count | Should -BeLessOrEqual 1
    }

    It 'refuses a negative -MinimumAge in the binder' {
        { Find-KmsStaleGrant -MinimumAge (New-TimeSpan -Hours -1) -ErrorAction Stop } | Should -Throw -ErrorId 'ParameterArgumentValidationError,KmsGrants.Commands.FindKmsStaleGrantCommand'
    }
}

Describe 'A key near the 50,000-grant limit' {
    It 'is one warning naming it and its count, from its own listing and from grants piped in' {
        $emulator = Start-KmsEmulator
        try {
            $full = New-KmsEmulatorKey -Emulator $emulator
            $null = New-KmsEmulatorGrant -Emulator $emulator -KeyId $full.Arn -GranteePrincipal $App -Count 40000
            $null = Find-KmsStaleGrant -EndpointUrl $emulator.Url -WarningVariable warnings -WarningAction SilentlyContinue
            @($warnings).Count | Should -Be 1
            "$($warnings[0])" | Should -BeLike "Key $($full.Arn) holds 40,000 grants, 80% of the 50,000*"
            $null = Get-KmsGrant -KeyId * -EndpointUrl $emulator.Url | Find-KmsStaleGrant -WarningVariable piped -WarningAction SilentlyContinue
            "$($piped)" | Should -BeLike "Key $($full.Arn) holds 40,000 grants*"
        }
        finally { Stop-TestServer $emulator }
    }
}

Describe 'Against moto (boto3 as the oracle of what exists)' {
    It 'Get-KmsGrant -KeyId * lists every grant of every key moto holds' {
        $moto = Start-MotoServer
        try {
            $sets = @(1..3 | ForEach-Object { New-TestGrantSet -Endpoint $moto.Url -Count 2 })
            $listed = @(Get-KmsGrant -KeyId * -EndpointUrl $moto.Url)
            $expected = $sets | ForEach-Object { Get-AliveGrantId $_.KeyId -Server $moto }
            Get-Ids $listed | Should -Be (Get-Ids ($expected | ForEach-Object { [pscustomobject]@{ GrantId = $_ } }))
        }
        finally { Stop-TestServer $moto }
    }
}

# New-KmsGrant through the built module over HTTP: one grant from parameters, grant objects as templates ("copy a
# deleted role's grants to its replacement"), bulk at the CreateGrant quota, -WhatIf as DryRun (moto, which ignores
# DryRun, creates nothing), a Name making retries after lost answers safe, and input refused per object before
# sending. What exists is read from the emulator's own state (Get-KmsEmulatorGrant) or boto3 for moto, what was sent
# from its request log — never through the module under test.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1')
    Import-Module (Get-KmsGrantsModulePath)
    Set-TestAwsEnvironment
    $emulator = Start-KmsEmulator -Region us-east-1, eu-west-1
    $PSDefaultParameterValues['*-Kms*:EndpointUrl'] = $emulator.Url
    $Worker = 'arn:aws:iam::111122223333:role/worker'
    $Old = 'arn:aws:iam::111122223333:role/old-app'
    $New = 'arn:aws:iam::111122223333:role/new-app'
    function New-Key([string] $Region = 'us-east-1') { New-KmsEmulatorKey -Emulator $emulator -Region $Region }
    # The grants a key has now, from the emulator's own state.
    function Get-Grants($Key) { @(Get-KmsEmulatorGrant -Emulator $emulator -KeyId $Key.Arn) }
    function Get-CreatesSince([long] $Sequence) { @(Get-KmsEmulatorRequest -Emulator $emulator -Operation CreateGrant | Where-Object Sequence -GT $Sequence) }
    function Get-LastSequence { $last = @(Get-KmsEmulatorRequest -Emulator $emulator -Last 1); if ($last) { $last[0].Sequence } else { 0 } }
}
AfterAll { Stop-TestServer $emulator }

Describe 'One grant from parameters' {
    It 'creates it as asked and writes its GrantId and GrantToken, which work at once' {
        $key = New-Key
        $result = New-KmsGrant -KeyId $key.Arn -GranteePrincipal $Worker -Operations Decrypt, GenerateDataKey -RetiringPrincipal $Old -Name worker-app `
            -EncryptionContextSubset @{ app = 'billing' }
        $result | Should -BeOfType ([KmsGrants.NewGrantResult])
        $result.Status | Should -Be 'Created'
        $result.GrantId | Should -Match '^[0-9a-f]{64}$'
        $result.GrantToken | Should -Not -BeNullOrEmpty
        $grant = Get-Grants $key
        $grant.Count | Should -Be 1
        $grant[0].GrantId | Should -Be $result.GrantId
        $grant[0].GranteePrincipal | Should -Be $Worker
        $grant[0].RetiringPrincipal | Should -Be $Old
        $grant[0].Name | Should -Be 'worker-app'
        ($grant[0].Operations | Sort-Object) | Should -Be 'Decrypt', 'GenerateDataKey'
        $grant[0].Constraints.EncryptionContextSubset['app'] | Should -Be 'billing'
        # The token retires the grant it names (a token works before eventual consistency).
        Remove-KmsGrant -GrantToken $result.GrantToken -Force
        Get-Grants $key | Should -BeNullOrEmpty
    }

    It 'takes the key by alias, and $KmsGrantsLastRun counts the run' {
        $key = New-KmsEmulatorKey -Emulator $emulator -Alias 'alias/new-grant-app'
        $result = New-KmsGrant alias/new-grant-app $Worker Decrypt
        $result.KeyId | Should -Be $key.Arn
        (Get-Grants $key).GrantId | Should -Be $result.GrantId
        $KmsGrantsLastRun | Should -BeOfType ([KmsGrants.NewGrantSummary])
        $KmsGrantsLastRun.Created | Should -Be 1
    }

    It 'with a Name, the same request again returns the same grant instead of a second one' {
        $key = New-Key
        $first = New-KmsGrant -KeyId $key.Arn -GranteePrincipal $Worker -Operations Decrypt -Name same-again
        $second = New-KmsGrant -KeyId $key.Arn -GranteePrincipal $Worker -Operations Decrypt -Name same-again
        $second.GrantId | Should -Be $first.GrantId
        (Get-Grants $key).Count | Should -Be 1
    }
}

Describe 'A principal IAM has not yet propagated' {
    It 'is retried until KMS takes it, as Terraform does: Created, after InvalidArnException answers' {
        $key = New-Key
        $fresh = "arn:aws:iam::111122223333:role/made-moments-ago-$([guid]::NewGuid().ToString('N').Substring(0, 8))"
        New-KmsEmulatorPrincipal -Emulator $emulator -Principal $fresh -PropagationSeconds 3
        $since = Get-LastSequence
        $result = New-KmsGrant -KeyId $key.Arn -GranteePrincipal $fresh -Operations Decrypt -Name propagated
        $result.Status | Should -Be 'Created'
        $result.Attempts | Should -BeGreaterThan 1
        $answers = @(Get-CreatesSince $since)
        $answers.Count | Should -Be $result.Attempts
        @($answers | Where-Object StatusCode -EQ 400).Count | Should -Be ($result.Attempts - 1)
        (Get-Grants $key).GranteePrincipal | Should -Be $fresh
    }
}

Describe 'Grant objects as templates: a deleted role''s grants copied to its replacement' {
    BeforeAll {
        $keys = @(New-Key; New-Key 'eu-west-1')
        $null = New-KmsEmulatorGrant -Emulator $emulator -KeyId $keys[0].Arn -GranteePrincipal $Old -Operations Decrypt, Encrypt -Name app-crypto -RetiringPrincipal $Worker
        $null = New-KmsEmulatorGrant -Emulator $emulator -KeyId $keys[0].Arn -GranteePrincipal $Old -Operations Decrypt -EncryptionContextEquals @{ tenant = 'a' }
        $null = New-KmsEmulatorGrant -Emulator $emulator -KeyId $keys[1].Arn -GranteePrincipal $Old -Operations GenerateDataKey -Name app-keys
        $null = New-KmsEmulatorGrant -Emulator $emulator -KeyId $keys[0].Arn -GranteePrincipal $Worker -Operations Decrypt
        $templates = @($keys | ForEach-Object { Get-KmsGrant -KeyId $_.Arn -GranteePrincipal $Old })
        $results = @($templates | New-KmsGrant -GranteePrincipal $New)
        $copies = @($keys | ForEach-Object { Get-Grants $_ } | Where-Object GranteePrincipal -EQ $New)
    }

    It 'makes one grant per template, for the new grantee, in each template''s Region' {
        $templates.Count | Should -Be 3
        $results.Count | Should -Be 3
        $results.Status | Sort-Object -Unique | Should -Be 'Created'
        $copies.Count | Should -Be 3
        ($results.TemplateGrantId | Sort-Object) | Should -Be ($templates.GrantId | Sort-Object)
        ($results | Where-Object KeyId -Like 'arn:aws:kms:eu-west-1:*').Region | Should -Be 'eu-west-1'
    }

    It 'copies each one''s operations, constraints, retiring principal and name' {
        foreach ($template in $templates) {
            $result = $results | Where-Object TemplateGrantId -EQ $template.GrantId
            $copy = $copies | Where-Object GrantId -EQ $result.GrantId
            $copy.KeyId | Should -Be $template.KeyId
            ($copy.Operations | Sort-Object) | Should -Be ($template.Operations | Sort-Object)
            $copy.Name | Should -Be $template.Name
            $copy.RetiringPrincipal | Should -Be $template.RetiringPrincipal
            "$($copy.Constraints.EncryptionContextEquals.Keys)" | Should -Be "$($template.EncryptionContextEquals.Keys)"
        }
    }

    It 'a template copied to its own grantee is the template itself (KMS''s Name rule): Existed, nothing new' {
        $named = @($templates | Where-Object Name)
        $again = @($named | New-KmsGrant)
        $again.Status | Sort-Object -Unique | Should -Be 'Existed'
        ($again.GrantId | Sort-Object) | Should -Be ($named.GrantId | Sort-Object)
        $KmsGrantsLastRun.Existed | Should -Be $named.Count
        $KmsGrantsLastRun.Created | Should -Be 0
        "$KmsGrantsLastRun" | Should -BeLike "*: 0 created, $($named.Count) existed,*"
        @($keys | ForEach-Object { Get-Grants $_ } | Where-Object GranteePrincipal -EQ $Old).Count | Should -Be 3
    }

    It 'a constraint on the command line replaces the template''s, whichever kind either is' {
        $template = $templates | Where-Object { $_.EncryptionContextEquals }
        $result = $template | New-KmsGrant -GranteePrincipal 'arn:aws:iam::111122223333:role/constrained' -EncryptionContextSubset @{ app = 'b' }
        $result.Status | Should -Be 'Created'
        $made = Get-Grants ($keys | Where-Object Arn -EQ $template.KeyId) | Where-Object GrantId -EQ $result.GrantId
        $made.Constraints.EncryptionContextSubset['app'] | Should -Be 'b'
        $made.Constraints.EncryptionContextEquals | Should -BeNullOrEmpty
    }

    It 'a deleted role''s unique ID (what ListGrants shows) is refused as a principal before sending, naming the parameter' {
        $since = Get-LastSequence
        $null = $templates[0] | New-KmsGrant -GranteePrincipal $New -RetiringPrincipal 'AROAJQABLZS4A3QDU576Q' -ErrorAction SilentlyContinue -ErrorVariable refused
        $refused[0].FullyQualifiedErrorId | Should -Be 'KmsGrants.InvalidPrincipal,KmsGrants.Commands.NewKmsGrantCommand'
        $refused[0].Exception.Message | Should -BeLike '*-RetiringPrincipal*an IAM role''s unique ID, as ListGrants shows a deleted one*'
        Get-CreatesSince $since | Should -BeNullOrEmpty
    }

    It 'templates kept whole in a file (<Case>) are copied with their constraint' -ForEach @(
        @{ Case = 'ConvertTo-Json -Depth 4'; Keep = { param($t) $t | ConvertTo-Json -Depth 4 | ConvertFrom-Json } }
        @{ Case = 'ConvertTo-Json at its default depth'; Keep = { param($t) $t | ConvertTo-Json | ConvertFrom-Json } }
        @{ Case = 'the AWS CLI''s shape: Constraints nested only'; Keep = { param($t) $t | Select-Object KeyId, GrantId, Name, GranteePrincipal, RetiringPrincipal, Operations, Constraints | ConvertTo-Json -Depth 4 | ConvertFrom-Json } }
        @{ Case = 'a CSV with operations as text and the constraint as JSON'; Keep = { param($t) $t | Select-Object KeyId, GrantId, GranteePrincipal, @{ n = 'Operations'; e = { $_.Operations -join ' ' } }, @{ n = 'EncryptionContextEquals'; e = { $_.EncryptionContextEquals | ConvertTo-Json -Compress } } | ConvertTo-Csv | ConvertFrom-Csv } }
    ) {
        $template = $templates | Where-Object { $_.EncryptionContextEquals }
        $kept = & $Keep $template
        $grantee = "arn:aws:iam::111122223333:role/kept-$([guid]::NewGuid().ToString('N').Substring(0, 8))"
        $result = $kept | New-KmsGrant -GranteePrincipal $grantee -Force
        $result.Status | Should -Be 'Created'
        $made = Get-Grants ($keys | Where-Object Arn -EQ $template.KeyId) | Where-Object GrantId -EQ $result.GrantId
        $made.Constraints.EncryptionContextEquals['tenant'] | Should -Be 'a'
        ($made.Operations | Sort-Object) | Should -Be ($template.Operations | Sort-Object)
    }

    It 'a template whose constraint cannot be read (<Case>) is refused, never copied without it; the others go on' -ForEach @(
        @{ Case = 'Export-Csv as it is: the type''s name'; Kept = { param($t) $t | Select-Object KeyId, GranteePrincipal, @{ n = 'Operations'; e = { $_.Operations -join ' ' } }, EncryptionContextEquals | ConvertTo-Csv | ConvertFrom-Csv }; Says = '-EncryptionContextEquals is*' }
        @{ Case = 'text that is not JSON'; Kept = { param($t) [pscustomobject]@{ KeyId = $t.KeyId; GranteePrincipal = $t.GranteePrincipal; Operations = 'Decrypt'; EncryptionContextEquals = 'tenant=a' } }; Says = '-EncryptionContextEquals is*' }
        @{ Case = 'JSON whose value is a number'; Kept = { param($t) [pscustomobject]@{ KeyId = $t.KeyId; GranteePrincipal = $t.GranteePrincipal; Operations = 'Decrypt'; EncryptionContextEquals = '{"tenant":1}' } }; Says = '-EncryptionContextEquals is*' }
        @{ Case = 'nested Constraints as text'; Kept = { param($t) [pscustomobject]@{ KeyId = $t.KeyId; GranteePrincipal = $t.GranteePrincipal; Operations = 'Decrypt'; Constraints = 'KmsGrants.GrantConstraints' } }; Says = 'The template''s Constraints.*' }
    ) {
        $template = $templates | Where-Object { $_.EncryptionContextEquals }
        $plain = $templates | Where-Object { -not $_.EncryptionContextEquals -and -not $_.EncryptionContextSubset } | Select-Object -First 1
        $bad = & $Kept $template
        $since = Get-LastSequence
        $grantee = "arn:aws:iam::111122223333:role/unread-$([guid]::NewGuid().ToString('N').Substring(0, 8))"
        $results = @($plain, $bad | New-KmsGrant -GranteePrincipal $grantee -Force -ErrorAction SilentlyContinue -ErrorVariable errors)
        $errors.Count | Should -Be 1
        $errors[0].FullyQualifiedErrorId | Should -Be 'KmsGrants.InvalidConstraint,KmsGrants.Commands.NewKmsGrantCommand'
        $errors[0].Exception.Message | Should -BeLike '*not a dictionary*would give more than the template*'
        $errors[0].Exception.Message | Should -BeLike $Says
        $results.Count | Should -Be 1
        (Get-CreatesSince $since).Count | Should -Be 1
        @($keys | ForEach-Object { Get-Grants $_ } | Where-Object GranteePrincipal -EQ $grantee).Count | Should -Be 1
    }

    It 'operations a plain Export-Csv wrote as a type''s name are refused with the advice to write them as text' {
        $template = $templates | Where-Object { -not $_.EncryptionContextEquals } | Select-Object -First 1
        $row = $template | Select-Object KeyId, Operations | ConvertTo-Csv | ConvertFrom-Csv
        $null = $row | New-KmsGrant -GranteePrincipal $New -Force -ErrorAction SilentlyContinue -ErrorVariable errors
        $errors[0].FullyQualifiedErrorId | Should -Be 'KmsGrants.InvalidOperations,KmsGrants.Commands.NewKmsGrantCommand'
        $errors[0].Exception.Message | Should -BeLike "*'System.String``[``]'*what Export-Csv writes for a list*"
    }

    It 'leaves the old grants as they were (revoking them is a separate step)' {
        @($keys | ForEach-Object { Get-Grants $_ } | Where-Object GranteePrincipal -EQ $Old).Count | Should -Be 3
    }
}

Describe 'Bulk: 300 grants on 30 keys at a CreateGrant quota of 40 per second' {
    BeforeAll {
        $quota = 40
        $bulk = Start-KmsEmulator -Quota @{ CreateGrant = $quota }
        $keys = @(1..30 | ForEach-Object { New-KmsEmulatorKey -Emulator $bulk })
        $rows = @(foreach ($key in $keys) { 1..10 | ForEach-Object { [pscustomobject]@{ KeyId = $key.Arn; Name = "bulk-$_" } } })
        $results = @($rows | New-KmsGrant -GranteePrincipal $Worker -Operations Decrypt -EndpointUrl $bulk.Url -ErrorVariable errors)
        $summary = $KmsGrantsLastRun
        $stats = Get-KmsEmulatorStatistic -Emulator $bulk
        $made = @(Get-KmsEmulatorGrant -Emulator $bulk)
    }
    AfterAll { Stop-TestServer $bulk }

    It 'creates every one, absorbing the throttles, with no error' {
        $results.Count | Should -Be 300
        $results.Status | Sort-Object -Unique | Should -Be 'Created'
        $errors | Should -BeNullOrEmpty
        $made.Count | Should -Be 300
        ($made.GrantId | Sort-Object) | Should -Be ($results.GrantId | Sort-Object)
        $stats.operations.CreateGrant.throttled | Should -BeGreaterThan 0
    }

    It 'measured the CreateGrant quota and tallied the run as the emulator counted it' {
        $summary.Created | Should -Be 300
        $summary.Requests | Should -Be $stats.operations.CreateGrant.requests
        $summary.ThrottledResponses | Should -Be $stats.operations.CreateGrant.throttled
        $summary.Regions['us-east-1'].QuotaEstimate | Should -BeGreaterThan 0
        $summary.Regions['us-east-1'].QuotaEstimate | Should -BeLessThan (1.3 * $quota)
    }
}

Describe '-WhatIf is DryRun' {
    It 'states KMS''s verdict for each grant and creates nothing' {
        $key = New-Key
        $since = Get-LastSequence
        $results = @(New-KmsGrant -KeyId $key.Arn -GranteePrincipal $Worker -Operations Decrypt -WhatIf -InformationVariable info)
        $results.Status | Should -Be 'WouldCreate'
        $results.DryRun | Should -BeTrue
        Get-Grants $key | Should -BeNullOrEmpty
        (Get-CreatesSince $since).DryRun | Should -Be $true
    }

    It 'a principal KMS does not know is its verdict at once (WouldFail), not waited on as IAM propagation' {
        $key = New-Key
        $fresh = "arn:aws:iam::111122223333:role/not-yet-$([guid]::NewGuid().ToString('N').Substring(0, 8))"
        New-KmsEmulatorPrincipal -Emulator $emulator -Principal $fresh -PropagationSeconds 600
        $since = Get-LastSequence
        $result = New-KmsGrant -KeyId $key.Arn -GranteePrincipal $fresh -Operations Decrypt -WhatIf -ErrorAction SilentlyContinue
        $result.Status | Should -Be 'WouldFail'
        $result.ErrorCode | Should -Be 'InvalidArnException'
        $result.Attempts | Should -Be 1
        @(Get-CreatesSince $since).Count | Should -Be 1
        $result.Message | Should -BeLike '*without -WhatIf, the request is retried for up to 120 seconds*'
    }

    It 'against moto, which ignores DryRun, creates nothing and stops with KmsGrants.DryRunNotHonored' {
        $moto = Start-MotoServer
        try {
            $set = New-TestGrantSet -Endpoint $moto.Url -Count 1
            $results = @(New-KmsGrant -KeyId $set.KeyId -GranteePrincipal $Worker -Operations Decrypt -EndpointUrl $moto.Url -WhatIf -ErrorAction SilentlyContinue -ErrorVariable errors)
            $results.Status | Should -Be 'NotAttempted'
            $errors[-1].FullyQualifiedErrorId | Should -Be 'KmsGrants.DryRunNotHonored,KmsGrants.Commands.NewKmsGrantCommand'
            @(Get-AliveGrantId $set.KeyId -Server $moto).Count | Should -Be 1
        }
        finally { Stop-TestServer $moto }
    }

    It 'against moto without -WhatIf creates the grant (boto3 sees it)' {
        $moto = Start-MotoServer
        try {
            $set = New-TestGrantSet -Endpoint $moto.Url -Count 1
            $result = New-KmsGrant -KeyId $set.KeyId -GranteePrincipal $Worker -Operations Decrypt -EndpointUrl $moto.Url
            $result.Status | Should -Be 'Created'
            Get-AliveGrantId $set.KeyId -Server $moto | Should -Contain $result.GrantId
        }
        finally { Stop-TestServer $moto }
    }
}

Describe 'Input that cannot be right is refused per object before sending, and the others go on' {
    It '<Case> -> <Id>' -ForEach @(
        @{ Case = 'a constraint whose value is a number'; Row = @{ EncryptionContextSubset = @{ dept = 10 } }; Id = 'KmsGrants.InvalidConstraint' }
        @{ Case = 'both constraints'; Row = @{ EncryptionContextSubset = @{ a = 'b' }; EncryptionContextEquals = @{ c = 'd' } }; Id = 'KmsGrants.InvalidConstraint' }
        @{ Case = 'an operation no grant allows'; Row = @{ Operations = @('Decrypt', 'Delete') }; Id = 'KmsGrants.InvalidOperations' }
        @{ Case = 'operations of two kinds of key'; Row = @{ Operations = @('Decrypt', 'Sign') }; Id = 'KmsGrants.InvalidOperations' }
        @{ Case = 'a grantee that is not a principal'; Row = @{ GranteePrincipal = 'role worker' }; Id = 'KmsGrants.InvalidPrincipal' }
        @{ Case = 'a name KMS refuses'; Row = @{ Name = 'not a name!' }; Id = 'KmsGrants.InvalidGrantName' }
    ) {
        $key = New-Key
        $good = [pscustomobject]@{ KeyId = $key.Arn; GranteePrincipal = $Worker; Operations = @('Decrypt') }
        $properties = [ordered]@{ KeyId = $key.Arn; GranteePrincipal = $Worker; Operations = @('Decrypt') }
        foreach ($name in $Row.Keys) { $properties[$name] = $Row[$name] }
        $bad = [pscustomobject]$properties
        $since = Get-LastSequence
        $results = @($good, $bad, $good | New-KmsGrant -ErrorAction SilentlyContinue -ErrorVariable errors)
        $errors.Count | Should -Be 1
        $errors[0].FullyQualifiedErrorId | Should -Be "$Id,KmsGrants.Commands.NewKmsGrantCommand"
        $errors[0].CategoryInfo.Category | Should -Be 'InvalidArgument'
        $results.Count | Should -Be 2
        (Get-CreatesSince $since).Count | Should -Be 2
        $KmsGrantsLastRun.Invalid | Should -Be 1
    }

    It 'an empty -Operations is the binder''s error' {
        { New-KmsGrant -KeyId (New-Key).Arn -GranteePrincipal $Worker -Operations @() -ErrorAction Stop } | Should -Throw -ErrorId 'ParameterArgumentValidationErrorEmptyArrayNotAllowed,KmsGrants.Commands.NewKmsGrantCommand'
    }
}

Describe 'Lost answers: a Name makes a retry safe; without one, nothing is reported Created that KMS did not confirm' {
    BeforeAll {
        $faulty = Start-KmsEmulator -FaultRate 0.3 -FaultKind commit-then-drop -FaultOperation CreateGrant -Seed 11
        $key = New-KmsEmulatorKey -Emulator $faulty
    }
    AfterAll { Stop-TestServer $faulty }

    It 'named: every grant Created, exactly one grant per name' {
        $results = @(1..40 | ForEach-Object { [pscustomobject]@{ KeyId = $key.Arn; Name = "named-$_" } } |
            New-KmsGrant -GranteePrincipal $Worker -Operations Decrypt -EndpointUrl $faulty.Url -ErrorAction SilentlyContinue)
        $results.Status | Sort-Object -Unique | Should -Be 'Created'
        $made = @(Get-KmsEmulatorGrant -Emulator $faulty -KeyId $key.Arn | Where-Object Name -Like 'named-*')
        $made.Count | Should -Be 40
        ($made.GrantId | Sort-Object) | Should -Be ($results.GrantId | Sort-Object)
    }

    It 'unnamed: a grant whose answer was lost is Unknown and not sent again; each Created one exists' {
        $grantee = 'arn:aws:iam::111122223333:role/unnamed'
        $results = @(1..40 | ForEach-Object { $key.Arn } | New-KmsGrant -GranteePrincipal $grantee -Operations Decrypt -EndpointUrl $faulty.Url `
            -ErrorAction SilentlyContinue -WarningAction SilentlyContinue)
        $results.Count | Should -Be 40
        $results.Status | Where-Object { $_ -notin 'Created', 'Unknown' } | Should -BeNullOrEmpty
        $made = @(Get-KmsEmulatorGrant -Emulator $faulty -KeyId $key.Arn | Where-Object GranteePrincipal -EQ $grantee)
        $created = @($results | Where-Object Status -EQ 'Created')
        $created.GrantId | ForEach-Object { $_ | Should -BeIn $made.GrantId }
        @($results | Where-Object Status -EQ 'Unknown') | ForEach-Object { $_.Attempts | Should -Be 1; $_.Message | Should -BeLike '*Without a Name it was not sent again*' }
        # No duplicate: the emulator holds no more grants than requests that reached it.
        $made.Count | Should -BeLessOrEqual 40
    }
}

Describe 'An answer that is not KMS''s' {
    It 'a CreateGrant "success" without a grant ID and token is KmsGrants.NotKmsResponse, never Created' {
        $peer = Start-HostileServer json @('--body', '{}')
        try {
            $results = @(1..3 | ForEach-Object { [pscustomobject]@{ KeyId = $FakeKey; Name = "n$_" } } |
                New-KmsGrant -GranteePrincipal $Worker -Operations Decrypt -EndpointUrl $peer.Url -ErrorAction SilentlyContinue -ErrorVariable errors)
            $results.Count | Should -Be 3
            $results.Status | Where-Object { $_ -eq 'Created' } | Should -BeNullOrEmpty
            $errors[-1].FullyQualifiedErrorId | Should -Be 'KmsGrants.NotKmsResponse,KmsGrants.Commands.NewKmsGrantCommand'
        }
        finally { Stop-TestServer $peer }
    }
}

# The built module is complete and real, its first cmdlet works end to end against moto, and removing it from one
# runspace leaves it working in another.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1')
    $ModulePath = Get-KmsGrantsModulePath
    Import-Module $ModulePath
    Set-TestAwsEnvironment
}

Describe 'The built module folder' {
    It 'exports exactly its six cmdlets: the five KMS grant APIs and the audit' {
        (Get-Command -Module KmsGrants).Name | Sort-Object | Should -Be @('Find-KmsStaleGrant', 'Get-KmsGrant', 'Get-KmsRetirableGrant', 'New-KmsGrant', 'Remove-KmsGrant', 'Revoke-KmsGrant')
    }

    It 'ships no System.Management.Automation.dll' {
        Get-ChildItem $ModulePath -Recurse -Filter 'System.Management.Automation.dll' | Should -BeNullOrEmpty
    }

    It 'has a real manifest with explicit exports' {
        $manifest = Test-ModuleManifest (Join-Path $ModulePath 'KmsGrants.psd1')
        $manifest.Version | Should -BeGreaterThan ([version]'0.0.0')
        $manifest.Guid | Should -Not -Be ([guid]::Empty)
        $manifest.CompatiblePSEditions | Should -Be @('Core', 'Desktop')
        $manifest.PowerShellVersion | Should -Be ([version]'5.1')
        $manifest.Author | Should -Not -BeNullOrEmpty
        $manifest.Description | Should -Not -BeNullOrEmpty
        $manifest.ProjectUri | Should -Not -BeNullOrEmpty
        $manifest.LicenseUri | Should -Not -BeNullOrEmpty
        $manifest.Tags | Should -Contain 'KMS'
        $data = Import-PowerShellDataFile (Join-Path $ModulePath 'KmsGrants.psd1')
        foreach ($list in 'CmdletsToExport', 'FunctionsToExport', 'AliasesToExport', 'VariablesToExport') {
            $data[$list] | Where-Object { $_ -match '\*' } | Should -BeNullOrEmpty -Because "$list must not use wildcards"
        }
        foreach ($format in $data.FormatsToProcess) { Join-Path $ModulePath $format | Should -Exist }
    }

    It 'loads the AWS SDK only into its private load context' {
        $null = Get-KmsRetirableGrant -RetiringPrincipal $AccountRoot -EndpointUrl 'http://127.0.0.1:9' -ErrorAction SilentlyContinue
        $sdk = [AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { $_.GetName().Name -like 'AWSSDK.*' }
        $sdk | Should -Not -BeNullOrEmpty
        foreach ($assembly in $sdk) {
            [System.Runtime.Loader.AssemblyLoadContext]::GetLoadContext($assembly).Name | Should -Be 'KmsGrants'
        }
    }

    It 'shows both parameter sets of Remove-KmsGrant in Get-Command -Syntax' {
        $syntax = (Get-Command Remove-KmsGrant -Syntax) -join "`n"
        $syntax | Should -Match 'Remove-KmsGrant \[-GrantId\] <string\[\]> -KeyId <string>'
        $syntax | Should -Match 'Remove-KmsGrant \[-GrantToken\] <string\[\]>'
    }

    It 'shows Revoke-KmsGrant''s key-and-ID set first, and -GrantToken only as the set that refuses a token' {
        $sets = (Get-Command Revoke-KmsGrant).ParameterSets
        ($sets | Where-Object IsDefault).Name | Should -Be 'ById'
        (Get-Command Revoke-KmsGrant -Syntax) -join "`n" | Should -Match 'Revoke-KmsGrant \[-GrantId\] <string\[\]> -KeyId <string>'
        # Not offered by tab completion: it exists to give a token-only grant a specific error.
        ((Get-Command Revoke-KmsGrant).Parameters['GrantToken'].Attributes | Where-Object { $_ -is [Parameter] }).DontShow | Should -BeTrue
    }
}

Describe 'Argument completion' {
    It 'completes -Region from the SDK''s region list' {
        $line = 'Get-KmsGrant -KeyId k -Region eu-we'
        $names = (TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches.CompletionText
        $names | Should -Contain 'eu-west-1'
        $names | Should -Not -Contain 'us-east-1'
    }

    It 'completes -ProfileName from the profiles in -ProfileLocation' {
        $file = Join-Path $TestDrive 'credentials'
        Set-Content $file "[work-a]`naws_access_key_id = A`naws_secret_access_key = B`n`n[work-b]`naws_access_key_id = C`naws_secret_access_key = D`n`n[other]`naws_access_key_id = E`naws_secret_access_key = F"
        $line = "Remove-KmsGrant -ProfileLocation '$file' -ProfileName wor"
        (TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches.CompletionText | Should -Be @('work-a', 'work-b')
    }
}

Describe 'Get-KmsRetirableGrant against moto (third-party backend)' {
    BeforeAll {
        $moto = Start-MotoServer
        $retirer = 'arn:aws:iam::111122223333:role/retirer'
        $set = New-TestGrantSet -Endpoint $moto.Url -Count 3 -RetiringPrincipal $retirer
        $null = New-TestGrantSet -Endpoint $moto.Url -Count 1 -RetiringPrincipal 'arn:aws:iam::111122223333:role/other' -KeyId $set.KeyId
    }
    AfterAll { Stop-TestServer $moto }

    It 'streams every grant the principal may retire, as KmsGrants.GrantInfo' {
        $grants = @(Get-KmsRetirableGrant -RetiringPrincipal $retirer -EndpointUrl $moto.Url -Region us-east-1)
        $grants.Count | Should -Be 3
        $grants | ForEach-Object { $_ | Should -BeOfType ([KmsGrants.GrantInfo]) }
        ($grants.GrantId | Sort-Object) | Should -Be ($set.Grants.GrantId | Sort-Object)
        $grants.RetiringPrincipal | Sort-Object -Unique | Should -Be $retirer
        $grants[0].Operations | Should -Be @('Decrypt')
    }

    It 'returns nothing for a principal with no grants' {
        Get-KmsRetirableGrant -RetiringPrincipal 'arn:aws:iam::111122223333:role/nobody' -EndpointUrl $moto.Url | Should -BeNullOrEmpty
    }
}

Describe 'Remove-Module KmsGrants in one runspace' {
    BeforeAll {
        $emulator = Start-KmsEmulator -SeedGrants 3
        # A HOME with no ~/.aws, and explicit credentials: Invoke-Isolated -NewProcess clears the AWS variables.
        $emptyHome = Join-Path $TestDrive 'empty-home'
        $null = New-Item -ItemType Directory $emptyHome -Force
        $testEnvironment = @{ AWS_ACCESS_KEY_ID = 'testing'; AWS_SECRET_ACCESS_KEY = 'testing'; AWS_REGION = 'us-east-1' }
    }
    AfterAll { Stop-TestServer $emulator }

    It 'leaves the module working in another runspace that imported it' {
        # The emulator's own state: what the listing must find.
        $alive = @(Get-AliveGrantId $emulator.KeyArn -Server $emulator).Count
        # A fresh pwsh: the engine must be resolved for the first time after the removal.
        $run = Invoke-Isolated -NewProcess -NoImport -HomeDirectory $emptyHome -Environment $testEnvironment -Arguments @{ Url = $emulator.Url; Key = $emulator.KeyArn } -Script @'
            $a = [runspacefactory]::CreateRunspace(); $a.Open()
            $b = [runspacefactory]::CreateRunspace(); $b.Open()
            foreach ($rs in $a, $b) { $ps = [powershell]::Create($rs); $null = $ps.AddScript("Import-Module '$Module'").Invoke(); $ps.Dispose() }
            $ps = [powershell]::Create($a); $null = $ps.AddScript('Remove-Module KmsGrants').Invoke()
            "REMOVED=$(-not (Get-Module KmsGrants)) ERRORS=$($ps.Streams.Error.Count)"
            $ps = [powershell]::Create($b)
            $found = $ps.AddScript("Get-KmsGrant -KeyId '$Key' -EndpointUrl '$Url'").Invoke()
            "LISTED=$($found.Count) ERRORS=$($ps.Streams.Error.Count) $($ps.Streams.Error | Out-String)"
'@
        $run.Output | Should -Match 'REMOVED=True ERRORS=0'
        $alive | Should -BeGreaterThan 0
        $run.Output | Should -Match "LISTED=$alive ERRORS=0"
    }
}

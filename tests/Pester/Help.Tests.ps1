# Help for every cmdlet and parameter of both modules, examples, the about topics, and the views of the output types.
# (Whether docs/en-US is what the code generates is Docs.Tests.ps1's.)
BeforeDiscovery {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1')
    Import-Module (Get-KmsGrantsModulePath)
    # Every cmdlet of both modules, from the modules themselves, with the about topic its help links to.
    $commands = @(Get-Command -Module KmsGrants -CommandType Cmdlet | ForEach-Object { @{ Name = $_.Name; About = 'about_KmsGrants' } }) +
        @(Get-Command -Module KmsGrants.Testing -CommandType Cmdlet | ForEach-Object { @{ Name = $_.Name; About = 'about_KmsGrants.Testing' } })
    $topics = @(Get-ChildItem (Join-Path $PSScriptRoot '../../docs/en-US') -Filter 'about_*.md' | ForEach-Object { @{ Name = $_.BaseName; Path = $_.FullName } })
}
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1')
    Import-Module (Get-KmsGrantsModulePath)
    $ubiquitous = [System.Management.Automation.PSCmdlet]::CommonParameters + [System.Management.Automation.PSCmdlet]::OptionalCommonParameters |
        Where-Object { $_ -notin 'WhatIf', 'Confirm' }
}

Describe 'Help for <Name>' -ForEach $commands {
    BeforeAll {
        $name = $Name
        $help = Get-Help $name -Full
        $command = Get-Command $name
    }

    It 'has a synopsis and a description' {
        $help.Synopsis | Should -Not -BeNullOrEmpty
        $help.Synopsis | Should -Not -BeLike "*$name*[[]*"   # not the auto-generated syntax stand-in
        ($help.Description.Text -join ' ').Length | Should -BeGreaterThan 200
    }

    It 'documents every parameter, with its real type and pipeline binding' {
        foreach ($parameter in $command.Parameters.Values | Where-Object Name -NotIn $ubiquitous) {
            $doc = $help.Parameters.Parameter | Where-Object Name -EQ $parameter.Name
            $doc | Should -Not -BeNullOrEmpty -Because "-$($parameter.Name) must be documented"
            ($doc.Description.Text -join ' ').Length | Should -BeGreaterThan 20 -Because "-$($parameter.Name) needs a description"
            $byPropertyName = [bool]($parameter.Attributes | Where-Object { $_ -is [System.Management.Automation.ParameterAttribute] -and $_.ValueFromPipelineByPropertyName })
            if ($byPropertyName) { $doc.PipelineInput | Should -BeLike '*ByPropertyName*' }
        }
    }

    It 'documents no parameter that does not exist' {
        foreach ($doc in $help.Parameters.Parameter) { $command.Parameters.Keys | Should -Contain $doc.Name }
    }

    It 'has at least three examples, each with code and remarks' {
        $help.Examples.Example.Count | Should -BeGreaterOrEqual 3
        foreach ($example in $help.Examples.Example) {
            $example.Code | Should -Not -BeNullOrEmpty
            ($example.Remarks.Text -join '') | Should -Not -BeNullOrEmpty
        }
    }

    It 'names inputs, outputs and related links' {
        $help.inputTypes | Should -Not -BeNullOrEmpty
        $help.returnValues | Should -Not -BeNullOrEmpty
        $help.relatedLinks.navigationLink.linkText | Should -Contain $About
    }
}

Describe 'Remove-KmsGrant examples' {
    It 'include a pipeline bulk retirement and a -WhatIf run' {
        $codes = (Get-Help Remove-KmsGrant -Examples).Examples.Example.Code
        $codes | Where-Object { $_ -match '\|\s*Remove-KmsGrant -Force' } | Should -Not -BeNullOrEmpty
        $codes | Where-Object { $_ -match 'Remove-KmsGrant -WhatIf' } | Should -Not -BeNullOrEmpty
    }
}

Describe 'about_KmsGrants' {
    It 'covers credentials, DryRun/WhatIf, bulk retirement and testing' {
        $text = Get-Help about_KmsGrants | Out-String
        foreach ($section in 'CREDENTIALS AND REGION', '-WHATIF IS KMS DRYRUN', 'BULK RETIREMENT', 'TESTING RUNBOOKS') {
            $text | Should -Match ([regex]::Escape($section))
        }
    }
}

Describe 'about_KmsGrants.Testing' {
    It 'covers why in-process, a Pester file, faults and the error IDs' {
        $text = Get-Help about_KmsGrants.Testing | Out-String
        foreach ($section in 'WHY IN-PROCESS', 'A PESTER FILE', 'BUSY AND FAILING KMS', 'ERRORS') {
            $text | Should -Match ([regex]::Escape($section))
        }
    }

    It 'names every error ID the module writes' {
        $text = Get-Help about_KmsGrants.Testing | Out-String
        $ids = [KmsGrants.Testing.ErrorIds].GetFields() | ForEach-Object { $_.GetValue($null) }
        $ids.Count | Should -BeGreaterThan 10
        foreach ($id in $ids) { $text | Should -Match "\b$(($id -split '\.')[-1])\b" -Because "$id is an error ID" }
    }
}

Describe 'Topic <Name>' -ForEach $topics {
    It 'is Get-Help''s, with the sections of its markdown' {
        $text = Get-Help $Name | Out-String
        $text | Should -Match "TOPIC\s+$([regex]::Escape($Name))"
        $headings = Get-Content $Path | Where-Object { $_ -match '^## ' } | ForEach-Object { ($_ -replace '^## ', '' -replace '`', '').ToUpperInvariant() }
        $headings.Count | Should -BeGreaterThan 1
        foreach ($heading in $headings) { $text | Should -Match ([regex]::Escape($heading)) -Because "$Name has the section '$heading'" }
    }
}

Describe 'Views' {
    It 'shows RetireResult as a table that fits 120 columns' {
        $results = @(
            [KmsGrants.RetireResult]@{ KeyId = 'arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab'; GrantId = 'a' * 64; Status = 'Retired'; Attempts = 1 }
            [KmsGrants.RetireResult]@{ GrantToken = 'AQpAM2' + 'x' * 250; Status = 'Failed'; Attempts = 6; ErrorCode = 'KMSInternalException' }
        )
        $table = $results | Format-Table | Out-String -Width 120
        $table | Should -Match 'Status\s+Grant\s+Attempts\s+Error'
        $table | Should -Match 'KMSInternalException'
        $table -split "`n" | ForEach-Object { $_.TrimEnd().Length | Should -BeLessOrEqual 120 }
        ($results[0] | Format-List | Out-String) | Should -Match 'GrantId\s+: a{64}'
    }
}

# The module publishes to a PSResourceGet repository, installs with Install-PSResource, and works installed.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1')
    $emulator = Start-KmsEmulator -SeedGrants 7 -RetiringPrincipal 'arn:aws:iam::111122223333:role/installed'
    $tempHome = Join-Path $TestDrive 'home'
    $repo = Join-Path $TestDrive 'repo'
    $null = New-Item -ItemType Directory $tempHome, $repo
    $script = Join-Path $TestDrive 'install.ps1'
    Set-Content $script @"
`$ErrorActionPreference = 'Stop'
Register-PSResourceRepository -Name KmsGrantsTest -Uri '$repo' -Trusted
Publish-PSResource -Path '$(Get-KmsGrantsModulePath)' -Repository KmsGrantsTest
'package=' + (Get-ChildItem '$repo' -Filter *.nupkg).Name
Install-PSResource -Name KmsGrants -Repository KmsGrantsTest -Scope CurrentUser -TrustRepository
Import-Module KmsGrants
'base=' + (Get-Module KmsGrants).ModuleBase
`$env:AWS_ACCESS_KEY_ID = 'testing'; `$env:AWS_SECRET_ACCESS_KEY = 'testing'
'grants=' + @(Get-KmsRetirableGrant arn:aws:iam::111122223333:role/installed -EndpointUrl '$($emulator.Url)' -Region us-east-1).Count
'examples=' + (Get-Help Remove-KmsGrant -Examples).Examples.Example.Count
"@
    $savedHome = $env:HOME
    try {
        # A fresh HOME: the repository registration and the CurrentUser install land in it, not in the user's own.
        $env:HOME = $tempHome
        $output = (& ([Environment]::ProcessPath) (Join-Path $PSHOME 'pwsh.dll') -NoProfile -NonInteractive -File $script 2>&1) -join "`n"
        $exitCode = $LASTEXITCODE
    }
    finally { $env:HOME = $savedHome }
}
AfterAll { Stop-TestServer $emulator }

Describe 'Install-PSResource from a local repository' {
    It 'publishes a .nupkg named after the manifest''s version' {
        $version = (Import-PowerShellDataFile (Join-Path (Get-KmsGrantsModulePath) 'KmsGrants.psd1')).ModuleVersion
        $output | Should -Match "package=KmsGrants\.$([regex]::Escape($version))\.nupkg"
        $exitCode | Should -Be 0
    }

    It 'installs into the user''s module path and imports from there' {
        $output | Should -Match ("base=" + [regex]::Escape($tempHome))
    }

    It 'lists grants and shows help once installed' {
        $output | Should -Match 'grants=7'
        $output | Should -Match 'examples=[3-9]'
    }
}

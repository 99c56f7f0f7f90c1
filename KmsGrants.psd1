@{
    # The single source of the module's version: build.ps1 and the package read it from here.
    ModuleVersion        = '0.3.0'
    GUID                 = '2641f61b-e67c-4c08-a13b-f5736b616f29'
    RootModule           = 'KmsGrants.dll'
    Author               = 'The KmsGrants authors'
    CompanyName          = 'KmsGrants'
    Copyright            = '(c) The KmsGrants authors. MIT License.'
    Description          = 'Find, create, retire and revoke AWS KMS grants from PowerShell: Get-KmsRetirableGrant, Get-KmsGrant, Find-KmsStaleGrant, New-KmsGrant, Remove-KmsGrant and Revoke-KmsGrant, with -WhatIf as KMS DryRun, pipeline-native bulk runs paced to each Region''s KMS quota, one result per grant, and the AWS Tools credential conventions. Loads its own AWS SDK privately, so it coexists with AWS.Tools modules.'
    CompatiblePSEditions = @('Core', 'Desktop')
    PowerShellVersion    = '5.1'
    DotNetFrameworkVersion = '4.7.2'
    CmdletsToExport      = @('Find-KmsStaleGrant', 'Get-KmsGrant', 'Get-KmsRetirableGrant', 'New-KmsGrant', 'Remove-KmsGrant', 'Revoke-KmsGrant')
    FunctionsToExport    = @()
    AliasesToExport      = @()
    VariablesToExport    = @()
    FormatsToProcess     = @('KmsGrants.Format.ps1xml')
    PrivateData          = @{
        PSData = @{
            Tags         = @('AWS', 'KMS', 'KeyManagementService', 'Grants', 'RetireGrant', 'RevokeGrant', 'Security', 'Cloud', 'PSEdition_Core', 'PSEdition_Desktop', 'Linux', 'Windows', 'MacOS')
            ProjectUri   = 'https://github.com/kmsgrants/KmsGrants'
            LicenseUri   = 'https://github.com/kmsgrants/KmsGrants/blob/main/LICENSE'
            ReleaseNotes = '0.3.0: Find-KmsStaleGrant, New-KmsGrant, -KeyId patterns and several Regions on the listing cmdlets, an endpoint configured outside the command signed per Region. Every change: https://github.com/kmsgrants/KmsGrants/blob/main/CHANGELOG.md'
        }
    }
}

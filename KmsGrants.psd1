@{
    # The single source of the module's version: build.ps1 and the package read it from here.
    ModuleVersion        = '0.1.0'
    GUID                 = '2641f61b-e67c-4c08-a13b-f5736b616f29'
    RootModule           = 'KmsGrants.dll'
    Author               = 'The KmsGrants authors'
    CompanyName          = 'KmsGrants'
    Copyright            = '(c) The KmsGrants authors. MIT License.'
    Description          = 'Find and retire AWS KMS grants from PowerShell: Get-KmsRetirableGrant, Get-KmsGrant and Remove-KmsGrant, with -WhatIf as KMS DryRun, pipeline-native bulk retirement paced to the KMS quota, and the AWS Tools credential conventions. Loads its own AWS SDK privately, so it coexists with AWS.Tools modules.'
    CompatiblePSEditions = @('Core', 'Desktop')
    PowerShellVersion    = '5.1'
    DotNetFrameworkVersion = '4.7.2'
    CmdletsToExport      = @('Get-KmsGrant', 'Get-KmsRetirableGrant', 'Remove-KmsGrant')
    FunctionsToExport    = @()
    AliasesToExport      = @()
    VariablesToExport    = @()
    FormatsToProcess     = @('KmsGrants.Format.ps1xml')
    PrivateData          = @{
        PSData = @{
            Tags         = @('AWS', 'KMS', 'KeyManagementService', 'Grants', 'RetireGrant', 'Security', 'Cloud', 'PSEdition_Core', 'PSEdition_Desktop', 'Linux', 'Windows', 'MacOS')
            ProjectUri   = 'https://github.com/kmsgrants/KmsGrants'
            LicenseUri   = 'https://github.com/kmsgrants/KmsGrants/blob/main/LICENSE'
            ReleaseNotes = 'First release: Get-KmsRetirableGrant, Get-KmsGrant, Remove-KmsGrant.'
        }
    }
}

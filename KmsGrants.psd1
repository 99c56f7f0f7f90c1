@{
    # The single source of the module's version: build.ps1 and the package read it from here.
    ModuleVersion        = '0.2.0'
    GUID                 = '2641f61b-e67c-4c08-a13b-f5736b616f29'
    RootModule           = 'KmsGrants.dll'
    Author               = 'The KmsGrants authors'
    CompanyName          = 'KmsGrants'
    Copyright            = '(c) The KmsGrants authors. MIT License.'
    Description          = 'Find, retire and revoke AWS KMS grants from PowerShell: Get-KmsRetirableGrant, Get-KmsGrant, Remove-KmsGrant and Revoke-KmsGrant, with -WhatIf as KMS DryRun, pipeline-native bulk retirement and revocation paced to the KMS quota, and the AWS Tools credential conventions. Loads its own AWS SDK privately, so it coexists with AWS.Tools modules.'
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
            ReleaseNotes = '0.2.0: Revoke-KmsGrant (RevokeGrant on the same run as Remove-KmsGrant); every grant taken in has one result even when a run stops, and the stop is the last, non-terminating error; -WhatIf always prints PowerShell''s What if line, then KMS''s verdict; an upper-case ARN: or Alias/ prefix is refused before sending. 0.1.0: Get-KmsRetirableGrant, Get-KmsGrant, Remove-KmsGrant.'
        }
    }
}

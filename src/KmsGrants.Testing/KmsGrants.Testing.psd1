@{
    # The single source of this module's version: build.ps1 and its package read it from here.
    ModuleVersion        = '0.2.0'
    GUID                 = 'a60082fb-f87d-46b9-8202-159f321d5c0e'
    RootModule           = 'KmsGrants.Testing.dll'
    Author               = 'The KmsGrants authors'
    CompanyName          = 'KmsGrants'
    Copyright            = '(c) The KmsGrants authors. MIT License.'
    Description          = 'A local AWS KMS endpoint for testing runbooks and scripts that manage KMS grants: Start-KmsEmulator runs it in the PowerShell process, on a loopback port, in milliseconds. It speaks AWS JSON 1.1 with SigV4 checked and implements keys, aliases and grants as KMS does (DryRun, NotFound, paging, who may retire, Regions, accounts, assumed roles), with request quotas, latency and faults to inject. Seed grants with New-KmsEmulatorGrant, assert with Get-KmsEmulatorGrant and Get-KmsEmulatorRequest. Works with KmsGrants, the AWS CLI, boto3 and the AWS SDKs; needs nothing but PowerShell 7.4+.'
    CompatiblePSEditions = @('Core')
    PowerShellVersion    = '7.4'
    CmdletsToExport      = @('Start-KmsEmulator', 'Stop-KmsEmulator', 'New-KmsEmulatorKey', 'New-KmsEmulatorGrant', 'Get-KmsEmulatorGrant',
        'Get-KmsEmulatorRequest', 'Get-KmsEmulatorStatistic', 'Set-KmsEmulatorQuota', 'New-KmsEmulatorPrincipal', 'Remove-KmsEmulatorPrincipal',
        'Get-KmsEmulatorPrincipal')
    FunctionsToExport    = @()
    AliasesToExport      = @()
    VariablesToExport    = @()
    FormatsToProcess     = @('KmsGrants.Testing.Format.ps1xml')
    PrivateData          = @{
        PSData = @{
            Tags         = @('AWS', 'KMS', 'KeyManagementService', 'Grants', 'Emulator', 'Mock', 'Testing', 'Pester', 'PSEdition_Core', 'Linux', 'Windows', 'MacOS')
            ProjectUri   = 'https://github.com/kmsgrants/KmsGrants'
            LicenseUri   = 'https://github.com/kmsgrants/KmsGrants/blob/main/LICENSE'
            ReleaseNotes = '0.2.0: its own bounded HTTP/1.1 server on System.Net.Sockets, deleted IAM principals shown as unique IDs, back-dated grants, AWS managed keys, CreateGrant''s Name idempotency. Every change: https://github.com/kmsgrants/KmsGrants/blob/main/CHANGELOG.md'
        }
    }
}

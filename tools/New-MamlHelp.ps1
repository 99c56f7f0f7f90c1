<#
.SYNOPSIS
    Writes MAML help (en-US/KmsGrants.dll-Help.xml) from docs/help/KmsGrants.help.psd1 and the built cmdlets.
.DESCRIPTION
    The prose comes from the .psd1; names, types, positions, aliases, pipeline binding and parameter sets come
    from the cmdlets' own metadata, so the help cannot drift from the code. Fails if a parameter has no prose.
    Run in its own pwsh (build.ps1 does), since it imports the built module.
#>
param(
    [Parameter(Mandatory)] [string] $ModulePath,
    [Parameter(Mandatory)] [string] $Source,
    [Parameter(Mandatory)] [string] $Destination
)
$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 3.0

$help = Import-PowerShellDataFile $Source
$module = Import-Module $ModulePath -PassThru
$ubiquitous = [System.Management.Automation.PSCmdlet]::CommonParameters + [System.Management.Automation.PSCmdlet]::OptionalCommonParameters |
    Where-Object { $_ -notin 'WhatIf', 'Confirm' }

$maml = 'http://schemas.microsoft.com/maml/2004/10'
$cmd = 'http://schemas.microsoft.com/maml/dev/command/2004/10'
$dev = 'http://schemas.microsoft.com/maml/dev/2004/10'

$settings = [System.Xml.XmlWriterSettings]@{ Indent = $true; Encoding = [System.Text.UTF8Encoding]::new($false) }
$null = New-Item -ItemType Directory -Force (Split-Path $Destination)
$w = [System.Xml.XmlWriter]::Create($Destination, $settings)

function Write-Paras([string[]] $Paragraphs) {
    $w.WriteStartElement('maml', 'description', $maml)
    foreach ($p in $Paragraphs) { $w.WriteElementString('maml', 'para', $maml, $p) }
    $w.WriteEndElement()
}

function Get-Prose([string] $Command, [string] $Parameter) {
    $own = $help.Commands[$Command].Parameters
    if ($own.ContainsKey($Parameter)) { return $own[$Parameter] }
    if ($help.CommonParameters.ContainsKey($Parameter)) { return $help.CommonParameters[$Parameter] }
    throw "docs/help: $Command -$Parameter has no description."
}

function Get-PipelineInput($Attributes) {
    $kinds = @()
    if ($Attributes | Where-Object ValueFromPipeline) { $kinds += 'ByValue' }
    if ($Attributes | Where-Object ValueFromPipelineByPropertyName) { $kinds += 'ByPropertyName' }
    if ($kinds) { "True ($($kinds -join ', '))" } else { 'False' }
}

function Write-Parameter([string] $Command, $Parameter, $Attributes, [bool] $WithProse) {
    $isSwitch = $Parameter.ParameterType -eq [switch]
    $positions = @($Attributes | Where-Object { $_.Position -ge 0 } | ForEach-Object Position)
    $w.WriteStartElement('command', 'parameter', $cmd)
    $w.WriteAttributeString('required', ([bool]($Attributes | Where-Object Mandatory)).ToString().ToLowerInvariant())
    $w.WriteAttributeString('variableLength', 'true')
    $w.WriteAttributeString('globbing', 'false')
    $w.WriteAttributeString('pipelineInput', (Get-PipelineInput $Attributes))
    $w.WriteAttributeString('position', $(if ($positions.Count) { "$($positions[0])" } else { 'named' }))
    $w.WriteAttributeString('aliases', $(if ($Parameter.Aliases.Count) { $Parameter.Aliases -join ', ' } else { 'none' }))
    $w.WriteElementString('maml', 'name', $maml, $Parameter.Name)
    if ($WithProse) { Write-Paras @(Get-Prose $Command $Parameter.Name) }
    if (-not $isSwitch) {
        $w.WriteStartElement('command', 'parameterValue', $cmd)
        $w.WriteAttributeString('required', 'true')
        $w.WriteString($Parameter.ParameterType.Name)
        $w.WriteEndElement()
    }
    if ($WithProse) {
        $w.WriteStartElement('dev', 'type', $dev)
        $w.WriteElementString('maml', 'name', $maml, $Parameter.ParameterType.FullName)
        $w.WriteEndElement()
        $w.WriteElementString('dev', 'defaultValue', $dev, $(if ($isSwitch) { 'False' } else { 'None' }))
    }
    $w.WriteEndElement()
}

function Write-Types([string] $Outer, [string] $Inner, $Items) {
    $w.WriteStartElement('command', $Outer, $cmd)
    foreach ($item in $Items) {
        $w.WriteStartElement('command', $Inner, $cmd)
        $w.WriteStartElement('dev', 'type', $dev); $w.WriteElementString('maml', 'name', $maml, $item.Type); $w.WriteEndElement()
        Write-Paras @($item.Description)
        $w.WriteEndElement()
    }
    $w.WriteEndElement()
}

$w.WriteStartDocument()
$w.WriteStartElement('helpItems', 'http://msh')
$w.WriteAttributeString('schema', 'maml')
foreach ($command in Get-Command -Module $module.Name | Sort-Object Name) {
    $name = $command.Name
    $doc = $help.Commands[$name]
    if (-not $doc) { throw "docs/help has no entry for $name." }

    $w.WriteStartElement('command', 'command', $cmd)
    $w.WriteAttributeString('xmlns', 'maml', $null, $maml)
    $w.WriteAttributeString('xmlns', 'command', $null, $cmd)
    $w.WriteAttributeString('xmlns', 'dev', $null, $dev)

    $w.WriteStartElement('command', 'details', $cmd)
    $w.WriteElementString('command', 'name', $cmd, $name)
    Write-Paras @($doc.Synopsis)
    $w.WriteElementString('command', 'verb', $cmd, $command.Verb)
    $w.WriteElementString('command', 'noun', $cmd, $command.Noun)
    $w.WriteEndElement()
    Write-Paras $doc.Description

    $w.WriteStartElement('command', 'syntax', $cmd)
    foreach ($set in $command.ParameterSets) {
        $w.WriteStartElement('command', 'syntaxItem', $cmd)
        $w.WriteElementString('maml', 'name', $maml, $name)
        foreach ($p in $set.Parameters | Where-Object Name -NotIn $ubiquitous) {
            $attributes = $command.Parameters[$p.Name].Attributes | Where-Object { $_ -is [System.Management.Automation.ParameterAttribute] -and $_.ParameterSetName -in $set.Name, '__AllParameterSets' }
            Write-Parameter $name $command.Parameters[$p.Name] $attributes $false
        }
        $w.WriteEndElement()
    }
    $w.WriteEndElement()

    $w.WriteStartElement('command', 'parameters', $cmd)
    foreach ($p in $command.Parameters.Values | Where-Object Name -NotIn $ubiquitous | Sort-Object Name) {
        $attributes = $p.Attributes | Where-Object { $_ -is [System.Management.Automation.ParameterAttribute] }
        Write-Parameter $name $p $attributes $true
    }
    $w.WriteEndElement()

    Write-Types 'inputTypes' 'inputType' $doc.Inputs
    Write-Types 'returnValues' 'returnValue' $doc.Outputs

    $w.WriteStartElement('maml', 'alertSet', $maml)
    $w.WriteStartElement('maml', 'alert', $maml)
    foreach ($note in $doc.Notes) { $w.WriteElementString('maml', 'para', $maml, $note) }
    $w.WriteEndElement(); $w.WriteEndElement()

    $w.WriteStartElement('command', 'examples', $cmd)
    $i = 0
    foreach ($example in $doc.Examples) {
        $i++
        $w.WriteStartElement('command', 'example', $cmd)
        $w.WriteElementString('maml', 'title', $maml, "-------------------------- Example $i --------------------------")
        $w.WriteElementString('dev', 'code', $dev, $example.Code)
        $w.WriteStartElement('dev', 'remarks', $dev)
        $w.WriteElementString('maml', 'para', $maml, $example.Remarks)
        $w.WriteEndElement()
        $w.WriteEndElement()
    }
    $w.WriteEndElement()

    $w.WriteStartElement('command', 'relatedLinks', $cmd)
    foreach ($link in $doc.Links) {
        $w.WriteStartElement('maml', 'navigationLink', $maml)
        $isUri = $link -like 'http*'
        $w.WriteElementString('maml', 'linkText', $maml, $(if ($isUri) { 'Online: ' + ($link -split '/')[-1] } else { $link }))
        $w.WriteElementString('maml', 'uri', $maml, $(if ($isUri) { $link } else { '' }))
        $w.WriteEndElement()
    }
    $w.WriteEndElement()

    $w.WriteEndElement()
}
$w.WriteEndElement()
$w.WriteEndDocument()
$w.Close()
Write-Host "Wrote $Destination"

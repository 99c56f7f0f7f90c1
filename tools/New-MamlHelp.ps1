<#
.SYNOPSIS
    Writes a built module's Get-Help files into its en-US folder: the cmdlets' MAML (<Module>.dll-Help.xml) and each of
    its about topics as text (about_*.help.txt).
.DESCRIPTION
    The cmdlets' prose comes from docs/help/<Module>.help.psd1; names, types, positions, aliases, pipeline binding and
    parameter sets from the cmdlets' own metadata (tools/HelpSource.psm1, which the pages in docs/en-US are written from
    too), so the help cannot drift from the code. Fails if a parameter has no prose. The about topics are
    docs/en-US/about_<Module>.md and about_<Module>_*.md, markdown turned into Get-Help's text. Run in its own pwsh
    (build.ps1 does), since it imports the built module.
#>
param(
    [Parameter(Mandatory)] [string] $ModulePath,
    [Parameter(Mandatory)] [string] $Source,
    [Parameter(Mandatory)] [string] $Destination,
    # The folder of the about topics' markdown (docs/en-US).
    [Parameter(Mandatory)] [string] $AboutSource
)
$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 3.0
Import-Module (Join-Path $PSScriptRoot 'HelpSource.psm1')

$module = Import-Module $ModulePath -PassThru
$commands = @(Get-CommandHelp -ModuleName $module.Name -Source $Source)

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

# One parameter: in a syntax item (its set's binding, no prose), or in the parameters list (with prose).
function Write-Parameter($Parameter, [bool] $Required, [string] $Position, [string] $PipelineInput, [string] $Prose, [string] $Default) {
    $isSwitch = $Parameter.ParameterType -eq [switch]
    $w.WriteStartElement('command', 'parameter', $cmd)
    $w.WriteAttributeString('required', $Required.ToString().ToLowerInvariant())
    $w.WriteAttributeString('variableLength', 'true')
    $w.WriteAttributeString('globbing', 'false')
    $w.WriteAttributeString('pipelineInput', $PipelineInput)
    $w.WriteAttributeString('position', $Position)
    $w.WriteAttributeString('aliases', $(if ($Parameter.Aliases.Count) { $Parameter.Aliases -join ', ' } else { 'none' }))
    $w.WriteElementString('maml', 'name', $maml, $Parameter.Name)
    if ($Prose) { Write-Paras @($Prose) }
    if (-not $isSwitch) {
        $w.WriteStartElement('command', 'parameterValue', $cmd)
        $w.WriteAttributeString('required', 'true')
        $w.WriteString($Parameter.ParameterType.Name)
        $w.WriteEndElement()
    }
    if ($Prose) {
        $w.WriteStartElement('dev', 'type', $dev)
        $w.WriteElementString('maml', 'name', $maml, $Parameter.ParameterType.FullName)
        $w.WriteEndElement()
        $w.WriteElementString('dev', 'defaultValue', $dev, $Default)
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
foreach ($c in $commands) {
    $w.WriteStartElement('command', 'command', $cmd)
    $w.WriteAttributeString('xmlns', 'maml', $null, $maml)
    $w.WriteAttributeString('xmlns', 'command', $null, $cmd)
    $w.WriteAttributeString('xmlns', 'dev', $null, $dev)

    $w.WriteStartElement('command', 'details', $cmd)
    $w.WriteElementString('command', 'name', $cmd, $c.Name)
    Write-Paras @($c.Synopsis)
    $w.WriteElementString('command', 'verb', $cmd, $c.Verb)
    $w.WriteElementString('command', 'noun', $cmd, $c.Noun)
    $w.WriteEndElement()
    Write-Paras $c.Description

    $w.WriteStartElement('command', 'syntax', $cmd)
    foreach ($set in $c.Syntax) {
        $w.WriteStartElement('command', 'syntaxItem', $cmd)
        $w.WriteElementString('maml', 'name', $maml, $c.Name)
        foreach ($p in $set.Parameters) { Write-Parameter $p.Parameter $p.Required $p.Position $p.PipelineInput $null }
        $w.WriteEndElement()
    }
    $w.WriteEndElement()

    $w.WriteStartElement('command', 'parameters', $cmd)
    foreach ($p in $c.Parameters) {
        $parameter = (Get-Command $c.Name).Parameters[$p.Name]
        Write-Parameter $parameter $p.Required $p.Position $p.PipelineInput $p.Prose $p.Default
    }
    $w.WriteEndElement()

    Write-Types 'inputTypes' 'inputType' $c.Inputs
    Write-Types 'returnValues' 'returnValue' $c.Outputs

    $w.WriteStartElement('maml', 'alertSet', $maml)
    $w.WriteStartElement('maml', 'alert', $maml)
    foreach ($note in $c.Notes) { $w.WriteElementString('maml', 'para', $maml, $note) }
    $w.WriteEndElement(); $w.WriteEndElement()

    $w.WriteStartElement('command', 'examples', $cmd)
    $i = 0
    foreach ($example in $c.Examples) {
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
    foreach ($link in $c.Links) {
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

# The module's about topics: about_<Module>.md and about_<Module>_*.md (KmsGrants' are not KmsGrants.Testing's).
$enUS = Split-Path $Destination
$topics = @(Get-ChildItem $AboutSource -Filter 'about_*.md' | Where-Object { $_.BaseName -eq "about_$($module.Name)" -or $_.BaseName -like "about_$($module.Name)_*" })
if (-not $topics) { throw "No about topic for $($module.Name) in $AboutSource." }
foreach ($topic in $topics) {
    $text = ConvertTo-AboutText (Get-Content $topic.FullName -Raw)
    [IO.File]::WriteAllText((Join-Path $enUS "$($topic.BaseName).help.txt"), $text, [System.Text.UTF8Encoding]::new($false))
}
Write-Host "Wrote $($topics.Count) about topic(s) for $($module.Name)"

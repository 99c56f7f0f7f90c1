<#
    The one reading of the help sources, shared by tools/New-MamlHelp.ps1 (Get-Help's MAML and about_*.help.txt, at
    build) and tools/Update-Docs.ps1 (docs/en-US: the cmdlet pages and the generated blocks of the about topics). The
    prose comes from docs/help/<Module>.help.psd1 and docs/en-US/about_*.md; names, types, positions, aliases, pipeline
    binding and parameter sets from the built cmdlets; error IDs, statuses, members and the emulator's tables from the
    built assemblies' attributes. So no fact the code knows is written by hand.
#>
Set-StrictMode -Version 3.0

$script:Ubiquitous = [System.Management.Automation.PSCmdlet]::CommonParameters + [System.Management.Automation.PSCmdlet]::OptionalCommonParameters |
    Where-Object { $_ -notin 'WhatIf', 'Confirm' }

# ---- Cmdlets: the psd1 prose joined to the cmdlets' metadata ----

function Format-TypeName([type] $Type) {
    $inner = [Nullable]::GetUnderlyingType($Type)
    if ($inner) { return $inner.Name }
    $Type.Name
}

# A parameter's value before binding, as help shows it: None for nothing (no value, empty text, list or table, and a
# number left 0, which these cmdlets take as "not given").
function Format-DefaultValue($Value, [bool] $IsSwitch) {
    if ($IsSwitch) { return [string][bool]$Value }
    if ($null -eq $Value -or ($Value -is [string] -and $Value -eq '') -or ($Value -is [System.Collections.ICollection] -and $Value.Count -eq 0) -or
        ($Value -is [ValueType] -and $Value -isnot [bool] -and $Value -isnot [enum] -and $Value -isnot [timespan] -and $Value -eq 0)) { return 'None' }
    if ($Value -is [array]) { return $Value -join ', ' }
    "$Value"
}

<#
.SYNOPSIS
    Each cmdlet of a module (imported), with its prose from the psd1 and its metadata, as the MAML and the markdown
    pages both write it. Throws when a cmdlet or a parameter has no prose.
#>
function Get-CommandHelp {
    param([Parameter(Mandatory)] [string] $ModuleName, [Parameter(Mandatory)] [string] $Source)
    $help = Import-PowerShellDataFile $Source
    $sourceName = Split-Path $Source -Leaf
    foreach ($command in Get-Command -Module $ModuleName -CommandType Cmdlet | Sort-Object Name) {
        $name = $command.Name
        $doc = $help.Commands[$name]
        if (-not $doc) { throw "docs/help/${sourceName} has no entry for $name." }

        # Defaults as the cmdlet itself holds them before binding.
        $fresh = [Activator]::CreateInstance($command.ImplementingType)
        $parameters = foreach ($p in $command.Parameters.Values | Where-Object Name -NotIn $script:Ubiquitous | Sort-Object Name) {
            $own = $doc.Parameters
            $prose = if ($own.ContainsKey($p.Name)) { $own[$p.Name] } elseif ($help.CommonParameters.ContainsKey($p.Name)) { $help.CommonParameters[$p.Name] }
            else { throw "docs/help/${sourceName}: $name -$($p.Name) has no description." }
            $attributes = @($p.Attributes | Where-Object { $_ -is [System.Management.Automation.ParameterAttribute] })
            $sets = foreach ($a in $attributes) {
                [pscustomobject]@{
                    Name = if ($a.ParameterSetName -eq '__AllParameterSets') { '(All)' } else { $a.ParameterSetName }
                    Required = [bool]$a.Mandatory
                    Position = if ($a.Position -ge 0) { "$($a.Position)" } else { 'named' }
                    ByValue = [bool]$a.ValueFromPipeline
                    ByPropertyName = [bool]$a.ValueFromPipelineByPropertyName
                }
            }
            $kinds = @()
            if ($sets | Where-Object ByValue) { $kinds += 'ByValue' }
            if ($sets | Where-Object ByPropertyName) { $kinds += 'ByPropertyName' }
            $positions = @($sets | Where-Object Position -NE 'named' | ForEach-Object Position)
            [pscustomobject]@{
                Name          = $p.Name
                Type          = $p.ParameterType
                TypeName      = Format-TypeName $p.ParameterType
                IsSwitch      = $p.ParameterType -eq [switch]
                Prose         = $prose
                Aliases       = @($p.Aliases)
                Sets          = @($sets)
                Required      = [bool]($sets | Where-Object Required)
                Position      = if ($positions.Count) { $positions[0] } else { 'named' }
                PipelineInput = if ($kinds) { "True ($($kinds -join ', '))" } else { 'False' }
                Default       = Format-DefaultValue $(if ($own = $fresh.PSObject.Properties[$p.Name]) { $own.Value }) ($p.ParameterType -eq [switch])
            }
        }

        $syntax = foreach ($set in $command.ParameterSets) {
            $setParameters = foreach ($sp in $set.Parameters | Where-Object Name -NotIn $script:Ubiquitous) {
                $a = @($command.Parameters[$sp.Name].Attributes | Where-Object {
                        $_ -is [System.Management.Automation.ParameterAttribute] -and $_.ParameterSetName -in $set.Name, '__AllParameterSets' })
                $kinds = @()
                if ($a | Where-Object ValueFromPipeline) { $kinds += 'ByValue' }
                if ($a | Where-Object ValueFromPipelineByPropertyName) { $kinds += 'ByPropertyName' }
                $pos = @($a | Where-Object { $_.Position -ge 0 } | ForEach-Object Position)
                [pscustomobject]@{
                    Name          = $sp.Name
                    Parameter     = $command.Parameters[$sp.Name]
                    Required      = [bool]($a | Where-Object Mandatory)
                    Position      = if ($pos.Count) { "$($pos[0])" } else { 'named' }
                    PipelineInput = if ($kinds) { "True ($($kinds -join ', '))" } else { 'False' }
                }
            }
            [pscustomobject]@{ Name = $set.Name; IsDefault = $set.IsDefault; Text = "$name $set"; Parameters = @($setParameters) }
        }

        [pscustomobject]@{
            Name        = $name
            Module      = $ModuleName
            Verb        = $command.Verb
            Noun        = $command.Noun
            Synopsis    = $doc.Synopsis
            Description = @($doc.Description)
            Syntax      = @($syntax)
            Parameters  = @($parameters)
            Inputs      = @($doc.Inputs)
            Outputs     = @($doc.Outputs)
            Notes       = @($doc.Notes)
            Examples    = @($doc.Examples)
            Links       = @($doc.Links)
        }
    }
}

# ---- Markdown, as the docs write it ----

# Prose from the psd1 is plain text: make it literal in markdown.
function ConvertTo-MarkdownText([string] $Text) {
    $Text -replace '\\', '\\' -replace '([*_`\[\]|])', '\$1' -replace '<', '&lt;' -replace '>', '&gt;'
}

function Format-Link([string] $Link) {
    if ($Link -like 'http*') { return "[$(($Link -split '/')[-1] -replace '\.html$', '')]($Link)" }
    "[$Link]($Link.md)"
}

<#
.SYNOPSIS
    A cmdlet's page, docs/en-US/<Cmdlet>.md: what Get-Help shows, for readers of the repository.
#>
function ConvertTo-CommandMarkdown($Command) {
    $sb = [System.Text.StringBuilder]::new()
    $line = { param($s = '') $null = $sb.Append($s).Append("`n") }
    & $line "<!-- Generated by tools/Update-Docs.ps1 from docs/help/$($Command.Module).help.psd1 and the built cmdlet: edit those, then run build.ps1 -Task Docs. -->"
    & $line "# $($Command.Name)"
    & $line
    & $line "Module: $($Command.Module)"
    & $line
    & $line '## Synopsis'
    & $line
    & $line (ConvertTo-MarkdownText $Command.Synopsis)
    & $line
    & $line '## Syntax'
    foreach ($set in $Command.Syntax) {
        & $line
        & $line "### $($set.Name)$(if ($set.IsDefault -and $Command.Syntax.Count -gt 1) { ' (default)' })"
        & $line
        & $line '```'
        & $line $set.Text
        & $line '```'
    }
    & $line
    & $line '## Description'
    foreach ($p in $Command.Description) { & $line; & $line (ConvertTo-MarkdownText $p) }
    & $line
    & $line '## Examples'
    $i = 0
    foreach ($example in $Command.Examples) {
        $i++
        & $line
        & $line "### Example $i"
        & $line
        & $line '```powershell'
        & $line $example.Code
        & $line '```'
        & $line
        & $line (ConvertTo-MarkdownText $example.Remarks)
    }
    & $line
    & $line '## Parameters'
    foreach ($p in $Command.Parameters) {
        & $line
        & $line "### -$($p.Name)"
        & $line
        & $line (ConvertTo-MarkdownText $p.Prose)
        & $line
        & $line '| | |'
        & $line '|---|---|'
        & $line "| Type | $(ConvertTo-MarkdownText $p.TypeName) |"
        $setNames = @($p.Sets | ForEach-Object Name)
        & $line "| Parameter sets | $($setNames -join ', ') |"
        $requiredIn = @($p.Sets | Where-Object Required | ForEach-Object Name)
        & $line "| Required | $(if (-not $requiredIn) { 'False' } elseif ($requiredIn.Count -eq $setNames.Count) { 'True' } else { 'True in ' + ($requiredIn -join ', ') + '; False in the others' }) |"
        $positions = @($p.Sets | ForEach-Object Position | Sort-Object -Unique)
        & $line "| Position | $(if ($positions.Count -eq 1) { $positions[0] } else { ($p.Sets | ForEach-Object { "$($_.Position) ($($_.Name))" }) -join ', ' }) |"
        & $line "| Pipeline input | $($p.PipelineInput) |"
        & $line "| Default value | $(ConvertTo-MarkdownText $p.Default) |"
        & $line "| Aliases | $(if ($p.Aliases.Count) { $p.Aliases -join ', ' } else { 'none' }) |"
    }
    & $line
    & $line '### CommonParameters'
    & $line
    & $line 'This cmdlet supports the common parameters: -Debug, -ErrorAction, -ErrorVariable, -InformationAction, -InformationVariable, -OutBuffer, -OutVariable, -PipelineVariable, -ProgressAction, -Verbose, -WarningAction and -WarningVariable ([about_CommonParameters](https://learn.microsoft.com/powershell/module/microsoft.powershell.core/about/about_commonparameters)).'
    foreach ($section in @(@('Inputs', $Command.Inputs), @('Outputs', $Command.Outputs))) {
        & $line
        & $line "## $($section[0])"
        foreach ($item in $section[1]) {
            & $line
            & $line "### $($item.Type)"
            & $line
            & $line (ConvertTo-MarkdownText $item.Description)
        }
    }
    & $line
    & $line '## Notes'
    foreach ($note in $Command.Notes) { & $line; & $line (ConvertTo-MarkdownText $note) }
    & $line
    & $line '## Related links'
    & $line
    foreach ($link in $Command.Links) { & $line "- $(Format-Link $link)" }
    $sb.ToString()
}

# ---- Tables the code knows, for the about topics' generated blocks ----

function ConvertTo-Cell([string] $Text) { ConvertTo-MarkdownText $Text }

function Get-DescriptionOf([System.Reflection.MemberInfo] $Member) {
    $a = [System.Reflection.CustomAttributeExtensions]::GetCustomAttributes($Member, $false) | Where-Object { $_.GetType().Name -eq 'DescriptionAttribute' }
    if ($a) { return @($a)[0].Description }
}

function Find-LoadedType([string] $Name) {
    foreach ($assembly in [AppDomain]::CurrentDomain.GetAssemblies()) {
        $t = $assembly.GetType($Name, $false)
        if ($t) { return $t }
    }
    # The engine lives in KmsGrants' private load context; asking for it by name goes through the module's resolver.
    $engine = [System.Reflection.Assembly]::Load('KmsGrants.Engine')
    $t = $engine.GetType($Name, $false)
    if ($t) { return $t }
    throw "No loaded type is named $Name."
}

function Get-EnumTable([string] $TypeName) {
    $type = Find-LoadedType $TypeName
    $rows = foreach ($field in $type.GetFields([System.Reflection.BindingFlags]'Public, Static')) {
        $text = Get-DescriptionOf $field
        if (-not $text) { throw "$TypeName.$($field.Name) has no [Description]." }
        "| ``$($field.Name)`` | $(ConvertTo-Cell $text) |"
    }
    (@("| $($type.Name) | meaning |", '|---|---|') + $rows) -join "`n"
}

# Every public property a type declares (overrides are the base's to describe), each with its [Description].
function Get-MemberTable([string[]] $TypeNames) {
    $out = foreach ($typeName in $TypeNames) {
        $type = Find-LoadedType $typeName
        $rows = foreach ($property in $type.GetProperties([System.Reflection.BindingFlags]'Public, Instance, DeclaredOnly') | Sort-Object MetadataToken) {
            $getter = $property.GetGetMethod()
            if ($getter -and $getter.GetBaseDefinition().DeclaringType -ne $type) { continue }
            $text = Get-DescriptionOf $property
            if (-not $text) { throw "$typeName.$($property.Name) has no [Description]." }
            "| ``$($property.Name)`` | $(ConvertTo-Cell (Format-TypeName $property.PropertyType)) | $(ConvertTo-Cell $text) |"
        }
        if (-not $rows) { continue }
        $base = if ($type.BaseType -and $type.BaseType -ne [object]) { " (and every member of $($type.BaseType.FullName))" } else { '' }
        "**$($type.FullName)**$base"
        ''
        '| member | type | meaning |'
        '|---|---|---|'
        $rows
        ''
    }
    ($out -join "`n").TrimEnd()
}

function Get-ErrorIdTable {
    $type = Find-LoadedType 'KmsGrants.Engine.ErrorIds'
    $scopeType = Find-LoadedType 'KmsGrants.Engine.ErrorScope'
    $ids = foreach ($field in $type.GetFields([System.Reflection.BindingFlags]'Public, Static') | Where-Object IsLiteral) {
        $a = @([System.Reflection.CustomAttributeExtensions]::GetCustomAttributes($field, $false) | Where-Object { $_.GetType().Name -eq 'ErrorIdAttribute' })
        if (-not $a) { throw "ErrorIds.$($field.Name) has no [ErrorId]." }
        [pscustomobject]@{ Id = $field.GetRawConstantValue(); Scope = "$($a[0].Scope)"; When = $a[0].When }
    }
    $out = foreach ($scope in [enum]::GetNames($scopeType)) {
        $members = @($ids | Where-Object Scope -EQ $scope | Sort-Object Id)
        if (-not $members) { continue }
        "**$scope**: $(ConvertTo-Cell (Get-DescriptionOf $scopeType.GetField($scope)))"
        ''
        '| error ID | when |'
        '|---|---|'
        foreach ($m in $members) { "| ``$($m.Id)`` | $(ConvertTo-Cell $m.When) |" }
        ''
    }
    ($out -join "`n").TrimEnd()
}

function Get-DescribedConstantTable([string] $TypeName, [string] $Header) {
    $type = Find-LoadedType $TypeName
    $rows = foreach ($field in $type.GetFields([System.Reflection.BindingFlags]'Public, Static') | Where-Object IsLiteral | Sort-Object Name) {
        $text = Get-DescriptionOf $field
        if (-not $text) { throw "$TypeName.$($field.Name) has no [Description]." }
        "| ``$($field.GetRawConstantValue())`` | $(ConvertTo-Cell $text) |"
    }
    (@("| $Header | when |", '|---|---|') + $rows) -join "`n"
}

function Get-OperationTable {
    $state = Find-LoadedType 'KmsGrants.Testing.Emulator.KmsState'
    $rows = foreach ($op in $state::OperationTable) { "| ``$($op.Name)`` | $(ConvertTo-Cell $op.Summary) |" }
    (@('| operation | what the emulator does |', '|---|---|') + $rows) -join "`n"
}

# A bound as people read it: seconds, a size in bytes, or a count (the fields that count things say so in their names).
function Format-Bound([string] $Name, $Value) {
    if ($Value -is [TimeSpan]) { return '{0:0.###} s' -f $Value.TotalSeconds }
    if ($Name -match 'Count|Connections') { return '{0:N0}' -f $Value }
    if ($Value -ge 1MB -and $Value % 1MB -eq 0) { return '{0} MiB' -f ($Value / 1MB) }
    if ($Value -ge 1KB -and $Value % 1KB -eq 0) { return '{0} KiB' -f ($Value / 1KB) }
    '{0:N0}' -f $Value
}

function Get-HttpLimitTable {
    $state = Find-LoadedType 'KmsGrants.Testing.Emulator.KmsState'
    $limits = $state.Assembly.GetType('KmsGrants.Testing.Emulator.HttpLimits', $true)
    $rows = foreach ($field in $limits.GetFields([System.Reflection.BindingFlags]'Public, NonPublic, Static') | Sort-Object MetadataToken) {
        $text = Get-DescriptionOf $field
        if (-not $text) { continue }   # internal figures (derived sizes, the linger after a close) are not a client's bound
        "| $(Format-Bound $field.Name $field.GetValue($null)) | $(ConvertTo-Cell $text) |"
    }
    (@('| bound | what |', '|---|---|') + $rows) -join "`n"
}

function Get-CmdletTable([string] $ModuleName, [string] $Source) {
    $help = Import-PowerShellDataFile $Source
    $rows = foreach ($command in Get-Command -Module $ModuleName -CommandType Cmdlet | Sort-Object Name) {
        "| [$($command.Name)]($($command.Name).md) | $(ConvertTo-Cell $help.Commands[$command.Name].Synopsis) |"
    }
    (@('| cmdlet | what it does |', '|---|---|') + $rows) -join "`n"
}

function Get-FileBlock([string] $Root, [string] $Path, [string] $Language) {
    $text = (Get-Content (Join-Path $Root $Path) -Raw) -replace "`r`n", "`n"
    (@("``````$Language", $text.TrimEnd("`n"), '```') -join "`n")
}

<#
.SYNOPSIS
    The content of one generated block, by the name (and arguments) in its marker: <!-- generated: NAME ARGS -->.
#>
function Get-GeneratedBlock([string] $Spec, [string] $Root) {
    $parts = -split $Spec
    $name = $parts[0]
    $arguments = @($parts | Select-Object -Skip 1)
    switch ($name) {
        'error-ids' { return Get-ErrorIdTable }
        'testing-error-ids' { return Get-DescribedConstantTable 'KmsGrants.Testing.ErrorIds' 'error ID' }
        'enum' { return Get-EnumTable $arguments[0] }
        'members' { return Get-MemberTable $arguments }
        'operations' { return Get-OperationTable }
        'http-limits' { return Get-HttpLimitTable }
        'cmdlets' { return Get-CmdletTable $arguments[0] (Join-Path $Root "docs/help/$($arguments[0]).help.psd1") }
        'file' { return Get-FileBlock $Root $arguments[0] $arguments[1] }
        default { throw "Unknown generated block '$Spec'." }
    }
}

<#
.SYNOPSIS
    The markdown with every generated block regenerated in place: the lines between <!-- generated: NAME ARGS --> and
    <!-- end generated -->.
#>
function Update-GeneratedBlocks([string] $Text, [string] $Root, [string] $File) {
    $pattern = '(?s)(<!-- generated: (?<spec>[^>]*?) -->\n).*?(\n<!-- end generated -->)'
    $result = [regex]::Replace($Text, $pattern, {
            param($m)
            $m.Groups[1].Value + "`n" + (Get-GeneratedBlock $m.Groups['spec'].Value $Root) + "`n" + $m.Groups[2].Value
        })
    $opened = ([regex]::Matches($Text, '<!-- generated: ')).Count
    $closed = ([regex]::Matches($Text, '<!-- end generated -->')).Count
    if ($opened -ne $closed) { throw "${File}: $opened generated block(s) opened, $closed closed." }
    $result
}

# ---- about_*.md to about_*.help.txt, for Get-Help ----

function ConvertTo-PlainInline([string] $Text) {
    $t = [regex]::Replace($Text, '\[([^\]]+)\]\(([^)]+)\)', {
            param($m)
            $label = $m.Groups[1].Value; $url = $m.Groups[2].Value
            if ($url -like 'http*' -and $label -ne $url) { "$label ($url)" } else { $label }
        })
    $t = $t -replace '\*\*(.+?)\*\*', '$1'
    $t = $t -replace '(?<!\\)`', ''
    $t = $t -replace '\\([*_`\[\]|\\])', '$1'
    $t -replace '&lt;', '<' -replace '&gt;', '>' -replace '&amp;', '&'
}

function Format-Wrapped([string] $Text, [int] $Indent, [int] $HangingIndent = $Indent, [int] $Width = 80) {
    $lines = [System.Collections.Generic.List[string]]::new()
    $current = ' ' * $Indent
    $empty = $true
    foreach ($word in $Text -split '\s+' | Where-Object { $_ }) {
        if (-not $empty -and $current.Length + 1 + $word.Length -gt $Width) {
            $lines.Add($current)
            $current = (' ' * $HangingIndent) + $word
        }
        else { $current += $(if ($empty) { '' } else { ' ' }) + $word }
        $empty = $false
    }
    if (-not $empty) { $lines.Add($current) }
    $lines -join "`n"
}

function Split-TableRow([string] $Line) {
    $cells = [regex]::Split($Line.Trim().Trim('|'), '(?<!\\)\|')
    @($cells | ForEach-Object { ConvertTo-PlainInline $_.Trim() })
}

function Format-TableText([string[]] $Rows) {
    $header = Split-TableRow $Rows[0]
    $body = @($Rows | Select-Object -Skip 2 | ForEach-Object { , (Split-TableRow $_) })
    $widths = for ($c = 0; $c -lt $header.Count; $c++) {
        (@($header[$c]) + @($body | ForEach-Object { $_[$c] }) | Measure-Object -Property Length -Maximum).Maximum
    }
    $out = [System.Collections.Generic.List[string]]::new()
    if (($widths | Measure-Object -Sum).Sum + 2 * ($widths.Count - 1) -le 76 -and ($header -join '').Trim()) {
        # Short cells: columns, as a table.
        $format = { param($cells) '    ' + (($(for ($c = 0; $c -lt $cells.Count; $c++) { "$($cells[$c])".PadRight($widths[$c]) }) -join '  ').TrimEnd()) }
        $out.Add((& $format $header))
        $out.Add((& $format @($widths | ForEach-Object { '-' * $_ })))
        foreach ($row in $body) { $out.Add((& $format $row)) }
        return $out -join "`n"
    }
    # Long cells: the first as a term (with a short second one beside it, as a type), the others beneath it.
    $second = $header.Count -eq 3 -and -not ($body | Where-Object { "$($_[1])".Length -gt 24 })
    foreach ($row in $body) {
        $term = if ($second -and "$($row[1])") { "$($row[0]) ($($row[1]))" } else { $row[0] }
        $out.Add((Format-Wrapped $term 4 6))
        for ($c = $(if ($second) { 2 } else { 1 }); $c -lt $row.Count; $c++) {
            if (-not "$($row[$c])") { continue }
            $text = if ($row.Count -gt 2 -and -not $second -and $header[$c]) { "$($header[$c]): $($row[$c])" } else { $row[$c] }
            $out.Add((Format-Wrapped $text 8))
        }
    }
    $out -join "`n"
}

<#
.SYNOPSIS
    An about topic's markdown (docs/en-US/about_*.md) as the text Get-Help shows: headings in capitals, paragraphs and
    lists wrapped at 80 columns, code as written, tables as columns or as terms with their text beneath, no markup.
#>
function ConvertTo-AboutText([string] $Markdown) {
    $lines = ($Markdown -replace "`r`n", "`n") -split "`n"
    $out = [System.Collections.Generic.List[string]]::new()
    $i = 0
    $blank = { if ($out.Count -and $out[$out.Count - 1] -ne '') { $out.Add('') } }
    while ($i -lt $lines.Count) {
        $line = $lines[$i]
        if ($line -match '^\s*<!--') {
            while ($i -lt $lines.Count -and $lines[$i] -notmatch '-->') { $i++ }
            $i++; continue
        }
        if ($line -match '^```') {
            & $blank
            $i++
            while ($i -lt $lines.Count -and $lines[$i] -notmatch '^```') { $out.Add(('        ' + $lines[$i]).TrimEnd()); $i++ }
            $i++; & $blank; continue
        }
        if ($line -match '^# (.+)$') { $out.Add('TOPIC'); $out.Add('    ' + $Matches[1].Trim()); $out.Add(''); $i++; continue }
        if ($line -match '^## (.+)$') { & $blank; $out.Add((ConvertTo-PlainInline $Matches[1]).ToUpperInvariant()); $i++; continue }
        if ($line -match '^### (.+)$') {
            & $blank
            $title = ConvertTo-PlainInline $Matches[1]
            $out.Add('    ' + $title); $out.Add('    ' + ('-' * $title.Length)); $i++; continue
        }
        if ($line -match '^\|') {
            & $blank
            $rows = @()
            while ($i -lt $lines.Count -and $lines[$i] -match '^\|') { $rows += $lines[$i]; $i++ }
            $out.Add((Format-TableText $rows)); & $blank; continue
        }
        if ($line -match '^(\s*)([-*]|\d+\.) (.*)$') {
            $marker = $Matches[2]; $text = $Matches[3]; $i++
            while ($i -lt $lines.Count -and $lines[$i] -match '^\s{2,}\S' -and $lines[$i] -notmatch '^\s*([-*]|\d+\.) ') { $text += ' ' + $lines[$i].Trim(); $i++ }
            $out.Add((Format-Wrapped "$marker $(ConvertTo-PlainInline $text)" 4 (5 + $marker.Length)))
            if ($i -lt $lines.Count -and $lines[$i] -eq '') { & $blank }
            continue
        }
        if ($line.Trim() -eq '') {
            # A heading's text follows it directly.
            if ($out.Count -and $out[$out.Count - 1] -cmatch '^[^ a-z]') { $i++; continue }
            & $blank; $i++; continue
        }
        $text = $line
        $i++
        while ($i -lt $lines.Count -and $lines[$i].Trim() -ne '' -and $lines[$i] -notmatch '^(#|\||```|\s*<!--|\s*([-*]|\d+\.) )') { $text += ' ' + $lines[$i].Trim(); $i++ }
        $out.Add((Format-Wrapped (ConvertTo-PlainInline ($text -replace '^>\s*', '')) 4))
    }
    (($out -join "`n").TrimEnd() + "`n")
}

Export-ModuleMember -Function Get-CommandHelp, ConvertTo-CommandMarkdown, Update-GeneratedBlocks, ConvertTo-AboutText, ConvertTo-MarkdownText

using System.Reflection;
using System.Text.RegularExpressions;
using KmsGrants.Engine;
using Xunit;

/// <summary>The error IDs are a public interface: each one written out once with when it happens ([ErrorId], the source
/// of about_KmsGrants_Errors' generated table), each one produced by some kind, and no document naming an ID that does
/// not exist.</summary>
public class ErrorIdsTests
{
    static readonly string Root = Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "../../../../.."));

    static IEnumerable<string> Produced() =>
        Enum.GetValues<KmsErrorKind>().Select(ErrorIds.For)
            .Concat(Enum.GetValues<InvalidInputKind>().Select(ErrorIds.For))
            .Concat(Enum.GetValues<ConfigurationProblem>().Select(ErrorIds.For));

    static HashSet<string> Named(string text) =>
        Regex.Matches(text, @"KmsGrants\.[A-Z][A-Za-z]+").Select(m => m.Value)
            // Type names are not error IDs.
            .Where(name => !name.EndsWith("Info") && !name.EndsWith("Result") && !name.EndsWith("Reference") && !name.EndsWith("Summary")
                && !name.EndsWith("Status") && !name.EndsWith("Outcome") && !name.EndsWith("Page") && !name.EndsWith("Exception") && !name.EndsWith("Tally")
                && name != "KmsGrants.StaleGrant" && !name.EndsWith("Reason")
                && name is not ("KmsGrants.Types" or "KmsGrants.Engine" or "KmsGrants.Tests" or "KmsGrants.Commands" or "KmsGrants.Format" or "KmsGrants.Testing"))
            .ToHashSet();

    [Fact]
    public void Every_ID_is_produced_by_some_kind_and_every_kind_has_an_ID()
    {
        var produced = Produced().ToHashSet();
        Assert.Empty(ErrorIds.All.Except(produced));
        Assert.Empty(produced.Except(ErrorIds.All));
        Assert.All(ErrorIds.All, id => Assert.Matches(@"^KmsGrants\.[A-Z][A-Za-z]+$", id));
        Assert.Equal(ErrorIds.All.Count, ErrorIds.All.Distinct().Count());
    }

    [Fact]
    public void Every_ID_says_whom_it_stops_and_when_it_happens()
    {
        foreach (var field in typeof(ErrorIds).GetFields(BindingFlags.Public | BindingFlags.Static).Where(f => f.IsLiteral))
        {
            var doc = field.GetCustomAttribute<ErrorIdAttribute>();
            Assert.True(doc != null, $"ErrorIds.{field.Name} has no [ErrorId]");
            Assert.True(Enum.IsDefined(doc!.Scope), $"ErrorIds.{field.Name}'s scope");
            Assert.True(doc.When.Length > 20, $"ErrorIds.{field.Name} says too little of when it happens");
        }
    }

    [Fact]
    public void The_error_topic_lists_exactly_these_IDs()
    {
        var documented = Named(File.ReadAllText(Path.Combine(Root, "docs/en-US/about_KmsGrants_Errors.md")));
        Assert.Empty(documented.Except(ErrorIds.All));
        Assert.Empty(ErrorIds.All.Except(documented));
    }

    [Fact]
    public void No_document_names_an_ID_that_does_not_exist()
    {
        var documents = Directory.GetFiles(Path.Combine(Root, "docs"), "*.md", SearchOption.AllDirectories)
            .Append(Path.Combine(Root, "README.md")).Append(Path.Combine(Root, "CHANGELOG.md"));
        foreach (var document in documents.Where(File.Exists))
            Assert.True(!Named(File.ReadAllText(document)).Except(ErrorIds.All).Any(),
                $"{Path.GetRelativePath(Root, document)} names {string.Join(", ", Named(File.ReadAllText(document)).Except(ErrorIds.All))}, which is no error ID");
    }
}

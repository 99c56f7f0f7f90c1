using System.Text.RegularExpressions;
using KmsGrants.Engine;
using Xunit;

/// <summary>The error IDs are a public interface: each one written out once, each one produced by some kind, and the
/// documentation (README, about_KmsGrants) listing exactly these.</summary>
public class ErrorIdsTests
{
    static readonly string Root = Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "../../../../.."));

    static IEnumerable<string> Produced() =>
        Enum.GetValues<KmsErrorKind>().Select(ErrorIds.For)
            .Concat(Enum.GetValues<InvalidInputKind>().Select(ErrorIds.For))
            .Concat(Enum.GetValues<ConfigurationProblem>().Select(ErrorIds.For));

    [Fact]
    public void Every_ID_is_produced_by_some_kind_and_every_kind_has_an_ID()
    {
        var produced = Produced().ToHashSet();
        Assert.Empty(ErrorIds.All.Except(produced));
        Assert.Empty(produced.Except(ErrorIds.All));
        Assert.All(ErrorIds.All, id => Assert.Matches(@"^KmsGrants\.[A-Z][A-Za-z]+$", id));
        Assert.Equal(ErrorIds.All.Count, ErrorIds.All.Distinct().Count());
    }

    [Theory]
    [InlineData("README.md")]
    [InlineData("docs/help/about_KmsGrants.help.txt")]
    public void The_documentation_lists_exactly_these_IDs(string document)
    {
        var text = File.ReadAllText(Path.Combine(Root, document));
        var documented = Regex.Matches(text, @"KmsGrants\.[A-Z][A-Za-z]+").Select(m => m.Value)
            // Type names are not error IDs.
            .Where(name => !name.EndsWith("Info") && !name.EndsWith("Result") && !name.EndsWith("Reference") && !name.EndsWith("Summary")
                && !name.EndsWith("Status") && !name.EndsWith("Outcome") && !name.EndsWith("Page") && !name.EndsWith("Exception") && !name.EndsWith("Tally")
                && name is not ("KmsGrants.Types" or "KmsGrants.Engine" or "KmsGrants.Tests" or "KmsGrants.Commands" or "KmsGrants.Format" or "KmsGrants.Testing"))
            .ToHashSet();
        Assert.Empty(documented.Except(ErrorIds.All));
        Assert.Empty(ErrorIds.All.Except(documented));
    }
}

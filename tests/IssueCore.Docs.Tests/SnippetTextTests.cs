namespace IssueCore.Docs.Tests;

/// <summary>The checks themselves: each rule of the convention reports what breaks it.</summary>
public sealed class SnippetTextTests
{
    [Fact]
    public void A_csharp_block_without_markers_is_reported_with_its_file_and_line()
    {
        var problems = new List<string>();

        SnippetText.ReadMarkdown("README.md", "text\n\n```csharp\nvar x = 1;\n```\n", problems);

        Assert.Equal("README.md:3: a ```csharp block without <!-- snippet: NAME --> ... <!-- endsnippet --> around it (its code must come from a sample project)", Assert.Single(problems));
    }

    [Fact]
    public void A_wrapped_block_is_read_with_its_name_and_dedented_text_and_other_languages_are_ignored()
    {
        var problems = new List<string>();
        const string Markdown = "```bash\ndotnet test\n```\n<!-- snippet: demo -->\n```csharp\n    var x = 1;   \n      x++;\n```\n<!-- endsnippet -->\n";

        var snippet = Assert.Single(SnippetText.ReadMarkdown("a.md", Markdown, problems));

        Assert.Empty(problems);
        Assert.Equal(("demo", "var x = 1;\n  x++;"), (snippet.Name, snippet.Text));
    }

    [Fact]
    public void A_snippet_that_is_not_closed_is_reported()
    {
        var problems = new List<string>();

        SnippetText.ReadMarkdown("a.md", "<!-- snippet: demo -->\n```csharp\nvar x = 1;\n```\nmore text\n", problems);

        Assert.Contains(problems, p => p.Contains("'demo' is not closed", StringComparison.Ordinal));
    }

    [Fact]
    public void A_source_region_is_read_between_its_markers_and_compares_equal_to_the_same_code_indented_differently()
    {
        var problems = new List<string>();
        const string Source = "class C\n{\n    void M()\n    {\n        // snippet: demo\n        var x = 1;\n          x++;\n        // endsnippet\n    }\n}\n";

        var region = Assert.Single(SnippetText.ReadSource("C.cs", Source, problems));
        var shown = Assert.Single(SnippetText.ReadMarkdown("a.md", "<!-- snippet: demo -->\n```csharp\nvar x = 1;\n  x++;\n```\n<!-- endsnippet -->", problems));

        Assert.Empty(problems);
        Assert.Equal(region.Text, shown.Text);
        Assert.Equal(5, region.Line); // the line of its marker
    }

    [Fact]
    public void A_region_without_its_end_marker_is_reported()
    {
        var problems = new List<string>();

        SnippetText.ReadSource("C.cs", "// snippet: demo\nvar x = 1;\n", problems);

        Assert.Equal("C.cs:1: region 'demo' has no // endsnippet", Assert.Single(problems));
    }

    [Fact]
    public void The_first_difference_names_the_line_and_both_texts()
    {
        Assert.Equal("line 2 of the example: source has `b`, markdown has `c`", SnippetText.FirstDifference("a\nb", "a\nc"));
    }
}

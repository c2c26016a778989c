using NasDash.Hosting;
using NasDash.Tests.TestSupport;

namespace NasDash.Tests.Configuration;

public sealed class ContentRootTests
{
    private static readonly Func<string, string?> NoEnvironment = _ => null;

    [Fact]
    public void For_APublishedApplication_IsItsOwnDirectory()
    {
        using var published = new TempDirectory();

        Assert.Equal(published.Path, ContentRoot.For(["--urls", "http://127.0.0.1:0"], NoEnvironment, published.Path));
    }

    [Theory]
    [InlineData("--contentRoot", "/srv/nasdash")]
    [InlineData("--contentroot=/srv/nasdash", "--urls")]
    public void For_AContentRootOnTheCommandLine_IsLeftToTheHost(string first, string second)
    {
        using var published = new TempDirectory();

        Assert.Null(ContentRoot.For([first, second], NoEnvironment, published.Path));
    }

    [Theory]
    [InlineData("ASPNETCORE_CONTENTROOT")]
    [InlineData("DOTNET_CONTENTROOT")]
    public void For_AContentRootInTheEnvironment_IsLeftToTheHost(string variable)
    {
        using var published = new TempDirectory();

        Assert.Null(ContentRoot.For([], name => name == variable ? "/usr/lib/nasdash" : null, published.Path));
    }

    [Fact]
    public void For_ABuildOutput_KeepsTheWorkingDirectoryOfDotnetRun()
    {
        using var build = new TempDirectory();
        File.WriteAllText(Path.Combine(build.Path, "NasDash.staticwebassets.runtime.json"), "{}");

        Assert.Null(ContentRoot.For([], NoEnvironment, build.Path));
    }
}

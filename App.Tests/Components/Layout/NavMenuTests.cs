using Bunit;
using NasDash.Components.Layout;
using NasDash.Tests.TestSupport;

namespace NasDash.Tests.Components.Layout;

/// <summary>The menu and the trail above each page come from one list, so they cannot tell different stories.</summary>
public sealed class NavMenuTests : NasDashTestContext
{
    [Fact]
    public void Menu_EverySectionAndPage_HasAnIcon()
    {
        var cut = Render<NavMenu>();

        var entries = cut.FindAll(".mud-nav-link");
        Assert.Equal(11, entries.Count);
        Assert.All(entries, e => Assert.NotNull(e.QuerySelector(".mud-nav-link-icon")));
    }

    [Theory]
    [InlineData("/")]
    [InlineData("/alerts")]
    [InlineData("/audit")]
    public void Menu_DashboardAlertsAndAuditLog_StandAtTheTopLevel(string href)
    {
        var cut = Render<NavMenu>();

        Assert.Null(cut.Find($"a[href='{href}']").Closest(".mud-nav-group"));
    }

    [Theory]
    [InlineData("users", "Credentials › Administrators")]
    [InlineData("account", "Credentials › My account")]
    [InlineData("settings/notifications", "System › Alert services")]
    [InlineData("services/ssh", "System › SSH")]
    [InlineData("settings/two-factor", "System › Advanced › Global Two Factor Authentication")]
    [InlineData("settings/two-factor?x=1", "System › Advanced › Global Two Factor Authentication")]
    public void Breadcrumb_PageUnderASection_ShowsItsSectionsAndItsName(string path, string expected)
    {
        var cut = Render<Breadcrumb>(p => p.Add(b => b.Path, path));

        var items = cut.FindAll("[data-testid=breadcrumb] li").Select(li => li.TextContent.Trim());
        Assert.Equal(expected, string.Join(" › ", items));
        Assert.Equal("page", cut.FindAll("li")[^1].GetAttribute("aria-current"));
    }

    [Theory]
    [InlineData("")]
    [InlineData("alerts")]
    [InlineData("audit")]
    [InlineData("login")]
    [InlineData("no-such-page")]
    public void Breadcrumb_TopLevelOrUnknownPage_ShowsNone(string path)
    {
        var cut = Render<Breadcrumb>(p => p.Add(b => b.Path, path));

        Assert.Empty(cut.FindAll("[data-testid=breadcrumb]"));
    }
}

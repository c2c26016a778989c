using Bunit;
using NasDash.Features.Audit;
using NasDash.Security;
using NasDash.Tests.TestSupport;

namespace NasDash.Tests.Features.Audit;

public sealed class AuditPageTests : NasDashTestContext
{
    private void Append(string user, string name, string outcome, TimeSpan ago) => Get<IAuditLog>().Append(new AuditEvent
    {
        At = Time.GetUtcNow() - ago,
        UserName = user,
        ClientAddress = "192.0.2.7",
        Event = name,
        Outcome = outcome,
    });

    private IRenderedComponent<AuditPage> RenderWithEvents()
    {
        SignIn(Seed("alice"));
        Append("alice", "login.password", "succeeded", TimeSpan.FromDays(3));
        Append("alice", "login.totp", "failed", TimeSpan.FromDays(2));
        Append("bob", "login.password", "failed", TimeSpan.FromDays(1));
        Append("bob", "users.deleted", "succeeded", TimeSpan.FromHours(1));
        return Render<AuditPage>();
    }

    private static List<string> Events(IRenderedComponent<AuditPage> cut) =>
        cut.FindAll("[data-testid=audit-table] tbody tr code").Select(c => c.TextContent).ToList();

    [Fact]
    public void Page_NoFilter_ListsEveryEventNewestFirst()
    {
        var cut = RenderWithEvents();

        cut.WaitForAssertion(() => Assert.Equal(["users.deleted", "login.password", "login.totp", "login.password"], Events(cut)));
        Assert.Equal("4 events", cut.Find("[data-testid=audit-total]").TextContent);
        Assert.Contains("192.0.2.7", cut.Find("[data-testid=audit-table] tbody tr").TextContent);
    }

    [Fact]
    public void Filter_ByUser_ShowsOnlyTheirEvents()
    {
        var cut = RenderWithEvents();

        InputOf(cut, "audit-user").Input("bob");
        Time.Advance(TimeSpan.FromSeconds(1));

        cut.WaitForAssertion(() => Assert.Equal(["users.deleted", "login.password"], Events(cut)), TimeSpan.FromSeconds(5));
        Assert.Equal("2 events", cut.Find("[data-testid=audit-total]").TextContent);
    }

    [Fact]
    public void Filter_UserFromTheQueryString_IsApplied()
    {
        SignIn(Seed("alice"));
        Append("bob", "login.password", "failed", TimeSpan.FromDays(1));
        Append("carol", "login.password", "failed", TimeSpan.FromDays(1));
        Get<Microsoft.AspNetCore.Components.NavigationManager>().NavigateTo("/audit?user=carol");

        var cut = Render<AuditPage>();

        cut.WaitForAssertion(() => Assert.Single(Events(cut)));
        Assert.Equal("carol", InputOf(cut, "audit-user").GetAttribute("value"));
    }

    [Fact]
    public void Service_EventFamilyAndTimeRange_NarrowTheQuery()
    {
        RenderWithEvents();
        var audit = Get<AuditService>();
        var now = Time.GetUtcNow();

        Assert.Equal(3, audit.Page(new AuditFilter(EventPrefix: "login."), 0, 25).Total);
        Assert.Equal(2, audit.Page(new AuditFilter(From: now.AddDays(-1.5)), 0, 25).Total);
        Assert.Equal(1, audit.Page(new AuditFilter(UserName: "alice", EventPrefix: "login.totp", To: now), 0, 25).Total);
    }

    [Fact]
    public void Service_Paging_ReturnsTheRequestedSlice()
    {
        SignIn(Seed("alice"));
        for (var i = 0; i < 30; i++)
        {
            Append("alice", $"login.n{i:00}", "succeeded", TimeSpan.FromMinutes(30 - i));
        }

        var page = Get<AuditService>().Page(new AuditFilter(EventPrefix: "login.n"), 25, 25);

        Assert.Equal(30, page.Total);
        Assert.Equal(["login.n04", "login.n03", "login.n02", "login.n01", "login.n00"], page.Items.Select(e => e.Event));
    }
}

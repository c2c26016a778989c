using Bunit;
using NasDash.Components.Shared;
using NasDash.Features.Audit;
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
        cut.FindAll("[data-testid=audit-event-name]").Select(c => c.GetAttribute("title") ?? "").ToList();

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

    [Fact]
    public void Page_Events_ReadInWordsWithTheIdOnHover()
    {
        var cut = RenderWithEvents();

        cut.WaitForAssertion(() => Assert.Equal(4, cut.FindAll("[data-testid=audit-event-name]").Count));
        var first = cut.FindAll("[data-testid=audit-event-name]")[0];
        Assert.Equal(("Administrator deleted", "users.deleted"), (first.TextContent.Trim(), first.GetAttribute("title")));
        Assert.Equal("Sign-in: authenticator code", cut.FindAll("[data-testid=audit-event-name]")[2].TextContent.Trim());
        Assert.DoesNotContain("login.totp", cut.Find("[data-testid=audit-table] tbody").TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public void Page_BrowserInBerlin_TimesToTheSecondInItsZoneWithUtcOnHover()
    {
        JSInterop.Setup<BrowserZone?>("nasdash.timeZone").SetResult(new BrowserZone("Europe/Berlin", 60));
        SignIn(Seed("alice"));
        Get<IAuditLog>().Append(new AuditEvent { At = new DateTimeOffset(2025, 12, 31, 23, 30, 7, TimeSpan.Zero), UserName = "alice", Event = "login.password", Outcome = "succeeded" });

        var cut = Render<AuditPage>();

        cut.WaitForAssertion(() => Assert.Equal("2026-01-01 00:30:07", cut.Find("[data-testid=audit-time]").TextContent.Trim()));
        Assert.Equal("2025-12-31T23:30:07Z", cut.Find("[data-testid=audit-time]").GetAttribute("title"));
        Assert.Contains("Europe/Berlin", cut.Find("[data-testid=audit-zone]").TextContent, StringComparison.Ordinal);
        Assert.Contains("2025-12-31T23:30:07", Get<AuditService>().Csv(new AuditFilter()), StringComparison.Ordinal);
    }

    [Fact]
    public void Page_NoBrowserZone_SaysUtc()
    {
        var cut = RenderWithEvents();

        cut.WaitForAssertion(() => Assert.Contains("UTC", cut.Find("[data-testid=audit-zone]").TextContent, StringComparison.Ordinal));
        Assert.Matches(@"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$", cut.Find("[data-testid=audit-time]").TextContent.Trim());
    }

    [Theory]
    [InlineData("succeeded", OutcomeTone.Good)]
    [InlineData("saved", OutcomeTone.Good)]
    [InlineData("signed-in", OutcomeTone.Good)]
    [InlineData("verified", OutcomeTone.Good)]
    [InlineData("failed", OutcomeTone.Bad)]
    [InlineData("refused", OutcomeTone.Bad)]
    [InlineData("replayed", OutcomeTone.Bad)]
    [InlineData("superlocked", OutcomeTone.Bad)]
    [InlineData("locked", OutcomeTone.Bad)]
    [InlineData("secret-unreadable", OutcomeTone.Bad)]
    [InlineData("throttled", OutcomeTone.Warning)]
    [InlineData("moved-to-recovery", OutcomeTone.Warning)]
    [InlineData("expired-idle", OutcomeTone.Warning)]
    [InlineData("signed-out", OutcomeTone.Neutral)]
    public void Tone_EveryOutcome_OneRule(string outcome, OutcomeTone tone) => Assert.Equal(tone, AuditWording.Tone(outcome));

    [Fact]
    public void Page_Outcomes_ColouredByTone()
    {
        var cut = RenderWithEvents();

        cut.WaitForAssertion(() => Assert.Equal(4, cut.FindAll("[data-testid=audit-outcome]").Count));
        var chips = cut.FindAll("[data-testid=audit-outcome]");
        Assert.Contains("mud-chip-color-success", chips[0].ClassName, StringComparison.Ordinal);
        Assert.Contains("mud-chip-color-error", chips[1].ClassName, StringComparison.Ordinal);
        Assert.Equal("Bad", chips[1].GetAttribute("data-tone"));
    }

    [Fact]
    public void Wording_EveryEventTheAppWrites_HasWords()
    {
        var written = Directory.EnumerateFiles(SourceRoot(), "*.cs", SearchOption.AllDirectories)
            .SelectMany(f => System.Text.RegularExpressions.Regex.Matches(File.ReadAllText(f),
                    @"Event = ""(?<id>[a-z][a-z.-]+)""|Audit\([^;]*?""(?<id>(login|setup|session|enrolment|users)\.[a-z-]+)""")
                .Select(m => m.Groups["id"].Value))
            .Distinct()
            .Where(id => AuditWording.EventName(id) == id)
            .ToList();

        Assert.True(written.Count == 0, "Events without words: " + string.Join(", ", written));
    }

    private static string SourceRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !Directory.Exists(Path.Combine(dir.FullName, "App", "Features")))
        {
            dir = dir.Parent;
        }

        return Path.Combine(dir?.FullName ?? throw new DirectoryNotFoundException("App/ not found above the test binaries"), "App");
    }
}

using System.Text.Json;
using NasDash.Features.Audit;
using NasDash.Tests.TestSupport;

namespace NasDash.Tests.Features.Audit;

public sealed class AuditServiceTests : NasDashTestContext
{
    [Theory]
    [InlineData("alice", "alice")]
    [InlineData("a,b", "\"a,b\"")]
    [InlineData("say \"hi\"", "\"say \"\"hi\"\"\"")]
    [InlineData("=HYPERLINK(\"x\")", "\"'=HYPERLINK(\"\"x\"\")\"")]
    [InlineData("+1", "'+1")]
    [InlineData("@SUM(A1)", "'@SUM(A1)")]
    [InlineData(null, "")]
    public void Cell_Value_IsQuotedAndNeverAFormula(string? value, string expected) => Assert.Equal(expected, AuditService.Cell(value));

    [Fact]
    public void Exports_FilteredEvents_AsCsvAndJson()
    {
        var log = Get<IAuditLog>();
        log.Append(new AuditEvent { At = Time.GetUtcNow(), UserName = "alice", ClientAddress = "192.0.2.7", Event = "login.totp", Outcome = "failed", Detail = "failures=1" });
        log.Append(new AuditEvent { At = Time.GetUtcNow(), UserName = "bob", Event = "login.totp", Outcome = "succeeded" });
        var audit = Get<AuditService>();

        var csv = audit.Csv(new AuditFilter(UserName: "alice"));
        Assert.Equal("time,user,client,event,outcome,detail\r\n2026-01-01T00:00:05.000Z,alice,192.0.2.7,login.totp,failed,failures=1\r\n", csv);

        using var json = JsonDocument.Parse(audit.Json(new AuditFilter(EventPrefix: "login.")));
        Assert.Equal("nasdash-audit", json.RootElement.GetProperty("format").GetString());
        var events = json.RootElement.GetProperty("events");
        Assert.Equal(2, events.GetArrayLength());
        Assert.Equal("bob", events[0].GetProperty("user").GetString());
        Assert.Equal("2026-01-01T00:00:05.000Z", events[1].GetProperty("time").GetString());
    }
}

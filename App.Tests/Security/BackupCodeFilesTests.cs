using System.Text.Json;

namespace NasDash.Tests.Security;

/// <summary>What the downloads and the printed sheet say about a recovery: it uses M codes at once and replaces the set.</summary>
public sealed class BackupCodeFilesTests
{
    private static BackupCodeSheet Sheet(int required) => new(
        "nas-test", "https://nas-test/", "alice", new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero), required,
        ["ABCD-EFGH-JKMN-PQRS", "TVWX-YZ01-2345-6789"]);

    [Theory]
    [InlineData(1, "A recovery uses 1 code of this set at once and replaces the whole set")]
    [InlineData(3, "A recovery uses 3 codes of this set at once and replaces the whole set")]
    public void RecoveryRule_M_SaysMCodesAtOnceAndTheWholeSetIsReplaced(int required, string expected)
    {
        var rule = BackupCodeFiles.RecoveryRule(required);

        Assert.StartsWith(expected, rule, StringComparison.Ordinal);
        Assert.EndsWith("afterwards you set up your authenticator app again and get a new set.", rule, StringComparison.Ordinal);
    }

    [Fact]
    public void Text_Sheet_CarriesTheRecoveryRuleAndNoSingleUseClaim()
    {
        var text = BackupCodeFiles.Text(Sheet(3));

        Assert.Contains(BackupCodeFiles.RecoveryRule(3), text, StringComparison.Ordinal);
        Assert.Contains("type 3 codes from this sheet together", text, StringComparison.Ordinal);
        Assert.DoesNotContain("works once", text, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("batch", text, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(" left", text, StringComparison.Ordinal);
    }

    [Fact]
    public void HowToUse_PrintedSheet_SaysTheSameAsTheTextFile()
    {
        var sheet = Sheet(2);
        var text = BackupCodeFiles.Text(sheet);

        Assert.Contains(BackupCodeFiles.RecoveryRule(2), BackupCodeFiles.HowToUse(sheet));
        Assert.All(BackupCodeFiles.HowToUse(sheet), line => Assert.Contains(line, text, StringComparison.Ordinal));
    }

    [Fact]
    public void Json_Sheet_KeepsTheVersion1FieldsAndAddsTheRecoveryRule()
    {
        using var json = JsonDocument.Parse(BackupCodeFiles.Json(Sheet(2)));
        var root = json.RootElement;

        Assert.Equal(["format", "version", "host", "url", "user", "generatedAt", "requiredAtRecovery", "recovery", "codes"],
            root.EnumerateObject().Select(p => p.Name));
        Assert.Equal(1, root.GetProperty("version").GetInt32());
        Assert.Equal(BackupCodeFiles.RecoveryRule(2), root.GetProperty("recovery").GetString());
        Assert.Equal(["ABCD-EFGH-JKMN-PQRS", "TVWX-YZ01-2345-6789"], root.GetProperty("codes").EnumerateArray().Select(c => c.GetString()));
    }
}

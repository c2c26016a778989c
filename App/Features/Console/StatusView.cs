using System.Globalization;
using Spectre.Console;

namespace NasDash.Features.Console;

/// <summary>The console's picture of the appliance: one row per account, then the SSH and appliance-wide lock state.</summary>
public static class StatusView
{
    public static void Render(IAnsiConsole console, ApplianceStatus status)
    {
        if (status.Accounts.Count == 0)
        {
            console.MarkupLine("[yellow]No administrator exists yet: finish the setup wizard in the browser.[/]");
        }
        else
        {
            console.Write(Table(status));
            console.MarkupLine(Markup.Escape(BackupCodeFiles.SetNote(status.RequiredCodesAtRecovery)));
            foreach (var attacked in status.Accounts.Where(a => a.RefusedInLastHour > 0))
            {
                console.MarkupLine($"[yellow]{Markup.Escape(RefusedLine(attacked))}[/]");
            }
        }

        console.MarkupLine(status.ApplianceLockedBy is { } by
            ? $"[red bold]Appliance-wide lock:[/] every web sign-in is refused since {Markup.Escape(by)}'s super-lockout."
            : "Appliance-wide lock: none");
        var ssh = status.Ssh;
        console.MarkupLine(ssh.LoginDisabled
            ? $"[red bold]SSH login: disabled[/] since {When(ssh.DisabledAt)}{(ssh.DisabledReason is { } reason ? $" ({Markup.Escape(reason)})" : "")}; 'nasdash console ssh-enable' re-enables it."
            : "SSH login: enabled");
        console.MarkupLine($"2FA for SSH: {(ssh.TwoFactorForSsh ? "on" : "off")}");
    }

    /// <summary>Fits an 80-column terminal; `status --json` has every field.</summary>
    public static Table Table(ApplianceStatus status)
    {
        var table = new Table().Border(TableBorder.Rounded)
            .AddColumn("User")
            .AddColumn("State")
            .AddColumn("Since (UTC)")
            .AddColumn(new TableColumn("Failures").RightAligned())
            .AddColumn("2FA")
            .AddColumn(new TableColumn("Codes").RightAligned())
            .Caption("Failures: password (browsers without the account's device cookie; a trusted browser has its own budget) / TOTP / backup-code submissions");
        foreach (var a in status.Accounts)
        {
            table.AddRow(
                Markup.Escape(a.UserName),
                StateMarkup(a),
                Short(a.StateSince),
                $"{a.PasswordFailures}/{a.TotpFailures}/{a.BackupFailures}",
                a.TwoFactorEnrolled ? "enrolled" : a.MustEnrol ? "[yellow]must enrol[/]" : "not enrolled",
                a.TwoFactorEnrolled ? CodesCell(a) : "-");
        }

        return table;
    }

    /// <summary>"N sign-in attempts refused in the last hour" for one account, as the dashboard says it.</summary>
    public static string RefusedLine(AccountStatus account) =>
        $"{account.UserName}: {RefusedSignInsText.InLastHour(account.RefusedInLastHour)}";

    private static string CodesCell(AccountStatus account) =>
        $"set of {account.BackupCodesInSet.ToString(CultureInfo.InvariantCulture)}" +
        (account.BackupCodesGeneratedAt is { } made ? $", made {made.ToUniversalTime().ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)}" : "");

    public static string StateMarkup(AccountStatus account)
    {
        var state = account.State switch
        {
            LockoutStatus.SuperLocked => "[red bold]SuperLocked[/]",
            LockoutStatus.Recovery => "[yellow]Recovery[/]",
            LockoutStatus.Throttled => "[yellow]Throttled[/]",
            _ => "[green]Normal[/]",
        };

        // Password attempts are throttled in every state, so say so beside Recovery or SuperLocked too.
        return account.LockedUntil is { } until && until > DateTimeOffset.UtcNow ? $"{state}, throttled until {until.ToUniversalTime():HH:mm}" : state;
    }

    public static string When(DateTimeOffset? at) =>
        at is { } t && t > DateTimeOffset.UnixEpoch ? t.ToUniversalTime().ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture) : "-";

    private static string Short(DateTimeOffset at) =>
        at > DateTimeOffset.UnixEpoch ? at.ToUniversalTime().ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture) : "-";

    /// <summary>The machine-readable form of `status --json`.</summary>
    public static string Json(ApplianceStatus status, string dataDirectory, string via) =>
        ConsoleProtocol.Serialize(new
        {
            format = "nasdash-console-status",
            version = 1,
            dataDirectory,
            via,
            status.ApplianceLockedBy,
            status.Ssh,
            status.RequiredCodesAtRecovery,
            status.Accounts,
        });
}

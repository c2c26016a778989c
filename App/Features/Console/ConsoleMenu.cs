using Spectre.Console;

namespace NasDash.Features.Console;

/// <summary>
/// `nasdash console` with no verb: the appliance's console menu. Shows the accounts and offers the verbs'
/// actions, each behind a confirmation; passwords are read without echo and asked twice.
/// </summary>
public sealed class ConsoleMenu(IAnsiConsole console, IAdministrationChannel channel, string actor)
{
    public enum MenuAction
    {
        Unlock,
        ResetPassword,
        EnableSsh,
        Refresh,
        Quit,
    }

    private const string Back = "(back)";

    public async Task<int> RunAsync(CancellationToken cancellationToken = default)
    {
        console.Write(new Rule("[bold]NasDash local console[/]").LeftJustified());
        console.MarkupLine($"Changes go through {Markup.Escape(channel.Description)}.");
        while (true)
        {
            var status = await channel.SendAsync(new ConsoleRequest(ConsoleProtocol.Status, Actor: actor), cancellationToken);
            if (status.Status is null)
            {
                console.MarkupLine($"[red]{Markup.Escape(status.Message)}[/]");
                return 1;
            }

            StatusView.Render(console, status.Status);
            var action = console.Prompt(new SelectionPrompt<MenuAction>()
                .Title("What do you want to do?")
                .AddChoices(Enum.GetValues<MenuAction>())
                .UseConverter(Label));
            ConsoleReply? reply = action switch
            {
                MenuAction.Unlock => await UnlockAsync(status.Status, cancellationToken),
                MenuAction.ResetPassword => await ResetPasswordAsync(status.Status, cancellationToken),
                MenuAction.EnableSsh => await EnableSshAsync(status.Status, cancellationToken),
                MenuAction.Refresh => null,
                _ => null,
            };
            if (action == MenuAction.Quit)
            {
                return 0;
            }

            if (reply is not null)
            {
                console.MarkupLine(reply.Succeeded ? $"[green]{Markup.Escape(reply.Message)}[/]" : $"[red]{Markup.Escape(reply.Message)}[/]");
            }

            console.WriteLine();
        }
    }

    public static string Label(MenuAction action) => action switch
    {
        MenuAction.Unlock => "Unlock an account (lift the lockout, reset its 2FA)",
        MenuAction.ResetPassword => "Reset an account's password",
        MenuAction.EnableSsh => "Re-enable SSH login",
        MenuAction.Refresh => "Refresh",
        _ => "Quit",
    };

    private async Task<ConsoleReply?> UnlockAsync(ApplianceStatus status, CancellationToken cancellationToken)
    {
        var user = ChooseAccount(status, "Unlock which account?");
        if (user is null ||
            !console.Confirm($"Unlock [bold]{Markup.Escape(user)}[/] and reset its second factor? The TOTP secret and backup codes are cleared, its sessions end, and {Markup.Escape(user)} enrols again at the next sign-in.", defaultValue: false))
        {
            return null;
        }

        return await channel.SendAsync(new ConsoleRequest(ConsoleProtocol.Unlock, user, Actor: actor), cancellationToken);
    }

    private async Task<ConsoleReply?> ResetPasswordAsync(ApplianceStatus status, CancellationToken cancellationToken)
    {
        var user = ChooseAccount(status, "Reset the password of which account?");
        if (user is null || !console.Confirm($"Set a new password for [bold]{Markup.Escape(user)}[/]? Its sessions end.", defaultValue: false))
        {
            return null;
        }

        var password = AskNewPassword(console, user);
        return password is null
            ? new ConsoleReply(ConsoleOutcome.Rejected, "The two passwords do not match; nothing changed.")
            : await channel.SendAsync(new ConsoleRequest(ConsoleProtocol.ResetPassword, user, password, actor), cancellationToken);
    }

    private async Task<ConsoleReply?> EnableSshAsync(ApplianceStatus status, CancellationToken cancellationToken)
    {
        if (!status.Ssh.LoginDisabled)
        {
            return new ConsoleReply(ConsoleOutcome.NothingToDo, "SSH login is not disabled.");
        }

        return console.Confirm("Re-enable SSH login for the appliance?", defaultValue: false)
            ? await channel.SendAsync(new ConsoleRequest(ConsoleProtocol.SshEnable, Actor: actor), cancellationToken)
            : null;
    }

    private string? ChooseAccount(ApplianceStatus status, string title)
    {
        if (status.Accounts.Count == 0)
        {
            console.MarkupLine("[yellow]There are no accounts.[/]");
            return null;
        }

        var byName = status.Accounts.ToDictionary(a => a.UserName, StringComparer.Ordinal);
        var choice = console.Prompt(new SelectionPrompt<string>()
            .Title(title)
            .AddChoices(status.Accounts.Select(a => a.UserName).Append(Back))
            .UseConverter(name => byName.TryGetValue(name, out var a) ? $"{Markup.Escape(name)}  {StatusView.StateMarkup(a)}" : name));
        return choice == Back ? null : choice;
    }

    /// <summary>
    /// Asks twice without echo (not even a mask, like passwd); a password the rules refuse is asked again with the reason.
    /// Null when the two differ.
    /// </summary>
    public static string? AskNewPassword(IAnsiConsole console, string user)
    {
        var first = console.Prompt(new TextPrompt<string>($"New password for {Markup.Escape(user)}:").Secret(null)
            .Validate(password => new NewPasswordValidator().Validate(new NewPassword(user, password, password)) is { IsValid: false } refused
                ? ValidationResult.Error($"[yellow]{Markup.Escape(refused.Errors[0].ErrorMessage)}[/]")
                : ValidationResult.Success()));
        var second = console.Prompt(new TextPrompt<string>("The same password again:").Secret(null));
        return string.Equals(first, second, StringComparison.Ordinal) ? first : null;
    }
}

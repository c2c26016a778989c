namespace NasDash.Security.Ssh;

/// <summary>The outcome of changing SSH login; Message says what happened or why it could not.</summary>
public sealed record SshChangeResult(bool Succeeded, string Message);

/// <summary>SSH login on the appliance, switched off after a lockout event and back on by an administrator.</summary>
public interface ISshControl
{
    /// <summary>
    /// Re-enables SSH login (removes the deny drop-in, reloads sshd, clears the alert, audits) for the local console,
    /// which needs no step-up: whoever runs it already holds the appliance. The web asks a fresh TOTP code first.
    /// </summary>
    SshChangeResult EnableLoginFromConsole(string actor, string client);
}

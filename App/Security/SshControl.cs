namespace NasDash.Security;

/// <summary>The outcome of changing SSH login; Message says what happened or why it could not.</summary>
public sealed record SshChangeResult(bool Succeeded, string Message);

/// <summary>SSH login on the appliance, switched off after a lockout event and back on by an administrator.</summary>
public interface ISshControl
{
    /// <summary>Re-enables SSH login (removes the deny drop-in, reloads sshd, clears the alert, audits).</summary>
    SshChangeResult EnableLogin(string actor, string? client);
}

namespace NasDash.Security.Records;

/// <summary>Everything the appliance stores besides accounts, in one document.</summary>
public sealed class ApplianceSettings
{
    public int Id { get; set; } = 1;
    public TwoFactorSettings TwoFactor { get; set; } = TwoFactorSettings.Defaults;
    public bool SetupCompleted { get; set; }
    public DateTimeOffset? SetupCompletedAt { get; set; }
    /// <summary>Set when a super-lockout happened with scope Appliance: every web sign-in is refused.</summary>
    public string? ApplianceLockedBy { get; set; }
    public SshState Ssh { get; set; } = new();
}

public sealed class SshState
{
    public bool LoginDisabled { get; set; }
    public DateTimeOffset? DisabledAt { get; set; }
    public string? DisabledReason { get; set; }
}

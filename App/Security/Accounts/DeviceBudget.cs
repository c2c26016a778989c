namespace NasDash.Security.Accounts;

/// <summary>The password budget of one trusted browser (one device cookie): its own failures and throttle.</summary>
public sealed class DeviceBudget
{
    /// <summary>Budgets kept per account; the one whose last failure is oldest makes room.</summary>
    public const int MaxKept = 16;

    // For the store's mapper.
    private DeviceBudget()
    {
    }

    public Guid DeviceId { get; private set; }
    public int Failures { get; private set; }
    public DateTimeOffset? LockedUntil { get; private set; }
    public DateTimeOffset LastFailureAt { get; private set; }

    internal static DeviceBudget For(Guid device, DateTimeOffset now) => new() { DeviceId = device, LastFailureAt = now };

    /// <summary>The same two stored fields as a budget (not mapped: the store keeps Failures and LockedUntil).</summary>
    internal PasswordBudget Budget
    {
        get => new(Failures, LockedUntil);
        private set => (Failures, LockedUntil) = (value.Failures, value.PausedUntil);
    }

    internal void Failed(DateTimeOffset now)
    {
        Budget = Budget.Failed(now);
        LastFailureAt = now;
    }

    internal DeviceBudget Clone() => (DeviceBudget)MemberwiseClone();
}

namespace NasDash.Security.Records;

/// <summary>What an alert is about: one open alert per key. Every key is made here, nowhere a string.</summary>
public static class AlertKeys
{
    public const string SshDisabled = "ssh-disabled";
    public const string SshUsersFile = "ssh-users-file";
    public const string ClockOff = "clock-off";
    public const string SuperLockedPrefix = "superlocked:";
    public const string RecoveryPrefix = "recovery:";
    public const string NoSecondFactorPrefix = "no-2fa:";
    public const string RetiredCodesLowPrefix = "codes-low:";
    public const string ConsoleUnlockPrefix = "console-unlock:";
    public const string ConsolePasswordPrefix = "console-password:";
    public const string NotifyFailingPrefix = "notify-failing:";
    public const string NotifyFailedPrefix = "notify-failed:";
    public const string ReportedNotMinePrefix = "reported-not-mine:";

    public static string SuperLocked(string userName) => SuperLockedPrefix + Account.Normalize(userName);
    public static string Recovery(string userName) => RecoveryPrefix + Account.Normalize(userName);
    public static string NoSecondFactor(string userName) => NoSecondFactorPrefix + Account.Normalize(userName);
    public static string ConsoleUnlock(string userName) => ConsoleUnlockPrefix + Account.Normalize(userName);
    public static string ReportedNotMine(string userName) => ReportedNotMinePrefix + Account.Normalize(userName);
    public static string ConsolePassword(string userName) => ConsolePasswordPrefix + Account.Normalize(userName);
}

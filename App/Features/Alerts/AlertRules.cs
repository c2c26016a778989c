
namespace NasDash.Features.Alerts;

/// <summary>
/// Alerts about standing conditions, raised while the condition holds and cleared when it ends:
/// an administrator without a second factor (<c>no-2fa:user</c>), and a super-lockout that the console has lifted
/// (<c>superlocked:user</c> cleared). An acknowledged condition alert is not raised again until the condition has ended once.
/// No alert counts backup codes: a recovery replaces the whole set, so a set never runs low.
/// </summary>
public sealed class AlertRules(IAccountStore accounts, ISettingsStore settings, IAlertStore alerts)
{
    /// <summary>The retired "backup codes low" alert: one left in a store from an older version is cleared.</summary>

    private static readonly string[] PerUserPrefixes = [AlertKeys.NoSecondFactorPrefix, AlertKeys.SuperLockedPrefix, AlertKeys.RecoveryPrefix];

    private readonly Lock _gate = new();

    /// <summary>Brings the condition alerts in line with the accounts; true when an alert was raised, refreshed or cleared.</summary>
    public bool Evaluate()
    {
        lock (_gate)
        {
            var policy = settings.Get().TwoFactor;
            var all = accounts.All();
            // Uncleared alerts by key: open ones, and acknowledged ones whose condition has not ended yet.
            var standing = alerts.All(int.MaxValue).Where(a => a.ClearedAt is null)
                .GroupBy(a => a.Key, StringComparer.Ordinal)
                .ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
            var changed = false;

            foreach (var account in all)
            {
                var user = account.NormalizedUserName;
                var superLocked = account.IsSuperLocked;
                changed |= Apply(standing, AlertKeys.NoSecondFactorPrefix + user, !account.SecondFactor.IsEnrolled && !superLocked,
                    AlertSeverity.Warning, () => NoSecondFactorMessage(account, policy));
                if (!superLocked && standing.ContainsKey(AlertKeys.SuperLockedPrefix + user))
                {
                    alerts.Clear(AlertKeys.SuperLockedPrefix + user);
                    changed = true;
                }
            }

            // Alerts about administrators that were deleted, and retired ones.
            var known = all.Select(a => a.NormalizedUserName).ToHashSet(StringComparer.Ordinal);
            foreach (var key in standing.Keys)
            {
                if (key.StartsWith(AlertKeys.RetiredCodesLowPrefix, StringComparison.Ordinal))
                {
                    alerts.Clear(key);
                    changed = true;
                    continue;
                }

                var prefix = PerUserPrefixes.FirstOrDefault(p => key.StartsWith(p, StringComparison.Ordinal));
                if (prefix is not null && !known.Contains(key[prefix.Length..]))
                {
                    alerts.Clear(key);
                    changed = true;
                }
            }

            return changed;
        }
    }

    /// <summary>Re-evaluates after every security change, and tells the views when an alert moved.</summary>
    public void Attach(SecurityEvents events)
    {
        events.Changed += () =>
        {
            if (Evaluate())
            {
                events.NotifyChanged();
            }
        };
    }

    public static string NoSecondFactorMessage(Account account, TwoFactorSettings policy) => policy.EnforceForAdministrators
        ? $"{account.UserName} has no second factor enrolled; they must enrol an authenticator and save backup codes at their next sign-in."
        : $"{account.UserName} signs in with a password alone: 2FA is not required and they have not enrolled.";

    private bool Apply(Dictionary<string, Alert> standing, string key, bool holds, AlertSeverity severity, Func<string> message)
    {
        standing.TryGetValue(key, out var existing);
        if (!holds)
        {
            if (existing is null)
            {
                return false;
            }

            alerts.Clear(key);
            return true;
        }

        var text = message();
        if (existing is not null && (existing.AcknowledgedAt is not null || (existing.Message == text && existing.Severity == severity)))
        {
            return false;
        }

        alerts.Raise(key, severity, text, "/users");
        return true;
    }
}

using System.Text.Json;

namespace NasDash.Features.Api;

/// <summary>GET /api/v1/status: the appliance, its two-factor summary, SSH and open alerts.</summary>
public sealed record ApiStatus(string Appliance, string Version, ApiTwoFactorSummary TwoFactor, ApiSshState Ssh, int OpenAlerts);

public sealed record ApiTwoFactorSummary(
    bool Required,
    int Administrators,
    int WithSecondFactor,
    IReadOnlyList<string> WithoutSecondFactor,
    IReadOnlyList<ApiLockedAccount> Locked,
    string? ApplianceLockedBy);

public sealed record ApiLockedAccount(string UserName, string State, DateTimeOffset Since, DateTimeOffset? LockedUntil);

public sealed record ApiSshState(bool LoginDisabled, DateTimeOffset? DisabledAt, string? DisabledReason, bool TwoFactor);

/// <summary>GET /api/v1/accounts: one administrator; never a secret, hash or code.</summary>
public sealed record ApiAccount(string UserName, string State, DateTimeOffset StateSince, DateTimeOffset? LockedUntil, ApiSecondFactors SecondFactors,
    bool MustEnrol, DateTimeOffset? LastSignInAt);

/// <summary>The second factors an administrator holds, by kind.</summary>
public sealed record ApiSecondFactors(bool Totp, int BackupCodes, int SecurityKeys);

public sealed record ApiAlert(Guid Id, string Key, string Severity, string Message, DateTimeOffset RaisedAt, bool Open,
    DateTimeOffset? AcknowledgedAt, string? AcknowledgedBy, DateTimeOffset? ClearedAt);

/// <summary>GET /api/v1/audit: a page of entries, newest first; <c>next</c> is the cursor of the following page, null after the last.</summary>
public sealed record ApiAuditPage(IReadOnlyList<ApiAuditEntry> Events, string? Next);

public sealed record ApiAuditEntry(long Id, DateTimeOffset Time, string? User, string? Client, string Event, string Outcome, string? Detail);

internal static class ApiMapping
{
    public static string Name(LockoutStatus state) => JsonNamingPolicy.CamelCase.ConvertName(state.ToString());

    public static ApiAccount Of(Account a, DateTimeOffset now) => new(
        a.UserName, Name(a.LockoutStatusAt(now)), a.StateSince, a.LockedUntil,
        new ApiSecondFactors(a.SecondFactor.HasTotp, a.SecondFactor.BackupCodesInSet, a.SecurityKeys.Count), a.MustEnrol, a.LastSignInAt);

    public static ApiAlert Of(Alert a) => new(
        a.Id, a.Key, JsonNamingPolicy.CamelCase.ConvertName(a.Severity.ToString()), a.Message, a.RaisedAt, a.IsOpen, a.AcknowledgedAt, a.AcknowledgedBy, a.ClearedAt);

    public static ApiAuditEntry Of(AuditEvent e) => new(e.Id, e.At, e.UserName, e.ClientAddress, e.Event, e.Outcome, e.Detail);
}

namespace NasDash.Security.Reports;

public enum NotMeOutcome
{
    /// <summary>The link is valid and unused: the page offers the confirmation.</summary>
    Open,
    /// <summary>This confirmation ended the account's sessions, raised the alert and queued the notice.</summary>
    Confirmed,
    AlreadyUsed,
    Expired,
    /// <summary>No such link (or a link of an account that is gone).</summary>
    Unknown,
    /// <summary>Too many unknown links from this address: nothing was looked up.</summary>
    Throttled,
}

/// <summary>What the report page may show: the outcome and, for a known link, what its notice was about.</summary>
public sealed record NotMeView(NotMeOutcome Outcome, string? UserName = null, SecurityNoticeKind? NoticeKind = null, DateTimeOffset? At = null,
    DateTimeOffset? UsedAt = null);

/// <summary>
/// "This wasn't me": the link of a notice, opened without signing in. Confirming can only tighten: the account's sessions
/// end (its security stamp rotates), an alert is raised, a notice goes to every target, and it is a lockout event (SSH
/// off when 2FA for SSH is on). It never unlocks, resets, reveals or locks the account. Unknown links are throttled per
/// address, so the page is no oracle.
/// </summary>
public sealed class NotMeReports : IDisposable
{
    private readonly IReportTokens _reports;
    private readonly IAccountStore _accounts;
    private readonly AccountLocks _locks;
    private readonly SecurityLedger _ledger;
    private readonly TimeProvider _time;
    private readonly AddressThrottle _unknown;

    public NotMeReports(IReportTokens reports, IAccountStore accounts, AccountLocks locks, SecurityLedger ledger, TimeProvider time)
    {
        _reports = reports;
        _accounts = accounts;
        _locks = locks;
        _ledger = ledger;
        _time = time;
        _unknown = new AddressThrottle(time);
    }

    /// <summary>What the link is, without changing anything.</summary>
    public async Task<NotMeView> LookAsync(string? token, string? client, CancellationToken cancellationToken = default)
    {
        using var turn = await _unknown.BeginAsync(client, cancellationToken);
        if (turn.PausedUntil is not null)
        {
            return new NotMeView(NotMeOutcome.Throttled);
        }

        var report = Find(token);
        if (report is null)
        {
            turn.Failed();
            return new NotMeView(NotMeOutcome.Unknown);
        }

        return View(report, Status(report));
    }

    /// <summary>Confirms the report: decided under the account's lock and committed before it answers.</summary>
    public async Task<NotMeView> ConfirmAsync(string? token, string? client, CancellationToken cancellationToken = default)
    {
        using var turn = await _unknown.BeginAsync(client, cancellationToken);
        if (turn.PausedUntil is not null)
        {
            return new NotMeView(NotMeOutcome.Throttled);
        }

        var found = Find(token);
        if (found is null)
        {
            turn.Failed();
            return new NotMeView(NotMeOutcome.Unknown);
        }

        using var held = await _locks.LockAsync(_accounts, found.AccountId, cancellationToken);
        if (held is null)
        {
            return new NotMeView(NotMeOutcome.Unknown);
        }

        // Read again under the lock: a confirmation that waited for it must see the one before it.
        var report = _reports.FindReport(found.TokenHash) ?? found;
        if (Status(report) is not NotMeOutcome.Open and var status)
        {
            return View(report, status);
        }

        var now = _time.GetUtcNow();
        var account = held.Account;
        account.ReportedNotMine(client, report.NoticeKind.ToString(), report.At, ReportLinks.Lifetime);
        report.UsedAt = now;
        _ledger.Commit(account, new AuditEvent
        {
            At = now,
            UserName = account.UserName,
            ClientAddress = client,
            Event = AuditNames.AccountReportedNotMe.Id,
            Outcome = "succeeded",
            Detail = $"notice {report.NoticeKind} of {report.At.UtcDateTime:yyyy-MM-dd HH:mm:ss} UTC; sessions ended; addresses added since {(report.At - ReportLinks.Lifetime).UtcDateTime:yyyy-MM-dd HH:mm:ss} UTC removed",
        }, () => _reports.UpdateReport(report));
        return View(report, NotMeOutcome.Confirmed);
    }

    public void Dispose() => _unknown.Dispose();

    private NotMeReport? Find(string? token) => ReportLinks.IsWellFormed(token) ? _reports.FindReport(ReportLinks.Hash(token!)) : null;

    private NotMeOutcome Status(NotMeReport report) =>
        report.UsedAt is not null ? NotMeOutcome.AlreadyUsed
        : report.ExpiresAt <= _time.GetUtcNow() ? NotMeOutcome.Expired
        : NotMeOutcome.Open;

    private static NotMeView View(NotMeReport report, NotMeOutcome outcome) =>
        new(outcome, report.UserName, report.NoticeKind, report.At, report.UsedAt);
}

using System.Collections.Concurrent;
using System.Security.Cryptography;

namespace NasDash.Security.SignIn;

/// <summary>
/// Short-lived, server-side state: the password step passed (challenges) and single-use sign-in tickets
/// handed from a circuit to the cookie endpoint. Both are bound to the account's security stamp and lockout
/// state at issue, and hold no counter: opening a new login page never buys new guesses. Their lifetimes are measured
/// on monotonic time, so setting the wall clock neither voids nor extends them.
/// </summary>
public sealed class PendingSignIns(TimeProvider time)
{
    public static readonly TimeSpan ChallengeLifetime = TimeSpan.FromMinutes(5);
    public static readonly TimeSpan TicketLifetime = TimeSpan.FromSeconds(60);

    private readonly ConcurrentDictionary<string, Pending> _challenges = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Pending> _tickets = new(StringComparer.Ordinal);

    /// <param name="IssuedAt">The monotonic timestamp (<see cref="TimeProvider.GetTimestamp"/>) of its issue.</param>
    /// <param name="Browser">The random value of the browser the ticket was issued to (see <see cref="BindTicket"/>); null until bound.</param>
    public sealed record Pending(Guid AccountId, string NormalizedUserName, string SecurityStamp, AccountState State, long IssuedAt, TimeSpan Lifetime, bool Enrolment, string? Browser = null);

    public string IssueChallenge(Account account) => Issue(_challenges, account, ChallengeLifetime, enrolment: false);

    public Pending? FindChallenge(string? id)
    {
        if (id is null || !_challenges.TryGetValue(id, out var pending))
        {
            return null;
        }

        if (Expired(pending))
        {
            _challenges.TryRemove(id, out _);
            return null;
        }

        return pending;
    }

    public void EndChallenge(string id) => _challenges.TryRemove(id, out _);

    /// <param name="enrolment">The cookie it leads to may reach only the enrolment page.</param>
    public string IssueTicket(Account account, bool enrolment) => Issue(_tickets, account, TicketLifetime, enrolment);

    /// <summary>
    /// Ties an issued ticket to the browser whose page received it, once: whoever redeems it must present the same
    /// value, so a ticket handed to another browser (login CSRF) signs nobody in.
    /// </summary>
    public bool BindTicket(string ticket, string browser)
    {
        ArgumentException.ThrowIfNullOrEmpty(browser);
        return _tickets.TryGetValue(ticket, out var pending) && pending.Browser is null &&
               _tickets.TryUpdate(ticket, pending with { Browser = browser }, pending);
    }

    /// <summary>Single use: the ticket is gone after the first call, valid or not.</summary>
    public Pending? RedeemTicket(string? ticket)
    {
        if (ticket is null || !_tickets.TryRemove(ticket, out var pending))
        {
            return null;
        }

        return Expired(pending) ? null : pending;
    }

    private string Issue(ConcurrentDictionary<string, Pending> into, Account account, TimeSpan lifetime, bool enrolment)
    {
        Sweep(into);
        var id = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).Replace('+', '-').Replace('/', '_').TrimEnd('=');
        into[id] = new Pending(account.Id, account.NormalizedUserName, account.SecurityStamp, account.State, time.GetTimestamp(), lifetime, enrolment);
        return id;
    }

    private void Sweep(ConcurrentDictionary<string, Pending> from)
    {
        foreach (var (key, value) in from)
        {
            if (Expired(value))
            {
                from.TryRemove(key, out _);
            }
        }
    }

    private bool Expired(Pending pending) => time.GetElapsedTime(pending.IssuedAt) >= pending.Lifetime;
}

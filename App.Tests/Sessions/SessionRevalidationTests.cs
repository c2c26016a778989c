using System.Security.Claims;
using Microsoft.Extensions.Logging.Abstractions;
using NasDash.Hosting;
using NasDash.Storage;

namespace NasDash.Tests.Sessions;

/// <summary>
/// The re-check of open pages when the store cannot be read: a page within its own limits stays, read-only, for a bounded
/// time; one that cannot be judged ends; the re-checks never stop.
/// </summary>
public sealed class SessionRevalidationTests
{
    [Fact]
    public void Keeps_StoreUnreadable_EndsTheSessionInsteadOfThrowing()
    {
        var time = TimeProvider.System;
        var validator = new SessionValidator(new UnreadableStore(), new UnreadableStore(), new SessionActivity(time, new NasDashOptions()), new NasDashOptions());
        using var revalidation = new SessionRevalidation(NullLoggerFactory.Instance, validator, new SecurityEvents(), new SessionRechecks(), time);
        var user = new ClaimsPrincipal(new ClaimsIdentity([new Claim(ClaimTypes.NameIdentifier, Guid.NewGuid().ToString())], "test"));

        Assert.Throws<StoreUnavailableException>(() => validator.Check(user));
        Assert.False(revalidation.Keeps(user));
    }

    [Fact]
    public void Keeps_StoreUnreadable_PageWithinItsLimits_StaysReadOnlyUpToTheLimit_ThenEnds()
    {
        var (time, activity, revalidation, user) = OpenPage(new NasDashOptions());
        using var _ = revalidation;

        Assert.True(revalidation.Keeps(user));
        time.Advance(SessionRevalidation.UnreadableLimit - TimeSpan.FromSeconds(5));
        activity.Touch(user.SessionIdOf());
        Assert.True(revalidation.Keeps(user));

        time.Advance(TimeSpan.FromSeconds(10));
        activity.Touch(user.SessionIdOf());
        Assert.False(revalidation.Keeps(user));
    }

    [Fact]
    public void Keeps_StoreUnreadable_TheSessionsOwnIdleLimitStillEndsIt()
    {
        var options = new NasDashOptions();
        options.Session.IdleTimeout = TimeSpan.FromMinutes(2);
        var (time, _, revalidation, user) = OpenPage(options);
        using var _ = revalidation;
        Assert.True(revalidation.Keeps(user));

        time.Advance(TimeSpan.FromMinutes(3));

        Assert.False(revalidation.Keeps(user));
    }

    private static (Microsoft.Extensions.Time.Testing.FakeTimeProvider Time, SessionActivity Activity, SessionRevalidation Revalidation, ClaimsPrincipal User) OpenPage(NasDashOptions options)
    {
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(DateTimeOffset.UtcNow);
        var activity = new SessionActivity(time, options);
        var validator = new SessionValidator(new UnreadableStore(), new UnreadableStore(), activity, options);
        var revalidation = new SessionRevalidation(NullLoggerFactory.Instance, validator, new SecurityEvents(), new SessionRechecks(), time);
        const string session = "open-page";
        activity.Start(session);
        var user = new ClaimsPrincipal(new ClaimsIdentity(
        [
            new Claim(ClaimTypes.NameIdentifier, Guid.NewGuid().ToString()),
            new Claim(SessionClaims.SessionId, session),
            new Claim(SessionClaims.IssuedAt, time.GetUtcNow().ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture)),
        ], "test"));
        return (time, activity, revalidation, user);
    }

    private sealed class UnreadableStore : IAccountStore, ISettingsStore
    {
        private static StoreUnavailableException Unreadable() => new(new IOException("nasdash.db: Input/output error"));

        public Account? FindByName(string userName) => throw Unreadable();
        public Account? FindById(Guid id) => throw Unreadable();
        public IReadOnlyList<Account> All() => throw Unreadable();
        public bool TryInsert(Account account) => throw Unreadable();
        public void Update(Account account, params AuditEvent[] audit) => throw Unreadable();
        public bool Delete(Guid id) => throw Unreadable();
        public ApplianceSettings Get() => throw Unreadable();
        public void Save(ApplianceSettings settings) => throw Unreadable();
        public void Update(Action<ApplianceSettings> change) => throw Unreadable();
    }
}

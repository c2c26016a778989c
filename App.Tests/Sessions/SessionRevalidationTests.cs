using System.Security.Claims;
using Microsoft.Extensions.Logging.Abstractions;
using NasDash.Hosting;
using NasDash.Storage;

namespace NasDash.Tests.Sessions;

/// <summary>The re-check of open pages: a check that cannot be made ends the page's session instead of stopping the re-checks.</summary>
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

using Microsoft.Extensions.Time.Testing;
using NasDash.Tests.TestSupport;
using NasDash.Storage;

namespace NasDash.Tests.Features.Console;

/// <summary>A fresh data directory under the temp folder, removed afterwards. Short paths: a Unix socket path has at most 107 bytes.</summary>
public sealed class TempDataDirectory : IDisposable
{
    public TempDataDirectory()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "nd-" + Guid.NewGuid().ToString("N")[..12]);
        DataDirectory.Ensure(Path);
    }

    public string Path { get; }

    public string SocketPath => System.IO.Path.Combine(Path, "console.sock");

    public LiteDbStore OpenStore(TimeProvider? time = null) => new(Path, time ?? TimeProvider.System);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

/// <summary>Accounts in the states the console deals with. Passwords are hashed with few iterations.</summary>
public static class TestAccounts
{
    public static readonly PasswordHashing Hashing = new(1_000);

    public static Account Enrolled(string userName, DateTimeOffset now)
    {
        var batch = new BackupCodes(TimeProvider.System, iterations: 1_000).Generate(10);
        // The secret is never decrypted by the console or by a super-locked sign-in.
        return Account.CreateEnrolled(userName, Hashing.Hash(TestPasswords.Default), now, "protected-secret", 1234, batch.Stored);
    }

    public static Account SuperLocked(string userName, DateTimeOffset now)
    {
        return Enrolled(userName, now).FailTotp(2, now).SuperLock(now);
    }

    /// <summary>Creates a completed appliance with the given accounts, then closes the store.</summary>
    public static void Seed(string dataDirectory, params Account[] accounts)
    {
        using var store = new LiteDbStore(dataDirectory, TimeProvider.System);
        Seed(store, accounts);
    }

    public static void Seed(LiteDbStore store, params Account[] accounts)
    {
        var settings = store.Get();
        settings.SetupCompleted = true;
        store.Save(settings);
        foreach (var account in accounts)
        {
            Assert.True(store.TryInsert(account));
        }
    }
}

/// <summary>The core services over a real store in a temp directory, with a fake clock.</summary>
public sealed class AdministrationFixture : IDisposable
{
    public AdministrationFixture(ISshControl? ssh = null)
    {
        Store = Directory.OpenStore(Time);
        Events = new SecurityEvents();
        Administration = new AccountAdministration(Store, Store, Store, new AccountLocks(), TestAccounts.Hashing, Events,
            new SecurityLedger(Store, Store, Store, Store, Store, [], Events), new ApplianceFacts(Store, Store, Store, Events),
            new EnrolmentCodes(new BackupCodes(Time, iterations: 10), new EnrolmentCodePolicy(EnrolmentCodePolicy.DefaultLifetime), Time), new RefusedSignIns(Time), Time, ssh);
    }

    public TempDataDirectory Directory { get; } = new();
    public FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 3, 1, 12, 0, 0, TimeSpan.Zero));
    public LiteDbStore Store { get; }
    public SecurityEvents Events { get; }
    public AccountAdministration Administration { get; }

    public Account Add(Account account)
    {
        if (!Store.Get().SetupCompleted)
        {
            TestAccounts.Seed(Store, account);
        }
        else
        {
            Assert.True(Store.TryInsert(account));
        }

        return account;
    }

    public Account Reload(string userName) => Store.FindByName(userName) ?? throw new InvalidOperationException($"{userName} is gone");

    public void Dispose()
    {
        Store.Dispose();
        Directory.Dispose();
    }
}

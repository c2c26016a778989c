using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using NasDash.Tests.TestSupport;

namespace NasDash.Tests.Security;

/// <summary>
/// An administrator's own notification addresses in the core: added and removed after a step-up, counted only once
/// confirmed with the code sent to them (which expires and allows few wrong tries), and routed at commit.
/// </summary>
public sealed class NotificationAddressesTests
{
    private const string Client = "192.0.2.44";
    private const string Topic = "https://ntfy.example/nasdash-topic-Zq81Kx";

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Add_WithoutAStepUp_IsRefusedAndStoresNothing()
    {
        using var harness = new CoreHarness();
        var alice = harness.CreateEnrolledAccount("alice");

        var result = await Addresses(harness).AddAsync(alice.Id, NotificationAddressKind.Email, WebhookPreset.Json, "alice@example.test", Client, Cancel);

        Assert.IsType<AddressChange.StepUpRequired>(result);
        Assert.Empty(harness.Stored(alice).NotificationAddresses);
        Assert.Empty(harness.AuditOf("alice", "account.address"));
    }

    [Fact]
    public async Task Add_AfterAStepUp_IsPending_ItsCodeStoredOnlyAsASaltedHash_AuditedWithoutTheCode()
    {
        using var harness = new CoreHarness();
        var alice = harness.CreateEnrolledAccount("alice");

        var (row, code) = await AddAsync(harness, alice, NotificationAddressKind.Email, "alice@example.test");

        Assert.Matches("^[0-9]{6}$", code);
        Assert.False(row.IsConfirmed);
        Assert.Equal(harness.Time.GetUtcNow() + TimeSpan.FromMinutes(15), row.CodeExpiresAt);
        var stored = Assert.Single(harness.Stored(alice).NotificationAddresses);
        Assert.Equal(("alice@example.test", "alice@example.test", 1), (stored.Email, stored.Shown, stored.CodesSent));
        Assert.Equal(32, stored.Code!.Hash.Length);
        Assert.Equal(16, stored.Code.Salt.Length);
        Assert.Equal(SHA256.HashData([.. stored.Code.Salt, .. Encoding.ASCII.GetBytes(code)]), stored.Code.Hash);
        var entry = Assert.Single(harness.AuditOf("alice", "account.address-added"));
        Assert.Equal(Client, entry.ClientAddress);
        Assert.Contains("email address alice@example.test; pending: code 1 of 4 issued", entry.Detail, StringComparison.Ordinal);
        Assert.All(harness.Store.Query(new AuditQuery(Take: 1000)), e => Assert.DoesNotContain(code, e.Detail ?? "", StringComparison.Ordinal));
        Assert.Single(harness.Store.AllNotices(10), n => n.Kind == SecurityNoticeKind.NotificationAddressAdded && n.UserName == "alice");
    }

    [Fact]
    public async Task Add_AWebhook_StoresItsUrlEncrypted_AndShowsOnlyItsHost()
    {
        using var harness = new CoreHarness();
        var alice = harness.CreateEnrolledAccount("alice");

        var (row, _) = await AddAsync(harness, alice, NotificationAddressKind.Webhook, Topic, WebhookPreset.Ntfy);

        Assert.Equal("https://ntfy.example/…", row.Shown);
        Assert.Equal("ntfy webhook https://ntfy.example/…", row.Describe());
        var stored = Assert.Single(harness.Stored(alice).NotificationAddresses);
        Assert.Equal(Topic, harness.Get<NotificationAddressSeal>().TryUnseal(stored.ProtectedUrl));
        Assert.DoesNotContain("nasdash-topic", File.ReadAllText(Path.Combine(harness.DataDirectory, "nasdash.db")), StringComparison.Ordinal);
        Assert.All(harness.Store.Query(new AuditQuery(Take: 1000)), e => Assert.DoesNotContain("nasdash-topic", e.Detail ?? "", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Confirm_TheRightCode_ConfirmsOnce_AuditedAndNoticed()
    {
        using var harness = new CoreHarness();
        var alice = harness.CreateEnrolledAccount("alice");
        var (row, code) = await AddAsync(harness, alice, NotificationAddressKind.Email, "alice@example.test");

        var result = await Addresses(harness).ConfirmAsync(alice.Id, row.Id, $" {code[..3]} {code[3..]} ", Client, Cancel);

        Assert.Equal(harness.Time.GetUtcNow(), Assert.IsType<AddressChange.Confirmed>(result).Row.ConfirmedAt);
        var stored = Assert.Single(harness.Stored(alice).NotificationAddresses);
        Assert.True(stored.IsConfirmed);
        Assert.Null(stored.Code);
        Assert.Equal("confirmed", Assert.Single(harness.AuditOf("alice", "account.address-confirmed")).Outcome);
        Assert.Single(harness.Store.AllNotices(10), n => n.Kind == SecurityNoticeKind.NotificationAddressConfirmed);
        Assert.IsType<AddressChange.Refused>(await Addresses(harness).ConfirmAsync(alice.Id, row.Id, code, Client, Cancel));
        Assert.Single(harness.AuditOf("alice", "account.address-confirmed"));
    }

    [Fact]
    public async Task Confirm_AfterFifteenMinutes_HasExpired_AndANewCodeWorks()
    {
        using var harness = new CoreHarness();
        var alice = harness.CreateEnrolledAccount("alice");
        var (row, code) = await AddAsync(harness, alice, NotificationAddressKind.Email, "alice@example.test");

        harness.Time.Advance(TimeSpan.FromMinutes(15));
        var expired = await Addresses(harness).ConfirmAsync(alice.Id, row.Id, code, Client, Cancel);

        Assert.Equal("That code has expired: send a new code.", Assert.IsType<AddressChange.Refused>(expired).Message);
        Assert.False(Assert.Single(harness.Stored(alice).NotificationAddresses).IsConfirmed);
        Assert.Equal("expired", Assert.Single(harness.AuditOf("alice", "account.address-confirmed")).Outcome);
        var renewed = Assert.IsType<AddressChange.CodeIssued>(await Addresses(harness).NewCodeAsync(alice.Id, row.Id, Client, Cancel));
        Assert.Equal(2, renewed.Row.CodesLeft);
        Assert.IsType<AddressChange.Confirmed>(await Addresses(harness).ConfirmAsync(alice.Id, row.Id, renewed.Code, Client, Cancel));
    }

    [Fact]
    public async Task Confirm_FiveWrongCodes_VoidTheCode_SoEvenTheRightOneFails()
    {
        using var harness = new CoreHarness();
        var alice = harness.CreateEnrolledAccount("alice");
        var (row, code) = await AddAsync(harness, alice, NotificationAddressKind.Email, "alice@example.test");
        var wrong = ((int.Parse(code, CultureInfo.InvariantCulture) + 1) % 1_000_000).ToString("D6", CultureInfo.InvariantCulture);

        var left = new List<int>();
        for (var i = 0; i < 4; i++)
        {
            left.Add(Assert.IsType<AddressChange.WrongCode>(await Addresses(harness).ConfirmAsync(alice.Id, row.Id, wrong, Client, Cancel)).TriesLeft);
        }

        var last = await Addresses(harness).ConfirmAsync(alice.Id, row.Id, wrong, Client, Cancel);
        var right = await Addresses(harness).ConfirmAsync(alice.Id, row.Id, code, Client, Cancel);

        Assert.Equal([4, 3, 2, 1], left);
        Assert.Equal("That code is not right, and it was the last try: send a new code.", Assert.IsType<AddressChange.Refused>(last).Message);
        Assert.Equal("No code is waiting for this address: send a new code.", Assert.IsType<AddressChange.Refused>(right).Message);
        Assert.False(Assert.Single(harness.Stored(alice).NotificationAddresses).IsConfirmed);
        Assert.Equal(["refused", "voided", "failed", "failed", "failed", "failed"], harness.AuditOf("alice", "account.address-confirmed").Select(e => e.Outcome));
    }

    [Fact]
    public async Task Confirm_SomethingThatIsNotSixDigits_CountsNoTry()
    {
        using var harness = new CoreHarness();
        var alice = harness.CreateEnrolledAccount("alice");
        var (row, code) = await AddAsync(harness, alice, NotificationAddressKind.Email, "alice@example.test");

        foreach (var typed in new[] { "", "12345", "1234567", "12a456", new string('1', 100_000), "12\n3456" })
        {
            Assert.IsType<AddressChange.Refused>(await Addresses(harness).ConfirmAsync(alice.Id, row.Id, typed, Client, Cancel));
        }

        Assert.Empty(harness.AuditOf("alice", "account.address-confirmed"));
        Assert.Equal(5, Assert.Single(harness.Stored(alice).NotificationAddresses).Code!.TriesLeft);
        Assert.IsType<AddressChange.Confirmed>(await Addresses(harness).ConfirmAsync(alice.Id, row.Id, code, Client, Cancel));
    }

    [Fact]
    public async Task NewCode_AtMostFourCodesInAll_AndEachReplacesTheOneBefore()
    {
        using var harness = new CoreHarness();
        var alice = harness.CreateEnrolledAccount("alice");
        var (row, first) = await AddAsync(harness, alice, NotificationAddressKind.Email, "alice@example.test");
        var codes = new List<string> { first };

        for (var i = 0; i < 3; i++)
        {
            codes.Add(Assert.IsType<AddressChange.CodeIssued>(await Addresses(harness).NewCodeAsync(alice.Id, row.Id, Client, Cancel)).Code);
        }

        var fifth = await Addresses(harness).NewCodeAsync(alice.Id, row.Id, Client, Cancel);

        Assert.Equal("4 codes were sent to this address already: remove it and add it again.", Assert.IsType<AddressChange.Refused>(fifth).Message);
        Assert.Equal(3, harness.AuditOf("alice", "account.address-code-sent").Count);
        if (codes[2] != codes[3])
        {
            Assert.IsType<AddressChange.WrongCode>(await Addresses(harness).ConfirmAsync(alice.Id, row.Id, codes[2], Client, Cancel));
        }

        Assert.IsType<AddressChange.Confirmed>(await Addresses(harness).ConfirmAsync(alice.Id, row.Id, codes[3], Client, Cancel));
    }

    [Fact]
    public async Task Confirm_AnotherAdministratorsAddress_IsRefusedAndChangesNothing()
    {
        using var harness = new CoreHarness();
        var alice = harness.CreateEnrolledAccount("alice");
        var bob = harness.CreateEnrolledAccount("bob");
        var (bobs, code) = await AddAsync(harness, bob, NotificationAddressKind.Email, "bob@example.test");

        var confirmed = await Addresses(harness).ConfirmAsync(alice.Id, bobs.Id, code, Client, Cancel);
        var renewed = await Addresses(harness).NewCodeAsync(alice.Id, bobs.Id, Client, Cancel);
        Assert.Equal(StepUpOutcome.Accepted, await harness.StepUp.VerifyAsync(alice.Id, harness.NextCode(alice), NotificationAddresses.RemovePurpose, Client, Cancel));
        var removed = await Addresses(harness).RemoveAsync(alice.Id, bobs.Id, Client, Cancel);

        Assert.Equal("That address is not on your account.", Assert.IsType<AddressChange.Refused>(confirmed).Message);
        Assert.IsType<AddressChange.Refused>(renewed);
        Assert.IsType<AddressChange.Refused>(removed);
        var stored = Assert.Single(harness.Stored(bob).NotificationAddresses);
        Assert.Equal((false, 1, 5), (stored.IsConfirmed, stored.CodesSent, stored.Code!.TriesLeft));
        Assert.Empty(harness.AuditOf("alice", "account.address"));
    }

    [Fact]
    public async Task Confirm_TwiceAtOnce_ConfirmsOnce()
    {
        using var harness = new CoreHarness();
        var alice = harness.CreateEnrolledAccount("alice");
        var (row, code) = await AddAsync(harness, alice, NotificationAddressKind.Email, "alice@example.test");
        var addresses = Addresses(harness);

        var both = await Task.WhenAll(
            Task.Run(() => addresses.ConfirmAsync(alice.Id, row.Id, code, Client, Cancel), Cancel),
            Task.Run(() => addresses.ConfirmAsync(alice.Id, row.Id, code, Client, Cancel), Cancel));

        Assert.Single(both, r => r is AddressChange.Confirmed);
        Assert.Single(both, r => r is AddressChange.Refused { Message: "That address is confirmed already." });
        Assert.Single(harness.AuditOf("alice", "account.address-confirmed"));
        Assert.Single(harness.Store.AllNotices(10), n => n.Kind == SecurityNoticeKind.NotificationAddressConfirmed);
    }

    [Fact]
    public async Task Add_ASixthAddress_IsRefusedBeforeTheStepUpIsSpent()
    {
        using var harness = new CoreHarness();
        var alice = harness.CreateEnrolledAccount("alice");
        for (var i = 0; i < NotificationAddress.MaxPerAccount; i++)
        {
            await AddAsync(harness, alice, NotificationAddressKind.Email, $"alice{i}@example.test");
        }

        Assert.Equal(StepUpOutcome.Accepted, await harness.StepUp.VerifyAsync(alice.Id, harness.NextCode(alice), NotificationAddresses.AddPurpose, Client, Cancel));
        var sixth = await Addresses(harness).AddAsync(alice.Id, NotificationAddressKind.Email, WebhookPreset.Json, "alice5@example.test", Client, Cancel);

        Assert.Equal("You have 5 addresses already: remove one first.", Assert.IsType<AddressChange.Refused>(sixth).Message);
        Assert.Equal(5, harness.Stored(alice).NotificationAddresses.Count);
        Assert.True(harness.StepUp.TryConsumeGrant(alice.Id, NotificationAddresses.AddPurpose));
    }

    [Theory]
    [InlineData(NotificationAddressKind.Email, "alice@example.test", "ALICE@Example.TEST")]
    [InlineData(NotificationAddressKind.Webhook, Topic, " " + Topic + " ")]
    public async Task Add_TheSameAddressAgain_IsRefused(NotificationAddressKind kind, string first, string again)
    {
        using var harness = new CoreHarness();
        var alice = harness.CreateEnrolledAccount("alice");
        await AddAsync(harness, alice, kind, first);

        Assert.Equal(StepUpOutcome.Accepted, await harness.StepUp.VerifyAsync(alice.Id, harness.NextCode(alice), NotificationAddresses.AddPurpose, Client, Cancel));
        var result = await Addresses(harness).AddAsync(alice.Id, kind, WebhookPreset.Json, again, Client, Cancel);

        Assert.Equal("You have added this address already.", Assert.IsType<AddressChange.Refused>(result).Message);
        Assert.Single(harness.Stored(alice).NotificationAddresses);
    }

    public static TheoryData<NotificationAddressKind, string> Hostile => new()
    {
        { NotificationAddressKind.Email, "alice@example.test\r\nBcc: victim@example.test" },
        { NotificationAddressKind.Email, "Alice <alice@example.test>" },
        { NotificationAddressKind.Email, new string('a', 250) + "@example.test" },
        { NotificationAddressKind.Email, "alice\u2028@example.test" },
        { NotificationAddressKind.Webhook, "https://ntfy.example/" + new string('x', 2000) },
        { NotificationAddressKind.Webhook, "file:///etc/passwd" },
        { NotificationAddressKind.Webhook, "https://ntfy.example/topic\u0000evil" },
        { NotificationAddressKind.Webhook, "gopher://ntfy.example/topic" },
        { NotificationAddressKind.Webhook, "alice@example.test" },
    };

    [Theory]
    [MemberData(nameof(Hostile))]
    public async Task Add_HostileInput_IsRefusedAndKeepsTheStepUp(NotificationAddressKind kind, string value)
    {
        using var harness = new CoreHarness();
        var alice = harness.CreateEnrolledAccount("alice");
        Assert.Equal(StepUpOutcome.Accepted, await harness.StepUp.VerifyAsync(alice.Id, harness.NextCode(alice), NotificationAddresses.AddPurpose, Client, Cancel));

        var result = await Addresses(harness).AddAsync(alice.Id, kind, WebhookPreset.Json, value, Client, Cancel);

        Assert.IsType<AddressChange.Refused>(result);
        Assert.Empty(harness.Stored(alice).NotificationAddresses);
        Assert.True(harness.StepUp.TryConsumeGrant(alice.Id, NotificationAddresses.AddPurpose));
    }

    [Fact]
    public async Task Remove_NeedsAStepUp_ThenTheConfirmedAddressIsToldAndTheOthersToo()
    {
        using var harness = new CoreHarness();
        var alice = harness.CreateEnrolledAccount("alice");
        var mail = await AddConfirmedAsync(harness, alice, NotificationAddressKind.Email, "alice@example.test");
        var hook = await AddConfirmedAsync(harness, alice, NotificationAddressKind.Webhook, Topic, WebhookPreset.Ntfy);

        Assert.IsType<AddressChange.StepUpRequired>(await Addresses(harness).RemoveAsync(alice.Id, mail.Id, Client, Cancel));
        Assert.Equal(2, harness.Stored(alice).NotificationAddresses.Count);
        Assert.Equal(StepUpOutcome.Accepted, await harness.StepUp.VerifyAsync(alice.Id, harness.NextCode(alice), NotificationAddresses.RemovePurpose, Client, Cancel));
        Assert.IsType<AddressChange.Removed>(await Addresses(harness).RemoveAsync(alice.Id, mail.Id, Client, Cancel));

        Assert.Equal(hook.Id, Assert.Single(harness.Stored(alice).NotificationAddresses).Id);
        var removed = Assert.Single(harness.Store.AllNotices(20), n => n.Kind == SecurityNoticeKind.NotificationAddressRemoved);
        Assert.Equal(new[] { mail.Id, hook.Id }.Order(), removed.Deliveries.Select(d => d.Address!.AddressId).Order());
        Assert.Equal("email address alice@example.test", removed.Detail);
        Assert.Contains("email address alice@example.test", Assert.Single(harness.AuditOf("alice", "account.address-removed")).Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Routing_TheAddressJustAddedOrConfirmedHearsNothingOfIt_TheOthersDo()
    {
        using var harness = new CoreHarness();
        var alice = harness.CreateEnrolledAccount("alice");
        var first = await AddConfirmedAsync(harness, alice, NotificationAddressKind.Email, "alice@example.test");

        var second = await AddConfirmedAsync(harness, alice, NotificationAddressKind.Webhook, Topic, WebhookPreset.Gotify);

        var notices = harness.Store.AllNotices(20);
        Assert.Empty(Assert.Single(notices, n => n.Kind == SecurityNoticeKind.NotificationAddressAdded && n.Detail!.Contains("email", StringComparison.Ordinal)).Deliveries);
        Assert.Empty(Assert.Single(notices, n => n.Kind == SecurityNoticeKind.NotificationAddressConfirmed && n.Detail!.Contains("email", StringComparison.Ordinal)).Deliveries);
        Assert.Equal(first.Id, Assert.Single(Assert.Single(notices, n => n.Kind == SecurityNoticeKind.NotificationAddressAdded && n.Detail!.Contains("Gotify", StringComparison.Ordinal)).Deliveries).Address!.AddressId);
        var confirmed = Assert.Single(Assert.Single(notices, n => n.Kind == SecurityNoticeKind.NotificationAddressConfirmed && n.Detail!.Contains("Gotify", StringComparison.Ordinal)).Deliveries);
        Assert.Equal((first.Id, DeliveryAddress.TargetOf(first.Id), "alice"), (confirmed.Address!.AddressId, confirmed.Target, confirmed.Address.Owner));
        Assert.Equal(second.Id, Assert.Single(harness.Stored(alice).NotificationAddresses, a => a.Kind == NotificationAddressKind.Webhook).Id);
    }

    [Fact]
    public async Task Routing_ANoticeAboutAnAccount_ReachesItsConfirmedAddressesAndTheActors_NotPendingOnesNorOtherAccounts()
    {
        using var harness = new CoreHarness();
        var alice = harness.CreateEnrolledAccount("alice");
        var bob = harness.CreateEnrolledAccount("bob");
        var carol = harness.CreateEnrolledAccount("carol");
        var alices = await AddConfirmedAsync(harness, alice, NotificationAddressKind.Email, "alice@example.test");
        await AddAsync(harness, alice, NotificationAddressKind.Email, "alice-pending@example.test");
        var bobs = await AddConfirmedAsync(harness, bob, NotificationAddressKind.Webhook, Topic, WebhookPreset.Ntfy);
        await AddConfirmedAsync(harness, carol, NotificationAddressKind.Email, "carol@example.test");
        var ledger = harness.Get<SecurityLedger>();

        // bob requires alice to change her password: it is about alice, and bob did it.
        var target = harness.Stored(alice);
        target.RequirePasswordChange();
        ledger.Commit(target, new AuditEvent { At = harness.Time.GetUtcNow(), UserName = "bob", Event = AuditNames.UsersPasswordChangeForced.Id, Outcome = "succeeded" });
        // alice deletes carol: carol's own addresses hear of it after her account is gone.
        ledger.Delete(harness.Store.FindByName("carol")!, new AuditEvent { At = harness.Time.GetUtcNow(), UserName = "alice", Event = AuditNames.UsersDeleted.Id, Outcome = "succeeded" });

        var notices = harness.Store.AllNotices(50);
        var forced = Assert.Single(notices, n => n.Kind == SecurityNoticeKind.PasswordChangeRequired);
        Assert.Equal(("alice", "bob"), (forced.UserName, forced.Actor));
        Assert.Equal(new[] { alices.Id, bobs.Id }.Order(), forced.Deliveries.Select(d => d.Address!.AddressId).Order());
        var deleted = Assert.Single(notices, n => n.Kind == SecurityNoticeKind.AdministratorDeleted);
        Assert.Equal(["alice@example.test", "carol@example.test"], deleted.Deliveries.Select(d => d.Address!.Email).Order(StringComparer.Ordinal));
        Assert.Null(harness.Store.FindByName("carol"));
        Assert.DoesNotContain(notices.SelectMany(n => n.Deliveries), d => d.Address?.Email == "alice-pending@example.test");
    }

    internal static NotificationAddresses Addresses(CoreHarness harness) => harness.Get<NotificationAddresses>();

    internal static async Task<(NotificationAddressRow Row, string Code)> AddAsync(CoreHarness harness, EnrolledAccount account, NotificationAddressKind kind, string value,
        WebhookPreset preset = WebhookPreset.Json)
    {
        Assert.Equal(StepUpOutcome.Accepted, await harness.StepUp.VerifyAsync(account.Id, harness.NextCode(account), NotificationAddresses.AddPurpose, Client, Cancel));
        var issued = Assert.IsType<AddressChange.CodeIssued>(await Addresses(harness).AddAsync(account.Id, kind, preset, value, Client, Cancel));
        return (issued.Row, issued.Code);
    }

    internal static async Task<NotificationAddressRow> AddConfirmedAsync(CoreHarness harness, EnrolledAccount account, NotificationAddressKind kind, string value,
        WebhookPreset preset = WebhookPreset.Json)
    {
        var (row, code) = await AddAsync(harness, account, kind, value, preset);
        return Assert.IsType<AddressChange.Confirmed>(await Addresses(harness).ConfirmAsync(account.Id, row.Id, code, Client, Cancel)).Row;
    }
}

using LiteDB;
using NasDash.Storage;
using NasDash.Tests.TestSupport;

namespace NasDash.Tests.Storage;

/// <summary>
/// <see cref="SecondFactor"/> and <see cref="EnrolmentCode"/> are parts of the account in code only: the store keeps
/// their fields flat, under the names schema 4 gave them, so a store written before they were parts opens as it was.
/// </summary>
public sealed class AccountPartsStorageTests
{
    private static readonly string[] SecondFactorFields = ["ProtectedTotpSecret", "LastTotpStep", "BackupCodes", "ClockOffSteps"];
    private static readonly string[] EnrolmentCodeFields = ["EnrolmentCode", "EnrolmentCodeExpiresAt", "EnrolmentCodePasswordFailures", "EnrolmentCodeLockedUntil"];

    [Fact]
    public async Task Document_OfAnAccountWithBothParts_HoldsTheirFieldsFlatUnderTheNamesOfSchema4()
    {
        using var harness = new CoreHarness();
        var alice = harness.CreateEnrolledAccount("alice");
        await harness.SignIn.SubmitTotpAsync(await harness.ChallengeAsync(alice), harness.CodeAt(alice, 5), null, TestContext.Current.CancellationToken);
        var (erin, code) = harness.CreateAccountAwaitingEnrolment("erin");
        // Enough wrong passwords beside the code to pause its budget, so that every field of the part has a value.
        for (var i = 0; i < PasswordThrottle.FailuresBeforeThrottle; i++)
        {
            await harness.SignIn.SignInWithEnrolmentCodeAsync("erin", code, "wrong password", null, TestContext.Current.CancellationToken);
        }

        var mapper = LiteDbStore.CreateMapper();

        var enrolled = mapper.ToDocument(harness.Stored(alice));
        var waiting = mapper.ToDocument(harness.Accounts.FindById(erin)!);

        Assert.All(SecondFactorFields, field => Assert.True(enrolled.ContainsKey(field), field));
        Assert.All(EnrolmentCodeFields, field => Assert.True(waiting.ContainsKey(field), field));
        Assert.Equal(PasswordThrottle.FailuresBeforeThrottle, waiting["EnrolmentCodePasswordFailures"].AsInt32);
        Assert.True(waiting["EnrolmentCode"].AsDocument.ContainsKey("Hashes"));
        Assert.Single(enrolled["ClockOffSteps"].AsArray);
        Assert.DoesNotContain(enrolled.Keys.Concat(waiting.Keys), key => key is nameof(Account.SecondFactor) or "Code" or "ExpiresAt" or "IsEnrolled" or "HasTotp");
    }

    [Fact]
    public async Task Open_AStoreWrittenBeforeTheParts_EverySecondFactorAndEnrolmentCodeWorksAsBefore()
    {
        using var harness = new CoreHarness();
        var alice = harness.CreateEnrolledAccount("alice");
        var bob = harness.CreateEnrolledAccount("bob");
        // A code for a step ahead of the clock: refused, and remembered so that it is never accepted.
        await harness.SignIn.SubmitTotpAsync(await harness.ChallengeAsync(alice), harness.CodeAt(alice, 5), null, TestContext.Current.CancellationToken);
        var (erin, code) = harness.CreateAccountAwaitingEnrolment("erin");
        await harness.SignIn.SignInWithEnrolmentCodeAsync("erin", code, "wrong password", null, TestContext.Current.CancellationToken);
        var before = new[] { harness.Stored(alice), harness.Stored(bob), harness.Accounts.FindById(erin)! };
        Assert.Single(before[0].SecondFactor.ClockOffSteps);

        harness.Reopen(whileClosed: () => WriteAsSchema4(Path.Combine(harness.DataDirectory, DataDirectory.DatabaseFile), before));

        foreach (var was in before)
        {
            var now = harness.Accounts.FindById(was.Id)!;
            Assert.Equivalent(was.SecondFactor, now.SecondFactor, strict: true);
            Assert.Equivalent(was.EnrolmentCode, now.EnrolmentCode, strict: true);
        }

        var totp = await harness.SignIn.SubmitTotpAsync(await harness.ChallengeAsync(alice), harness.NextCode(alice), null, TestContext.Current.CancellationToken);
        Assert.IsType<SecondFactorResult.SignedIn>(totp);
        var recovery = await harness.SignIn.SubmitBackupCodesAsync(
            await harness.ChallengeAsync(bob), bob.Codes(harness.Policy.RequiredCodesAtRecovery), null, TestContext.Current.CancellationToken);
        Assert.IsType<SecondFactorResult.SignedIn>(recovery);
        var enrolment = await harness.SignIn.SignInWithEnrolmentCodeAsync("erin", code, TestPasswords.Default, null, TestContext.Current.CancellationToken);
        Assert.IsType<PasswordStepResult.EnrolmentRequired>(enrolment);
    }

    // The parts' fields as a build of schema 4 wrote them, spelled out here rather than taken from the mapper.
    private static void WriteAsSchema4(string file, IEnumerable<Account> accounts)
    {
        using var db = new LiteDatabase(new ConnectionString { Filename = file, Connection = ConnectionType.Direct });
        var users = db.GetCollection("users");
        foreach (var account in accounts)
        {
            var document = users.FindById(account.Id);
            foreach (var field in SecondFactorFields.Concat(EnrolmentCodeFields))
            {
                document.Remove(field);
            }

            var second = account.SecondFactor;
            Put(document, "ProtectedTotpSecret", second.ProtectedTotpSecret);
            document["LastTotpStep"] = second.LastTotpStep;
            Put(document, "BackupCodes", Codes(second.BackupCodes));
            document["ClockOffSteps"] = new BsonArray(second.ClockOffSteps.Select(step => new BsonValue(step)));
            var enrolment = account.EnrolmentCode;
            Put(document, "EnrolmentCode", Codes(enrolment.Code));
            Put(document, "EnrolmentCodeExpiresAt", Ticks(enrolment.ExpiresAt));
            document["EnrolmentCodePasswordFailures"] = enrolment.PasswordFailures;
            Put(document, "EnrolmentCodeLockedUntil", Ticks(enrolment.LockedUntil));
            users.Update(document);
        }
    }

    private static void Put(BsonDocument document, string field, BsonValue? value)
    {
        if (value is not null && !value.IsNull)
        {
            document[field] = value;
        }
    }

    private static BsonValue? Ticks(DateTimeOffset? at) => at is { } value ? new BsonValue(value.UtcTicks) : null;

    private static BsonDocument? Codes(StoredBackupCodes? codes) => codes is null ? null : new BsonDocument
    {
        ["BatchId"] = codes.BatchId,
        ["Salt"] = codes.Salt,
        ["Iterations"] = codes.Iterations,
        ["Hashes"] = new BsonArray(codes.Hashes.Select(hash => new BsonValue(hash))),
        ["Used"] = new BsonArray(codes.Used.Select(used => new BsonValue(used))),
        ["GeneratedAt"] = codes.GeneratedAt.UtcTicks,
        ["CodeLength"] = codes.CodeLength,
    };
}

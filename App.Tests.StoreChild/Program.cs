using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using NasDash.Features.Health;
using NasDash.Security.Accounts;
using NasDash.Security.Ledger;
using NasDash.Security.Records;
using NasDash.Storage;

namespace NasDash.Tests.StoreChild;

// A second process for the store's durability and single-writer tests (App.Tests/Storage):
//   hold <data-dir>                  open the store, print "ready", keep it open until stdin closes
//   record-failures <data-dir> <id>  record password failures of the account one by one, printing
//                                    "committed <n>" after each Update has returned, until killed
//   attempts <data-dir>              the disk-fault tests' account "alice"; prints "ready", then answers one line
//                                    per stdin command: "attempt" records a password failure ("counted <n>", or
//                                    "not-recorded <message>"), "stored" reads the count, "writable" asks the store
//                                    /healthz/ready's question, "ready" asks /healthz/ready's check (on a clock of its
//                                    own), "a-minute-later" moves that clock; the store's log goes to stderr
// An explicit Main in a namespace: the implicit top-level Program class is public and would clash with the app's.
internal static class StoreChildProgram
{
    public static int Main(string[] args)
    {
        if (args.Length < 2)
        {
            Console.Error.WriteLine("usage: hold <data-dir> | record-failures <data-dir> <account-id>");
            return 2;
        }

        using var logs = LoggerFactory.Create(logging => logging.AddSimpleConsole(console => console.SingleLine = true).AddConsole(console => console.LogToStandardErrorThreshold = LogLevel.Trace)
            .AddFilter(_ => true).SetMinimumLevel(LogLevel.Information));
        using var store = new LiteDbStore(args[1], TimeProvider.System, logs.CreateLogger<LiteDbStore>());
        switch (args[0])
        {
            case "attempts":
                AnswerAttempts(store);
                return 0;
            case "hold":
                Console.WriteLine("ready");
                Console.Out.Flush();
                Console.In.ReadToEnd();
                return 0;
            case "record-failures" when args.Length == 3 && Guid.TryParse(args[2], out var id):
                RecordFailures(store, id);
                return 0;
            default:
                Console.Error.WriteLine($"unknown mode {args[0]}");
                return 2;
        }
    }

    private static void RecordFailures(LiteDbStore store, Guid id)
    {
        var account = store.FindById(id) ?? throw new InvalidOperationException("no such account");
        while (true)
        {
            account.PasswordFailed(DateTimeOffset.UtcNow);
            store.Update(account, new AuditEvent
            {
                At = DateTimeOffset.UtcNow,
                UserName = account.UserName,
                Event = "login.password",
                Outcome = "failed",
                Detail = $"failures={account.PasswordFailures}",
            });
            Console.WriteLine($"committed {account.PasswordFailures}");
            Console.Out.Flush();
        }
    }

    private static void AnswerAttempts(LiteDbStore store)
    {
        var account = store.FindByName("alice");
        if (account is null)
        {
            store.TryInsert(Account.Create("alice", "hash", DateTimeOffset.UtcNow));
        }

        var healthClock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        using var readiness = new StoreWritableCheck(store, healthClock);
        Console.WriteLine("ready");
        Console.Out.Flush();
        while (Console.ReadLine() is { } command)
        {
            var alice = store.FindByName("alice") ?? throw new InvalidOperationException("alice is gone");
            switch (command)
            {
                case "attempt":
                    try
                    {
                        alice.PasswordFailed(DateTimeOffset.UtcNow);
                        store.Update(alice, new AuditEvent
                        {
                            At = DateTimeOffset.UtcNow,
                            UserName = alice.UserName,
                            Event = "login.password",
                            Outcome = "failed",
                            Detail = $"failures={alice.PasswordFailures}",
                        });
                        Console.WriteLine($"counted {alice.PasswordFailures}");
                    }
                    catch (StoreUnavailableException)
                    {
                        Console.WriteLine($"not-recorded {StoreUnavailableException.AttemptNotRecorded}");
                    }

                    break;
                case "stored":
                    Console.WriteLine($"stored {alice.PasswordFailures}");
                    break;
                case "ready":
                    Console.WriteLine($"ready {readiness.CheckHealthAsync(new HealthCheckContext()).GetAwaiter().GetResult().Status}");
                    break;
                case "a-minute-later":
                    healthClock.Advance(StoreWritableCheck.CheckedAtMostEvery);
                    Console.WriteLine("later");
                    break;
                case "writable":
                    Console.WriteLine($"writable {store.IsWritable()} {store.TakesWrites}");
                    break;
                default:
                    Console.WriteLine($"unknown {command}");
                    break;
            }

            Console.Out.Flush();
        }
    }
}

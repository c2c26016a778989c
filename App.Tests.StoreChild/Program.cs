using NasDash.Security;
using NasDash.Storage;

namespace NasDash.Tests.StoreChild;

// A second process for the store's durability and single-writer tests (App.Tests/Storage):
//   hold <data-dir>                  open the store, print "ready", keep it open until stdin closes
//   record-failures <data-dir> <id>  record password failures of the account one by one, printing
//                                    "committed <n>" after each Update has returned, until killed
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

        using var store = new LiteDbStore(args[1], TimeProvider.System);
        switch (args[0])
        {
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
}

using System.Text.Json;
using System.Text.Json.Serialization;

namespace NasDash.Features.Console;

/// <summary>
/// One console request: a verb of CONTRACT.md and its arguments. Actor is the operator's OS account. For ssh-code,
/// Password carries the code typed at the SSH prompt and Client the address sshd saw (PAM_RHOST).
/// </summary>
public sealed record ConsoleRequest(string Verb, string? User = null, string? Password = null, string Actor = "", string? Client = null)
{
    public override string ToString() => $"{Verb} {User}".TrimEnd();
}

public enum ConsoleOutcome
{
    Done,
    UnknownUser,
    NothingToDo,
    Rejected,
    Failed,
}

/// <summary>The answer to a request; Status is set for the status verb, Fleet for fleet-status.</summary>
public sealed record ConsoleReply(ConsoleOutcome Outcome, string Message, ApplianceStatus? Status = null, NasDash.Fleet.FleetStatus? Fleet = null)
{
    public bool Succeeded => Outcome == ConsoleOutcome.Done;

    public static ConsoleReply Of(AdministrationResult result) => new(result switch
    {
        AdministrationResult.Done => ConsoleOutcome.Done,
        AdministrationResult.UnknownUser => ConsoleOutcome.UnknownUser,
        AdministrationResult.NothingToDo => ConsoleOutcome.NothingToDo,
        _ => ConsoleOutcome.Rejected,
    }, result.Message);
}

/// <summary>
/// The verbs, their dispatch to <see cref="AccountAdministration"/> (the same code whether the request came over
/// the server's socket or is run on the store directly) and the wire format: one JSON object per line each way.
/// </summary>
public static class ConsoleProtocol
{
    public const string Status = "status";
    public const string Unlock = "unlock";
    public const string ResetPassword = "reset-password";
    public const string SshEnable = "ssh-enable";
    /// <summary>pam_nasdash.so's question: is this code right for this user now? Done means yes.</summary>
    public const string SshCode = "ssh-code";
    /// <summary>`fleet status` while a server runs: its watch knows the local copy's revision.</summary>
    public const string FleetStatus = "fleet-status";

    /// <summary>Longest request line accepted; a password is at most 1024 characters.</summary>
    public const int MaxLineLength = 16 * 1024;

    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter() },
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    };

    /// <param name="administration">Asked for only by the verbs that need it: `ssh-code` on the store builds no more than its check.</param>
    public static async Task<ConsoleReply> HandleAsync(Func<AccountAdministration> administration, SshCodeCheck sshCodes, ConsoleRequest request, string actor, CancellationToken cancellationToken)
    {
        switch (request.Verb)
        {
            case SshCode:
                var verdict = await sshCodes.CheckAsync(request.User, request.Password, request.Client, cancellationToken);
                return new ConsoleReply(verdict is SshCodeResult.Accepted ? ConsoleOutcome.Done : ConsoleOutcome.Rejected, verdict.Message);
            case Status:
                return new ConsoleReply(ConsoleOutcome.Done, "", administration().Status());
            case SshEnable:
                return ConsoleReply.Of(administration().EnableSsh(actor));
            case Unlock or ResetPassword when string.IsNullOrWhiteSpace(request.User):
                return new ConsoleReply(ConsoleOutcome.Rejected, $"{request.Verb} needs a user name.");
            case Unlock:
                return ConsoleReply.Of(await administration().UnlockAsync(request.User!, actor, cancellationToken));
            case ResetPassword:
                return ConsoleReply.Of(await administration().ResetPasswordAsync(request.User!, request.Password ?? "", actor, cancellationToken));
            default:
                return new ConsoleReply(ConsoleOutcome.Rejected, $"Unknown console verb '{request.Verb}'.");
        }
    }

    public static string Serialize<T>(T value) => JsonSerializer.Serialize(value, Json);

    public static T? Deserialize<T>(string line) => JsonSerializer.Deserialize<T>(line, Json);
}

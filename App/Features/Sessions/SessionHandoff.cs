namespace NasDash.Features.Sessions;

/// <summary>
/// Marks a circuit that is handing its user over to a new session: re-enrolment rotates the security stamp (ending
/// every other session) and then sends this page to the ticket endpoint. Without the mark, the stamp change would
/// first send this very page to the login page, racing the hand-off. Honoured briefly only.
/// </summary>
public sealed class SessionHandoff(TimeProvider time)
{
    public static readonly TimeSpan Limit = TimeSpan.FromSeconds(30);

    private DateTimeOffset? _since;

    public bool InProgress => _since is { } since && time.GetUtcNow() - since < Limit;

    public void Begin() => _since = time.GetUtcNow();

    /// <summary>The hand-off did not happen: the circuit is judged like any other again.</summary>
    public void Cancel() => _since = null;
}

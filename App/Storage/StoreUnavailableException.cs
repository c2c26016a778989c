namespace NasDash.Storage;

/// <summary>
/// A write the store refused (a disk full, read-only or failing; a fleet without quorum): nothing of it was committed,
/// and the next write succeeds as soon as the disk or the fleet does. An <see cref="IOException"/>, so callers that
/// survive an I/O error survive this one too.
/// </summary>
public class StoreUnavailableException(Exception cause, string? attemptNotRecorded = null)
    : IOException($"The store did not take the write: {cause.Message}", cause)
{
    /// <summary>What a person is told when their sign-in attempt met a disk that refused the write.</summary>
    public const string AttemptNotRecorded =
        "This attempt could not be recorded: the appliance's disk is full or read-only. Nothing was counted.";

    /// <summary>What a person is told when their sign-in attempt met this refusal.</summary>
    public string PersonMessage { get; } = attemptNotRecorded ?? AttemptNotRecorded;
}

/// <summary>
/// A write refused because what it rests on changed since it was read: on a fleet, another appliance decided on the same
/// account or claimed the same notice first. Nothing of it was committed; the decision is redone from a fresh read, or left
/// to the appliance that won.
/// </summary>
public sealed class StoreConflictException(string detail, string attemptNotRecorded)
    : StoreUnavailableException(new IOException(detail), attemptNotRecorded);

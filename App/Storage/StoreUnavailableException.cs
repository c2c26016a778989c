namespace NasDash.Storage;

/// <summary>
/// A write the disk refused (full, read-only, failing): nothing of it was committed, and the store has been reopened so
/// the next write succeeds as soon as the disk does. An <see cref="IOException"/>, so callers that survive an I/O error
/// survive this one too.
/// </summary>
public sealed class StoreUnavailableException(Exception cause)
    : IOException($"The store did not take the write: {cause.Message}", cause)
{
    /// <summary>What a person is told when their sign-in attempt met such a write.</summary>
    public const string AttemptNotRecorded =
        "This attempt could not be recorded: the appliance's disk is full or read-only. Nothing was counted.";
}

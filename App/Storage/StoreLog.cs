namespace NasDash.Storage;

/// <summary>The store's own log lines (event ids 2001–2004, listed in the README).</summary>
internal static partial class StoreLog
{
    [LoggerMessage(EventId = 2001, Level = LogLevel.Error, Message = "store write failed on {File}; nothing of it was committed, the store is reopened")]
    public static partial void WriteFailed(ILogger logger, Exception exception, string file);

    [LoggerMessage(EventId = 2002, Level = LogLevel.Error, Message = "store could not be reopened: {File}; tried again at the next read or write")]
    public static partial void ReopenFailed(ILogger logger, Exception exception, string file);

    [LoggerMessage(EventId = 2003, Level = LogLevel.Warning, Message = "store closed with errors after a failed write: {File}")]
    public static partial void CloseFailed(ILogger logger, Exception exception, string file);

    [LoggerMessage(EventId = 2004, Level = LogLevel.Information, Message = "store takes writes again: {File}")]
    public static partial void WritesAgain(ILogger logger, string file);
}

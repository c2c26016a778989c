namespace NasDash.Storage;

/// <summary>Another process holds the store: two writers on one LiteDB file lose writes (LiteDB #2163).</summary>
public sealed class StoreLockedException(string dataDirectory, Exception inner)
    : Exception($"The NasDash store in {dataDirectory} is in use by another process (a running server or console).", inner)
{
    public string DataDirectory { get; } = dataDirectory;
}

namespace NasDash.Storage;

/// <summary>A store this process must not open (empty, unreadable, newer, or not the one that was set up): one line saying what to do.</summary>
public sealed class StoreRefusedException(string message, Exception? inner = null) : Exception(message, inner);

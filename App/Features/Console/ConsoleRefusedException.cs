namespace NasDash.Features.Console;

/// <summary>The console cannot reach the store (missing or unreadable directory, store held elsewhere): exit 1 with this one-line reason.</summary>
public sealed class ConsoleRefusedException(string message, Exception? inner = null) : Exception(message, inner);

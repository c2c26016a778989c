namespace NasDash.Hosting;

/// <summary>A start-up the operator must fix (bad configuration, the store in use): printed as one line, exit 1, no stack trace.</summary>
public sealed class StartupRefusedException(string message, Exception? inner = null) : Exception(message, inner);

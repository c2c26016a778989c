namespace NasDash;

internal static class PerfMark
{
    private static readonly bool On = Environment.GetEnvironmentVariable("FB_TRACE") == "1";
    private static readonly DateTime Start = System.Diagnostics.Process.GetCurrentProcess().StartTime.ToUniversalTime();

    public static void Mark(string what)
    {
        if (On)
        {
            Console.Error.WriteLine($"TRACE {(DateTime.UtcNow - Start).TotalMilliseconds,8:F1} ms jit {System.Runtime.JitInfo.GetCompiledMethodCount(),5} {what}");
        }
    }

    public static bool Skip(string what) => Environment.GetEnvironmentVariable("FB_SKIP_" + what) == "1";
}

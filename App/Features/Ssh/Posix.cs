using System.Runtime.InteropServices;

namespace NasDash.Features.Ssh;

/// <summary>The few libc calls .NET has no managed form of: sending a chosen signal and pidfds.</summary>
internal static class Posix
{
    public const int SigHup = 1;
    public const int SigKill = 9;
    public const int SigTerm = 15;

    public const int EPerm = 1;
    public const int ESrch = 3;

    /// <summary>The outcome of signalling one process.</summary>
    public enum SignalResult
    {
        Sent,
        /// <summary>The process is gone, or the pid now belongs to another process.</summary>
        Gone,
        PermissionDenied,
    }

    /// <summary>
    /// Signals <paramref name="pid"/> only while it is still the process that started at <paramref name="startTime"/>:
    /// a pidfd pins the process, so a pid reused between the scan and the signal is never hit.
    /// </summary>
    public static SignalResult Signal(int pid, ulong startTime, int signal, Func<int, ulong?> readStartTime)
    {
        var pidfd = OpenPidFd(pid);
        if (pidfd >= 0)
        {
            try
            {
                if (readStartTime(pid) != startTime)
                {
                    return SignalResult.Gone;
                }

                return PidFdSendSignal(pidfd, signal, IntPtr.Zero, 0) == 0 ? SignalResult.Sent : FromErrno();
            }
            finally
            {
                _ = Close(pidfd);
            }
        }

        if (Marshal.GetLastPInvokeError() == ESrch)
        {
            return SignalResult.Gone;
        }

        // No pidfd support (kernel < 5.3 or old libc): check the start time just before kill(2).
        if (readStartTime(pid) != startTime)
        {
            return SignalResult.Gone;
        }

        return Kill(pid, signal) == 0 ? SignalResult.Sent : FromErrno();
    }

    /// <summary>kill(2) without a start-time check, for a process just read from a PID file.</summary>
    public static SignalResult Signal(int pid, int signal) => Kill(pid, signal) == 0 ? SignalResult.Sent : FromErrno();

    private static int OpenPidFd(int pid)
    {
        try
        {
            return PidFdOpen(pid, 0);
        }
        catch (EntryPointNotFoundException)
        {
            return -1;
        }
    }

    private static SignalResult FromErrno() => Marshal.GetLastPInvokeError() switch
    {
        ESrch => SignalResult.Gone,
        _ => SignalResult.PermissionDenied,
    };

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int Kill(int pid, int signal);

    [DllImport("libc", EntryPoint = "pidfd_open", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int PidFdOpen(int pid, uint flags);

    [DllImport("libc", EntryPoint = "pidfd_send_signal", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int PidFdSendSignal(int pidfd, int signal, IntPtr info, uint flags);

    [DllImport("libc", EntryPoint = "close", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int Close(int fd);
}

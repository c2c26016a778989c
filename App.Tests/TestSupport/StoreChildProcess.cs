using System.Diagnostics;

namespace NasDash.Tests.TestSupport;

/// <summary>
/// A second OS process running App.Tests.StoreChild against a data directory (see its Program.cs for the modes).
/// Its stdout lines are collected as they arrive; <see cref="Kill"/> sends SIGKILL, so nothing in it gets to clean up.
/// </summary>
public sealed class StoreChildProcess : IDisposable
{
    private const string Assembly = "NasDash.Tests.StoreChild.dll";
    private readonly Process _process;
    private readonly List<string> _lines = [];
    private readonly System.Text.StringBuilder _errors = new();

    private StoreChildProcess(Process process)
    {
        _process = process;
    }

    public static StoreChildProcess Start(params string[] arguments) => StartUnder([], arguments);

    /// <summary>Starts the child through a command prefix (unshare and a mount script) that ends by exec'ing it.</summary>
    public static StoreChildProcess StartUnder(string[] prefix, params string[] arguments)
    {
        var dll = Path.Combine(AppContext.BaseDirectory, Assembly);
        if (!File.Exists(dll))
        {
            throw new FileNotFoundException("The store child process is built next to the tests (ProjectReference).", dll);
        }

        // DOTNET_HOST_PATH is set by the dotnet CLI for processes it starts; otherwise take dotnet from PATH.
        var dotnet = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet";
        var info = new ProcessStartInfo(prefix.Length > 0 ? prefix[0] : dotnet)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        if (prefix.Length > 0)
        {
            foreach (var part in prefix[1..])
            {
                info.ArgumentList.Add(part);
            }

            info.ArgumentList.Add(dotnet);
        }

        info.ArgumentList.Add("exec");
        info.ArgumentList.Add(dll);
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        var process = new Process { StartInfo = info };
        var child = new StoreChildProcess(process);
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (child._lines)
                {
                    child._lines.Add(e.Data);
                }
            }
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (child._errors)
                {
                    child._errors.AppendLine(e.Data);
                }
            }
        };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return child;
    }

    public IReadOnlyList<string> Lines
    {
        get
        {
            lock (_lines)
            {
                return [.. _lines];
            }
        }
    }

    public string Errors
    {
        get
        {
            lock (_errors)
            {
                return _errors.ToString();
            }
        }
    }

    public bool HasExited => _process.HasExited;

    /// <summary>The child's process id: through /proc/&lt;id&gt;/root a test reaches the child's own mounts.</summary>
    public int Id => _process.Id;

    /// <summary>Writes one command line to the child and returns the line it answers with.</summary>
    public async Task<string> AskAsync(string command, TimeSpan timeout)
    {
        var before = Lines.Count;
        await _process.StandardInput.WriteLineAsync(command);
        await _process.StandardInput.FlushAsync();
        await WaitForLinesAsync(before + 1, timeout);
        return Lines[before];
    }

    /// <summary>Waits until the child printed at least <paramref name="count"/> lines; fails if it exits or times out first.</summary>
    public async Task WaitForLinesAsync(int count, TimeSpan timeout)
    {
        var deadline = Stopwatch.StartNew();
        while (Lines.Count < count)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"The child exited with {_process.ExitCode} after {Lines.Count} lines: {Errors}");
            }

            if (deadline.Elapsed > timeout)
            {
                throw new TimeoutException($"The child printed {Lines.Count} of {count} lines in {timeout}: {Errors}");
            }

            await Task.Delay(10);
        }
    }

    /// <summary>SIGKILL on Unix: the child cannot flush, dispose or release anything itself.</summary>
    public void Kill()
    {
        _process.Kill(entireProcessTree: true);
        _process.WaitForExit();
    }

    /// <summary>Closes the child's stdin (the "hold" mode exits then) and waits for it.</summary>
    public async Task<int> CloseInputAndWaitAsync(TimeSpan timeout)
    {
        _process.StandardInput.Close();
        using var cancel = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(cancel.Token);
        return _process.ExitCode;
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            Kill();
        }

        _process.Dispose();
    }
}

using System.Net.Sockets;
using System.Runtime.Versioning;
using NasDash.Features.Console;

namespace NasDash.Tests.Features.Console;

/// <summary>The console sends nothing to a console.sock that another user could have planted.</summary>
[SupportedOSPlatform("linux")]
public sealed class SocketTrustTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("nasdash-sockettrust-").FullName;
    private string SocketPath => Path.Combine(_directory, ConsoleSocketServer.FileName);

    [Fact]
    public void Problem_SocketOfTheDirectoryOwnerInAPrivateDirectory_Trusted()
    {
        File.SetUnixFileMode(_directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        using var listener = Listen();

        Assert.Null(SocketTrust.Problem(SocketPath));
    }

    [Fact]
    public void Problem_DirectoryOthersMayWrite_Refused()
    {
        using var listener = Listen();
        File.SetUnixFileMode(_directory, (UnixFileMode)0x1FF);

        Assert.Contains("may be written by other users than its owner (mode 777)", SocketTrust.Problem(SocketPath), StringComparison.Ordinal);
    }

    [Fact]
    public void Problem_RegularFileOrSymlinkInPlaceOfTheSocket_Refused()
    {
        File.SetUnixFileMode(_directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        using var listener = Listen(Path.Combine(_directory, "elsewhere.sock"));
        File.CreateSymbolicLink(SocketPath, Path.Combine(_directory, "elsewhere.sock"));

        Assert.Contains("is not a socket", SocketTrust.Problem(SocketPath), StringComparison.Ordinal);
    }

    [Fact]
    public void Problem_SocketOfAnotherUser_Refused()
    {
        if (Environment.UserName != "root")
        {
            Assert.Skip("giving the socket to another user needs root");
        }

        File.SetUnixFileMode(_directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        using var listener = Listen();
        var (exit, output) = NasDash.Tests.Features.Ssh.HostTools.Run("chown", "65534", SocketPath);
        Assert.True(exit == 0, output);

        Assert.Contains("belongs to uid 65534, not to uid 0", SocketTrust.Problem(SocketPath), StringComparison.Ordinal);
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private Socket Listen(string? path = null)
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        socket.Bind(new UnixDomainSocketEndPoint(path ?? SocketPath));
        socket.Listen(1);
        return socket;
    }
}

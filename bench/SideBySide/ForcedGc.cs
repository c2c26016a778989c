using System.Diagnostics.Tracing;
using Microsoft.Diagnostics.NETCore.Client;

namespace NasDash.SideBySide;

/// <summary>
/// Makes a server run a full, blocking garbage collection from outside, through the runtime's own diagnostics
/// channel (the Unix socket every .NET process opens for its own user, which dotnet-gcdump uses the same way):
/// an EventPipe session asking for the GC heap-collect keyword induces the collection. The apps carry no code
/// and no endpoint for it.
/// </summary>
public static class ForcedGc
{
    private const long GcHeapCollectKeyword = 0x800000;

    /// <summary>Two induced collections a moment apart (finalizers of the first free more in the second), then a pause for the heap to settle.</summary>
    public static async Task SettleAsync(ServerProcess server)
    {
        for (var round = 0; round < 2; round++)
        {
            await InduceAsync(server.Id);
            await Task.Delay(300);
        }

        await Task.Delay(500);
    }

    private static async Task InduceAsync(int processId)
    {
        var client = new DiagnosticsClient(processId);
        var provider = new EventPipeProvider("Microsoft-Windows-DotNETRuntime", EventLevel.Informational, GcHeapCollectKeyword);
        using var session = await client.StartEventPipeSessionAsync([provider], requestRundown: false, circularBufferMB: 16, CancellationToken.None);
        var drain = session.EventStream.CopyToAsync(Stream.Null);
        // The collection starts with the session; a second is ample for it to finish on a heap of this size.
        await Task.Delay(1000);
        await session.StopAsync(CancellationToken.None);
        await drain;
    }
}

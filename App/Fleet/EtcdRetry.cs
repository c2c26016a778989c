using Grpc.Core;

namespace NasDash.Fleet;

/// <summary>
/// A request that never left this appliance because the member it went to is down ("Error starting gRPC call": the
/// connection was refused) is sent again, and the channel picks another member. Nothing else is repeated: a request that
/// reached a member may have been applied.
/// </summary>
public static class EtcdRetry
{
    private const int Attempts = 4;
    private static readonly TimeSpan Pause = TimeSpan.FromMilliseconds(50);

    public static T Run<T>(Func<T> request)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return request();
            }
            catch (RpcException ex) when (NeverSent(ex) && attempt < Attempts)
            {
                Thread.Sleep(Pause);
            }
        }
    }

    public static async Task<T> RunAsync<T>(Func<Task<T>> request, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await request().ConfigureAwait(false);
            }
            catch (RpcException ex) when (NeverSent(ex) && attempt < Attempts)
            {
                await Task.Delay(Pause, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private static bool NeverSent(RpcException ex) =>
        ex.StatusCode == StatusCode.Unavailable && ex.Status.Detail.StartsWith("Error starting gRPC call", StringComparison.Ordinal);
}

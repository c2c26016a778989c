using Grpc.Core;

namespace NasDash.Fleet;

/// <summary>
/// A request that never left this appliance because the member it went to is down ("Error starting gRPC call": the
/// connection was refused) is sent again, and the channel picks another member; so is one a member refused unread for an
/// auth token it no longer knows. Nothing else is repeated: a request that reached a member may have been applied.
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

    /// <summary>
    /// For a request that may safely be repeated (taking a lock on this appliance's lease enters the same lock again):
    /// also sent again when the member lost its leader mid-request ("request timed out", "leader changed"), until
    /// <paramref name="deadline"/>. An election takes about a second.
    /// </summary>
    public static async Task<T> RunRepeatableAsync<T>(Func<Task<T>> request, DateTime deadline, CancellationToken cancellationToken)
    {
        while (true)
        {
            try
            {
                return await RunAsync(request, cancellationToken).ConfigureAwait(false);
            }
            catch (RpcException ex) when (LeaderLost(ex) && DateTime.UtcNow + ElectionPause < deadline)
            {
                await Task.Delay(ElectionPause, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// A request the cluster did not answer: an error from etcd or gRPC, or a cancellation nobody asked for (the client
    /// gives up on the token request of etcd's authentication at the deadline with a cancellation, not an RpcException).
    /// </summary>
    public static bool Unanswered(Exception ex, CancellationToken asked = default) =>
        ex is RpcException || (ex is OperationCanceledException && !asked.IsCancellationRequested);

    private static readonly TimeSpan ElectionPause = TimeSpan.FromMilliseconds(200);

    private static bool LeaderLost(RpcException ex) =>
        ex.Status.Detail.Contains("request timed out", StringComparison.Ordinal) || ex.Status.Detail.Contains("leader changed", StringComparison.Ordinal) ||
        ex.Status.Detail.Contains("no leader", StringComparison.Ordinal);

    private static bool NeverSent(RpcException ex) =>
        (ex.StatusCode == StatusCode.Unavailable && ex.Status.Detail.StartsWith("Error starting gRPC call", StringComparison.Ordinal)) || TokenRefused(ex);

    // With etcd's authentication on, a member forgets its tokens when they outlive --auth-token-ttl (5 minutes unused by
    // default) and when it restarts. It refuses such a request before applying it; the client then drops the token and
    // authenticates again on the next attempt.
    private static bool TokenRefused(RpcException ex) =>
        ex.StatusCode == StatusCode.Unauthenticated && ex.Status.Detail.Contains("invalid auth token", StringComparison.Ordinal);
}

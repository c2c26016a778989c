using NasDash.Tests.Browser;

namespace NasDash.Tests.TestSupport;

/// <summary>Waits for the server to re-check an open page's session, instead of sleeping and hoping it did.</summary>
public static class SessionRecheckWait
{
    /// <summary>
    /// Whether the first re-check of <paramref name="accountId"/>'s open page that began at or after
    /// <paramref name="notBefore"/> (server clock) kept it signed in. Listens from the call on, so call it before the wait.
    /// </summary>
    public static Task<bool> NextRecheckAsync(this AppServer server, Guid accountId, DateTimeOffset notBefore)
    {
        var rechecks = server.Get<SessionRechecks>();
        var made = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        void OnMade(SessionRecheck recheck)
        {
            if (recheck.AccountId == accountId && recheck.At >= notBefore)
            {
                made.TrySetResult(recheck.Kept);
            }
        }

        rechecks.Made += OnMade;
        return WaitAsync();

        async Task<bool> WaitAsync()
        {
            try
            {
                // Open pages are re-checked every 5 s; a loaded machine gets several intervals.
                return await made.Task.WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);
            }
            finally
            {
                rechecks.Made -= OnMade;
            }
        }
    }
}

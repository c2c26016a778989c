using System.Collections.Concurrent;
using System.Net;

namespace NasDash.Tests.Features.Notifications;

/// <summary>A local HTTP endpoint that records every request it receives and answers with a fixed status (and, for a redirect, a Location).</summary>
public sealed class HttpReceiver : IDisposable
{
    private readonly HttpListener _listener = new();
    private readonly ConcurrentQueue<ReceivedRequest> _received = new();

    private readonly string? _location;

    public HttpReceiver(HttpStatusCode answer = HttpStatusCode.OK, string? location = null)
    {
        _location = location;
        Port = SmtpTestServer.FreePort();
        _listener.Prefixes.Add($"http://127.0.0.1:{Port}/");
        _listener.Start();
        _ = ServeAsync(answer);
    }

    public int Port { get; }
    public string Url(string path) => $"http://127.0.0.1:{Port}{path}";
    public IReadOnlyList<ReceivedRequest> Received => [.. _received];

    public async Task<ReceivedRequest> WaitForOneAsync(TimeSpan within)
    {
        var until = DateTime.UtcNow + within;
        while (_received.IsEmpty && DateTime.UtcNow < until)
        {
            await Task.Delay(25);
        }

        return Assert.Single(_received);
    }

    public void Dispose() => _listener.Close();

    private async Task ServeAsync(HttpStatusCode answer)
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException)
            {
                return;
            }

            using var body = new MemoryStream();
            await context.Request.InputStream.CopyToAsync(body);
            var headers = context.Request.Headers.AllKeys.OfType<string>().ToDictionary(k => k, k => context.Request.Headers[k] ?? "", StringComparer.OrdinalIgnoreCase);
            _received.Enqueue(new ReceivedRequest(context.Request.HttpMethod, context.Request.Url!.PathAndQuery, headers, body.ToArray()));
            context.Response.StatusCode = (int)answer;
            if (_location is not null)
            {
                context.Response.RedirectLocation = _location;
            }

            await context.Response.OutputStream.WriteAsync("{\"id\":42}"u8.ToArray());
            context.Response.Close();
        }
    }
}

public sealed record ReceivedRequest(string Method, string PathAndQuery, IReadOnlyDictionary<string, string> Headers, byte[] Body)
{
    public string Text => System.Text.Encoding.UTF8.GetString(Body);
}

using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace NasDash.Features.Notifications;

/// <summary>
/// Posts a notice to a webhook, its body shaped by the preset and, with a secret, signed with HMAC-SHA256. It never
/// follows a redirect (a target could otherwise send the notice, and its signature, to a loopback or link-local
/// address), and what it reports of an answer is the status, never the body.
/// </summary>
public sealed class WebhookChannel : IDisposable
{
    public const string Target = "webhook";
    /// <summary>"sha256=" and the lower-case hex HMAC-SHA256 of the exact body bytes under the secret.</summary>
    public const string SignatureHeader = "X-NasDash-Signature";
    /// <summary>The notice's id, the same in every retry of it, so a receiver can drop a repeat.</summary>
    public const string NoticeIdHeader = "X-NasDash-Notice-Id";

    private readonly HttpClient _http = new(NewHandler());

    /// <summary>The handler every webhook post goes through: redirects are answers, not instructions.</summary>
    public static SocketsHttpHandler NewHandler() => new()
    {
        AllowAutoRedirect = false,
        ConnectTimeout = TimeSpan.FromSeconds(15),
        PooledConnectionLifetime = TimeSpan.FromMinutes(5),
    };

    public void Dispose() => _http.Dispose();

    public async Task<DeliveryOutcome> SendAsync(WebhookSettings webhook, NoticeMessage message, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var uri = new Uri(webhook.Url!);
        using var request = Build(webhook, message, uri);
        using var timer = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timer.CancelAfter(timeout);
        try
        {
            using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timer.Token);
            return Judge(uri, response);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested && ex is not OutOfMemoryException)
        {
            return DeliveryOutcome.Failure(DeliveryErrors.Describe(ex, uri.Host, uri.Port));
        }
    }

    // The body is whatever the target chose to write: it reaches neither the page nor the log.
    private static DeliveryOutcome Judge(Uri uri, HttpResponseMessage response)
    {
        var status = (int)response.StatusCode;
        var answer = $"{uri.Host} answered {status}{(string.IsNullOrWhiteSpace(response.ReasonPhrase) ? "" : " " + response.ReasonPhrase)}";
        if (status is >= 300 and < 400)
        {
            var target = response.Headers.Location is { } location ? new Uri(uri, location).AbsoluteUri : "nowhere";
            return DeliveryOutcome.Failure($"{answer}: redirect to {target} not followed");
        }

        return response.IsSuccessStatusCode ? DeliveryOutcome.Success(answer) : DeliveryOutcome.Failure(answer);
    }

    public static HttpRequestMessage Build(WebhookSettings webhook, NoticeMessage message, Uri uri)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, uri);
        byte[] body;
        string mediaType;
        if (webhook.Preset == WebhookPreset.Ntfy)
        {
            // ntfy publishes the body as the message text; title, priority and click-through travel as headers.
            body = Encoding.UTF8.GetBytes(message.Body);
            mediaType = "text/plain";
            request.Headers.TryAddWithoutValidation("Title", HeaderText(message.Title));
            request.Headers.TryAddWithoutValidation("Priority", message.Severity switch { NoticeSeverity.Critical => "5", NoticeSeverity.Warning => "4", _ => "3" });
            request.Headers.TryAddWithoutValidation("Tags", message.Severity == NoticeSeverity.Info ? "information_source" : "warning");
            request.Headers.TryAddWithoutValidation("Click", message.Url);
        }
        else
        {
            body = JsonSerializer.SerializeToUtf8Bytes(Body(webhook.Preset, message));
            mediaType = "application/json";
        }

        request.Content = new ByteArrayContent(body);
        request.Content.Headers.ContentType = new MediaTypeHeaderValue(mediaType) { CharSet = "utf-8" };
        request.Headers.TryAddWithoutValidation("X-NasDash-Event", message.Event);
        request.Headers.TryAddWithoutValidation(NoticeIdHeader, message.NoticeId.ToString());
        if (!string.IsNullOrEmpty(webhook.Secret))
        {
            request.Headers.TryAddWithoutValidation(SignatureHeader, Sign(webhook.Secret, body));
        }

        return request;
    }

    public static string Sign(string secret, byte[] body) =>
        "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), body));

    private static JsonObject Body(WebhookPreset preset, NoticeMessage message) => preset switch
    {
        WebhookPreset.Gotify => new JsonObject
        {
            ["title"] = message.Title,
            ["message"] = message.Body,
            ["priority"] = message.Severity switch { NoticeSeverity.Critical => 8, NoticeSeverity.Warning => 5, _ => 2 },
            ["extras"] = new JsonObject
            {
                ["client::notification"] = new JsonObject { ["click"] = new JsonObject { ["url"] = message.Url } },
                ["nasdash::notice"] = new JsonObject { ["id"] = message.NoticeId.ToString() },
            },
        },
        // Slack and ntfy take only their own fields: there the id travels in the NoticeIdHeader alone.
        WebhookPreset.Slack => new JsonObject { ["text"] = $"*{message.Title}*\n{message.Body}\n<{message.Url}>" },
        _ => new JsonObject
        {
            ["id"] = message.NoticeId.ToString(),
            ["event"] = message.Event,
            ["severity"] = message.Severity.ToString().ToLowerInvariant(),
            ["user"] = message.User,
            ["host"] = message.Host,
            ["at"] = message.At.UtcDateTime.ToString("O", System.Globalization.CultureInfo.InvariantCulture),
            ["message"] = message.Text,
            ["url"] = message.Url,
        }.WithReportUrl(message.ReportUrl),
    };

    // HTTP header values are ASCII; RFC 2047 carries anything else (ntfy decodes it).
    private static string HeaderText(string text) =>
        text.All(c => c is >= ' ' and <= '~') ? text : $"=?UTF-8?B?{Convert.ToBase64String(Encoding.UTF8.GetBytes(text))}?=";
}

internal static class WebhookBodies
{
    /// <summary>Adds the notice's "This wasn't me" link as <c>reportUrl</c> when it has one.</summary>
    public static JsonObject WithReportUrl(this JsonObject body, string? reportUrl)
    {
        if (reportUrl is not null)
        {
            body["reportUrl"] = reportUrl;
        }

        return body;
    }
}

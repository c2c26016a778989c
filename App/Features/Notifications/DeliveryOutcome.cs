using System.Net.Sockets;
using System.Security.Authentication;
using MailKit;
using MailKit.Net.Smtp;

namespace NasDash.Features.Notifications;

/// <summary>What a target answered, in words; for an untrusted certificate, the fingerprint the page may offer to accept.</summary>
public sealed record DeliveryOutcome(bool Delivered, string Answer, PresentedCertificate? UntrustedCertificate = null)
{
    public static DeliveryOutcome Success(string answer) => new(true, answer);

    public static DeliveryOutcome Failure(string answer, PresentedCertificate? untrusted = null) => new(false, answer, untrusted);
}

/// <summary>A server certificate as the administrator needs to judge it: SHA-256 fingerprint, subject, issuer, expiry.</summary>
public sealed record PresentedCertificate(string Fingerprint, string Subject, string Issuer, DateTimeOffset NotAfter, string Problem);

/// <summary>Turns a failed connection into the words "Send test" and the audit log show: DNS, refused, timeout, TLS, authentication.</summary>
public static class DeliveryErrors
{
    public static string Describe(Exception error, string host, int port)
    {
        var socket = Find<SocketException>(error);
        if (socket is not null)
        {
            return socket.SocketErrorCode switch
            {
                SocketError.HostNotFound or SocketError.NoData or SocketError.TryAgain => $"DNS: the name {host} could not be resolved",
                SocketError.ConnectionRefused => $"refused: nothing accepts connections on {host}:{port}",
                SocketError.TimedOut => $"timeout: {host}:{port} did not answer",
                SocketError.NetworkUnreachable or SocketError.HostUnreachable => $"unreachable: no route to {host}",
                SocketError.ConnectionReset => $"the connection to {host}:{port} was reset by the server",
                _ => $"network error talking to {host}:{port}: {socket.Message}",
            };
        }

        return error switch
        {
            MailKit.Security.AuthenticationException auth => $"authentication: {host} refused the user name or password ({auth.Message})",
            MailKit.Security.SslHandshakeException or AuthenticationException => $"TLS: the secure connection to {host}:{port} failed ({Innermost(error).Message})",
            SmtpCommandException command => $"the mail server refused: {(int)command.StatusCode} {command.Message}",
            SmtpProtocolException protocol => $"the server at {host}:{port} does not speak SMTP as expected ({protocol.Message})",
            ServiceNotConnectedException => $"the connection to {host}:{port} was closed by the server",
            TimeoutException or OperationCanceledException => $"timeout: {host}:{port} accepted the connection but did not answer in time",
            HttpRequestException { StatusCode: { } status } => $"the server answered {(int)status} {status}",
            HttpRequestException http when Find<AuthenticationException>(error) is not null => $"TLS: the secure connection to {host}:{port} failed ({Innermost(http).Message})",
            IOException when error.Message.Contains("SSL", StringComparison.OrdinalIgnoreCase) => $"TLS: the secure connection to {host}:{port} failed ({error.Message})",
            _ => $"{Innermost(error).Message}",
        };
    }

    private static T? Find<T>(Exception error) where T : Exception
    {
        for (Exception? e = error; e is not null; e = e.InnerException)
        {
            if (e is T found)
            {
                return found;
            }
        }

        return null;
    }

    private static Exception Innermost(Exception error)
    {
        var e = error;
        while (e.InnerException is not null)
        {
            e = e.InnerException;
        }

        return e;
    }
}

using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using MailKit.Net.Smtp;
using MailKit.Security;
using MimeKit;

namespace NasDash.Features.Notifications;

/// <summary>Sends a notice as one mail to every recipient over SMTP (MailKit), the server's certificate checked.</summary>
public sealed class EmailChannel
{
    public const string Target = "email";

    public async Task<DeliveryOutcome> SendAsync(EmailSettings email, NoticeMessage message, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var host = email.Host ?? "";
        PresentedCertificate? untrusted = null;
        using var client = new SmtpClient { Timeout = (int)timeout.TotalMilliseconds };
        client.ServerCertificateValidationCallback = (_, certificate, _, errors) =>
        {
            if (errors == SslPolicyErrors.None)
            {
                return true;
            }

            if (certificate is null)
            {
                return false;
            }

            var fingerprint = Fingerprint(certificate);
            if (email.AcceptedCertificate is { } accepted && string.Equals(Normalize(accepted), fingerprint, StringComparison.Ordinal))
            {
                return true;
            }

            using var presented = X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
            untrusted = new PresentedCertificate(fingerprint, presented.Subject, presented.Issuer, presented.NotAfter, Problem(errors));
            return false;
        };

        using var timer = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timer.CancelAfter(timeout);
        try
        {
            await client.ConnectAsync(host, email.Port, Options(email.Security), timer.Token);
            if (!string.IsNullOrEmpty(email.User))
            {
                await client.AuthenticateAsync(email.User, email.Password ?? "", timer.Token);
            }

            using var mail = Compose(email, message);
            var answer = await client.SendAsync(mail, timer.Token);
            await client.DisconnectAsync(quit: true, timer.Token);
            return DeliveryOutcome.Success($"{host} accepted the mail for {string.Join(", ", email.To)}: {answer}");
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested && ex is not OutOfMemoryException)
        {
            if (untrusted is not null)
            {
                return DeliveryOutcome.Failure(
                    $"TLS: {host} presented a certificate that is not trusted ({untrusted.Problem}); subject {untrusted.Subject}, SHA-256 {untrusted.Fingerprint}",
                    untrusted);
            }

            return DeliveryOutcome.Failure(DeliveryErrors.Describe(ex, host, email.Port));
        }
    }

    /// <summary>SHA-256 of the DER certificate, upper-case hex with colons, as browsers and openssl show it.</summary>
    public static string Fingerprint(System.Security.Cryptography.X509Certificates.X509Certificate certificate) =>
        Convert.ToHexString(SHA256.HashData(certificate.GetRawCertData())).Chunk(2).Select(c => new string(c)).Aggregate((a, b) => a + ":" + b);

    public static string Normalize(string fingerprint)
    {
        var hex = new string([.. fingerprint.Where(Uri.IsHexDigit)]).ToUpperInvariant();
        return string.Join(':', hex.Chunk(2).Select(c => new string(c)));
    }

    /// <summary>The Message-Id of every copy of one notice: its id, at the appliance's name made fit for an address.</summary>
    public static string MessageIdOf(NoticeMessage message)
    {
        var domain = new string([.. message.Host.ToLowerInvariant().Where(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '-' or '.')]).Trim('.', '-');
        return $"notice-{message.NoticeId:N}@{(domain.Length > 0 ? domain : "nasdash.invalid")}";
    }

    private static SecureSocketOptions Options(SmtpSecurity security) => security switch
    {
        SmtpSecurity.None => SecureSocketOptions.None,
        SmtpSecurity.ImplicitTls => SecureSocketOptions.SslOnConnect,
        _ => SecureSocketOptions.StartTls,
    };

    private static string Problem(SslPolicyErrors errors) => errors switch
    {
        SslPolicyErrors.RemoteCertificateNameMismatch => "it is issued for another name",
        SslPolicyErrors.RemoteCertificateChainErrors => "self-signed or issued by an unknown authority",
        _ => "it is issued for another name and by an unknown authority",
    };

    private static MimeMessage Compose(EmailSettings email, NoticeMessage message)
    {
        var mail = new MimeMessage();
        mail.From.Add(MailboxAddress.Parse(email.From ?? ""));
        foreach (var recipient in email.To)
        {
            mail.To.Add(MailboxAddress.Parse(recipient));
        }

        mail.Subject = $"[NasDash {message.Host}] {message.Title}";
        // A retry after a crash mid-delivery (the server took the mail, the outcome never reached the store) is the same
        // message to the receiver: mail clients and de-duplicating filters collapse it.
        mail.MessageId = MessageIdOf(message);
        mail.Date = message.At;
        // RFC 3834: an automatic message; vacation responders must not answer it.
        mail.Headers.Add("Auto-Submitted", "auto-generated");
        mail.Headers.Add("X-NasDash-Event", message.Event);
        mail.Body = new TextPart("plain") { Text = $"{message.Body}\n\n{message.Url}\n\n-- \nNasDash on {message.Host}\n" };
        return mail;
    }
}

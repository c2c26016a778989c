using Bunit;
using Microsoft.Extensions.DependencyInjection;
using NasDash.Features.Setup;
using NasDash.Tests.TestSupport;
using OtpNet;

namespace NasDash.Tests.Features.Setup;

/// <summary>The bUnit context with the setup feature registered, and helpers to walk a wizard through its steps.</summary>
public abstract class SetupTestContext : NasDashTestContext
{
    protected SetupTestContext(IDictionary<string, string?>? settings = null, Action<IServiceCollection>? services = null)
        : base(settings, s =>
        {
            s.AddSetup();
            services?.Invoke(s);
        })
    {
    }

    public SetupService Setup => Get<SetupService>();

    /// <summary>The token as the owner reads it from the data directory (issued at start, as the app does).</summary>
    public string Token()
    {
        if (!File.Exists(Setup.TokenPath))
        {
            Setup.PrepareAtStart();
        }

        return File.ReadAllText(Setup.TokenPath).Trim();
    }

    /// <summary>The code the authenticator app shows now (the fake clock's now).</summary>
    public string CodeFor(PendingEnrolment enrolment) =>
        new Totp(Base32Encoding.ToBytes(enrolment.SecretBase32), 30, OtpHashMode.Sha1, 6).ComputeTotp(Time.GetUtcNow().UtcDateTime);

    /// <summary>A wizard of its own (as another browser's circuit would have) taken up to the review step.</summary>
    public async Task<SetupWizard> ReadyWizardAsync(string userName, string client = "192.0.2.10")
    {
        var scope = Services.CreateScope();
        ConnectFrom(client);
        scope.ServiceProvider.GetRequiredService<ClientAddress>().Capture();
        var wizard = scope.ServiceProvider.GetRequiredService<SetupWizard>();
        Assert.IsType<TokenResult.Accepted>(wizard.SubmitToken(Token()));
        Assert.IsType<AdministratorResult.Accepted>(await wizard.SubmitAdministratorAsync(userName, TestPasswords.Default, TestPasswords.Default));
        var enrolments = Get<EnrolmentService>();
        Assert.Equal(TotpOutcome.Accepted, enrolments.VerifyTotp(wizard.Enrolment!, CodeFor(wizard.Enrolment!)));
        enrolments.IssueCodes(wizard.Enrolment!);
        _ = enrolments.TextFile(wizard.Enrolment!, "http://nas-test/");
        enrolments.MarkDownloaded(wizard.Enrolment!);
        wizard.Confirmed = true;
        return wizard;
    }
}

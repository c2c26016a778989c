
namespace NasDash.Tests.TestSupport;

/// <summary>Registers a software authenticator's key as the owner does: a step-up, then the ceremony.</summary>
public static class SecurityKeySteps
{
    public static async Task<SecurityKeyChange> RegisterAsync(IServiceProvider services, SeededAdmin admin, TestAuthenticator key, TimeProvider time, string name)
    {
        var stepUp = await ((StepUp)services.GetService(typeof(StepUp))!).VerifyAsync(admin.Id, await admin.NextCodeAsync(time), SecurityKeyRegistry.RegisterPurpose, null);
        if (stepUp != StepUpOutcome.Accepted)
        {
            throw new InvalidOperationException($"Step-up gave {stepUp}.");
        }

        var registry = (SecurityKeyRegistry)services.GetService(typeof(SecurityKeyRegistry))!;
        var registration = registry.StartRegistration(admin.Id) ?? throw new InvalidOperationException("Registration refused.");
        return await registry.CompleteRegistrationAsync(registration, admin.Id, name, key.Register(registration.OptionsJson), null);
    }
}


namespace NasDash.Features.Ssh;

/// <summary>The SSH page's decisions, for the signed-in administrator of this circuit.</summary>
public sealed class SshAccess(SshLogin login, StepUp stepUp, CurrentActor me)
{
    public SshStatus Status() => login.Status();

    /// <summary>Re-enables SSH login, only once a step-up for <see cref="StepUpPurpose.EnableSsh"/> was accepted and is consumed here.</summary>
    public async Task<SshChangeResult> EnableLoginAsync()
    {
        var actor = await me.GetAsync();
        if (actor is null || !stepUp.TryConsumeGrant(actor.AccountId, StepUpPurpose.EnableSsh))
        {
            return new SshChangeResult(false, "Confirm with a fresh code from your authenticator app first.");
        }

        return login.Enable(actor.UserName, actor.ClientAddress);
    }
}

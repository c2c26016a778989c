using Bunit;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Bunit.TestDoubles;
using MudBlazor.Services;
using NasDash.Features.Login;
using NasDash.Features.Sessions;

namespace NasDash.Tests.TestSupport;

/// <summary>
/// bUnit with MudBlazor (loose JS, no transitions), an interactive server renderer, a fake clock and the real
/// core on a temporary store, so components are driven through the real sign-in decisions.
/// </summary>
public abstract class AppTestContext : BunitContext
{
    private readonly TestCore _core = new();

    protected AppTestContext()
    {
        Services.AddMudServices(options =>
        {
            options.SnackbarConfiguration.ShowTransitionDuration = 0;
            options.SnackbarConfiguration.HideTransitionDuration = 0;
            options.PopoverOptions.CheckForPopoverProvider = false;
        });
        _core.AddTo(Services, Time);
        Services.AddSingleton<IHttpContextAccessor, HttpContextAccessor>();
        Services.AddScoped<ClientAddress>();
        Services.AddLogin();
        Authorization = AddAuthorization();
        JSInterop.Mode = JSRuntimeMode.Loose;
        // Last: it builds the renderer, after which no service can be added.
        SetRendererInfo(new RendererInfo("Server", isInteractive: true));
    }

    /// <summary>Starts at a fixed instant in the middle of a TOTP step.</summary>
    protected FakeTimeProvider Time { get; } = new(new DateTimeOffset(2025, 3, 14, 9, 26, 45, TimeSpan.Zero));

    protected BunitAuthorizationContext Authorization { get; }

    protected NavigationManager Navigation => Services.GetRequiredService<NavigationManager>();

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing)
        {
            _core.Dispose();
        }
    }
}

using Microsoft.AspNetCore.StaticAssets;

namespace NasDash.Features.Setup;

public static class SetupFeature
{
    public const string Path = "/setup";
    public const string LoginPath = "/login";

    public static IServiceCollection AddSetup(this IServiceCollection services)
    {
        services.AddSingleton<SetupService>();
        services.AddScoped<SetupWizard>();
        services.AddHostedService<SetupAtStart>();
        return services;
    }

    /// <summary>
    /// Until setup is complete every page request goes to /setup; afterwards /setup goes to /login. Static
    /// assets, the framework, the circuit hub, /healthz and /error pass. Navigation inside a live circuit never reaches
    /// the server, so <see cref="SetupGate"/> enforces the same inside the router.
    /// </summary>
    public static IApplicationBuilder UseSetupRedirect(this IApplicationBuilder app) =>
        app.Use(async (context, next) =>
        {
            var path = context.Request.Path;
            var setup = context.RequestServices.GetRequiredService<SetupService>();
            var isSetupPage = path.Equals(Path, StringComparison.OrdinalIgnoreCase) || path.Equals(Path + "/", StringComparison.OrdinalIgnoreCase);
            if (isSetupPage)
            {
                if (setup.IsComplete)
                {
                    context.Response.Redirect(LoginPath);
                    return;
                }
            }
            else if (!IsInfrastructure(context) && !setup.IsComplete)
            {
                context.Response.Redirect(Path);
                return;
            }

            await next(context);
        });

    private static bool IsInfrastructure(HttpContext context)
    {
        var path = context.Request.Path;
        return path.StartsWithSegments("/_framework") || path.StartsWithSegments("/_content") ||
               path.StartsWithSegments("/_blazor") || path.StartsWithSegments("/healthz") ||
               path.StartsWithSegments(Hosting.ErrorPages.ErrorPath) ||
               context.GetEndpoint()?.Metadata.GetMetadata<StaticAssetDescriptor>() is not null;
    }

    /// <summary>Repairs an interrupted setup and issues the setup token before the first request.</summary>
    private sealed class SetupAtStart(SetupService setup, IHostApplicationLifetime lifetime) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken)
        {
            setup.PrepareAtStart();
            lifetime.ApplicationStarted.Register(() => setup.LogPendingSetup());
            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}

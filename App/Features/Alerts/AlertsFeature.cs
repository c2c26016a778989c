
namespace NasDash.Features.Alerts;

public static class AlertsFeature
{
    public static IServiceCollection AddAlerts(this IServiceCollection services)
    {
        services.AddSingleton<AlertRules>();
        services.AddScoped<AlertsService>();
        services.AddHostedService<AlertRulesStartup>();
        return services;
    }

    /// <summary>Evaluates the condition alerts at start-up (the console may have changed accounts while the server was down) and after every change.</summary>
    private sealed class AlertRulesStartup(AlertRules rules, SecurityEvents events) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken)
        {
            rules.Evaluate();
            rules.Attach(events);
            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}

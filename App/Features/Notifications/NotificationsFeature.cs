using NasDash.Storage;

namespace NasDash.Features.Notifications;

public static class NotificationsFeature
{
    /// <summary>Alert services: the outbox sender, the channels, the security log lines and the settings page's service.</summary>
    public static IServiceCollection AddNotifications(this IServiceCollection services)
    {
        services.AddSingleton<NotificationSecrets>();
        services.AddSingleton<NotificationConfiguration>();
        services.AddSingleton<DashboardAddress>();
        services.AddSingleton<NoticeWriter>();
        services.AddSingleton<EmailChannel>();
        services.AddSingleton<WebhookChannel>();
        services.AddSingleton<AddressDelivery>();
        services.AddSingleton<NoticeSender>();
        services.AddHostedService(sp => sp.GetRequiredService<NoticeSender>());
        services.AddHostedService<SecurityEventLog>();
        services.AddScoped<NotificationsService>();
        return services;
    }
}

namespace NasDash.Features.Users;

public static class UsersFeature
{
    public static IServiceCollection AddUsers(this IServiceCollection services) =>
        services.AddSingleton<AdministratorMembership>().AddScoped<UsersService>();
}

namespace NasDash.Features.MyAccount;

public static class AccountFeature
{
    public static IServiceCollection AddMyAccount(this IServiceCollection services) =>
        services.AddScoped<MyAccountService>().AddScoped<MyAddressesService>();
}

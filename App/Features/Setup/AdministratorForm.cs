using FluentValidation;

namespace NasDash.Features.Setup;

/// <summary>The administrator form's fields; validated by <see cref="NewPasswordValidator"/>, whose field names it shares.</summary>
public sealed class AdministratorForm
{
    public string UserName { get; set; } = "";
    public string Password { get; set; } = "";
    public string Confirmation { get; set; } = "";

    public NewPassword ToNewPassword() => new(UserName, Password, Confirmation);

    /// <summary>The MudForm bridge: validates one field (or all, when the name is empty) with the shared validator.</summary>
    public static async Task<IEnumerable<string>> ValidateFieldAsync(IValidator<NewPassword> validator, object model, string propertyName)
    {
        var input = ((AdministratorForm)model).ToNewPassword();
        var context = string.IsNullOrEmpty(propertyName)
            ? new ValidationContext<NewPassword>(input)
            : ValidationContext<NewPassword>.CreateWithOptions(input, options => options.IncludeProperties(propertyName));
        var result = await validator.ValidateAsync(context);
        return result.IsValid ? [] : result.Errors.Select(e => e.ErrorMessage);
    }
}

using FluentValidation;

namespace NasDash.Security.Accounts;

/// <summary>A new password with the user name it belongs to (wizard, console reset, users page).</summary>
public sealed record NewPassword(string UserName, string Password, string Confirmation);

/// <summary>NIST SP 800-63B-style rules: long enough, not the user name, not a well-known password.</summary>
public sealed class NewPasswordValidator : AbstractValidator<NewPassword>
{
    public const int MinLength = 12;
    public const int MaxLength = SignInService.MaxPasswordLength;

    // The most common passwords long enough to pass the length rule; a short list is enough at 12+ characters.
    private static readonly HashSet<string> Common = new(StringComparer.OrdinalIgnoreCase)
    {
        "password1234", "password12345", "password123456", "123456789012", "1234567890123", "qwertyuiop12",
        "qwerty123456", "administrator", "administrator1", "letmein12345", "welcome12345", "iloveyou1234",
        "adminadmin12", "admin1234567", "passw0rd1234", "changeme1234", "truenas12345", "nasdash12345",
        "qwertyuiopas", "1q2w3e4r5t6y", "aaaaaaaaaaaa", "abcdefghijkl", "abc123456789", "p@ssw0rd1234",
        "superman1234", "football1234", "baseball1234", "trustno11234", "sunshine1234", "princess1234",
    };

    public NewPasswordValidator()
    {
        RuleFor(p => p.UserName).NotEmpty().WithMessage("Enter a user name.")
            .Must(UserNameRules.IsValid).WithMessage(UserNameRules.Message);
        RuleFor(p => p.Password)
            .NotEmpty().WithMessage("Enter a password.")
            .MinimumLength(MinLength).WithMessage($"Use at least {MinLength} characters.")
            .MaximumLength(MaxLength).WithMessage($"Use at most {MaxLength} characters.")
            .Must((p, password) => !password.Contains(p.UserName.Trim(), StringComparison.OrdinalIgnoreCase) || p.UserName.Trim().Length == 0)
            .WithMessage("The password must not contain the user name.")
            .Must(password => !Common.Contains(password) && password.Distinct().Count() > 3)
            .WithMessage("This password is too common or too simple; choose another.");
        RuleFor(p => p.Confirmation).Equal(p => p.Password).WithMessage("The two passwords do not match.");
    }
}

public static class UserNameRules
{
    public const string Message = "Use 1 to 32 lower-case letters, digits, '.', '_' or '-', starting with a letter.";

    /// <summary>POSIX-style names, so a web administrator can also be an SSH user and appear safely in files.</summary>
    public static bool IsValid(string? userName)
    {
        var name = userName?.Trim() ?? "";
        return name.Length is >= 1 and <= 32 && char.IsAsciiLetterLower(name[0]) &&
               name.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c is '.' or '_' or '-');
    }
}

using FluentValidation;

namespace NasDash.Features.MyAccount;

/// <summary>The kinds of address the add form offers: an email address, or a webhook with one of the presets of System › Alert services.</summary>
public enum AddressChoice
{
    Email,
    Ntfy,
    Gotify,
    Slack,
    Json,
}

/// <summary>A new address as the owner types it on /account.</summary>
public sealed class MyAddressForm
{
    public AddressChoice Kind { get; set; } = AddressChoice.Email;
    public string? Value { get; set; }

    public NotificationAddressKind AddressKind => Kind == AddressChoice.Email ? NotificationAddressKind.Email : NotificationAddressKind.Webhook;

    public WebhookPreset Preset => Kind switch
    {
        AddressChoice.Ntfy => WebhookPreset.Ntfy,
        AddressChoice.Gotify => WebhookPreset.Gotify,
        AddressChoice.Slack => WebhookPreset.Slack,
        _ => WebhookPreset.Json,
    };

    public static string Label(AddressChoice choice) => choice switch
    {
        AddressChoice.Email => "Email",
        AddressChoice.Ntfy => "Webhook: ntfy",
        AddressChoice.Gotify => "Webhook: Gotify",
        AddressChoice.Slack => "Webhook: Slack",
        _ => "Webhook: NasDash JSON",
    };

    public static string Example(AddressChoice choice) => choice switch
    {
        AddressChoice.Email => "you@example.com",
        AddressChoice.Ntfy => "https://ntfy.sh/your-secret-topic",
        AddressChoice.Gotify => "https://gotify.example.com/message?token=…",
        AddressChoice.Slack => "https://hooks.slack.com/services/…",
        _ => "https://automation.example.com/hooks/nasdash",
    };
}

/// <summary>Serves the form (next to the field) and <see cref="MyAddressesService"/>, which never trusts the form.</summary>
public sealed class MyAddressFormValidator : AbstractValidator<MyAddressForm>
{
    public MyAddressFormValidator()
    {
        RuleFor(f => f.Value)
            .Must(v => !string.IsNullOrWhiteSpace(v))
            .WithMessage(f => f.AddressKind == NotificationAddressKind.Email
                ? "Enter an email address."
                : $"Enter the webhook's address, such as {MyAddressForm.Example(f.Kind)}.")
            .DependentRules(() =>
            {
                RuleFor(f => f.Value)
                    .Must(v => !UntrustedText.HasControlCharacters(v!.Trim()))
                    .WithMessage("An address cannot hold control characters or line breaks.")
                    .Must((f, v) => v!.Trim().Length <= MaxLength(f))
                    .WithMessage(f => $"That is too long: {(f.AddressKind == NotificationAddressKind.Email ? "an email address" : "a webhook address")} has at most {MaxLength(f)} characters.")
                    .DependentRules(() =>
                    {
                        RuleFor(f => f.Value)
                            .Must(v => AddressRules.IsEmailAddress(v!.Trim())).When(f => f.AddressKind == NotificationAddressKind.Email)
                            .WithMessage("Enter one address such as you@example.com.");
                        RuleFor(f => f.Value)
                            .Must(v => AddressRules.IsWebAddress(v!.Trim())).When(f => f.AddressKind == NotificationAddressKind.Webhook)
                            .WithMessage(AddressRules.NotAWebAddress);
                    });
            });
    }

    /// <summary>The first problem with the typed address, in the words shown under the field; null when it is fine.</summary>
    public static string? Problem(MyAddressForm form) => new MyAddressFormValidator().Validate(form).Errors.FirstOrDefault()?.ErrorMessage;

    private static int MaxLength(MyAddressForm form) =>
        form.AddressKind == NotificationAddressKind.Email ? NotificationAddress.MaxEmailLength : NotificationAddress.MaxUrlLength;
}

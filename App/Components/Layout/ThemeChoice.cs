namespace NasDash.Components.Layout;

/// <summary>
/// Light or dark, for this circuit: the choice remembered in the browser's cookie when there is one (read on the
/// server before the first render, so a dark page never flashes light), else the browser's preference.
/// </summary>
public sealed class ThemeChoice
{
    public const string CookieName = "nasdash-theme";

    public bool IsDark { get; private set; }

    /// <summary>True once the person chose (now or in an earlier visit); then the browser's preference no longer counts.</summary>
    public bool IsChosen { get; private set; }

    public event Action? Changed;

    /// <summary>The remembered choice: "dark" or "light"; anything else leaves the browser's preference in charge.</summary>
    public void Load(string? remembered)
    {
        if (remembered is "dark" or "light")
        {
            IsDark = remembered == "dark";
            IsChosen = true;
        }
    }

    /// <summary>The browser's preference, which applies only while nobody chose.</summary>
    public void FollowBrowser(bool dark)
    {
        if (!IsChosen && dark != IsDark)
        {
            IsDark = dark;
            Changed?.Invoke();
        }
    }

    /// <summary>The person's choice; returns the cookie value to remember it by.</summary>
    public string Choose(bool dark)
    {
        IsChosen = true;
        IsDark = dark;
        Changed?.Invoke();
        return CookieValue(dark);
    }

    public static string CookieValue(bool dark) => dark ? "dark" : "light";
}

using MudBlazor;

namespace NasDash.Components.Layout;

/// <summary>The one theme of the dashboard, light and dark.</summary>
public static class NasDashTheme
{
    public static MudTheme Theme { get; } = new()
    {
        PaletteLight = new PaletteLight
        {
            Primary = "#1f5fa8",
            Secondary = "#5c6b7a",
            // Status colours dark enough for text, outlined chips and white text on filled chips (WCAG AA, ≥ 4.5:1).
            Success = "#1b7a36",
            Warning = "#a35200",
            Error = "#c62828",
            Info = "#1565c0",
            AppbarBackground = "#17324d",
            Background = "#f4f6f8",
            DrawerBackground = "#ffffff",
        },
        PaletteDark = new PaletteDark
        {
            Primary = "#6fa8ec",
            // Dark text on the light primary: white on #6fa8ec is below WCAG AA contrast.
            PrimaryContrastText = "#0d1b2a",
            Secondary = "#9aa8b5",
            SecondaryContrastText = "#0d1b2a",
            // Light status colours on the dark surface, with dark text on filled chips (WCAG AA, ≥ 4.5:1).
            Success = "#6fcf8a",
            SuccessContrastText = "#0d1b2a",
            Warning = "#f0b45a",
            WarningContrastText = "#0d1b2a",
            Error = "#ff8a80",
            ErrorContrastText = "#0d1b2a",
            Info = "#7cc0ff",
            InfoContrastText = "#0d1b2a",
            AppbarBackground = "#111a24",
            Background = "#151b22",
            Surface = "#1d252e",
            DrawerBackground = "#18212a",
        },
        LayoutProperties = new LayoutProperties { DefaultBorderRadius = "6px" },
    };
}

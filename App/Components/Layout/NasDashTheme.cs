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
            AppbarBackground = "#111a24",
            Background = "#151b22",
            Surface = "#1d252e",
            DrawerBackground = "#18212a",
        },
        LayoutProperties = new LayoutProperties { DefaultBorderRadius = "6px" },
    };
}

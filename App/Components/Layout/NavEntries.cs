using MudBlazor;

namespace NasDash.Components.Layout;

/// <summary>One entry of the navigation: a page (<see cref="Href"/>) or a section holding entries.</summary>
/// <param name="Title">As the menu shows it, on one line.</param>
/// <param name="PageTitle">The page's own heading where the menu shortens it.</param>
public sealed record NavEntry(string Title, string Icon, string? Href = null, IReadOnlyList<NavEntry>? Children = null, string? PageTitle = null);

/// <summary>
/// The navigation, once: the menu renders it and every page under a section gets its trail from it
/// (<see cref="Breadcrumb"/>), so the two never disagree. Pages a person checks often stand at the top level.
/// </summary>
public static class NavEntries
{
    public static IReadOnlyList<NavEntry> All { get; } =
    [
        new("Dashboard", Icons.Material.Filled.Dashboard, "/"),
        new("Alerts", Icons.Material.Filled.Notifications, "/alerts"),
        new("Audit log", Icons.Material.Filled.History, "/audit"),
        new("Credentials", Icons.Material.Filled.People, Children:
        [
            new("Administrators", Icons.Material.Filled.ManageAccounts, "/users"),
            new("My account", Icons.Material.Filled.Key, "/account"),
        ]),
        new("System", Icons.Material.Filled.Settings, Children:
        [
            new("Alert services", Icons.Material.Filled.MarkEmailUnread, "/settings/notifications"),
            new("SSH", Icons.Material.Filled.Terminal, "/services/ssh"),
            new("Advanced", Icons.Material.Filled.Tune, Children:
            [
                // The settings' short name (as in "Save the Global Two Factor settings"): the full one takes two lines at this depth.
                new("Global Two Factor", Icons.Material.Filled.Security, "/settings/two-factor", PageTitle: "Global Two Factor Authentication"),
            ]),
        ]),
    ];

    /// <summary>The sections above the page at <paramref name="path"/> (e.g. ["System", "Advanced"]) and the page's own title; null for a top-level or unknown page.</summary>
    public static IReadOnlyList<string>? TrailTo(string path)
    {
        var trail = Find(All, "/" + path.Split('?', '#')[0].Trim('/'));
        return trail is { Count: > 1 } ? trail : null;
    }

    private static List<string>? Find(IReadOnlyList<NavEntry> entries, string path)
    {
        foreach (var entry in entries)
        {
            if (string.Equals(entry.Href, path, StringComparison.OrdinalIgnoreCase))
            {
                return [entry.PageTitle ?? entry.Title];
            }

            if (entry.Children is { } children && Find(children, path) is { } below)
            {
                below.Insert(0, entry.Title);
                return below;
            }
        }

        return null;
    }
}

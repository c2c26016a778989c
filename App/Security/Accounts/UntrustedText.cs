using System.Globalization;
using System.Text;

namespace NasDash.Security.Accounts;

/// <summary>
/// Text someone else wrote (a browser, a webhook target, a user name typed at the sign-in page) on its way into a log
/// line, an audit view or a notice: every control, format and line/paragraph separator character is made visible
/// (<c>\n</c>, <c>\x1b</c>, <c>\u2028</c>), so one newline cannot forge a line and one ESC cannot repaint a terminal.
/// </summary>
public static class UntrustedText
{
    /// <summary>
    /// The text with a backslash doubled and each invisible character written as an escape: <c>\r \n \t \0</c>,
    /// <c>\xHH</c> for other C0/C1 controls, <c>\uHHHH</c> (or <c>\u{HHHHH}</c>) for format characters, separators and
    /// lone surrogates. Printable text, spaces and emoji stay as they are.
    /// </summary>
    public static string Escape(string? text) => Escape(text, spaces: false);

    /// <summary>As <see cref="Escape(string?)"/>, and every kind of space too (<c>\x20</c>): for a field that must stay one token.</summary>
    public static string Token(string? text) => Escape(text, spaces: true);

    /// <summary>True when the text holds a character <see cref="Escape(string?)"/> would rewrite, other than a backslash.</summary>
    public static bool HasControlCharacters(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return false;
        }

        for (var i = 0; i < text.Length; i++)
        {
            if (IsInvisible(text, i, out var width))
            {
                return true;
            }

            i += width - 1;
        }

        return false;
    }

    private static string Escape(string? text, bool spaces)
    {
        if (string.IsNullOrEmpty(text))
        {
            return text ?? "";
        }

        StringBuilder? sb = null;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            var invisible = IsInvisible(text, i, out var width);
            var space = spaces && (c == ' ' || char.GetUnicodeCategory(c) == UnicodeCategory.SpaceSeparator);
            if (!invisible && !space && c != '\\')
            {
                sb?.Append(text, i, width);
                i += width - 1;
                continue;
            }

            sb ??= new StringBuilder(text.Length + 16).Append(text, 0, i);
            switch (c)
            {
                case '\\': sb.Append(@"\\"); break;
                case '\n': sb.Append(@"\n"); break;
                case '\r': sb.Append(@"\r"); break;
                case '\t': sb.Append(@"\t"); break;
                case '\0': sb.Append(@"\0"); break;
                case <= '\u00ff': sb.Append(@"\x").Append(((int)c).ToString("x2", CultureInfo.InvariantCulture)); break;
                default:
                    var code = width == 2 ? char.ConvertToUtf32(c, text[i + 1]) : c;
                    sb.Append(code > 0xFFFF
                        ? $@"\u{{{code.ToString("x", CultureInfo.InvariantCulture)}}}"
                        : $@"\u{code.ToString("x4", CultureInfo.InvariantCulture)}");
                    break;
            }

            i += width - 1;
        }

        return sb?.ToString() ?? text;
    }

    // Cc, Cf, Zl, Zp and lone surrogates; a valid surrogate pair is one character of two chars (width 2).
    private static bool IsInvisible(string text, int i, out int width)
    {
        var c = text[i];
        if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
        {
            width = 2;
            return CharUnicodeInfo.GetUnicodeCategory(char.ConvertToUtf32(c, text[i + 1])) == UnicodeCategory.Format;
        }

        width = 1;
        return char.GetUnicodeCategory(c) is UnicodeCategory.Control or UnicodeCategory.Format or UnicodeCategory.LineSeparator
            or UnicodeCategory.ParagraphSeparator or UnicodeCategory.Surrogate;
    }
}


namespace NasDash.Features.Audit;

/// <summary>How an outcome reads at a glance: one colour rule for every audit entry.</summary>
public enum OutcomeTone
{
    Neutral,
    Good,
    Warning,
    Bad,
}

/// <summary>
/// The audit log in a person's words: event ids (stable, dotted, kept in exports and shown on hover) named as
/// sentences, and every outcome sorted into one of four tones.
/// </summary>
public static class AuditWording
{
    private static readonly string[] BadWords = ["fail", "refus", "replay", "lock", "unreadable", "revoked", "denied", "wrong"];
    private static readonly string[] WarningWords = ["throttl", "recovery", "cancel", "incomplete", "repaired", "none-issued", "required", "malformed", "expired"];
    private static readonly string[] GoodWords = ["succeed", "saved", "signed-in", "verified", "enrolled", "confirmed", "acknowledged", "chosen", "issued", "accepted"];

    /// <summary>The event in words; an id this list does not know reads as itself.</summary>
    public static string EventName(string id) => AuditNames.Find(id)?.Words ?? id;

    /// <summary>The outcome as a person reads it: "signed-in" becomes "signed in".</summary>
    public static string OutcomeText(string outcome) => outcome.Replace('-', ' ');

    /// <summary>Bad words first: "superlocked" is bad even though it has no "fail", "throttled" a warning.</summary>
    public static OutcomeTone Tone(string outcome)
    {
        var value = outcome.ToLowerInvariant();
        return BadWords.Any(w => value.Contains(w, StringComparison.Ordinal)) ? OutcomeTone.Bad
            : WarningWords.Any(w => value.Contains(w, StringComparison.Ordinal)) ? OutcomeTone.Warning
            : GoodWords.Any(w => value.Contains(w, StringComparison.Ordinal)) ? OutcomeTone.Good
            : OutcomeTone.Neutral;
    }
}

using System.Globalization;

namespace NasDash.Fleet;

public enum JoinStage
{
    /// <summary>Administrators written ahead of the transaction that names them: not yet visible to sign-in.</summary>
    Staged,
    /// <summary>The administrators, settings and keys are in the fleet; the history and the rest follow in batches.</summary>
    Records,
    /// <summary>Everything is in the fleet; only setting the standalone store aside remains.</summary>
    Done,
}

/// <summary>
/// How far a join has written, kept in the fleet under joins/&lt;id&gt; and changed in the same etcd transaction as each
/// batch, so it is exactly what the fleet holds: a batch is written once, however often the join is run again.
/// </summary>
public sealed record JoinProgress(JoinStage Stage, int Count)
{
    public static readonly JoinProgress Done = new(JoinStage.Done, 0);

    public static JoinProgress StagedThrough(int accounts) => new(JoinStage.Staged, accounts);

    public static JoinProgress RecordsThrough(int records) => new(JoinStage.Records, records);

    public string Text => Stage == JoinStage.Done ? "done" : $"{Stage.ToString().ToLowerInvariant()} {Count.ToString(CultureInfo.InvariantCulture)}";

    public static JoinProgress Parse(string text)
    {
        var parts = text.Split(' ');
        return parts switch
        {
            ["done"] => Done,
            ["staged", var n] => StagedThrough(int.Parse(n, CultureInfo.InvariantCulture)),
            ["records", var n] => RecordsThrough(int.Parse(n, CultureInfo.InvariantCulture)),
            _ => throw new InvalidOperationException($"The fleet records a join at \"{text}\", which this NasDash does not know."),
        };
    }
}

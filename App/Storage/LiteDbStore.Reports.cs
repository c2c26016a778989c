
namespace NasDash.Storage;

/// <summary>"This wasn't me" reports, made in the transaction that queues their notice and used in the one that confirms them.</summary>
public sealed partial class LiteDbStore : IReportTokens
{
    private const string Reports = "reports";

    public void InsertReport(NotMeReport report) => Write(() => Db.GetCollection<NotMeReport>(Reports).Insert(report));

    public NotMeReport? FindReport(string tokenHash) => Db.GetCollection<NotMeReport>(Reports).FindOne(r => r.TokenHash == tokenHash);

    public void UpdateReport(NotMeReport report) => Write(() => Db.GetCollection<NotMeReport>(Reports).Update(report));

    /// <summary>Every report, used or not, expired or not (for `fleet join`, which moves them).</summary>
    public IReadOnlyList<NotMeReport> AllReports() => Db.GetCollection<NotMeReport>(Reports).FindAll().ToList();
}

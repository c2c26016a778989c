using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.DataProtection;
namespace NasDash.Security.Notices;

/// <summary>The stored reports, durable on return; writes join an open transaction.</summary>
public interface IReportTokens
{
    void InsertReport(NotMeReport report);
    NotMeReport? FindReport(string tokenHash);
    void UpdateReport(NotMeReport report);
}

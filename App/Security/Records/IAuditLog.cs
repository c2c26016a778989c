namespace NasDash.Security.Records;

public interface IAuditLog
{
    void Append(AuditEvent auditEvent);
    IReadOnlyList<AuditEvent> Query(AuditQuery query);
    int Count(AuditQuery query);
}

namespace NasDash.Security.Notices;

/// <summary>
/// Inside the transaction that queues them, gives each notice one delivery per confirmed address of every account it
/// concerns: the account it is about and, when another administrator acted, the actor's (a change made with their
/// session is theirs to repudiate). The addresses are those of the moment of the event, copied into the deliveries:
/// an address added later hears nothing of it, an administrator deleted by it still hears it. The appliance's own
/// targets are routed by the sender, from the alert services in force when it sends.
/// </summary>
public sealed class NotificationAddressRouting(IAccountStore accounts)
{
    /// <param name="known">Accounts of this commit that the store may not hold (yet or any more): the saved one, the deleted one.</param>
    public void Route(IReadOnlyList<OutboxNotice> notices, params Account?[] known)
    {
        foreach (var notice in notices)
        {
            var about = notice.AboutAddress;
            var targets = new List<DeliveryAddress>();
            foreach (var account in Concerned(notice, known))
            {
                targets.AddRange(account.NotificationAddresses
                    .Where(a => a.IsConfirmed && a.Id != about?.AddressId)
                    .Select(a => a.Target(account.UserName)));
            }

            if (notice.Kind == SecurityNoticeKind.NotificationAddressRemoved && about is not null)
            {
                targets.Add(about);
            }

            foreach (var target in targets.DistinctBy(t => t.AddressId))
            {
                notice.Deliveries.Add(new NoticeDelivery { Target = DeliveryAddress.TargetOf(target.AddressId), Address = target, NextAttemptAt = notice.At });
            }

            notice.AboutAddress = null;
        }
    }

    private IEnumerable<Account> Concerned(OutboxNotice notice, Account?[] known)
    {
        var subject = Find(notice.UserName, known);
        if (subject is not null)
        {
            yield return subject;
        }

        if (Find(notice.Actor, known) is { } actor && actor.Id != subject?.Id)
        {
            yield return actor;
        }
    }

    private Account? Find(string? userName, Account?[] known)
    {
        if (userName is not { Length: > 0 })
        {
            return null;
        }

        var normalized = Account.Normalize(userName);
        return known.FirstOrDefault(a => a is not null && string.Equals(a.NormalizedUserName, normalized, StringComparison.Ordinal))
            ?? accounts.FindByName(userName);
    }
}


namespace NasDash.Tests.TestSupport;

/// <summary>Records every lockout event the core publishes.</summary>
public sealed class RecordingLockoutHandler : ILockoutEventHandler
{
    private readonly List<LockoutEvent> _events = [];

    public IReadOnlyList<LockoutEvent> Events
    {
        get
        {
            lock (_events)
            {
                return [.. _events];
            }
        }
    }

    public IReadOnlyList<LockoutEventKind> Kinds => [.. Events.Select(e => e.Kind)];

    public IReadOnlyList<SecurityFact> Record(LockoutEvent lockoutEvent)
    {
        lock (_events)
        {
            _events.Add(lockoutEvent);
        }

        return [];
    }

    public void Clear()
    {
        lock (_events)
        {
            _events.Clear();
        }
    }
}

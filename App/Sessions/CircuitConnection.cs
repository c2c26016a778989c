namespace NasDash.Sessions;

/// <summary>
/// Per circuit: whether its browser is connected. A closed page's circuit is disposed after its connection went down, so
/// a component's disposal asks this before calling into a browser that is gone (each such call is an exception).
/// </summary>
public sealed class CircuitConnection
{
    private volatile bool _up = true;

    public bool IsUp => _up;

    internal void Down() => _up = false;

    internal void Up() => _up = true;
}

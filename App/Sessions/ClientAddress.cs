namespace NasDash.Sessions;

/// <summary>
/// The client's IP address for this circuit or request, for audit entries and per-address throttling.
/// Captured when the circuit opens (see <see cref="SessionCircuitHandler"/>): later, inside event handlers,
/// an HttpContext is not reliably available.
/// </summary>
public sealed class ClientAddress(IHttpContextAccessor accessor)
{
    private string? _value;

    /// <summary>e.g. "127.0.0.1"; null when unknown.</summary>
    public string? Value => _value ??= Read();

    internal void Capture() => _value ??= Read();

    /// <summary>The remote address of a request, IPv4-mapped IPv6 shown as IPv4.</summary>
    public static string? Of(HttpContext? http)
    {
        var address = http?.Connection.RemoteIpAddress;
        return address is null ? null : (address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address).ToString();
    }

    private string? Read() => Of(accessor.HttpContext);
}

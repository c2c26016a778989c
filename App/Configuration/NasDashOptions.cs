namespace NasDash.Configuration;

/// <summary>The "NasDash" configuration section (appsettings.json, environment, command line).</summary>
public sealed class NasDashOptions
{
    public const string Section = "NasDash";

    /// <summary>Absolute, or relative to the content root. Default "data".</summary>
    public string DataDirectory { get; set; } = "data";
    /// <summary>The appliance name shown in authenticator apps and download files; the machine name when empty.</summary>
    public string? HostName { get; set; }
    /// <summary>PBKDF2 iterations for passwords; values below OWASP's figure are raised to it outside tests.</summary>
    public int PasswordIterations { get; set; } = NasDash.Security.Accounts.PasswordHashing.OwaspIterations;
    public int BackupCodeIterations { get; set; } = NasDash.Security.Accounts.BackupCodes.DefaultIterations;
    /// <summary>Reverse proxies allowed to name the client in X-Forwarded-For (see <see cref="ReverseProxy"/>). Default none.</summary>
    public List<string> TrustedProxies { get; set; } = [];
    public SetupOptions Setup { get; set; } = new();
    public SessionOptions Session { get; set; } = new();
    public EnrolmentOptions Enrolment { get; set; } = new();
    public AuditOptions Audit { get; set; } = new();
    public SshOptions Ssh { get; set; } = new();
    public WebAuthnOptions WebAuthn { get; set; } = new();
}

/// <summary>Security keys (CONTRACT.md): unset, the appliance host name and the addresses the server listens on.</summary>
public sealed class WebAuthnOptions
{
    public string? RelyingPartyId { get; set; }
    public List<string> Origins { get; set; } = [];
}

public sealed class SetupOptions
{
    public bool RequireToken { get; set; } = true;
}

/// <summary>NIST SP 800-63B AAL2 reauthentication figures as defaults.</summary>
public sealed class SessionOptions
{
    public TimeSpan IdleTimeout { get; set; } = TimeSpan.FromMinutes(30);
    public TimeSpan AbsoluteLifetime { get; set; } = TimeSpan.FromHours(12);

    /// <summary>
    /// Session, device and antiforgery cookies only over https. Unset: on everywhere but Development. False lets them
    /// travel over plain http too (tests on a loopback port); never turn it off on a network.
    /// </summary>
    public bool? SecureCookies { get; set; }

    public bool CookiesRequireHttps(IHostEnvironment environment) => SecureCookies ?? !environment.IsDevelopment();
}

public sealed class EnrolmentOptions
{
    /// <summary>How long a one-time enrolment code (console unlock, a reset or a new administrator on /users) stays valid.</summary>
    public TimeSpan CodeLifetime { get; set; } = NasDash.Security.Accounts.EnrolmentCodePolicy.DefaultLifetime;
}

public sealed class AuditOptions
{
    public int RetentionDays { get; set; } = 365;
    /// <summary>The most entries the log keeps (about 350 bytes each); beyond it the oldest are pruned first.</summary>
    public int MaxEntries { get; set; } = 200_000;
}

public sealed class SshOptions
{
    public string DropInDirectory { get; set; } = "/etc/ssh/sshd_config.d";
    public string PidFile { get; set; } = "/run/sshd.pid";
    /// <summary>The PAM stack that `nasdash console ssh-2fa` wires pam_nasdash.so into.</summary>
    public string PamServiceFile { get; set; } = "/etc/pam.d/sshd";
    /// <summary>sshd's main configuration, checked with `sshd -t` after the drop-in changes.</summary>
    public string SshdConfigFile { get; set; } = "/etc/ssh/sshd_config";
    /// <summary>The program pam_nasdash.so runs (`console ssh-code`) when no server answers on the console socket.</summary>
    public string Program { get; set; } = "/usr/bin/nasdash";
}

using System.Diagnostics.Metrics;
using NasDash.Storage;

namespace NasDash.Features.Metrics;

/// <summary>
/// The appliance's instruments (System.Diagnostics.Metrics, meter "NasDash"), exported by the Prometheus exporter at
/// /metrics. Counters follow committed facts (audit entries, lockout events, refusals); gauges read the store at
/// scrape time. No label carries a user name unless NasDash:Metrics:UserNameLabels is true.
/// </summary>
public sealed class NasDashMetrics : ILockoutEventHandler, IDisposable
{
    public const string MeterName = "NasDash";

    /// <summary>
    /// The meter's name: <see cref="MeterName"/>, unless NasDash:Metrics:MeterName names another. OpenTelemetry listens
    /// by name across the process, so tests that run several servers in one process give each its own.
    /// </summary>
    public static string MeterNameIn(IConfiguration configuration) => configuration["NasDash:Metrics:MeterName"] ?? MeterName;

    private readonly Meter _meter;
    private readonly Counter<long> _signIns;
    private readonly Counter<long> _lockouts;
    private readonly Counter<long> _throttled;
    private readonly Counter<long> _apiRefused;
    private readonly Counter<long> _noticesQueued;
    private readonly Counter<long> _noticeDeliveries;
    private readonly Histogram<double> _commits;
    private readonly bool _userNames;
    private readonly IStoreEngine _store;
    private readonly INoticeOutbox _outbox;
    private readonly IAccountStore _accounts;
    private readonly RefusedSignIns _refused;
    private ApiTokens? _tokens;
    private readonly TimeProvider _time;
    private long _openCircuits;

    public NasDashMetrics(IMeterFactory meters, IStoreEngine store, IAccountStore accounts, ISettingsStore settings, INoticeOutbox outbox,
        RefusedSignIns refused, TimeProvider time, IConfiguration configuration)
    {
        _store = store;
        _accounts = accounts;
        _outbox = outbox;
        _time = time;
        _refused = refused;
        _userNames = configuration.GetValue<bool>("NasDash:Metrics:UserNameLabels");
        _meter = meters.Create(MeterNameIn(configuration));
        _signIns = _meter.CreateCounter<long>("nasdash.sign_ins", "{attempt}", "Sign-in steps by kind (password, totp, backup-codes, …) and outcome");
        _lockouts = _meter.CreateCounter<long>("nasdash.lockout_events", "{event}", "Lockout events (recovery started, moved to recovery, super-locked)");
        _throttled = _meter.CreateCounter<long>("nasdash.throttled_refusals", "{attempt}", "Attempts refused unevaluated by a throttle, by door");
        _apiRefused = _meter.CreateCounter<long>("nasdash.api_token_refusals", "{request}", "API requests with a missing, wrong, expired or revoked token");
        _noticesQueued = _meter.CreateCounter<long>("nasdash.notices_queued", "{commit}", "Commits that queued security notices");
        _noticeDeliveries = _meter.CreateCounter<long>("nasdash.notice_deliveries", "{delivery}", "Security notice deliveries by result (delivered, failed, gave-up)");
        _commits = _meter.CreateHistogram<double>("nasdash.store.commit.duration", "s", "Durable store commits, flush included",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5] });
        _meter.CreateObservableGauge("nasdash.accounts", ObserveAccounts, "{account}", "Administrators by lockout state");
        _meter.CreateObservableGauge("nasdash.ssh.login_disabled", () => settings.Get().Ssh.LoginDisabled ? 1 : 0, null, "1 while a lockout event keeps SSH sign-in switched off");
        _meter.CreateObservableGauge("nasdash.notices_pending", () => outbox.Pending(10_000).Count, "{notice}", "Security notices not yet delivered or given up");
        _meter.CreateObservableUpDownCounter("nasdash.circuits", () => Interlocked.Read(ref _openCircuits), "{circuit}", "Open interactive (SignalR) circuits");

        store.Audited += OnAudited;
        store.Committed += OnCommitted;
        outbox.NoticeQueued += OnNoticeQueued;
        refused.Recorded += OnRefusedSignIn;
    }

    public IReadOnlyList<SecurityFact> Record(LockoutEvent lockoutEvent) => [];

    /// <summary>Counted once the lockout is committed.</summary>
    public void Committed(LockoutEvent lockoutEvent) =>
        _lockouts.Add(1, _userNames
            ? [new("kind", Kebab(lockoutEvent.Kind.ToString())), new("user", lockoutEvent.UserName)]
            : [new KeyValuePair<string, object?>("kind", Kebab(lockoutEvent.Kind.ToString()))]);

    /// <summary>
    /// Counts the API's refused tokens. Attached after construction: the tokens depend on the step-up, which publishes
    /// lockout events to this handler, so taking them in the constructor would be a cycle.
    /// </summary>
    public void Attach(ApiTokens tokens)
    {
        _tokens = tokens;
        tokens.Refused += OnRefusedToken;
    }

    public void CircuitOpened() => Interlocked.Increment(ref _openCircuits);

    public void CircuitClosed() => Interlocked.Decrement(ref _openCircuits);

    public void Dispose()
    {
        _store.Audited -= OnAudited;
        _store.Committed -= OnCommitted;
        _outbox.NoticeQueued -= OnNoticeQueued;
        _refused.Recorded -= OnRefusedSignIn;
        if (_tokens is not null)
        {
            _tokens.Refused -= OnRefusedToken;
        }
        _meter.Dispose();
    }

    private IEnumerable<Measurement<int>> ObserveAccounts()
    {
        var now = _time.GetUtcNow();
        var all = _accounts.All();
        return Enum.GetValues<LockoutStatus>().Select(state =>
            new Measurement<int>(all.Count(a => a.LockoutStatusAt(now) == state), new KeyValuePair<string, object?>("state", Kebab(state.ToString()))));
    }

    private void OnAudited(AuditEvent entry)
    {
        if (entry.Event.StartsWith("login.", StringComparison.Ordinal) && entry.Event != AuditNames.LoginRefused.Id)
        {
            _signIns.Add(1, new("kind", entry.Event["login.".Length..]), new("outcome", entry.Outcome));
        }
        else if (entry.Event == AuditNames.NotifyDelivered.Id)
        {
            _noticeDeliveries.Add(1, new KeyValuePair<string, object?>("result", "delivered"));
        }
        else if (entry.Event == AuditNames.NotifyFailed.Id)
        {
            _noticeDeliveries.Add(1, new KeyValuePair<string, object?>("result", entry.Outcome));
        }
    }

    private void OnCommitted(TimeSpan took) => _commits.Record(took.TotalSeconds);

    private void OnNoticeQueued() => _noticesQueued.Add(1);

    private void OnRefusedSignIn() => _throttled.Add(1, new KeyValuePair<string, object?>("door", "web"));

    private void OnRefusedToken(bool throttled)
    {
        if (throttled)
        {
            _throttled.Add(1, new KeyValuePair<string, object?>("door", "api"));
        }
        else
        {
            _apiRefused.Add(1);
        }
    }

    private static string Kebab(string name) =>
        string.Concat(name.Select((c, i) => char.IsUpper(c) ? (i > 0 ? "-" : "") + char.ToLowerInvariant(c) : c.ToString()));
}

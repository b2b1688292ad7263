using System.Globalization;
using System.Runtime.InteropServices;

namespace KvsGateway.Hosting;

/// <summary>
/// Puts every thread of the process under Linux's <c>SCHED_BATCH</c> policy (same priority, no real-time
/// rights needed): a thread of the gateway that wakes, for a packet from the origin, no longer takes the
/// CPU from the one running at once but waits for its turn, and then finds many sockets ready instead of
/// one. On the 1–2 CPUs of a small container that share a core with what feeds them, this removed ~6 of
/// every 6.5 sleeps of the socket thread per 1 MB fragment and about a third of the kernel time per
/// response (bench/README.md, seventh pass).
/// </summary>
/// <remarks>
/// .NET starts its threads with an explicit default policy instead of the starting thread's, so threads
/// started later (the socket engine's, the thread pool's) do not inherit it: the policy is applied to
/// all threads at start, once the server has started, and then every <see cref="SweepInterval"/>.
/// </remarks>
public sealed partial class BatchScheduling : BackgroundService
{
    /// <summary>Linux's <c>SCHED_BATCH</c> (sched.h).</summary>
    public const int Policy = 3;

    /// <summary>How often threads started since are given the policy.</summary>
    public static readonly TimeSpan SweepInterval = TimeSpan.FromSeconds(10);

    private const string Tasks = "/proc/self/task";

    private readonly IHostApplicationLifetime _lifetime;
    private readonly PeriodicTimer _sweeps;

    public BatchScheduling(TimeProvider time, IHostApplicationLifetime lifetime)
    {
        _lifetime = lifetime;
        _sweeps = new PeriodicTimer(SweepInterval, time);
    }

    /// <summary>Applies the policy to the threads of this process; returns how many took it (0 off Linux).</summary>
    public static int Apply()
    {
        if (!OperatingSystem.IsLinux() || !Directory.Exists(Tasks))
        {
            return 0;
        }

        var applied = 0;
        var parameter = 0;
        foreach (var task in Directory.EnumerateDirectories(Tasks))
        {
            // A thread may end between listing and setting (ESRCH): nothing to do for it.
            if (int.TryParse(Path.GetFileName(task), NumberStyles.None, CultureInfo.InvariantCulture, out var tid) && SetScheduler(tid, Policy, ref parameter) == 0)
            {
                applied++;
            }
        }

        return applied;
    }

    public override Task StartAsync(CancellationToken cancellationToken)
    {
        // Before the server starts its threads (they do not inherit it, but the sooner the fewer wait for the sweep).
        Apply();
        return base.StartAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        using var started = _lifetime.ApplicationStarted.Register(() => Apply());
        try
        {
            while (await _sweeps.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
            {
                Apply();
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    public override void Dispose()
    {
        _sweeps.Dispose();
        base.Dispose();
    }

    // struct sched_param is one int, the static priority, which must be 0 for SCHED_BATCH.
    [LibraryImport("libc", EntryPoint = "sched_setscheduler", SetLastError = true)]
    private static partial int SetScheduler(int threadId, int policy, ref int parameter);
}

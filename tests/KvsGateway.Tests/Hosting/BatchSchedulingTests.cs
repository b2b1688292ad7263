using System.Globalization;
using KvsGateway.Hosting;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Time.Testing;

namespace KvsGateway.Tests.Hosting;

public sealed class BatchSchedulingTests
{
    [Fact]
    public async Task Threads_take_the_policy_at_start_and_threads_started_later_at_the_next_sweep()
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        var time = new FakeTimeProvider();
        using var lifetime = new Lifetime();
        using var service = new BatchScheduling(time, lifetime);
        await service.StartAsync(CancellationToken.None);
        try
        {
            Assert.Equal(BatchScheduling.Policy, PolicyOf(CurrentThreadId()));

            // .NET starts a thread with the default policy, whatever its starter's.
            using var later = new ThreadThatWaits();
            Assert.NotEqual(BatchScheduling.Policy, PolicyOf(later.Id));
            time.Advance(BatchScheduling.SweepInterval);
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            while (PolicyOf(later.Id) != BatchScheduling.Policy)
            {
                await Task.Delay(10, timeout.Token);
            }
        }
        finally
        {
            await service.StopAsync(CancellationToken.None);
        }
    }

    // The policy of one thread of this process, as the kernel reports it (field 41 of its stat).
    private static int PolicyOf(int threadId)
    {
        var stat = File.ReadAllText($"/proc/self/task/{threadId.ToString(CultureInfo.InvariantCulture)}/stat");

        // The command name (field 2) is in parentheses and may hold spaces: count from after it.
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return int.Parse(fields[41 - 3], NumberStyles.None, CultureInfo.InvariantCulture);
    }

    // The kernel's id of the calling thread: /proc/thread-self names it.
    private static int CurrentThreadId() =>
        int.Parse(Path.GetFileName(new DirectoryInfo("/proc/thread-self").ResolveLinkTarget(returnFinalTarget: false)!.FullName), CultureInfo.InvariantCulture);

    private sealed class ThreadThatWaits : IDisposable
    {
        private readonly ManualResetEventSlim _release = new();
        private readonly Thread _thread;

        public ThreadThatWaits()
        {
            using var started = new ManualResetEventSlim();
            _thread = new Thread(() =>
            {
                Id = CurrentThreadId();
                started.Set();
                _release.Wait();
            });
            _thread.Start();
            started.Wait();
        }

        public int Id { get; private set; }

        public void Dispose()
        {
            _release.Set();
            _thread.Join();
            _release.Dispose();
        }
    }

    private sealed class Lifetime : IHostApplicationLifetime, IDisposable
    {
        private readonly CancellationTokenSource _started = new();
        private readonly CancellationTokenSource _stopping = new();
        private readonly CancellationTokenSource _stopped = new();

        public CancellationToken ApplicationStarted => _started.Token;

        public CancellationToken ApplicationStopping => _stopping.Token;

        public CancellationToken ApplicationStopped => _stopped.Token;

        public void StopApplication() => _stopping.Cancel();

        public void Dispose()
        {
            _started.Dispose();
            _stopping.Dispose();
            _stopped.Dispose();
        }
    }
}

using KvsGateway.Auditing;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace KvsGateway.Tests.Auditing;

public sealed class AuditLogTests
{
    /// <summary>
    /// An unauthenticated flood fills the queue of failure records; before, session creations and
    /// revocations shared that queue and were dropped with them.
    /// </summary>
    [Fact]
    public async Task Records_of_changes_are_kept_however_full_the_failure_queue_is()
    {
        var path = Path.Combine(Path.GetTempPath(), $"kvsgw-audit-{Guid.NewGuid():N}.jsonl");
        var log = new AuditLog(Options.Create(new AuditOptions { Path = path }), Path.GetTempPath(), NullLogger<AuditLog>.Instance, capacity: 16);
        try
        {
            // The writer is not running yet: the failure queue fills and then drops.
            for (var i = 0; i < 1000; i++)
            {
                log.Write(new AuditEvent { Time = DateTimeOffset.UnixEpoch, Event = AuditEvents.AuthenticationFailed, RemoteAddress = "192.0.2.1" });
            }

            for (var i = 0; i < 10; i++)
            {
                await log.RecordAsync(new AuditEvent { Time = DateTimeOffset.UnixEpoch, Event = AuditEvents.SessionCreated, SessionId = $"session-{i}" });
            }

            await log.StartAsync(default);
            await WrittenAsync(path, 26);
            await log.StopAsync(default);
        }
        finally
        {
            log.Dispose();
        }

        var lines = await File.ReadAllLinesAsync(path);
        File.Delete(path);
        Assert.Equal(10, lines.Count(l => l.Contains("\"session.created\"", StringComparison.Ordinal)));
        Assert.All(Enumerable.Range(0, 10), i => Assert.Contains(lines, l => l.Contains($"session-{i}\"", StringComparison.Ordinal)));
        Assert.Equal(16, lines.Count(l => l.Contains("\"auth.failed\"", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task A_kept_record_waits_for_room_instead_of_being_dropped()
    {
        var path = Path.Combine(Path.GetTempPath(), $"kvsgw-audit-{Guid.NewGuid():N}.jsonl");
        var log = new AuditLog(Options.Create(new AuditOptions { Path = path }), Path.GetTempPath(), NullLogger<AuditLog>.Instance, capacity: 4);
        try
        {
            for (var i = 0; i < 4; i++)
            {
                await log.RecordAsync(new AuditEvent { Time = DateTimeOffset.UnixEpoch, Event = AuditEvents.SessionRevoked, SessionId = $"r{i}" });
            }

            var fifth = log.RecordAsync(new AuditEvent { Time = DateTimeOffset.UnixEpoch, Event = AuditEvents.SessionRevoked, SessionId = "r4" }).AsTask();
            Assert.False(fifth.IsCompleted);
            await log.StartAsync(default);
            await fifth;
            await WrittenAsync(path, 5);
            await log.StopAsync(default);
        }
        finally
        {
            log.Dispose();
        }

        var lines = await File.ReadAllLinesAsync(path);
        File.Delete(path);
        Assert.Equal(5, lines.Length);
    }

    /// <summary>Waits until the writer has written <paramref name="lines"/> lines (it runs on its own task).</summary>
    private static async Task WrittenAsync(string path, int lines)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (!File.Exists(path) || (await File.ReadAllLinesAsync(path, timeout.Token)).Length < lines)
        {
            await Task.Delay(10, timeout.Token);
        }
    }
}

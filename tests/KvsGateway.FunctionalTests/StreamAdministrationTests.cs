using KvsGateway.Commands;
using KvsGateway.FunctionalTests.Infrastructure;
using KvsGateway.Kvs.Errors;
using KvsGateway.Kvs.Wire;

namespace KvsGateway.FunctionalTests;

/// <summary>The kinesisvideo control plane of the emulator and the command-line producer.</summary>
public sealed class StreamAdministrationTests : IClassFixture<PlaybackFixture>
{
    private readonly PlaybackFixture _fixture;

    public StreamAdministrationTests(PlaybackFixture fixture)
    {
        _fixture = fixture;
    }

    [Fact]
    public async Task Streams_are_listed_described_updated_and_deleted_as_the_kinesisvideo_model_has_it()
    {
        var client = _fixture.Host.EmulatorClient();
        var arn = (await client.CreateStreamAsync(new CreateStreamInput { StreamName = "admin-one", DataRetentionInHours = 1 })).StreamARN!;
        await client.CreateStreamAsync(new CreateStreamInput { StreamName = "admin-two", DataRetentionInHours = 1 });
        Assert.Matches("^arn:aws:kinesisvideo:us-east-1:[0-9]{12}:stream/admin-one/[0-9]+$", arn);

        var first = await client.ListStreamsAsync(new ListStreamsInput { MaxResults = 1, StreamNameCondition = new StreamNameCondition { ComparisonOperator = "BEGINS_WITH", ComparisonValue = "admin-" } });
        var second = await client.ListStreamsAsync(new ListStreamsInput { MaxResults = 1, NextToken = first.NextToken, StreamNameCondition = new StreamNameCondition { ComparisonOperator = "BEGINS_WITH", ComparisonValue = "admin-" } });
        Assert.Equal(["admin-one", "admin-two"], first.StreamInfoList.Concat(second.StreamInfoList).Select(s => s.StreamName));
        Assert.Null(second.NextToken);

        var info = (await client.DescribeStreamAsync(new DescribeStreamInput { StreamARN = arn })).StreamInfo!;
        await client.UpdateDataRetentionAsync(new UpdateDataRetentionInput { StreamName = "admin-one", CurrentVersion = info.Version, Operation = "INCREASE_DATA_RETENTION", DataRetentionChangeInHours = 5 });
        Assert.Equal(6, (await client.DescribeStreamAsync(new DescribeStreamInput { StreamName = "admin-one" })).StreamInfo!.DataRetentionInHours);
        var stale = await Assert.ThrowsAsync<KvsException>(() => client.UpdateDataRetentionAsync(new UpdateDataRetentionInput { StreamName = "admin-one", CurrentVersion = info.Version, Operation = "DECREASE_DATA_RETENTION", DataRetentionChangeInHours = 1 }));
        Assert.Equal("VersionMismatchException", stale.ErrorType);

        await client.DeleteStreamAsync(new DeleteStreamInput { StreamARN = arn });
        var gone = await Assert.ThrowsAsync<KvsException>(() => client.DescribeStreamAsync(new DescribeStreamInput { StreamName = "admin-one" }));
        Assert.Equal(KvsErrorTypes.ResourceNotFound, gone.ErrorType);
        Assert.Equal(404, gone.StatusCode);
    }

    [Fact]
    public async Task A_stream_without_retention_takes_media_but_refuses_playback()
    {
        var acks = await PlaybackFixture.IngestAsyncWithRetention(_fixture.Host.EmulatorClient(), "acme-no-retention", "h264.mkv", 0);
        Assert.Equal(3, acks.Count(a => a.EventType == "PERSISTED"));
        var error = await Assert.ThrowsAsync<KvsException>(() => _fixture.Host.GatewayClient().GetDashStreamingSessionUrlAsync(new GetDashStreamingSessionUrlInput { StreamName = "acme-no-retention" }));
        Assert.Equal(KvsErrorTypes.NoDataRetention, error.ErrorType);
        Assert.Equal(400, error.StatusCode);
    }

    [Fact]
    public async Task The_ingest_command_creates_the_stream_and_reports_every_ack()
    {
        using var output = new StringWriter();
        var exit = await IngestCommand.RunAsync(
            ["--stream", "acme-cli", "--endpoint", _fixture.Host.Emulator.ToString(), "--create", "--retention", "1", PlaybackFixture.FixturePath("h264-aac.mkv")],
            output,
            CancellationToken.None);
        var text = output.ToString();
        Assert.True(exit == 0, text);
        Assert.Contains("created stream acme-cli", text, StringComparison.Ordinal);
        Assert.Equal(3, text.Split('\n').Count(l => l.StartsWith("PERSISTED", StringComparison.Ordinal)));
        Assert.Contains("3 fragments persisted", text, StringComparison.Ordinal);

        using var usage = new StringWriter();
        Assert.Equal(2, await IngestCommand.RunAsync(["--stream"], usage, CancellationToken.None));
        Assert.StartsWith("usage:", usage.ToString(), StringComparison.Ordinal);
    }
}

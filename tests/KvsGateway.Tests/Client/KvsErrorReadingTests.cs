using System.Net;
using KvsGateway.Kvs.Client;
using KvsGateway.Kvs.Errors;

namespace KvsGateway.Tests.Client;

public sealed class KvsErrorReadingTests
{
    [Fact]
    public async Task An_error_whose_body_never_arrives_is_still_the_error_its_header_names()
    {
        // An origin that hangs after an error's headers (the origin-hang scenario): the caller's
        // activity timeout ends the body read, and the error must still be the KVS error it is.
        using var timeout = new CancellationTokenSource();
        using var response = new HttpResponseMessage(HttpStatusCode.BadRequest) { Content = new StreamContent(new HangingStream(timeout)) };
        response.Headers.TryAddWithoutValidation("x-amzn-ErrorType", "ClientLimitExceededException:http://internal.amazon.com/coral/com.amazonaws.kinesis.video.v20170930/");

        var error = await KvsClient.ReadErrorAsync(response, timeout.Token);

        Assert.Equal(KvsErrorTypes.ClientLimitExceeded, error.ErrorType);
        Assert.Equal(400, error.StatusCode);
    }

    [Fact]
    public async Task A_server_error_whose_body_breaks_off_is_the_service_being_unavailable()
    {
        using var response = new HttpResponseMessage(HttpStatusCode.ServiceUnavailable) { Content = new StreamContent(new BrokenStream()) };

        var error = await KvsClient.ReadErrorAsync(response, CancellationToken.None);

        Assert.Equal(KvsErrorTypes.ServiceUnavailable, error.ErrorType);
        Assert.Equal(503, error.StatusCode);
    }

    /// <summary>Sends nothing; its first read ends the caller's timeout and waits for it.</summary>
    private sealed class HangingStream(CancellationTokenSource timeout) : Stream
    {
        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            await timeout.CancelAsync();
            await Task.Delay(Timeout.Infinite, cancellationToken);
            return 0;
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }

    /// <summary>A connection reset in the middle of the body.</summary>
    private sealed class BrokenStream : Stream
    {
        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            ValueTask.FromException<int>(new IOException("The connection was reset."));

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}

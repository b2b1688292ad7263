using System.Globalization;
using System.Text;
using System.Xml;

namespace KvsGateway.Kvs.Manifests;

/// <summary>Serializes an <see cref="MpdDocument"/> as MPEG-DASH XML.</summary>
public static class MpdWriter
{
    public static async Task WriteAsync(MpdDocument document, Stream output, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(document);
        ArgumentNullException.ThrowIfNull(output);

        // An MPD is small (about 100 bytes a fragment); it is built in memory so no synchronous write reaches the response.
        using var buffer = new MemoryStream();
        var settings = new XmlWriterSettings { Encoding = new UTF8Encoding(false), Indent = true };
        using (var writer = XmlWriter.Create(buffer, settings))
        {
            writer.WriteStartDocument();
            writer.WriteStartElement("MPD", MpdNames.DashNamespace);
            if (document.DeclareKvsNamespace)
            {
                writer.WriteAttributeString("xmlns", MpdNames.KvsPrefix, null, MpdNames.KvsNamespace);
            }

            writer.WriteAttributeString("profiles", "urn:mpeg:dash:profile:isoff-live:2011");
            writer.WriteAttributeString("type", document.IsDynamic ? "dynamic" : "static");
            WriteDuration(writer, "mediaPresentationDuration", document.MediaPresentationDuration);
            WriteTime(writer, "availabilityStartTime", document.AvailabilityStartTime);
            WriteTime(writer, "publishTime", document.PublishTime);
            WriteDuration(writer, "minimumUpdatePeriod", document.MinimumUpdatePeriod);
            WriteDuration(writer, "timeShiftBufferDepth", document.TimeShiftBufferDepth);
            WriteDuration(writer, "minBufferTime", document.MinBufferTime);
            writer.WriteStartElement("Period", MpdNames.DashNamespace);
            writer.WriteAttributeString("id", "0");
            writer.WriteAttributeString("start", "PT0S");
            var id = 0;
            foreach (var set in document.AdaptationSets)
            {
                WriteAdaptationSet(writer, set, id++);
                cancellationToken.ThrowIfCancellationRequested();
            }

            writer.WriteEndElement();
            writer.WriteEndElement();
            writer.WriteEndDocument();
        }

        buffer.Position = 0;
        await buffer.CopyToAsync(output, cancellationToken).ConfigureAwait(false);
    }

    public static string FormatDuration(TimeSpan duration) =>
        "PT" + decimal.Round((decimal)duration.Ticks / TimeSpan.TicksPerSecond, 3).ToString("0.###", CultureInfo.InvariantCulture) + "S";

    private static void WriteAdaptationSet(XmlWriter writer, MpdAdaptationSet set, int id)
    {
        writer.WriteStartElement("AdaptationSet", MpdNames.DashNamespace);
        writer.WriteAttributeString("id", id.ToString(CultureInfo.InvariantCulture));
        writer.WriteAttributeString("contentType", set.ContentType);
        writer.WriteAttributeString("mimeType", set.MimeType);
        writer.WriteAttributeString("segmentAlignment", "true");
        writer.WriteAttributeString("startWithSAP", "1");

        writer.WriteStartElement("SegmentTemplate", MpdNames.DashNamespace);
        writer.WriteAttributeString("timescale", set.Timescale.ToString(CultureInfo.InvariantCulture));
        writer.WriteAttributeString("initialization", set.Initialization);
        writer.WriteAttributeString("media", set.Media);
        writer.WriteAttributeString("startNumber", set.StartNumber.ToString(CultureInfo.InvariantCulture));
        writer.WriteStartElement("SegmentTimeline", MpdNames.DashNamespace);
        foreach (var segment in set.Segments)
        {
            writer.WriteStartElement("S", MpdNames.DashNamespace);
            writer.WriteAttributeString("t", segment.Start.ToString(CultureInfo.InvariantCulture));
            writer.WriteAttributeString("d", segment.Duration.ToString(CultureInfo.InvariantCulture));
            if (segment.FragmentTimestampMs is { } ts)
            {
                writer.WriteAttributeString(MpdNames.KvsPrefix, MpdNames.FragmentTimestamp, MpdNames.KvsNamespace, ts.ToString(CultureInfo.InvariantCulture));
            }

            if (segment.FragmentNumber is { } fn)
            {
                writer.WriteAttributeString(MpdNames.KvsPrefix, MpdNames.FragmentNumber, MpdNames.KvsNamespace, fn);
            }

            writer.WriteEndElement();
        }

        writer.WriteEndElement();
        writer.WriteEndElement();

        writer.WriteStartElement("Representation", MpdNames.DashNamespace);
        writer.WriteAttributeString("id", set.RepresentationId);
        writer.WriteAttributeString("codecs", set.Codecs);
        writer.WriteAttributeString("bandwidth", set.Bandwidth.ToString(CultureInfo.InvariantCulture));
        if (set.Width > 0)
        {
            writer.WriteAttributeString("width", set.Width.ToString(CultureInfo.InvariantCulture));
            writer.WriteAttributeString("height", set.Height.ToString(CultureInfo.InvariantCulture));
        }

        if (set.AudioSamplingRate > 0)
        {
            writer.WriteAttributeString("audioSamplingRate", set.AudioSamplingRate.ToString(CultureInfo.InvariantCulture));
        }

        if (set.AudioChannels > 0)
        {
            writer.WriteStartElement("AudioChannelConfiguration", MpdNames.DashNamespace);
            writer.WriteAttributeString("schemeIdUri", "urn:mpeg:dash:23003:3:audio_channel_configuration:2011");
            writer.WriteAttributeString("value", set.AudioChannels.ToString(CultureInfo.InvariantCulture));
            writer.WriteEndElement();
        }

        writer.WriteEndElement();
        writer.WriteEndElement();
    }

    private static void WriteDuration(XmlWriter writer, string name, TimeSpan? value)
    {
        if (value is { } duration)
        {
            writer.WriteAttributeString(name, FormatDuration(duration));
        }
    }

    private static void WriteTime(XmlWriter writer, string name, DateTimeOffset? value)
    {
        if (value is { } time)
        {
            writer.WriteAttributeString(name, time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture));
        }
    }
}

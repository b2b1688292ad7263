using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace KvsGateway.Kvs.Wire;

/// <summary>KVS timestamps are epoch seconds as JSON numbers: integers from JS v3, fractions from botocore.</summary>
public sealed class EpochSecondsConverter : JsonConverter<DateTimeOffset>
{
    public override DateTimeOffset Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType == JsonTokenType.Number && reader.TryGetDecimal(out var seconds))
        {
            return FromSeconds(seconds);
        }

        if (reader.TokenType == JsonTokenType.String
            && decimal.TryParse(reader.GetString(), NumberStyles.Float, CultureInfo.InvariantCulture, out seconds))
        {
            return FromSeconds(seconds);
        }

        throw new JsonException("Timestamps must be epoch seconds.");
    }

    public override void Write(Utf8JsonWriter writer, DateTimeOffset value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteNumberValue(decimal.Round(value.ToUnixTimeMilliseconds() / 1000m, 3));
    }

    private static DateTimeOffset FromSeconds(decimal seconds)
    {
        // Outside years 1970..9999 is not a timestamp KVS can hold.
        if (seconds < 0 || seconds > 253_402_300_799m)
        {
            throw new JsonException("Timestamp out of range.");
        }

        return DateTimeOffset.FromUnixTimeMilliseconds((long)decimal.Round(seconds * 1000m));
    }
}

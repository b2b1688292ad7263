namespace KvsGateway.Testing;

/// <summary>
/// Seeded, reproducible corruptions of valid Matroska: bit flips, truncation, size-field damage,
/// inserted and deleted bytes. Input <c>i</c> of seed <c>s</c> is always the same bytes.
/// </summary>
internal static class MatroskaMutator
{
    public static byte[] Mutate(byte[] source, int seed, int index)
    {
        // Not HashCode.Combine: it is randomised per process, and a failing input must be found again.
        var random = new Random(unchecked((seed * 1_000_003) + index));
        var data = (byte[])source.Clone();
        switch (index % 5)
        {
            case 0:
                for (var i = random.Next(1, 9); i > 0; i--)
                {
                    data[random.Next(data.Length)] ^= (byte)(1 << random.Next(8));
                }

                return data;
            case 1:
                return data[..random.Next(data.Length)];
            case 2:
                {
                    // Damage what is most likely a size field: the byte after an element ID's first byte.
                    var at = random.Next(data.Length - 1);
                    data[at + 1] = (byte)(random.Next(4) switch { 0 => 0xFF, 1 => 0x01, 2 => 0x08, _ => random.Next(256) });
                    return data;
                }

            case 3:
                {
                    var at = random.Next(data.Length);
                    var insert = new byte[random.Next(1, 16)];
                    random.NextBytes(insert);
                    return [.. data[..at], .. insert, .. data[at..]];
                }

            default:
                {
                    var at = random.Next(data.Length);
                    var count = Math.Min(random.Next(1, 64), data.Length - at);
                    return [.. data[..at], .. data[(at + count)..]];
                }
        }
    }
}

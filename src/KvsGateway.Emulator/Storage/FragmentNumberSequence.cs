using System.Globalization;
using System.Numerics;

namespace KvsGateway.Emulator.Storage;

/// <summary>
/// KVS-style fragment numbers: 47 decimal digits, strictly increasing per stream in ingest order,
/// too long for 64 bits (so clients must treat them as strings, as with the real service).
/// </summary>
internal sealed class FragmentNumberSequence
{
    private const string Prefix = "9134385233318";
    private BigInteger _last;

    public FragmentNumberSequence(string? lastIssued)
    {
        _last = lastIssued is null ? BigInteger.Zero : BigInteger.Parse(lastIssued, CultureInfo.InvariantCulture);
    }

    public string Next(DateTimeOffset serverTime)
    {
        var candidate = BigInteger.Parse(
            Prefix + serverTime.ToUnixTimeMilliseconds().ToString("D16", CultureInfo.InvariantCulture) + new string('0', 18),
            CultureInfo.InvariantCulture);
        _last = candidate > _last ? candidate : _last + 1;
        return _last.ToString(CultureInfo.InvariantCulture);
    }

    public static int Compare(string left, string right) =>
        left.Length != right.Length ? left.Length.CompareTo(right.Length) : string.CompareOrdinal(left, right);
}

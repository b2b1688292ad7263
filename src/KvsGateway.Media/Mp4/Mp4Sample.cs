namespace KvsGateway.Media.Mp4;

/// <summary>One sample of a track run: size in bytes, duration and composition offset in track ticks.</summary>
public readonly record struct Mp4Sample(uint Size, uint Duration, int CompositionOffset, bool IsSync);

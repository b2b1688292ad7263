namespace KvsGateway.Players;

/// <summary>
/// An error answer or a stall of a player's playback: when (seconds from the start of the run), how
/// old the player's session was then (seconds), and what it was.
/// </summary>
internal sealed record PlaybackEvent(double At, double SessionAge, string What);

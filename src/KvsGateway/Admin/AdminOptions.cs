namespace KvsGateway.Admin;

/// <summary>Section <c>Admin</c>: bearer tokens that may call <c>/admin</c>. None configured: the admin API refuses everyone.</summary>
public sealed class AdminOptions
{
    public const string SectionName = "Admin";

    public List<string> Tokens { get; } = [];
}

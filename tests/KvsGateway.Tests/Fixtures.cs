namespace KvsGateway.Tests;

internal static class Fixtures
{
    public static string PathOf(string name) => Path.Combine(AppContext.BaseDirectory, "fixtures", name);

    public static FileStream Open(string name) => new(PathOf(name), FileMode.Open, FileAccess.Read, FileShare.Read, 4096, FileOptions.Asynchronous);
}

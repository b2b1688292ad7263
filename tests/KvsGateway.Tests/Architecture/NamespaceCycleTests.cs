using System.Reflection;
using System.Text.RegularExpressions;

namespace KvsGateway.Tests.Architecture;

/// <summary>
/// Concepts live in their folders, and no two depend on each other both ways: a feature reaches
/// the ones below it, and learns of what happens above it through what it announces. Read from the
/// compiled assemblies (signatures and method bodies) and, for what compiles away (constants), from
/// the sources' using directives (an unused one is a build error here, so each is a real use).
/// </summary>
public sealed partial class NamespaceCycleTests
{
    public static TheoryData<string> Projects => new() { "KvsGateway", "KvsGateway.Emulator", "KvsGateway.Kvs", "KvsGateway.Media" };

    [Theory]
    [MemberData(nameof(Projects))]
    public void No_two_namespaces_depend_on_each_other(string project)
    {
        var graph = NamespaceDependencies.Of(Assembly.Load(project), "KvsGateway");
        foreach (var (from, to) in SourceDependencies(project))
        {
            (graph.TryGetValue(from, out var set) ? set : graph[from] = new HashSet<string>(StringComparer.Ordinal)).Add(to);
        }

        var pairs = graph
            .SelectMany(from => from.Value.Select(to => (From: from.Key, To: to)))
            .Where(edge => string.CompareOrdinal(edge.From, edge.To) < 0 && graph.TryGetValue(edge.To, out var back) && back.Contains(edge.From))
            .Select(edge => $"{edge.From} <-> {edge.To}")
            .Distinct()
            .ToList();
        Assert.True(pairs.Count == 0, "Namespaces that depend on each other both ways:\n" + string.Join("\n", pairs));
    }

    /// <summary>(file namespace, used namespace) for each <c>using KvsGateway.…;</c> of the project's sources.</summary>
    private static IEnumerable<(string From, string To)> SourceDependencies(string project)
    {
        var folder = Path.Combine(RepositoryRoot(), "src", project);
        foreach (var file in Directory.EnumerateFiles(folder, "*.cs", SearchOption.AllDirectories))
        {
            if (file.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                || file.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            {
                continue;
            }

            var text = File.ReadAllText(file);
            if (NamespaceDeclaration().Match(text) is not { Success: true } declared)
            {
                continue;
            }

            foreach (Match use in UsingDirective().Matches(text))
            {
                // "using static N.Type;" uses namespace N.
                var to = use.Groups[1].Success ? use.Groups[2].Value[..use.Groups[2].Value.LastIndexOf('.')] : use.Groups[2].Value;
                if (to != declared.Groups[1].Value)
                {
                    yield return (declared.Groups[1].Value, to);
                }
            }
        }
    }

    private static string RepositoryRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "KvsGateway.sln")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? throw new InvalidOperationException("The repository root (KvsGateway.sln) is not above the test's folder.");
    }

    [GeneratedRegex(@"^namespace (KvsGateway[\w.]*);", RegexOptions.Multiline)]
    private static partial Regex NamespaceDeclaration();

    [GeneratedRegex(@"^using (static )?(KvsGateway[\w.]*);", RegexOptions.Multiline)]
    private static partial Regex UsingDirective();
}

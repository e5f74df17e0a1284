namespace Cadence.Tests;

/// <summary>
/// Data nobody on this project wrote, in ../shared/data beside the repository. Tests that use it
/// carry [Trait("Category", "RealData")]; when CI=true a missing folder fails them, elsewhere it
/// skips them.
/// </summary>
internal static class RealData
{
    public static string Folder(string name)
    {
        var folder = Candidates(name).FirstOrDefault(Directory.Exists);
        if (folder is not null)
            return folder;
        var message = $"real data ../shared/data/{name} not found beside the repository";
        if (string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase))
            Assert.Fail(message);
        Skip.If(true, message);
        return string.Empty;
    }

    /// <summary>
    /// CADENCE_DATA when set; else shared/data beside the repository or beside any folder above
    /// it (a clone may sit deeper than the checkout it came from); else the workplace's /work/shared/data.
    /// </summary>
    private static IEnumerable<string> Candidates(string name)
    {
        if (Environment.GetEnvironmentVariable("CADENCE_DATA") is { Length: > 0 } data)
            yield return Path.Combine(data, name);
        var root = new DirectoryInfo(AppContext.BaseDirectory);
        while (root is not null && !File.Exists(Path.Combine(root.FullName, "Cadence.slnx")))
            root = root.Parent;
        for (var dir = root; dir is not null; dir = dir.Parent)
            yield return Path.Combine(dir.FullName, "..", "shared", "data", name);
        yield return Path.Combine("/work", "shared", "data", name);
    }
}

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
        var root = new DirectoryInfo(AppContext.BaseDirectory);
        while (root is not null && !File.Exists(Path.Combine(root.FullName, "Cadence.slnx")))
            root = root.Parent;
        var folder = root is null ? null : Path.GetFullPath(Path.Combine(root.FullName, "..", "shared", "data", name));
        if (folder is not null && Directory.Exists(folder))
            return folder;
        var message = $"real data ../shared/data/{name} not found beside the repository";
        if (string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase))
            Assert.Fail(message);
        Skip.If(true, message);
        return string.Empty;
    }
}

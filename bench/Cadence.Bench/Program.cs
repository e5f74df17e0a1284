using Cadence.Bench;

// Verbs: generate, generate-zeek and run are for people; duckdb-worker and measure are the child processes the
// runner starts, hidden from the usage text.
try
{
    if (args.Length == 0 || args[0] is "-h" or "--help" or "help")
    {
        Console.WriteLine("usage:");
        Console.WriteLine("  " + Generator.Usage);
        Console.WriteLine("  " + ZeekGenerator.Usage);
        Console.WriteLine("  " + Runner.Usage);
        return args.Length == 0 ? 2 : 0;
    }
    var rest = args.AsSpan(1).ToArray();
    return args[0] switch
    {
        "generate" => Generator.Run(Arguments.Parse(rest), Console.Out),
        "generate-zeek" => ZeekGenerator.Run(Arguments.Parse(rest), Console.Out),
        "run" => Runner.Run(Arguments.Parse(rest), Console.Out, Console.Error),
        "duckdb-worker" => DuckDbWorker.Run(Arguments.Parse(rest)),
        "measure" => ResourceUsage.Run(Arguments.Parse(rest)),
        _ => throw new UsageException($"unknown verb '{args[0]}'"),
    };
}
catch (UsageException e)
{
    Console.Error.WriteLine($"error: {e.Message}");
    return 2;
}
catch (Exception e) when (e is InvalidOperationException or IOException or UnauthorizedAccessException or InvalidDataException
    or DuckDB.NET.Data.DuckDBException or System.ComponentModel.Win32Exception)
{
    // A tool under test failed, a file is unreadable or DuckDB refused the input: say which, no stack trace.
    Console.Error.WriteLine($"error: {e.Message}");
    return 1;
}

namespace Cadence.Simulation;

/// <summary>
/// Writes a deterministic, labelled fleet: benign traffic of every kind the seed rule mistakes
/// for beaconing, C2 implants modelled on published framework defaults, and labels.csv saying
/// which channel is which, so a detector can be scored against it.
/// </summary>
/// <remarks>
/// Streaming: each channel generates its connections lazily in time order and a k-way merge
/// interleaves them, so memory holds one connection per channel plus the few inspection rows
/// waiting their turn, whatever the days. Files are written under temporary names and renamed at
/// the end, so a failed run leaves no half-written export behind.
/// </remarks>
public static class FleetSimulator
{
    /// <exception cref="ArgumentException">The options are invalid (see <see cref="SimulationOptions.Validate"/>).</exception>
    /// <exception cref="IOException">The output directory cannot be written.</exception>
    /// <exception cref="UnauthorizedAccessException">The output directory cannot be written.</exception>
    public static SimulationResult Run(SimulationOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var problems = options.Validate();
        if (problems.Count > 0)
            throw new ArgumentException(string.Join("; ", problems), nameof(options));

        var start = options.Start.Ticks;
        var end = options.End.Ticks;
        var plan = FleetPlan.Build(options.Seed, options.Devices, start, end);
        var streams = plan.Channels
            .Select(c => c.Generator.Generate(new ChannelContext(options.Seed, start, end, c.Device, SimulationRandom.For(options.Seed, c.Device.Index, c.Stream))))
            .ToList();

        var directory = Directory.CreateDirectory(options.OutputDirectory).FullName;
        var names = options.Format == SimulationFormat.Defender
            ? new[] { DefenderCsvWriter.FileName }
            : [ZeekTsvWriter.ConnFileName, ZeekTsvWriter.HttpFileName, ZeekTsvWriter.SslFileName];
        var temporary = names.Append(LabelBook.FileName).ToDictionary(n => n, n => Path.Combine(directory, $".{n}.{Environment.ProcessId}.tmp"));
        try
        {
            var labels = new LabelBook(options.Format);
            long connections = 0;
            IReadOnlyList<(string Name, long Rows)> counts;
            using (IFleetWriter writer = options.Format == SimulationFormat.Defender
                ? new DefenderCsvWriter(temporary[DefenderCsvWriter.FileName], options.Seed)
                : new ZeekTsvWriter(temporary[ZeekTsvWriter.ConnFileName], temporary[ZeekTsvWriter.HttpFileName], temporary[ZeekTsvWriter.SslFileName],
                    options.Seed, start, end))
            {
                foreach (var connection in TimeOrderedMerge.Merge(streams))
                {
                    writer.Write(connection);
                    labels.Record(connection);
                    connections++;
                }
                writer.Complete();
                counts = writer.Counts;
            }
            labels.Write(temporary[LabelBook.FileName]);

            var files = new List<SimulatedFile>();
            foreach (var (name, rows) in counts.Append((LabelBook.FileName, labels.Labels.Count)))
            {
                var path = Path.Combine(directory, name);
                File.Move(temporary[name], path, overwrite: true);
                files.Add(new SimulatedFile(path, rows, new FileInfo(path).Length));
            }
            return new SimulationResult(files, labels.Labels, connections);
        }
        finally
        {
            foreach (var path in temporary.Values)
            {
                try { File.Delete(path); } catch (IOException) { } catch (UnauthorizedAccessException) { }
            }
        }
    }
}

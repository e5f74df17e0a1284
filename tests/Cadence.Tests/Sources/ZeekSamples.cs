using System.Globalization;
using System.Reflection;
using System.Text;
using System.Text.Json;
using Cadence.Sources;
using Cadence.Sources.Internals;
using Cadence.Sources.Zeek;
using Cadence.Telemetry;

namespace Cadence.Tests.Sources;

/// <summary>Zeek records shared by the TSV and JSON tests, and the helpers that read and compare them.</summary>
internal static class ZeekSamples
{
    public const string ConnHeader =
        "#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n#unset_field\t-\n#path\tconn\n#open\t2023-01-05-18-51-06\n" +
        "#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\tservice\tduration\torig_bytes\tresp_bytes\tconn_state\tlocal_orig\tlocal_resp\tmissed_bytes\thistory\torig_pkts\torig_ip_bytes\tresp_pkts\tresp_ip_bytes\ttunnel_parents\n" +
        "#types\ttime\tstring\taddr\tport\taddr\tport\tenum\tstring\tinterval\tcount\tcount\tstring\tbool\tbool\tcount\tstring\tcount\tcount\tcount\tcount\tset[string]\n";

    // Verbatim from RITA's proxy test data (conn.log, line 9).
    public const string ConnLine =
        "1672843056.913119\tCXHB1X22027MRWU6D\t10.136.0.18\t55548\t10.136.0.16\t3128\ttcp\thttp,ssl\t0.084044\t1030\t20275\tSF\tT\tT\t0\tShADadFf\t18\t1974\t14\t21011\t-";

    // The same record as Zeek writes it with LogAscii::use_json=T: the interval as the shortest
    // text of its double (TSV rounds it to 0.084044), the set as an array, the unset field absent.
    public const string ConnJson =
        """{"ts":1672843056.913119,"uid":"CXHB1X22027MRWU6D","id.orig_h":"10.136.0.18","id.orig_p":55548,"id.resp_h":"10.136.0.16","id.resp_p":3128,"proto":"tcp","service":"http,ssl","duration":0.08404397964477539,"orig_bytes":1030,"resp_bytes":20275,"conn_state":"SF","local_orig":true,"local_resp":true,"missed_bytes":0,"history":"ShADadFf","orig_pkts":18,"orig_ip_bytes":1974,"resp_pkts":14,"resp_ip_bytes":21011}""";

    public const string HttpHeader =
        "#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n#unset_field\t-\n#path\thttp\n#open\t2023-01-05-18-51-06\n" +
        "#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\ttrans_depth\tmethod\thost\turi\treferrer\tversion\tuser_agent\torigin\trequest_body_len\tresponse_body_len\tstatus_code\tstatus_msg\tinfo_code\tinfo_msg\ttags\tusername\tpassword\tproxied\torig_fuids\torig_filenames\torig_mime_types\tresp_fuids\tresp_filenames\tresp_mime_types\n" +
        "#types\ttime\tstring\taddr\tport\taddr\tport\tcount\tstring\tstring\tstring\tstring\tstring\tstring\tstring\tcount\tcount\tcount\tstring\tcount\tstring\tset[enum]\tstring\tstring\tset[string]\tvector[string]\tvector[string]\tvector[string]\tvector[string]\tvector[string]\tvector[string]\n";

    // Verbatim from RITA's proxy test data (http.log, line 9).
    public const string HttpLine =
        "1672843056.914972\tCXHB1X22027MRWU6D\t10.136.0.18\t55548\t10.136.0.16\t3128\t1\tCONNECT\twww.google.com\twww.google.com:443\t-\t1.1\tModzilla/-2.0 (Atari 7800)\t-\t0\t0\t200\tConnection established\t-\t-\t(empty)\t-\t-\tPROXY-CONNECTION -> Keep-Alive\t-\t-\t-\t-\t-\t-";

    public const string HttpJson =
        """{"ts":1672843056.914972,"uid":"CXHB1X22027MRWU6D","id.orig_h":"10.136.0.18","id.orig_p":55548,"id.resp_h":"10.136.0.16","id.resp_p":3128,"trans_depth":1,"method":"CONNECT","host":"www.google.com","uri":"www.google.com:443","version":"1.1","user_agent":"Modzilla/-2.0 (Atari 7800)","request_body_len":0,"response_body_len":0,"status_code":200,"status_msg":"Connection established","tags":[],"proxied":["PROXY-CONNECTION -> Keep-Alive"]}""";

    public const string SslHeader =
        "#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n#unset_field\t-\n#path\tssl\n" +
        "#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tversion\tcipher\tserver_name\testablished\tja3\tja3s\n" +
        "#types\ttime\tstring\taddr\tport\taddr\tport\tstring\tstring\tstring\tbool\tstring\tstring\n";

    // Built from the curl session of the JA3 reference test data (../shared/data/ja3: addresses,
    // SNI, version, JA3); the uid, ts and cipher are made up.
    public const string SslLine =
        "1502484093.307968\tCsslcurl\t192.168.1.121\t54169\t172.217.6.78\t443\tTLSv12\tTLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256\tgoogle.com\tT\t2a26b1a62e40d25d4de3babc9d532f30\t-";

    /// <summary>
    /// A TSV record as Zeek's JSON writer gives it, from the #fields and #types of its header:
    /// numbers for time, interval, port and count; true/false for bool; arrays for sets and
    /// vectors; unset fields left out. An independent re-statement of the format, not Cadence's code.
    /// </summary>
    public static string ToJson(string header, string line, string? path = null)
    {
        string[] Directive(string name) => header.Split('\n').First(l => l.StartsWith(name + "\t", StringComparison.Ordinal)).Split('\t')[1..];
        var fields = Directive("#fields");
        var types = Directive("#types");
        var values = line.Split('\t');
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            if (path is not null)
                json.WriteString("_path", path);
            for (var i = 0; i < fields.Length; i++)
            {
                var value = values[i];
                if (value == "-")
                    continue;
                switch (types[i])
                {
                    case "time" or "interval" or "port" or "count" or "int" or "double":
                        json.WritePropertyName(fields[i]);
                        json.WriteRawValue(value);
                        break;
                    case "bool":
                        json.WriteBoolean(fields[i], value == "T");
                        break;
                    case var t when t.StartsWith("set[", StringComparison.Ordinal) || t.StartsWith("vector[", StringComparison.Ordinal):
                        json.WriteStartArray(fields[i]);
                        if (value != "(empty)")
                        {
                            foreach (var item in value.Split(','))
                                json.WriteStringValue(item);
                        }
                        json.WriteEndArray();
                        break;
                    default:
                        json.WriteString(fields[i], value == "(empty)" ? "" : value);
                        break;
                }
            }
            json.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    /// <summary>Every format Cadence reads, with Zeek's JSON lines among them whether or not the default list has it yet.</summary>
    public static IReadOnlyList<ITelemetryFormat> Formats { get; } =
        TelemetryReader.DefaultFormats.Any(f => f is ZeekJsonFormat)
            ? TelemetryReader.DefaultFormats
            : [.. TelemetryReader.DefaultFormats, new ZeekJsonFormat()];

    public static (List<NetworkEvent> Events, IngestLog Log) Read(params string[] paths) => Read(strict: false, paths);

    public static (List<NetworkEvent> Events, IngestLog Log) Read(bool strict, params string[] paths)
    {
        var log = new IngestLog(strict);
        using var pool = new StringPool();
        return (new TelemetryReader(new ReadContext(log, pool), Formats).Read(paths).ToList(), log);
    }

    /// <summary>Reads through the sink path, on <paramref name="threads"/> threads (ranges of plain files when above 1).</summary>
    public static (List<NetworkEvent> Events, IngestLog Log) ReadInto(int threads, params string[] paths)
    {
        var log = new IngestLog();
        using var pool = new StringPool();
        var sink = new CollectingSink();
        new TelemetryReader(new ReadContext(log, pool) { DegreeOfParallelism = threads }, Formats).ReadInto(paths, sink);
        return ([.. sink.Events], log);
    }

    /// <summary>Asserts two events are equal field by field (naming the field that differs), provenance aside.</summary>
    public static void AssertSameEvent(NetworkEvent expected, NetworkEvent actual)
    {
        foreach (var property in typeof(NetworkEvent).GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (property.Name is nameof(NetworkEvent.Provenance))
                continue;
            var want = property.GetValue(expected);
            var got = property.GetValue(actual);
            Assert.True(Equals(want, got), string.Create(CultureInfo.InvariantCulture, $"{property.Name}: expected '{want}', got '{got}'"));
        }
    }

    private sealed class CollectingSink : IEventSink
    {
        private readonly List<NetworkEvent> _events = [];

        public IReadOnlyList<NetworkEvent> Events => _events;

        public void Accept(in NetworkEvent e)
        {
            lock (_events)
                _events.Add(e);
        }
    }
}

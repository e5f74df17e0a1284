using System.Xml;

namespace Cadence.Sources.Sysmon;

/// <summary>
/// The parts of one event XML <c>Event</c> element that Cadence reads: the provider, the event
/// id, the computer and the named EventData values. Everything else (RenderingInfo, Security,
/// Execution, unnamed Data) is skipped unread.
/// </summary>
/// <remarks>
/// Elements are matched by local name: Windows writes them in the events namespace, Sysmon for
/// Linux in none, and both must map alike. Read straight off the XmlReader rather than through
/// an XElement: no tree is built for the dozen values kept. One instance per input, cleared by
/// every read.
/// </remarks>
internal sealed class SysmonRecord
{
    private readonly Dictionary<string, string> _data = new(StringComparer.Ordinal);

    /// <summary>System/Provider's Name attribute (Microsoft-Windows-Sysmon, Linux-Sysmon).</summary>
    public string? Provider { get; private set; }

    public string? EventId { get; private set; }

    public string? Computer { get; private set; }

    /// <summary>The EventData value of that name, as written; null when the event has none.</summary>
    public string? Data(string name) => _data.GetValueOrDefault(name);

    /// <summary>Reads the Event element the reader is on and leaves the reader on the node after its end tag.</summary>
    /// <exception cref="XmlException">Malformed XML, or the input ends inside the event.</exception>
    public void ReadEvent(XmlReader reader)
    {
        Provider = EventId = Computer = null;
        _data.Clear();
        ReadChildren(reader, Level.Event);
    }

    private enum Level
    {
        Event,
        System,
        EventData,
    }

    private void ReadChildren(XmlReader reader, Level level)
    {
        if (reader.IsEmptyElement)
        {
            reader.Read();
            return;
        }
        var depth = reader.Depth;
        reader.Read();
        while (reader.Depth > depth)
        {
            if (reader.ReadState != ReadState.Interactive)
                throw new XmlException("the input ends inside an event");
            if (reader.NodeType == XmlNodeType.Element)
                ReadChild(reader, level);
            else
                reader.Read();
        }
        if (reader.ReadState != ReadState.Interactive)
            throw new XmlException("the input ends inside an event");
        reader.Read();
    }

    private void ReadChild(XmlReader reader, Level level)
    {
        switch (level, reader.LocalName)
        {
            case (Level.Event, "System"):
                ReadChildren(reader, Level.System);
                break;
            case (Level.Event, "EventData"):
                ReadChildren(reader, Level.EventData);
                break;
            case (Level.System, "Provider"):
                Provider = reader.GetAttribute("Name");
                reader.Skip();
                break;
            case (Level.System, "EventID"):
                EventId = reader.ReadElementContentAsString();
                break;
            case (Level.System, "Computer"):
                Computer = reader.ReadElementContentAsString();
                break;
            case (Level.EventData, "Data"):
                var name = reader.GetAttribute("Name");
                var value = reader.ReadElementContentAsString();
                // A name given twice is not something Sysmon writes; the first one stands.
                if (name is not null)
                    _data.TryAdd(name, value);
                break;
            default:
                reader.Skip();
                break;
        }
    }
}

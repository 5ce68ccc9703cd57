namespace TopOfHeart.Contracts.Events;

/// <summary>Where the customer met the company.</summary>
public enum Channel : byte
{
    Unknown = 0,
    Phone,
    Email,
    Chat,
    Web,
    Store,
    App,
    Social,
    Other,
}

public static class ChannelNames
{
    public static readonly IReadOnlyList<string> All = ["phone", "email", "chat", "web", "store", "app", "social", "other"];

    public static string ToWire(this Channel channel) =>
        channel == Channel.Unknown ? "unknown" : All[(int)channel - 1];

    public static bool TryParse(ReadOnlySpan<char> wire, out Channel channel)
    {
        for (var i = 0; i < All.Count; i++)
        {
            if (wire.SequenceEqual(All[i]))
            {
                channel = (Channel)(i + 1);
                return true;
            }
        }

        channel = Channel.Unknown;
        return false;
    }
}

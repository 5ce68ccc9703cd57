namespace TopOfHeart.Grains.Relay;

/// <summary>Time spans the way an operations floor says them: "2 min", "45 s", "1 h 30 min".</summary>
public static class Durations
{
    public static string Humanize(TimeSpan span)
    {
        if (span < TimeSpan.FromMinutes(1)) return $"{Math.Max(0, (int)Math.Round(span.TotalSeconds))} s";
        if (span < TimeSpan.FromHours(1))
        {
            var seconds = span.Seconds;
            return seconds == 0 ? $"{(int)span.TotalMinutes} min" : $"{(int)span.TotalMinutes} min {seconds} s";
        }

        var minutes = span.Minutes;
        return minutes == 0 ? $"{(int)span.TotalHours} h" : $"{(int)span.TotalHours} h {minutes} min";
    }
}

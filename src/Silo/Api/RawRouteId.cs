using Microsoft.AspNetCore.Http.Features;

namespace TopOfHeart.Silo.Api;

/// <summary>
/// Ids are opaque (a touchpoint is "store-12/counter-3"): read them from the raw request target and
/// decode once, so an encoded slash (%2F) and a plain one both work.
/// </summary>
internal static class RawRouteId
{
    public static string? After(HttpContext http, string prefix)
    {
        var raw = http.Features.Get<IHttpRequestFeature>()?.RawTarget ?? http.Request.Path.Value ?? "";
        var query = raw.IndexOf('?');
        if (query >= 0) raw = raw[..query];
        var at = raw.IndexOf(prefix, StringComparison.OrdinalIgnoreCase);
        if (at < 0) return null;
        var encoded = raw[(at + prefix.Length)..];
        if (encoded.Length == 0) return null;
        try
        {
            return Uri.UnescapeDataString(encoded);
        }
        catch (UriFormatException)
        {
            return null;
        }
    }
}

using System.Globalization;
using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;
using TopOfHeart.Contracts.Access;

namespace TopOfHeart.LiveBoard.Security;

/// <summary>
/// The <c>ApiKey</c> scheme: a <c>TopOfHeart:Auth:Keys</c> key from the <c>X-Api-Key</c> header, the
/// <c>access_token</c> query (SignalR's WebSocket and server-sent-events requests) or <c>Authorization: Bearer</c>
/// (what SignalR's <c>accessTokenFactory</c> sends on negotiate). The principal carries the role, the department and
/// the key's position in the list, never the key itself.
/// </summary>
public sealed class ApiKeyAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder, KeyRing keys, KeyIds ids)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "ApiKey";
    public const string Header = "X-Api-Key";
    public const string QueryParameter = "access_token";

    /// <summary>May open the board: viewers and supervisors (an ingest key is authenticated, then refused: 403).</summary>
    public const string BoardPolicy = "board";

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (keys.IsOpen) return Task.FromResult(AuthenticateResult.NoResult());
        var presented = Presented(Request);
        if (presented is null) return Task.FromResult(AuthenticateResult.NoResult());

        var key = keys.Find(presented);
        if (key is null) return Task.FromResult(AuthenticateResult.Fail("Unknown key."));

        var claims = new List<Claim>
        {
            new(ClaimTypes.Name, key.ToString()),
            new(ClaimTypes.Role, BoardCaller.RoleName(key.Role)),
            new(BoardCaller.KeyIdClaim, ids.Of(key)),
        };
        if (key.Department is not null) claims.Add(new Claim(BoardCaller.DepartmentClaim, key.Department));
        var principal = new ClaimsPrincipal(new ClaimsIdentity(claims, SchemeName));
        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(principal, SchemeName)));
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        Response.StatusCode = StatusCodes.Status401Unauthorized;
        Response.Headers.WWWAuthenticate = $"ApiKey header=\"{Header}\"";
        return Response.WriteAsync("missing or unknown key: send a TopOfHeart:Auth:Keys key (X-Api-Key header, or access_token for the hub).");
    }

    protected override Task HandleForbiddenAsync(AuthenticationProperties properties)
    {
        Response.StatusCode = StatusCodes.Status403Forbidden;
        return Response.WriteAsync("forbidden: this key may not open the board (an ingest key may only post events).");
    }

    private static string? Presented(HttpRequest request)
    {
        var header = request.Headers[Header].ToString();
        if (!string.IsNullOrEmpty(header)) return header;

        var authorization = request.Headers.Authorization.ToString();
        if (authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)) return authorization["Bearer ".Length..].Trim();

        var query = request.Query[QueryParameter].ToString();
        return string.IsNullOrEmpty(query) ? null : query;
    }
}

/// <summary>A stable name for each configured key ("key#2", its position in the list) to count its connections by.</summary>
public sealed class KeyIds(IReadOnlyList<AccessKey> keys)
{
    private readonly Dictionary<AccessKey, string> _ids = keys
        .Select((key, index) => (key, id: "key#" + index.ToString(CultureInfo.InvariantCulture)))
        .ToDictionary<(AccessKey Key, string Id), AccessKey, string>(p => p.Key, p => p.Id, ReferenceEqualityComparer.Instance);

    public string Of(AccessKey key) => _ids.TryGetValue(key, out var id) ? id : "key#?";
}

/// <summary>Who is on a hub connection or request, from its principal; <see cref="Open"/> when no keys are configured.</summary>
public sealed record BoardCaller(AccessRole? Role, string? Department, string? KeyId)
{
    public const string DepartmentClaim = "topofheart:department";
    public const string KeyIdClaim = "topofheart:key";

    public static readonly BoardCaller Open = new(null, null, null);

    /// <summary>Refused before it reaches a hub method, but a method must never treat it as open.</summary>
    public static readonly BoardCaller Nobody = new(AccessRole.Ingest, null, null);

    public static BoardCaller Of(ClaimsPrincipal? user, bool keysConfigured)
    {
        if (!keysConfigured) return Open;
        if (user?.Identity is not { IsAuthenticated: true }) return Nobody;
        var role = user.FindFirst(ClaimTypes.Role)?.Value;
        if (!Enum.TryParse<AccessRole>(role, ignoreCase: true, out var parsed)) return Nobody;
        return new BoardCaller(parsed, user.FindFirst(DepartmentClaim)?.Value, user.FindFirst(KeyIdClaim)?.Value);
    }

    public static string RoleName(AccessRole role) => role.ToString().ToLowerInvariant();

    public bool MayRead => Role is null or AccessRole.Viewer or AccessRole.Supervisor;

    public bool MayAct => Role is null or AccessRole.Supervisor;

    /// <summary>The one department a department supervisor is limited to; null for everyone else.</summary>
    public string? Scope => Role == AccessRole.Supervisor ? Department : null;

    public bool Covers(string? department) => Scope is null || string.Equals(Scope, department, StringComparison.Ordinal);
}

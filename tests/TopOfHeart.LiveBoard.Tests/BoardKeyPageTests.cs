using TopOfHeart.LiveBoard.Tests.Support;

namespace TopOfHeart.LiveBoard.Tests;

/// <summary>The page behind <c>TopOfHeart:Auth:Keys</c> in a real browser: it asks for a key, then shows the board.</summary>
[Collection(KeyedClusterCollection.Name)]
public sealed class BoardKeyPageTests(KeyedClusterFixture keyed, ITestOutputHelper output)
{
    [BrowserFact]
    public async Task With_keys_the_page_asks_for_one_refuses_wrong_ones_and_then_shows_the_board()
    {
        Assert.True(File.Exists(BrowserFactAttribute.Chromium),
            $"{BrowserFactAttribute.Chromium} is missing; install Debian's browser with: apt-get install -y chromium");
        await FloorScene.PlayAsync(keyed.Silo);
        var screenshot = Paths.Artifacts("screenshots", "liveboard-key.png");

        var (exit, log) = await BoardPageTests.RunNodeAsync(Path.Combine(Paths.TestProject, "board.key.browser.mjs"),
            "--board", keyed.Board.BaseAddress.ToString(), "--viewer", keyed.Viewer, "--ingest", keyed.Ingest, "--screenshot", screenshot);
        output.WriteLine(log);
        Assert.True(exit == 0, $"the browser script failed (exit {exit}):\n{log}");
        Assert.True(File.Exists(screenshot));
    }
}

using TopOfHeart.LiveBoard;

var (app, problems) = LiveBoardApp.Create(args);
if (app is null)
{
    foreach (var problem in problems) Console.Error.WriteLine($"Top of Heart LiveBoard cannot start: {problem}");
    return 2;
}

try
{
    await app.RunAsync();
    return 0;
}
catch (Exception ex) when (ex is not OutOfMemoryException)
{
    Console.Error.WriteLine($"Top of Heart LiveBoard stopped: {ex.GetBaseException().Message}");
    return 1;
}

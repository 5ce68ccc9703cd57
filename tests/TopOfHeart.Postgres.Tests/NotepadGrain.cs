using Orleans.Runtime;

namespace TopOfHeart.Postgres.Tests;

/// <summary>A test grain with persistent state and reminders, to drive the ADO.NET providers.</summary>
[Alias("TopOfHeart.Postgres.Tests.INotepadGrain")]
public interface INotepadGrain : IGrainWithStringKey
{
    [Alias("Append")]
    Task Append(string line);

    [Alias("Read")]
    Task<NotepadView> Read();

    [Alias("Deactivate")]
    Task Deactivate();

    [Alias("Remind")]
    Task Remind(string reminderName);

    [Alias("Reminders")]
    Task<string[]> Reminders();

    [Alias("Forget")]
    Task Forget(string reminderName);
}

/// <summary>The notepad's lines and the id of the activation that answered.</summary>
[GenerateSerializer, Alias("TopOfHeart.Postgres.Tests.NotepadView")]
public sealed record NotepadView([property: Id(0)] string[] Lines, [property: Id(1)] Guid Activation);

[GenerateSerializer, Alias("TopOfHeart.Postgres.Tests.NotepadState")]
public sealed class NotepadState
{
    [Id(0)]
    public List<string> Lines { get; set; } = [];
}

public sealed class NotepadGrain(
    [PersistentState("notepad", OrleansOnPostgresTests.StorageName)] IPersistentState<NotepadState> notepad)
    : Grain, INotepadGrain, IRemindable
{
    private readonly Guid activation = Guid.NewGuid();

    public async Task Append(string line)
    {
        notepad.State.Lines.Add(line);
        await notepad.WriteStateAsync();
    }

    public Task<NotepadView> Read() => Task.FromResult(new NotepadView([.. notepad.State.Lines], activation));

    public Task Deactivate()
    {
        DeactivateOnIdle();
        return Task.CompletedTask;
    }

    public Task Remind(string reminderName) =>
        this.RegisterOrUpdateReminder(reminderName, TimeSpan.FromMinutes(10), TimeSpan.FromMinutes(10));

    public async Task<string[]> Reminders() =>
        [.. (await this.GetReminders()).Select(reminder => reminder.ReminderName).Order()];

    public async Task Forget(string reminderName)
    {
        var reminder = await this.GetReminder(reminderName) ?? throw new InvalidOperationException($"no reminder {reminderName}");
        await this.UnregisterReminder(reminder);
    }

    public Task ReceiveReminder(string reminderName, TickStatus status) => Task.CompletedTask;
}

using TopOfHeart.Testing;

namespace TopOfHeart.LiveBoard.Tests.Support;

/// <summary>
/// A believable morning on the floor for the wall board test and its screenshot: batons passed between six
/// departments, most picked up, a few refused, dropped or chased, with moods and feedback. Seeded: the same every run.
/// </summary>
internal static class FloorScene
{
    public static readonly string[] Departments = ["Sales", "Billing", "Support", "Logistics", "Tech", "Retention"];

    private static readonly Dictionary<string, string[]> Staff = new()
    {
        ["Sales"] = ["ana.silva", "ben.okafor", "chloe.martin"],
        ["Billing"] = ["dev.patel", "emma.novak", "farid.haddad"],
        ["Support"] = ["grace.kim", "hugo.laurent", "ines.costa"],
        ["Logistics"] = ["jonas.berg", "kira.sato"],
        ["Tech"] = ["liam.walsh", "maya.cohen", "nils.eriksen"],
        ["Retention"] = ["olivia.brown", "pedro.alves"],
    };

    private static readonly (string From, string To, int Weight)[] Routes =
    [
        ("Sales", "Billing", 9), ("Sales", "Support", 3), ("Support", "Tech", 8), ("Support", "Billing", 4),
        ("Billing", "Support", 3), ("Tech", "Support", 3), ("Sales", "Logistics", 5), ("Logistics", "Support", 3),
        ("Support", "Retention", 4), ("Billing", "Retention", 2), ("Retention", "Billing", 2), ("Tech", "Logistics", 1),
    ];

    private static readonly string[] Channels = ["phone", "chat", "store", "web", "app", "email"];

    public static async Task PlayAsync(LoopbackSilo silo)
    {
        var random = new Random(20261123);
        var now = DateTimeOffset.UtcNow;
        var events = new List<object>();
        for (var i = 0; i < 70; i++)
        {
            var (from, to) = Pick(random);
            var caseId = $"case-{4100 + i}";
            var customer = $"cust-{random.Next(10_000, 99_999)}";
            var channel = Channels[random.Next(Channels.Length)];
            var t = now.AddSeconds(-random.Next(240, 900));
            var sender = Member(random, from);
            var receiver = Member(random, to);
            var mood = Math.Round(random.NextDouble() * 1.0 - 0.6, 2);
            events.Add(Ev.Of("case.opened", caseId, customer, from, t, employeeId: sender, sentiment: mood, channel: channel,
                touchpointId: $"{channel}/{from.ToLowerInvariant()}-desk"));
            events.Add(Ev.Of("handoff.requested", caseId, customer, from, t.AddSeconds(20), toDepartment: to, employeeId: sender));

            var fate = random.NextDouble();
            if (i < 3)
            {
                continue; // requested minutes ago, never picked up: a dropped baton
            }

            if (fate < 0.08)
            {
                events.Add(Ev.Of("handoff.rejected", caseId, customer, to, t.AddSeconds(60), employeeId: receiver, reason: "not our queue"));
                continue;
            }

            var accepted = t.AddSeconds(20 + random.Next(8, 110));
            events.Add(Ev.Of("handoff.accepted", caseId, customer, to, accepted, employeeId: receiver));
            var after = Math.Clamp(Math.Round(mood + random.NextDouble() * 1.1 - 0.25, 2), -1, 1);
            events.Add(Ev.Of("interaction", caseId, customer, to, accepted.AddSeconds(30), employeeId: receiver, sentiment: after,
                customerRepeatedInfo: i % 23 == 5 ? true : null));
            events.Add(Ev.Of("feedback", caseId, customer, to, accepted.AddSeconds(60), employeeId: receiver,
                score: Math.Clamp(Math.Round(5 + after * 5 + random.NextDouble() * 2), 0, 10)));
            if (fate < 0.7) events.Add(Ev.Of("case.resolved", caseId, customer, to, accepted.AddSeconds(90), employeeId: receiver));
        }

        // Customers chasing batons still in flight: the critical ones.
        foreach (var (from, to, n) in new[] { ("Support", "Tech", 1), ("Sales", "Billing", 2) })
        {
            var caseId = $"case-{4300 + n}";
            var customer = $"cust-{random.Next(10_000, 99_999)}";
            events.Add(Ev.Of("handoff.requested", caseId, customer, from, now.AddSeconds(-40 - n * 15), toDepartment: to, employeeId: Member(random, from)));
            events.Add(Ev.Of("customer.contact", caseId, customer, from, now.AddSeconds(-10 - n * 5), channel: "phone"));
        }

        // A ping-pong: the case goes back to a department that already had it.
        events.Add(Ev.Of("handoff.requested", "case-4400", "cust-51515", "Billing", now.AddSeconds(-200), toDepartment: "Support", employeeId: "dev.patel"));
        events.Add(Ev.Of("handoff.accepted", "case-4400", "cust-51515", "Support", now.AddSeconds(-150), employeeId: "grace.kim"));
        events.Add(Ev.Of("handoff.requested", "case-4400", "cust-51515", "Support", now.AddSeconds(-100), toDepartment: "Billing", employeeId: "grace.kim"));
        events.Add(Ev.Of("handoff.accepted", "case-4400", "cust-51515", "Billing", now.AddSeconds(-70), employeeId: "emma.novak"));

        await ClusterFixture.PostAsync(silo, [.. events]);
    }

    /// <summary>Everyday traffic while the browser watches, so the events-per-second chart moves.</summary>
    public static object[] Chatter(Random random, int count)
    {
        var now = DateTimeOffset.UtcNow;
        return Enumerable.Range(0, count).Select(_ =>
        {
            var department = Departments[random.Next(Departments.Length)];
            return (object)Ev.Of("interaction", null, $"cust-{random.Next(10_000, 99_999)}", department, now,
                employeeId: Member(random, department), sentiment: Math.Round(random.NextDouble() * 1.4 - 0.4, 2));
        }).ToArray();
    }

    private static (string From, string To) Pick(Random random)
    {
        var total = Routes.Sum(r => r.Weight);
        var roll = random.Next(total);
        foreach (var (from, to, weight) in Routes)
        {
            if (roll < weight) return (from, to);
            roll -= weight;
        }

        return (Routes[0].From, Routes[0].To);
    }

    private static string Member(Random random, string department) => Staff[department][random.Next(Staff[department].Length)];
}

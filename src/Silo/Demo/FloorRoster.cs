using TopOfHeart.Contracts.Events;

namespace TopOfHeart.Silo.Demo;

/// <summary>How an employee tends to leave a customer: the demo's reason recognition means something.</summary>
public enum Flair
{
    /// <summary>Customers leave happier than they came in.</summary>
    Delights,
    Steady,
    Struggles,
}

public sealed record Employee(string Id, string Name, Flair Flair);

public sealed record Touchpoint(string Id, Channel Channel);

public sealed record Department(string Name, IReadOnlyList<Employee> Employees, IReadOnlyList<Touchpoint> Touchpoints);

/// <summary>One leg a case usually travels: the owner passes it on with this reason.</summary>
public sealed record RouteLeg(Department To, string Reason);

/// <summary>A kind of customer request and the departments it usually visits, first owner first.</summary>
public sealed record Route(string Request, Department Opener, IReadOnlyList<RouteLeg> Legs);

/// <summary>The company floor the demo plays: departments, their people and touchpoints, and usual routes.</summary>
public sealed class FloorRoster
{
    public static readonly FloorRoster Default = new();

    private FloorRoster()
    {
        Sales = new Department("Sales",
        [
            new("sales-lucia", "Lucía", Flair.Delights),
            new("sales-marco", "Marco", Flair.Steady),
            new("sales-ines", "Inés", Flair.Steady),
            new("sales-pablo", "Pablo", Flair.Struggles),
        ],
        [
            new("store-12/counter-3", Channel.Store),
            new("store-12/counter-5", Channel.Store),
            new("web/shop", Channel.Web),
        ]);
        Billing = new Department("Billing",
        [
            new("billing-ana", "Ana", Flair.Delights),
            new("billing-jorge", "Jorge", Flair.Steady),
            new("billing-raul", "Raúl", Flair.Struggles),
        ],
        [
            new("phone/billing-queue", Channel.Phone),
            new("email/billing", Channel.Email),
        ]);
        Support = new Department("Support",
        [
            new("support-carmen", "Carmen", Flair.Delights),
            new("support-david", "David", Flair.Steady),
            new("support-elena", "Elena", Flair.Steady),
            new("support-oscar", "Óscar", Flair.Struggles),
            new("support-sara", "Sara", Flair.Steady),
        ],
        [
            new("web/chat", Channel.Chat),
            new("phone/support-queue", Channel.Phone),
            new("email/support", Channel.Email),
        ]);
        Logistics = new Department("Logistics",
        [
            new("logistics-nuria", "Nuria", Flair.Delights),
            new("logistics-tomas", "Tomás", Flair.Steady),
            new("logistics-ivan", "Iván", Flair.Struggles),
        ],
        [
            new("app/home", Channel.App),
            new("phone/logistics-desk", Channel.Phone),
        ]);
        Retention = new Department("Retention",
        [
            new("retention-beatriz", "Beatriz", Flair.Delights),
            new("retention-hugo", "Hugo", Flair.Steady),
            new("retention-clara", "Clara", Flair.Steady),
        ],
        [
            new("phone/retention", Channel.Phone),
            new("email/retention", Channel.Email),
        ]);
        Departments = [Sales, Billing, Support, Logistics, Retention];

        Routes =
        [
            new("password reset", Support, []),
            new("payment date question", Billing, []),
            new("new contract", Sales, [new(Billing, "set up direct debit for the new contract")]),
            new("broken device", Support, [new(Logistics, "ship a replacement device")]),
            new("invoice dispute", Support, [new(Billing, "invoice needs a correction")]),
            new("wants to cancel", Support, [new(Retention, "customer asks to cancel")]),
            new("late delivery", Logistics, [new(Billing, "refund the delivery fee")]),
            new("upgrade", Sales, [new(Logistics, "deliver the new device")]),
            new("retention offer", Retention, [new(Billing, "apply the loyalty discount")]),
            new("new contract with device", Sales,
            [
                new(Billing, "set up direct debit for the new contract"),
                new(Logistics, "ship the device once billing is set"),
            ]),
            new("damaged parcel", Logistics,
            [
                new(Support, "customer reports the parcel arrived damaged"),
                new(Billing, "credit note for the damaged item"),
            ]),
        ];
    }

    public Department Sales { get; }
    public Department Billing { get; }
    public Department Support { get; }
    public Department Logistics { get; }
    public Department Retention { get; }

    public IReadOnlyList<Department> Departments { get; }

    public IReadOnlyList<Route> Routes { get; }
}

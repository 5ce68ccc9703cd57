namespace TopOfHeart.Durability.Tests;

/// <summary>
/// One PostgreSQL server for every test here (each test its own database), and one test at a time
/// (xunit runs the tests of a collection one after another): the silo processes of two tests would
/// only fight over the machine's two cores.
/// </summary>
[CollectionDefinition(Name)]
public sealed class DurabilityCollection : ICollectionFixture<PostgresServer>
{
    public const string Name = "Durability on PostgreSQL";
}

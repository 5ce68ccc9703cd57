namespace TopOfHeart.Postgres.Tests;

/// <summary>The tests that share one real PostgreSQL server (each test still gets its own database).</summary>
[CollectionDefinition(Name)]
public sealed class PostgresCollection : ICollectionFixture<PostgresServer>
{
    public const string Name = "PostgreSQL server";
}

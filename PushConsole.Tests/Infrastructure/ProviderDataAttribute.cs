using System.Reflection;
using PushConsole.Persistence;
using Xunit.Sdk;

namespace PushConsole.Tests.Infrastructure;

/// <summary>
/// A theory row that runs the test on a database provider (first argument), followed by any further arguments.
/// When the provider has no server here (<see cref="TestDatabases.SkipReason"/>), the row is reported as skipped
/// with that reason, so the same test code runs on every provider where one exists.
/// </summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = true)]
public sealed class ProviderDataAttribute : DataAttribute
{
    private readonly object[] row;

    public ProviderDataAttribute(DatabaseProvider provider, params object[] more)
    {
        row = [provider, .. more];
        Skip = TestDatabases.SkipReason(provider);
    }

    public override IEnumerable<object[]> GetData(MethodInfo testMethod) => [row];
}

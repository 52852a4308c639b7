using Xunit.Abstractions;

[assembly: TestCollectionOrderer("PushConsole.Tests.Infrastructure.LongestFirstOrderer", "PushConsole.Tests")]

namespace PushConsole.Tests.Infrastructure;

/// <summary>
/// Starts the longest test collections first. The suite runs two collections at a time (xunit.runner.json), each new one
/// when a lane frees up; xunit's default order is a hash of the collection's id, so the Browser collection (seven classes
/// one after another, about four minutes) could start late and run alone at the end while the other lane idles. Longest
/// first leaves the many short classes to fill both lanes at the end. The list is the slowest collections of a quiet
/// run's .artifacts/test-results/dotnet.trx, longest first; collections not named follow it in name order.
/// Except at the very start: the Browser collection comes after a few short classes that warm the in-process console
/// (every page rendered with bUnit, hosts started and asked over HTTP), while the first cluster class starts its
/// processes. Started first, its first test was the process's first page render, cold, beside the cluster's start-up,
/// and its sign-in click timed out (15 s) in a run on a loaded machine.
/// </summary>
public sealed class LongestFirstOrderer : ITestCollectionOrderer
{
    private static readonly string[] Longest =
    [
        "Cluster.ClusterBroadcastTests",
        "ShellTests.ChineseSweepTests",
        "UserTests.UsersAndTokensPageTests",
        "AccountTests.AccountApiTests",
        BrowserCollection.Name,
        "Cluster.ClusterDatabaseRestartTests",
        "Channels.BroadcastKillTests",
        "Channels.BroadcastTests",
        "Cluster.ClusterKillTests",
        "Channels.ChannelConsoleTests",
        "Cluster.ClusterStartTests",
        "Ledger.OneWritePathTests",
        "Messages.MessageLaneTests",
        "Templates.TemplateApiTests",
        "Campaigns.RunControlTests",
        "Messages.MessageApiTests",
        "Campaigns.CampaignApiTests",
        "Foundation.ApiTokenTests",
        "Foundation.StartupTests",
        "Messages.MessageIdempotencyTests",
        "Cluster.ClusterCampaignTests",
        "Messages.MessagePriorityTests",
    ];

    public IEnumerable<ITestCollection> OrderTestCollections(IEnumerable<ITestCollection> testCollections) =>
        testCollections.OrderBy(Rank).ThenBy(c => c.DisplayName, StringComparer.Ordinal);

    // A class without [Collection] is a collection of its own, named "Test collection for <full class name>".
    private static int Rank(ITestCollection collection)
    {
        var index = Array.FindIndex(Longest, name => collection.DisplayName == name
            || collection.DisplayName.EndsWith($"PushConsole.Tests.{name}", StringComparison.Ordinal));
        return index < 0 ? Longest.Length : index;
    }
}

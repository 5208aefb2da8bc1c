using Partner.Tests.Browser;
using Partner.Tests.Production;
using Xunit.Abstractions;

[assembly: TestCollectionOrderer("Partner.Tests.Infrastructure.LongCollectionsFirst", "Partner.Tests")]

namespace Partner.Tests.Infrastructure;

/// <summary>
/// Starts the collections whose classes run one after another for minutes first, so the short ones fill the other
/// thread around them instead of the long ones running alone at the end (two threads here: the longest-first rule).
/// </summary>
public sealed class LongCollectionsFirst : ITestCollectionOrderer
{
    private static readonly string[] Longest =
    [
        ProductionFaultsCollection.Name,
        ProductionCollection.Name,
        BrowserCollection.Name,
    ];

    public IEnumerable<ITestCollection> OrderTestCollections(IEnumerable<ITestCollection> testCollections) =>
        testCollections
            .OrderBy(collection => Rank(collection.DisplayName))
            .ThenBy(collection => collection.UniqueID);

    private static int Rank(string name)
    {
        var rank = Array.IndexOf(Longest, name);
        return rank < 0 ? Longest.Length : rank;
    }
}

using ArchUnitNET.Domain;
using ArchUnitNET.Loader;
using ArchUnitNET.xUnitV3;
using static ArchUnitNET.Fluent.ArchRuleDefinition;
using static ArchUnitNET.Fluent.Slices.SliceRuleDefinition;

namespace NasDash.Tests.Architecture;

/// <summary>
/// The layout reads like the design (README, "How it is built"): namespaces follow folders (IDE0130); the security core
/// knows no page, store engine or host; sessions know no page; no two folders depend on each other.
/// </summary>
public sealed class FolderDependencyTests
{
    private static readonly ArchUnitNET.Domain.Architecture NasDash = new ArchLoader().LoadAssemblies(typeof(Program).Assembly).Build();

    [Fact]
    public void Folders_FormNoCycle() =>
        Slices().Matching("NasDash.(**)").Should().BeFreeOfCycles().Check(NasDash);

    [Fact]
    public void Features_FormNoCycle() =>
        Slices().Matching("NasDash.Features.(*)..").Should().BeFreeOfCycles().Check(NasDash);

    [Fact]
    public void SecurityFolders_FormNoCycle() =>
        Slices().Matching("NasDash.Security.(*)..").Should().BeFreeOfCycles().Check(NasDash);

    [Fact]
    public void Security_KnowsNoPageStoreEngineOrHost() =>
        Types().That().ResideInNamespaceMatching(@"^NasDash\.Security(\..*)?$").Should()
            .NotDependOnAnyTypesThat().ResideInNamespaceMatching(@"^NasDash\.(Features|Components|Hosting|Storage|Fleet|Sessions)(\..*)?$").Check(NasDash);

    /// <summary>The shared building blocks; the layout and the routes compose features, and the cycle rule keeps that one-way.</summary>
    [Fact]
    public void SharedComponents_UseNoFeature() =>
        Types().That().ResideInNamespaceMatching(@"^NasDash\.Components\.Shared$").Should()
            .NotDependOnAnyTypesThat().ResideInNamespaceMatching(@"^NasDash\.Features(\..*)?$").Check(NasDash);

    [Fact]
    public void Sessions_UseNoFeatureOrComponent() =>
        Types().That().ResideInNamespaceMatching(@"^NasDash\.Sessions(\..*)?$").Should()
            .NotDependOnAnyTypesThat().ResideInNamespaceMatching(@"^NasDash\.(Features|Components)(\..*)?$").Check(NasDash);

    [Fact]
    public void Storage_UsesNoFeatureComponentOrSession() =>
        Types().That().ResideInNamespaceMatching(@"^NasDash\.Storage(\..*)?$").Should()
            .NotDependOnAnyTypesThat().ResideInNamespaceMatching(@"^NasDash\.(Features|Components|Sessions)(\..*)?$").Check(NasDash);

    /// <summary>The fleet is a store engine like LiteDB: it knows the core's records, never a page or a session.</summary>
    [Fact]
    public void Fleet_UsesNoFeatureComponentOrSession() =>
        Types().That().ResideInNamespaceMatching(@"^NasDash\.Fleet(\..*)?$").Should()
            .NotDependOnAnyTypesThat().ResideInNamespaceMatching(@"^NasDash\.(Features|Components|Sessions)(\..*)?$").Check(NasDash);
}

using System.Xml.Linq;

namespace AbmSync.Integration.Tests.Metadata;

/// <summary>One <c>*.field-meta.xml</c> of connectors/salesforce-metadata, parsed.</summary>
public sealed record FieldFile(string Object, string Path, XElement Root)
{
    public string FullName => Value("fullName") ?? "";
    public string Type => Value("type") ?? "";

    /// <summary>The text of a direct child element, or null when the element is absent.</summary>
    public string? Value(string element) => Root.Element(MetadataSource.Ns + element)?.Value;

    public int? Int(string element) => Value(element) is { } v ? int.Parse(v, System.Globalization.CultureInfo.InvariantCulture) : null;

    /// <summary>A boolean element; the Metadata API treats an absent one as false.</summary>
    public bool Flag(string element) => Value(element) is { } v && bool.Parse(v);

    public IReadOnlyList<XElement> PicklistValues =>
        [.. Root.Element(MetadataSource.Ns + "valueSet")?.Element(MetadataSource.Ns + "valueSetDefinition")?.Elements(MetadataSource.Ns + "value") ?? []];

    public bool RestrictedPicklist => Root.Element(MetadataSource.Ns + "valueSet")?.Element(MetadataSource.Ns + "restricted")?.Value == "true";

    public override string ToString() => $"{Object}.{FullName}";
}

/// <summary>Reads the SFDX source tree of connectors/salesforce-metadata as the tests need it.</summary>
public static class MetadataSource
{
    public static readonly XNamespace Ns = "http://soap.sforce.com/2006/04/metadata";

    public static string ProjectDirectory { get; } = Path.Combine(RepositoryRoot(), "connectors", "salesforce-metadata");

    public static string DefaultDirectory => Path.Combine(ProjectDirectory, "force-app", "main", "default");

    public static IReadOnlyList<FieldFile> Fields { get; } = LoadFields();

    public static XElement Load(params string[] relativePath) =>
        XDocument.Load(Path.Combine([DefaultDirectory, .. relativePath])).Root
        ?? throw new InvalidOperationException($"{Path.Combine(relativePath)} has no root element");

    static List<FieldFile> LoadFields()
    {
        var objects = Path.Combine(DefaultDirectory, "objects");
        return
        [
            .. Directory.EnumerateFiles(objects, "*.field-meta.xml", SearchOption.AllDirectories)
                .Order(StringComparer.Ordinal)
                .Select(path => new FieldFile(
                    Object: Path.GetFileName(Path.GetDirectoryName(Path.GetDirectoryName(path))!)!,
                    Path: path,
                    Root: XDocument.Load(path).Root ?? throw new InvalidOperationException($"{path} has no root element"))),
        ];
    }

    static string RepositoryRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "AbmSync.sln")))
        {
            dir = dir.Parent;
        }
        return dir?.FullName ?? throw new InvalidOperationException("AbmSync.sln not found above the test directory");
    }
}

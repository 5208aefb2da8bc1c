using System.Security.Cryptography;
using System.Text;

namespace Partner;

/// <summary>Name-based ids: the same name always gives the same GUID, so a retried step raises or creates nothing twice.</summary>
public static class StableId
{
    public static Guid From(string name) => new(SHA256.HashData(Encoding.UTF8.GetBytes(name)).AsSpan(0, 16));
}

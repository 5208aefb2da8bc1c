using System.Security.Cryptography;
using System.Text;

namespace Partner;

/// <summary>
/// A GUID derived from a name: the first 16 bytes of its SHA-256, marked as an RFC 9562 version 8
/// (custom) UUID. The same name always gives the same id, so a retried command reuses it.
/// </summary>
public static class NameBasedGuid
{
    public static Guid Create(string name)
    {
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(Encoding.UTF8.GetBytes(name), hash);
        var bytes = hash[..16];
        bytes[6] = (byte)((bytes[6] & 0x0F) | 0x80);
        bytes[8] = (byte)((bytes[8] & 0x3F) | 0x80);
        return new Guid(bytes, bigEndian: true);
    }
}

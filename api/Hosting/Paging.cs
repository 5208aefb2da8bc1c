using System.Globalization;

namespace Partner.Api.Hosting;

/// <summary>The paging convention of every list: <c>page</c> 0-based (default 0), <c>size</c> 1..100 (default 20).</summary>
public static class Paging
{
    public const int DefaultSize = 20;
    public const int MaxSize = 100;

    /// <summary>The last page number accepted: page × size stays far from overflowing an offset.</summary>
    public const int MaxPage = 1_000_000;

    /// <summary>Query values arrive as text so that a bad one is answered naming its field.</summary>
    public static int Page(string? value) =>
        string.IsNullOrEmpty(value) ? 0
        : int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var page) && page <= MaxPage ? page
        : throw Errors.Validation("page", $"page is a whole number from 0 to {MaxPage}.");

    public static int Size(string? value) =>
        string.IsNullOrEmpty(value) ? DefaultSize
        : int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var size) && size is >= 1 and <= MaxSize ? size
        : throw Errors.Validation("size", $"size is a whole number from 1 to {MaxSize}.");
}

/// <summary>One page of a list as clients see it.</summary>
public sealed record PageDto<T>(T[] Items, int Page, int Size, bool HasNext)
{
    public static PageDto<T> From<TSource>(Page<TSource> page, Func<TSource, T> map) =>
        new([.. page.Items.Select(map)], page.Number, page.Size, page.HasNext);
}

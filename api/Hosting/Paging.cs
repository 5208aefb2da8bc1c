namespace Partner.Api.Hosting;

/// <summary>The contract's paging: <c>page</c> 0-based (default 0), <c>size</c> 1..100 (default 20).</summary>
public static class Paging
{
    public const int DefaultSize = 20;
    public const int MaxSize = 100;

    public static (int Page, int Size) Read(int? page, int? size)
    {
        if (page is < 0)
        {
            throw Errors.Validation("page", "page is 0 or more.");
        }

        if (size is < 1 or > MaxSize)
        {
            throw Errors.Validation("size", $"size is 1 to {MaxSize}.");
        }

        return (page ?? 0, size ?? DefaultSize);
    }

    public static PageDto<TDto> ToDto<T, TDto>(this Page<T> page, Func<T, TDto> map) =>
        new([.. page.Items.Select(map)], page.Number, page.Size, page.HasNext);
}

public sealed record PageDto<T>(T[] Items, int Page, int Size, bool HasNext);

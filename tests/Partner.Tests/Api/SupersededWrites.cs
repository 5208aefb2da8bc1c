using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;

namespace Partner.Tests.Api;

/// <summary>A superseded write's 503 reaches the API still naming the grain whose write was refused.</summary>
public sealed class SupersededWrites
{
    [Fact]
    public void TheSupersededGrainSurvivesTheTripToTheCaller()
    {
        using var services = new ServiceCollection().AddSerializer().BuildServiceProvider();
        var serializer = services.GetRequiredService<Serializer>();
        var room = GrainId.Create("room", Guid.NewGuid().ToString("N"));

        var copy = serializer.Deserialize<Exception>(serializer.SerializeToArray<Exception>(Errors.Superseded(room)));

        var domain = Assert.IsType<DomainException>(copy);
        Assert.Equal(ErrorCodes.Unavailable, domain.Code);
        Assert.Equal(room, domain.SupersededGrain);
    }
}

using System.Reflection;
using Microsoft.Extensions.Logging.Abstractions;
using Orleans.Runtime;
using Orleans.Serialization.Invocation;
using Partner.Api.Hosting;
using Partner.Rooms;

namespace Partner.Tests.Api;

/// <summary>
/// The API's cluster client sends a grain call again only when it surely did not run (rejected, or its own write superseded)
/// or when running it twice is harmless (a method marked safe to repeat whose silo left); in a co-hosted silo, only for the
/// calls the API makes, never the grains' own.
/// </summary>
public sealed class RejectedCallRetries
{
    [Fact]
    public async Task SendsARejectedCallAgainAndReturnsWhatTheNextTryAnswers()
    {
        var call = new ScriptedCall(Response.FromException(Rejection()), Response.FromResult(42));

        await Filter().Invoke(call);

        Assert.Equal(2, call.Sends);
        Assert.Equal(42, call.Response!.GetResult<int>());
    }

    [Fact]
    public async Task GivesUpAfterThreeTriesWithTheRejection()
    {
        var rejected = Enumerable.Range(0, 5).Select(_ => Response.FromException(Rejection())).ToArray();
        var call = new ScriptedCall(rejected);

        await Assert.ThrowsAsync<OrleansMessageRejectionException>(() => Filter().Invoke(call));

        Assert.Equal(RejectedCallRetry.Delays.Length + 1, call.Sends);
    }

    [Fact]
    public async Task SendsAgainACallWhoseGrainsOwnWriteWasSuperseded()
    {
        var call = new ScriptedCall(Response.FromException(Errors.Superseded(ScriptedCall.Room)), Response.FromResult(42));

        await Filter().Invoke(call);

        Assert.Equal(2, call.Sends);
        Assert.Equal(42, call.Response!.GetResult<int>());
    }

    [Fact]
    public async Task NeverSendsAgainACallWhoseNestedCallsWriteWasSuperseded()
    {
        var dayDirectory = GrainId.Create("room-day", "MEAL:2026-12-07");
        var superseded = Errors.Superseded(dayDirectory);
        var call = new ScriptedCall(nameof(IRoomGrain.Edit), Response.FromException(superseded), Response.FromResult(42));

        var thrown = await Assert.ThrowsAsync<DomainException>(() => Filter().Invoke(call));

        Assert.Equal(1, call.Sends);
        Assert.Same(superseded, thrown);
    }

    [Theory]
    [InlineData(nameof(IRoomGrain.Join))]
    [InlineData(nameof(IRoomGrain.Get))]
    public async Task SendsAgainACallSafeToRepeatWhoseSiloLeft(string method)
    {
        var call = new ScriptedCall(method, Response.FromException(new SiloUnavailableException("The target silo became unavailable")), Response.FromResult(42));

        await Filter().Invoke(call);

        Assert.Equal(2, call.Sends);
        Assert.Equal(42, call.Response!.GetResult<int>());
    }

    [Fact]
    public void OnlyTheRoomsReadsAndJoinAreMarkedSafeToRepeat()
    {
        var marked = typeof(IRoomGrain).GetMethods().Where(m => m.IsDefined(typeof(SafeToRepeatAttribute), inherit: false)).Select(m => m.Name).Order();

        Assert.Equal(["Changed", "Comments", "Get", "Join", "Listing"], marked);
    }

    public static TheoryData<Exception> MayHaveRunOrAskToBackOff() =>
    [
        new TimeoutException("Response did not arrive on time"),
        new SiloUnavailableException("The target silo became unavailable"),
        new GatewayTooBusyException(),
        Errors.Unavailable(),
    ];

    [Theory]
    [MemberData(nameof(MayHaveRunOrAskToBackOff))]
    public async Task NeverSendsAgainACallThatMayHaveRunOrWasShed(Exception failure)
    {
        var call = new ScriptedCall(Response.FromException(failure), Response.FromResult(42));

        var thrown = await Assert.ThrowsAnyAsync<Exception>(() => Filter().Invoke(call));

        Assert.Equal(1, call.Sends);
        Assert.Same(failure, thrown);
    }

    [Fact]
    public async Task NeverSendsAgainAGrainsOwnCallInACoHostedSilo()
    {
        var call = new ScriptedCall(Response.FromException(Rejection()), Response.FromResult(42)) { SourceId = GrainId.Create("room-day", "MEAL:2026-12-07") };

        await Assert.ThrowsAsync<OrleansMessageRejectionException>(() => Filter().Invoke(call));

        Assert.Equal(1, call.Sends);
    }

    [Fact]
    public async Task SendsAgainARejectedCallFromTheApiInACoHostedSilo()
    {
        // Calls made in a client's context (a co-hosted silo's hosted client) are the API's.
        var call = new ScriptedCall(Response.FromException(Rejection()), Response.FromResult(42)) { SourceId = GrainId.Create(GrainTypePrefix.ClientPrefix, "api-node") };

        await Filter().Invoke(call);

        Assert.Equal(2, call.Sends);
    }

    [Fact]
    public async Task SendsASuccessfulCallOnce()
    {
        var call = new ScriptedCall(Response.FromResult(7), Response.FromResult(8));

        await Filter().Invoke(call);

        Assert.Equal(1, call.Sends);
        Assert.Equal(7, call.Response!.GetResult<int>());
    }

    /// <summary>What Orleans raises from a rejection (its constructor is internal: only Orleans makes them).</summary>
    private static OrleansMessageRejectionException Rejection() =>
        (OrleansMessageRejectionException)Activator.CreateInstance(typeof(OrleansMessageRejectionException), BindingFlags.NonPublic | BindingFlags.Instance, null, ["Silo stopping"], null)!;

    private static RejectedCallRetry Filter() => new(NullLogger<RejectedCallRetry>.Instance, TimeProvider.System);

    /// <summary>
    /// A call to a room's method (Leave unless named) whose successive sends answer the given responses, in order; a failed
    /// send throws its exception, as Orleans' own call invoker does.
    /// </summary>
    private sealed class ScriptedCall(string method, params Response[] answers) : IOutgoingGrainCallContext
    {
        public ScriptedCall(params Response[] answers)
            : this(nameof(IRoomGrain.Leave), answers)
        {
        }

        public static GrainId Room { get; } = GrainId.Create("room", Guid.NewGuid().ToString("N"));

        public int Sends { get; private set; }

        public Response? Response { get; set; }

        public Task Invoke()
        {
            var answer = answers[Sends++];
            if (answer.Exception is { } failure)
            {
                return Task.FromException(failure);
            }

            Response = answer;
            return Task.CompletedTask;
        }

        public string InterfaceName => "IRoomGrain";

        public string MethodName => method;

        public IGrainContext? SourceContext => null;

        public IInvokable Request => throw new NotSupportedException();

        public object Grain => throw new NotSupportedException();

        public GrainId? SourceId { get; init; }

        public GrainId TargetId => Room;

        public GrainInterfaceType InterfaceType => throw new NotSupportedException();

        public MethodInfo InterfaceMethod => typeof(IRoomGrain).GetMethod(method)!;

        public object? Result { get => Response?.Result; set => Response = Response.FromResult(value); }
    }
}

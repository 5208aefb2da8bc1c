namespace Partner;

/// <summary>
/// Marks a grain method whose second run changes nothing the first did not (a read, a join that answers "already in"):
/// a caller may send it again when it cannot know whether a first send ran, as when the silo left mid-call.
/// </summary>
[AttributeUsage(AttributeTargets.Method, Inherited = false)]
public sealed class SafeToRepeatAttribute : Attribute;

namespace IssueCore.AspNetCore.Tests;

/// <summary>Tests that measure the process's allocations run alone, after the parallel ones.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class AllocationMeasuringCollection
{
    public const string Name = "allocation-measuring";
}

using System.Diagnostics.CodeAnalysis;
using Xunit;
using Xunit.Sdk;

namespace IssueCore.Testing;

/// <summary>
/// The kit's assertions: each takes, last, the rule of the port contract it checks, in words, and a failure reads
/// "The port contract requires: RULE" above xunit's own description (expected, actual). An adapter author then sees
/// which rule the adapter breaks, not only two values. The comparisons are xunit's own.
/// </summary>
internal static class Contract
{
    public static void Equal<T>(T expected, T actual, string rule) => Check(rule, () => Assert.Equal(expected, actual));

    public static void Equal<T>(IEnumerable<T>? expected, IEnumerable<T>? actual, string rule) => Check(rule, () => Assert.Equal(expected, actual));

    public static void NotEqual<T>(T expected, T actual, string rule) => Check(rule, () => Assert.NotEqual(expected, actual));

    public static void True([DoesNotReturnIf(false)] bool condition, string rule) => Check(rule, () => Assert.True(condition));

    public static void True([DoesNotReturnIf(false)] bool condition, string? found, string rule) => Check(rule, () => Assert.True(condition, found));

    public static void False([DoesNotReturnIf(true)] bool condition, string rule) => Check(rule, () => Assert.False(condition));

    public static void False([DoesNotReturnIf(true)] bool condition, string? found, string rule) => Check(rule, () => Assert.False(condition, found));

    public static void Null(object? value, string rule) => Check(rule, () => Assert.Null(value));

    public static void NotNull([NotNull] object? value, string rule)
    {
        Check(rule, () => Assert.NotNull(value));
#pragma warning disable CS8777 // Assert.NotNull above has thrown when value is null
    }
#pragma warning restore CS8777

    public static void DoesNotContain<T>(T expected, IEnumerable<T> collection, string rule) => Check(rule, () => Assert.DoesNotContain(expected, collection));

    public static void Fail(string message, string rule) => Check(rule, () => Assert.Fail(message));

    public static void Empty(System.Collections.IEnumerable collection, string rule) => Check(rule, () => Assert.Empty(collection));

    public static T Single<T>(IEnumerable<T> collection, string rule) => Check(rule, () => Assert.Single(collection));

    public static T Single<T>(IEnumerable<T> collection, Predicate<T> predicate, string rule) => Check(rule, () => Assert.Single(collection, predicate));

    public static void All<T>(IEnumerable<T> collection, Action<T> action, string rule) => Check(rule, () => Assert.All(collection, action));

    public static void InRange<T>(T actual, T low, T high, string rule)
        where T : IComparable => Check(rule, () => Assert.InRange(actual, low, high));

    public static Task<T> ThrowsAsync<T>(Func<Task> call, string rule)
        where T : Exception => CheckAsync(rule, () => Assert.ThrowsAsync<T>(call));

    public static Task<T> ThrowsAnyAsync<T>(Func<Task> call, string rule)
        where T : Exception => CheckAsync(rule, () => Assert.ThrowsAnyAsync<T>(call));

    private static async Task<T> CheckAsync<T>(string rule, Func<Task<T>> assertion)
    {
        try
        {
            return await assertion();
        }
        catch (XunitException failure)
        {
            throw Broken(rule, failure);
        }
    }

    private static void Check(string rule, Action assertion)
    {
        try
        {
            assertion();
        }
        catch (XunitException failure)
        {
            throw Broken(rule, failure);
        }
    }

    private static T Check<T>(string rule, Func<T> assertion)
    {
        try
        {
            return assertion();
        }
        catch (XunitException failure)
        {
            throw Broken(rule, failure);
        }
    }

    private static XunitException Broken(string rule, XunitException failure)
        => new("The port contract requires: " + rule + Environment.NewLine + failure.Message, failure);
}

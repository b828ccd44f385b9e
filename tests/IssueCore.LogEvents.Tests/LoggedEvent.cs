using System.Reflection;
using Microsoft.Extensions.Logging;

namespace IssueCore.LogEvents.Tests;

/// <summary>One [LoggerMessage] method of a shipped assembly.</summary>
internal sealed record LoggedEvent(string Assembly, int Id, string Owner, LogLevel Level, string Message)
{
    public static IReadOnlyList<LoggedEvent> In(Assembly assembly)
    {
        const BindingFlags All = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static
            | BindingFlags.Instance | BindingFlags.DeclaredOnly;
        var found = new List<LoggedEvent>();
        foreach (var type in assembly.GetTypes())
        {
            foreach (var method in type.GetMethods(All))
            {
                var attribute = method.GetCustomAttribute<LoggerMessageAttribute>();
                if (attribute is not null)
                {
                    var owner = $"{type.FullName}.{method.Name}";
                    found.Add(new LoggedEvent(assembly.GetName().Name!, attribute.EventId, owner, attribute.Level, attribute.Message));
                }
            }
        }

        return found;
    }
}

using System.Diagnostics.CodeAnalysis;
using System.Text.Json;

namespace IssueCore.Ingestion;

/// <summary>Reads JSON strings that may hold escapes with no UTF-16 meaning (<c>"\ud800"</c>) without throwing.</summary>
internal static class JsonText
{
    public static bool TryGetString(JsonElement element, [NotNullWhen(true)] out string? text)
    {
        try
        {
            text = element.GetString()!;
            return true;
        }
        catch (InvalidOperationException)
        {
            text = null;
            return false;
        }
    }

    public static bool TryGetName(JsonProperty property, [NotNullWhen(true)] out string? name)
    {
        try
        {
            name = property.Name;
            return true;
        }
        catch (InvalidOperationException)
        {
            name = null;
            return false;
        }
    }
}

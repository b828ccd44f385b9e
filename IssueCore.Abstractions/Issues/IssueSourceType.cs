namespace IssueCore.Issues;

/// <summary>What produced an issue.</summary>
public enum IssueSourceType
{
    /// <summary>An automated rule fired.</summary>
    Rule = 0,

    /// <summary>A person or agent gave an instruction.</summary>
    Instruction = 1,
}

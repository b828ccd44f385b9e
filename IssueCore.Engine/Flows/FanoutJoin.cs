namespace IssueCore.Flows;

/// <summary>How a fan-out joins its branches.</summary>
internal enum FanoutJoin
{
    /// <summary>Every branch must succeed; the branch ctxs are collected in item order.</summary>
    All,

    /// <summary>The first branch to succeed wins; the others are cancelled.</summary>
    Any,

    /// <summary>Every branch is collected in item order as <c>{status, value | reason}</c>.</summary>
    AllSettled,

    /// <summary>The first branch to finish decides, success or failure; the others are cancelled.</summary>
    Race,
}

namespace IssueCore.Flows;

/// <summary>How a fan-out joins its branches.</summary>
internal enum FanoutJoin
{
    /// <summary>Every branch must succeed; the branch ctxs are collected in item order.</summary>
    All,

    /// <summary>The first branch to succeed wins; the others are cancelled.</summary>
    Any,

    /// <summary>Every branch is collected in item order; failed ones as error records.</summary>
    AllSettled,
}

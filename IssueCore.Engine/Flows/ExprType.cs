namespace IssueCore.Flows;

/// <summary>The JSON types an expression may produce, as far as validation can know them before a run.</summary>
[Flags]
internal enum ExprType
{
    None = 0,
    Null = 1,
    Boolean = 2,
    Number = 4,
    String = 8,
    Array = 16,
    Object = 32,
    Any = Null | Boolean | Number | String | Array | Object,
}

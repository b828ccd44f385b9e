namespace IssueCore.Flows;

/// <summary>The operator of a selector (a flow expression), as written in its <c>op</c> member.</summary>
internal enum SelectorOp
{
    /// <summary><c>{op: path, at}</c>: the value at a ctx path; a missing path is a <c>path_not_found</c> error.</summary>
    Path,

    /// <summary><c>{op: const, value}</c>: a literal.</summary>
    Const,

    /// <summary><c>{op: exists, at}</c>: whether a value (possibly <c>null</c>) is present at a ctx path.</summary>
    Exists,

    /// <summary>Deep JSON equality of two values.</summary>
    Eq,

    /// <summary>Deep JSON inequality of two values.</summary>
    Ne,

    /// <summary>Less than: two numbers or two strings (ordinal).</summary>
    Lt,

    /// <summary>Less than or equal: two numbers or two strings (ordinal).</summary>
    Le,

    /// <summary>Greater than: two numbers or two strings (ordinal).</summary>
    Gt,

    /// <summary>Greater than or equal: two numbers or two strings (ordinal).</summary>
    Ge,

    /// <summary>Negation of one boolean.</summary>
    Not,

    /// <summary>Conjunction of two or more booleans, evaluated left to right, stopping at the first false.</summary>
    And,

    /// <summary>Disjunction of two or more booleans, evaluated left to right, stopping at the first true.</summary>
    Or,

    /// <summary>Sum of two numbers.</summary>
    Add,

    /// <summary>Difference of two numbers.</summary>
    Sub,

    /// <summary>Product of two numbers.</summary>
    Mul,

    /// <summary>Quotient of two numbers (a zero divisor is an <c>arithmetic</c> error).</summary>
    Div,

    /// <summary>Length of a string (Unicode code points), an array (elements) or an object (members).</summary>
    Len,

    /// <summary>Membership: an element of an array (deep equality), a substring of a string, or a member name of an object.</summary>
    In,
}

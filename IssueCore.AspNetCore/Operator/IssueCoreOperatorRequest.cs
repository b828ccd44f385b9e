using Microsoft.AspNetCore.Http;

namespace IssueCore.AspNetCore;

/// <summary>What an <see cref="IIssueCoreAuthorizer"/> decides on.</summary>
/// <param name="HttpContext">The request (its user, headers and route values).</param>
/// <param name="Verb">The verb asked for (see <see cref="IssueCoreOperatorVerbs"/>).</param>
/// <param name="KeyRole">The role of the API key presented: <see cref="IssueCoreOperatorVerbs.ReaderRole"/>, <see cref="IssueCoreOperatorVerbs.OperatorRole"/>, or <see cref="IssueCoreOperatorVerbs.AnonymousRole"/> in anonymous development.</param>
public sealed record IssueCoreOperatorRequest(HttpContext HttpContext, string Verb, string KeyRole);

namespace NasDash.Features.Users;

/// <summary>An action picked from a row of the administrators table.</summary>
public sealed record RowAction(AdministratorAction Action, AdministratorRow Target);

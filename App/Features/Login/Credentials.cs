namespace NasDash.Features.Login;

/// <summary>What the password form submits. Never logged.</summary>
public sealed record Credentials(string UserName, string Password)
{
    public override string ToString() => $"Credentials {{ UserName = {UserName} }}";
}

/// <summary>What the enrolment-code sign-in submits. Never logged.</summary>
public sealed record EnrolmentCodeCredentials(string UserName, string Code, string Password)
{
    public override string ToString() => $"EnrolmentCodeCredentials {{ UserName = {UserName} }}";
}

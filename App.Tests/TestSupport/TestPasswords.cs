namespace NasDash.Tests.TestSupport;

/// <summary>The password every test administrator has unless the test is about the password itself.</summary>
public static class TestPasswords
{
    public const string Default = "correct horse battery staple";
}

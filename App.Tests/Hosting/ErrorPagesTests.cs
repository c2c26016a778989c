using Microsoft.AspNetCore.Http;
using NasDash.Hosting;
using NasDash.Storage;

namespace NasDash.Tests.Hosting;

public sealed class ErrorPagesTests
{
    [Fact]
    public void StatusCodeFor_AWriteTheDiskRefused_IsServiceUnavailable()
    {
        var refused = new StoreUnavailableException(new IOException("No space left on device"));

        Assert.Equal(StatusCodes.Status503ServiceUnavailable, ErrorPages.StatusCodeFor(refused));
    }

    [Fact]
    public void StatusCodeFor_AnyOtherIOException_IsStillAServerError()
    {
        Assert.Equal(StatusCodes.Status500InternalServerError, ErrorPages.StatusCodeFor(new IOException("broken pipe")));
    }
}

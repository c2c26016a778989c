using QRCoder;

namespace NasDash.Features.Enrolment;

/// <summary>Renders an otpauth URI as an SVG QR code with QRCoder (no System.Drawing).</summary>
public static class QrCodeSvg
{
    public static string Render(string text)
    {
        using var generator = new QRCodeGenerator();
        using var data = generator.CreateQrCode(text, QRCodeGenerator.ECCLevel.M);
        using var svg = new SvgQRCode(data);
        return svg.GetGraphic(new System.Drawing.Size(256, 256), "#000000", "#ffffff", drawQuietZones: true);
    }
}

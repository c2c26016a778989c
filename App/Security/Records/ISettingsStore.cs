namespace NasDash.Security.Records;

/// <summary>The single settings document of the appliance.</summary>
public interface ISettingsStore
{
    ApplianceSettings Get();
    void Save(ApplianceSettings settings);
    /// <summary>Re-reads the document under the write lock, applies the change and saves it: no lost update.</summary>
    void Update(Action<ApplianceSettings> change);
}

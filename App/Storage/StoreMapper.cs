using LiteDB;

namespace NasDash.Storage;

/// <summary>
/// LiteDB's mapper, able to store a part of an entity flat: each field of the part is written into the owner's document
/// under a name of the owner's, as if the owner held it. <see cref="Account"/>'s <see cref="SecondFactor"/> and
/// <see cref="EnrolmentCode"/> are kept so, under the names their fields had before they were parts: the documents stay
/// as schema 4 wrote them, so no store (LiteDB or etcd) needs a migration and an older build still reads them whole.
/// </summary>
internal sealed class StoreMapper : BsonMapper
{
    private readonly List<FlatPart> _flatParts = [];

    private sealed record FlatPart(Type Owner, string Member, Type Part, Func<string, string> FieldName);

    /// <summary>
    /// Stores <paramref name="member"/> of <typeparamref name="TOwner"/> flat; call before the owner is mapped. The part is
    /// never null and is never replaced by the mapper: the owner's constructor makes it, the mapper sets its fields. Only
    /// the part's settable properties are fields (what it computes is not stored).
    /// </summary>
    public void StoreFlat<TOwner, TPart>(string member, Func<string, string> fieldName) =>
        _flatParts.Add(new FlatPart(typeof(TOwner), member, typeof(TPart), fieldName));

    protected override EntityMapper BuildAddEntityMapper(Type type)
    {
        var entity = base.BuildAddEntityMapper(type);
        foreach (var flat in _flatParts.Where(f => f.Owner == type))
        {
            var owned = entity.Members.Single(m => m.MemberName == flat.Member);
            entity.Members.Remove(owned);
            var partOf = owned.Getter;
            foreach (var field in base.BuildAddEntityMapper(flat.Part).Members.Where(m => m.Setter is not null))
            {
                var (get, set) = (field.Getter, field.Setter);
                entity.Members.Add(new MemberMapper
                {
                    FieldName = flat.FieldName(field.FieldName),
                    MemberName = $"{flat.Member}.{field.MemberName}",
                    DataType = field.DataType,
                    UnderlyingType = field.UnderlyingType,
                    IsEnumerable = field.IsEnumerable,
                    Serialize = field.Serialize,
                    Deserialize = field.Deserialize,
                    Getter = owner => get(partOf(owner)),
                    Setter = (owner, value) => set(partOf(owner), value),
                });
            }
        }

        return entity;
    }
}

using System.Globalization;
using AbmSync.Core.Mapping;

namespace AbmSync.Core.Sync;

/// <summary>
/// Plans the sync of one record pair: which fields to write on which side, how conflicts are settled, what happens to
/// the link, and the baselines once the writes succeed. Pure and object-agnostic: every name comes from the mapping.
/// </summary>
/// <remarks>
/// <para>The contract, per mapped field. Values compare by their kind on the side they are on, after conversion
/// (<see cref="FieldValues.ToHubSpotValue"/>, <see cref="FieldValues.ToSalesforceValue"/>); values equal by kind are the
/// same value and never written. A side "changed" when its value differs from its baseline, or it has no baseline and a
/// value. A side with no baseline and no value "never had" the field.</para>
/// <list type="bullet">
/// <item><b>none</b>: ignored.</item>
/// <item><b>to-hubspot</b>: HubSpot should hold convert(Salesforce) and is written when it differs. A blank desired
/// value never clears a HubSpot value we never wrote (no baseline, or a blank one): linking an existing record never
/// wipes what its owners put there; a value we wrote before (non-blank baseline) is cleared. Writing over a HubSpot
/// value that differs from its baseline is a <see cref="FieldCorrection"/>. When HubSpot is left alone (blank
/// protection, unmapped owner) its baseline is not moved. <b>to-salesforce</b> is the mirror, except that a Salesforce
/// value that already converts to HubSpot's value is kept (many-to-one maps never swap one Salesforce value for
/// another).</item>
/// <item><b>two-way</b>: when the values agree (either converts to the other), nothing is written. Otherwise: exactly
/// one side changed → its value flows to the other side, clears included, except that under
/// <c>prefer-salesforce-unless-blank</c> a Salesforce value changed to blank never clears HubSpot and HubSpot's value
/// flows back instead (<c>prefer-hubspot-unless-blank</c> mirrors it). A side that never had the field is not a change:
/// the other side's value fills it. Both changed → the policy decides and a <see cref="ConflictDecision"/> records it:
/// salesforce-wins, hubspot-wins, prefer-X-unless-blank (X unless X is blank), latest-wins (HubSpot history vs
/// Salesforce field history; a side without history uses its record's modification time unless we made that
/// modification; a missing or equal time is <see cref="ConflictDecision.Uncertain"/> and
/// <see cref="PlanContext.LatestWinsFallback"/> decides). Neither changed but the values disagree (a mapping edit) →
/// settled as a conflict, unless one value cannot be carried across at all (an unmapped owner): then the disagreement
/// accepted at the last sync is held (<see cref="PlanNote.HeldDisagreement"/>), since settling it again could only
/// revert the change that made it.</item>
/// <item>Who modified a record last and where times came from never drop a changed value: changes are decided per
/// field against baselines only; times matter only to latest-wins.</item>
/// <item>A value that cannot be converted (owner with no counterpart, a HubSpot value a <c>"*"</c> map cannot reverse)
/// leaves the other side unchanged and adds a <see cref="PlanNote"/>.</item>
/// <item>New baselines: each side's baseline becomes the value it holds after the writes, except a one-way target left
/// alone keeps its old baseline (or none), so a protected or unmapped value is never mistaken for one we wrote. A
/// create starts from no baselines: the new record's are the values the create writes (blank for a flowing field it
/// leaves empty), the source's are its values of the fields that flow out of it.</item>
/// </list>
/// <para>Link actions: both records present and live → field plan; one present, unlinked → create on the other side
/// when allowed (every non-blank value that flows there, two-way fields included, plus rule-owned values), else skip;
/// a linked twin deleted (by <see cref="LinkState"/> or <see cref="SideRecord.Deleted"/>) → per the mapping's
/// <c>onDelete</c>: unlink (no writes, no re-create), propagate (delete the other side), ignore (skip, link kept).
/// Rule-owned values are written wherever the side's current value differs by kind.</para>
/// </remarks>
public static class SyncPlanner
{
    /// <summary>Plans one record pair. See the type's remarks for the contract.</summary>
    public static RecordPlan Plan(PlanContext context, PlanInput input)
    {
        var plan = new Builder(context, input);
        var sf = input.Salesforce;
        var hs = input.HubSpot;
        var deleted = DeletedSide(input);

        if (input.Link.Status != LinkStatus.Unlinked && deleted is { } gone)
        {
            return plan.Finish(OnTwinDeleted(context.Mapping.OnDelete, gone, gone == SyncSide.Salesforce ? hs : sf));
        }
        if (sf is not null && hs is not null)
        {
            if (sf.Deleted || hs.Deleted)
            {
                return plan.Finish(new LinkAction(LinkActionKind.Skip, $"the {Name(sf.Deleted ? SyncSide.Salesforce : SyncSide.HubSpot)} record is deleted"));
            }
            plan.PlanFields(sf, hs);
            plan.ApplyRules(sf, hs);
            return plan.Finish(LinkAction.None);
        }
        if (sf is null && hs is null)
        {
            return plan.Finish(new LinkAction(LinkActionKind.Skip, "no record on either side"));
        }
        var present = sf is not null ? SyncSide.Salesforce : SyncSide.HubSpot;
        var record = sf ?? hs!;
        if (record.Deleted)
        {
            return plan.Finish(new LinkAction(LinkActionKind.Skip, $"the {Name(present)} record is deleted"));
        }
        if (input.Link.Status == LinkStatus.Linked)
        {
            return plan.Finish(new LinkAction(LinkActionKind.Skip, $"the linked {Name(Other(present))} record was not read"));
        }
        var allowed = present == SyncSide.Salesforce ? context.CreateInHubSpot : context.CreateInSalesforce;
        if (!allowed)
        {
            return plan.Finish(new LinkAction(LinkActionKind.Skip, $"no {Name(Other(present))} twin and creating there is not allowed"));
        }
        plan.PlanCreate(present, record);
        return plan.Finish(new LinkAction(present == SyncSide.Salesforce ? LinkActionKind.CreateInHubSpot : LinkActionKind.CreateInSalesforce));
    }

    static SyncSide? DeletedSide(PlanInput input) =>
        input.Link.Status == LinkStatus.LinkedTwinDeleted && input.Link.DeletedSide is { } side ? side
        : input.Salesforce?.Deleted == true ? SyncSide.Salesforce
        : input.HubSpot?.Deleted == true ? SyncSide.HubSpot
        : input.Link.Status == LinkStatus.LinkedTwinDeleted && input.Salesforce is null ? SyncSide.Salesforce
        : input.Link.Status == LinkStatus.LinkedTwinDeleted && input.HubSpot is null ? SyncSide.HubSpot
        : null;

    static LinkAction OnTwinDeleted(DeletePolicy policy, SyncSide gone, SideRecord? survivor)
    {
        var why = $"the {Name(gone)} twin was deleted";
        return policy switch
        {
            DeletePolicy.Propagate when survivor is { Deleted: false } => new LinkAction(
                gone == SyncSide.Salesforce ? LinkActionKind.DeleteInHubSpot : LinkActionKind.DeleteInSalesforce, $"{why}; onDelete: propagate"),
            // Nothing left to delete: the link is all that remains.
            DeletePolicy.Propagate => new LinkAction(LinkActionKind.Unlink, $"{why} and so is its twin; onDelete: propagate"),
            DeletePolicy.Ignore => new LinkAction(LinkActionKind.Skip, $"{why}; onDelete: ignore keeps the link"),
            _ => new LinkAction(LinkActionKind.Unlink, $"{why}; onDelete: unlink"),
        };
    }

    static SyncSide Other(SyncSide side) => side == SyncSide.Salesforce ? SyncSide.HubSpot : SyncSide.Salesforce;

    static string Name(SyncSide side) => side == SyncSide.Salesforce ? "salesforce" : "hubspot";

    /// <summary>The policy as the mapping file spells it.</summary>
    internal static string PolicyName(ConflictPolicy policy) => policy switch
    {
        ConflictPolicy.SalesforceWins => "salesforce-wins",
        ConflictPolicy.HubSpotWins => "hubspot-wins",
        ConflictPolicy.LatestWins => "latest-wins",
        ConflictPolicy.PreferSalesforceUnlessBlank => "prefer-salesforce-unless-blank",
        _ => "prefer-hubspot-unless-blank",
    };

    sealed class Builder(PlanContext context, PlanInput input)
    {
        readonly Dictionary<string, string?> salesforceWrites = new(StringComparer.Ordinal);
        readonly Dictionary<string, string?> hubSpotWrites = new(StringComparer.Ordinal);
        readonly List<ConflictDecision> conflicts = [];
        readonly List<FieldCorrection> corrections = [];
        readonly List<PlanNote> notes = [];
        // Baselines not touched by the plan (unmapped keys, fields with direction none) carry over as they were.
        readonly Dictionary<string, string?> salesforceBaselines = new(input.Baselines.Salesforce, StringComparer.Ordinal);
        readonly Dictionary<string, string?> hubSpotBaselines = new(input.Baselines.HubSpot, StringComparer.Ordinal);

        public RecordPlan Finish(LinkAction link) => new(
            link, salesforceWrites, hubSpotWrites, conflicts, corrections, notes,
            new FieldBaselines(salesforceBaselines, hubSpotBaselines));

        public void PlanFields(SideRecord sf, SideRecord hs)
        {
            foreach (var field in context.Mapping.Fields)
            {
                var pair = new Pair(context, input, field.InPipeline(hs.Values.GetValueOrDefault(FieldMapping.PipelineProperty)), sf, hs);
                switch (field.Direction)
                {
                    case SyncDirection.ToHubSpot:
                        OneWay(pair, SyncSide.HubSpot);
                        break;
                    case SyncDirection.ToSalesforce:
                        OneWay(pair, SyncSide.Salesforce);
                        break;
                    case SyncDirection.TwoWay:
                        TwoWay(pair);
                        break;
                    default:
                        break;
                }
            }
        }

        public void PlanCreate(SyncSide present, SideRecord record)
        {
            var target = Other(present);
            var empty = new SideRecord("", new Dictionary<string, string?>());
            // A create starts a new link: baselines left from an earlier twin say nothing about what we wrote to this
            // one, and kept they would let the next run clear values the new twin never had.
            salesforceBaselines.Clear();
            hubSpotBaselines.Clear();
            foreach (var field in context.Mapping.Fields)
            {
                var flowsToTarget = target == SyncSide.HubSpot ? field.FlowsToHubSpot : field.FlowsToSalesforce;
                if (!flowsToTarget)
                {
                    continue;
                }
                // A new deal goes into the first listed pipeline; one from HubSpot keeps its own.
                var inPipeline = field.InPipeline(present == SyncSide.HubSpot ? record.Values.GetValueOrDefault(FieldMapping.PipelineProperty) : null);
                if (target == SyncSide.HubSpot && field.Pipelines is [var first, ..])
                {
                    Writes(target)[FieldMapping.PipelineProperty] = first.Pipeline;
                }
                var pair = present == SyncSide.Salesforce
                    ? new Pair(context, input, inPipeline, record, empty)
                    : new Pair(context, input, inPipeline, empty, record);
                var converted = pair.Desired(target);
                // The source side's baseline is what it holds; the new record's is what the create writes (blank
                // included, so the next run knows the field was considered and holds nothing). Fields flowing only
                // into the source side get no baseline: nothing was written there.
                Baselines(present)[pair.FieldOn(present)] = pair.Current(present);
                Baselines(target)[pair.FieldOn(target)] = converted.IsMapped ? converted.Value : null;
                if (!converted.IsMapped)
                {
                    Note(converted.Unmapped!, target, pair.FieldOn(target), pair.Current(present));
                }
                else if (converted.Value is not null)
                {
                    Writes(target)[pair.FieldOn(target)] = converted.Value;
                }
            }
            var rules = input.Rules ?? RuleValues.None;
            foreach (var (name, value) in present == SyncSide.Salesforce ? rules.HubSpot : rules.Salesforce)
            {
                if (ValueKinds.Canonical(context.KindOf(target, name), value) is { } v)
                {
                    Writes(target)[name] = v;
                }
            }
            ApplyRules(present, record);
        }

        public void ApplyRules(SideRecord sf, SideRecord hs)
        {
            ApplyRules(SyncSide.Salesforce, sf);
            ApplyRules(SyncSide.HubSpot, hs);
        }

        void ApplyRules(SyncSide side, SideRecord record)
        {
            var rules = input.Rules ?? RuleValues.None;
            foreach (var (name, value) in side == SyncSide.Salesforce ? rules.Salesforce : rules.HubSpot)
            {
                var kind = context.KindOf(side, name);
                if (!ValueKinds.Same(kind, value, record.Values.GetValueOrDefault(name)))
                {
                    Writes(side)[name] = ValueKinds.Canonical(kind, value);
                }
            }
        }

        void OneWay(Pair pair, SyncSide target)
        {
            var source = Other(target);
            var field = pair.FieldOn(target);
            var current = pair.Current(target);
            var hasBaseline = pair.HasBaseline(target, out var baseline);
            Baselines(source)[pair.FieldOn(source)] = pair.Current(source);

            var desired = pair.Desired(target);
            if (!desired.IsMapped)
            {
                Note(desired.Unmapped!, target, field, pair.Current(source));
                return;
            }
            if (pair.Same(target, desired.Value, current))
            {
                Baselines(target)[field] = current;
                return;
            }
            if (desired.Value is null && (!hasBaseline || ValueKinds.IsBlank(baseline)))
            {
                // Never ours to clear: linking an existing record never wipes what its owners put there.
                return;
            }
            Writes(target)[field] = desired.Value;
            Baselines(target)[field] = desired.Value;
            if (hasBaseline && !pair.Same(target, current, baseline))
            {
                corrections.Add(new FieldCorrection(target, field, current, baseline, desired.Value));
            }
        }

        void TwoWay(Pair pair)
        {
            var s = pair.Current(SyncSide.Salesforce);
            var h = pair.Current(SyncSide.HubSpot);
            var policy = pair.Field.Conflict ?? ConflictPolicy.SalesforceWins;
            Baselines(SyncSide.Salesforce)[pair.Field.Salesforce] = s;
            Baselines(SyncSide.HubSpot)[pair.Field.HubSpot] = h;
            if (pair.Agree())
            {
                return;
            }

            var sChanged = pair.Changed(SyncSide.Salesforce);
            var hChanged = pair.Changed(SyncSide.HubSpot);
            if (!sChanged && !hChanged)
            {
                // A side with neither value nor baseline never had the field: the other side's value fills it.
                if (!pair.HasBaseline(SyncSide.Salesforce, out _))
                {
                    Flow(pair, from: SyncSide.HubSpot);
                }
                else if (!pair.HasBaseline(SyncSide.HubSpot, out _))
                {
                    Flow(pair, from: SyncSide.Salesforce);
                }
                else if (pair.Desired(SyncSide.HubSpot) is { IsMapped: false } toHubSpot)
                {
                    Note(PlanNote.HeldDisagreement, SyncSide.HubSpot, pair.Field.HubSpot, $"{s} ({toHubSpot.Unmapped}); kept since the last sync");
                }
                else if (pair.Desired(SyncSide.Salesforce) is { IsMapped: false } toSalesforce)
                {
                    Note(PlanNote.HeldDisagreement, SyncSide.Salesforce, pair.Field.Salesforce, $"{h} ({toSalesforce.Unmapped}); kept since the last sync");
                }
                else
                {
                    Conflict(pair, policy, "the values disagree though neither side changed since the last sync");
                }
            }
            else if (sChanged && !hChanged)
            {
                var blankedAgainstPolicy = ValueKinds.IsBlank(s) && policy == ConflictPolicy.PreferSalesforceUnlessBlank;
                Flow(pair, blankedAgainstPolicy ? SyncSide.HubSpot : SyncSide.Salesforce);
            }
            else if (hChanged && !sChanged)
            {
                var blankedAgainstPolicy = ValueKinds.IsBlank(h) && policy == ConflictPolicy.PreferHubSpotUnlessBlank;
                Flow(pair, blankedAgainstPolicy ? SyncSide.Salesforce : SyncSide.HubSpot);
            }
            else
            {
                Conflict(pair, policy, "both sides changed since the last sync");
            }
        }

        void Conflict(Pair pair, ConflictPolicy policy, string situation)
        {
            var s = pair.Current(SyncSide.Salesforce);
            var h = pair.Current(SyncSide.HubSpot);
            string? decidedBy = null;
            var uncertain = false;
            SyncSide winner;
            string reason;
            if (policy == ConflictPolicy.LatestWins)
            {
                var (sTime, sSource) = pair.ChangeTime(SyncSide.Salesforce);
                var (hTime, hSource) = pair.ChangeTime(SyncSide.HubSpot);
                decidedBy = $"hubspot {hSource} vs salesforce {sSource}";
                if (sTime is { } st && hTime is { } ht && st != ht)
                {
                    winner = ht > st ? SyncSide.HubSpot : SyncSide.Salesforce;
                    reason = $"{situation}; latest-wins: {Name(winner)} changed later";
                }
                else
                {
                    uncertain = true;
                    var fallback = context.LatestWinsFallback == ConflictPolicy.LatestWins ? ConflictPolicy.SalesforceWins : context.LatestWinsFallback;
                    winner = Winner(fallback, s, h);
                    var cannot = sTime is null || hTime is null ? "a change time is missing" : "the change times are equal";
                    reason = $"{situation}; latest-wins cannot tell ({cannot}); fallback {PolicyName(fallback)}: {Name(winner)}";
                }
            }
            else
            {
                winner = Winner(policy, s, h);
                reason = $"{situation}; {PolicyName(policy)}: {Name(winner)}";
            }
            conflicts.Add(new ConflictDecision(pair.Field.Salesforce, pair.Field.HubSpot, policy, winner, s, h, reason, uncertain, decidedBy));
            Flow(pair, winner);
        }

        static SyncSide Winner(ConflictPolicy policy, string? s, string? h) => policy switch
        {
            ConflictPolicy.HubSpotWins => SyncSide.HubSpot,
            ConflictPolicy.PreferSalesforceUnlessBlank => ValueKinds.IsBlank(s) ? SyncSide.HubSpot : SyncSide.Salesforce,
            ConflictPolicy.PreferHubSpotUnlessBlank => ValueKinds.IsBlank(h) ? SyncSide.Salesforce : SyncSide.HubSpot,
            _ => SyncSide.Salesforce,
        };

        /// <summary>Carries the value of <paramref name="from"/> to the other side of a two-way field.</summary>
        void Flow(Pair pair, SyncSide from)
        {
            var to = Other(from);
            var converted = pair.Desired(to);
            if (!converted.IsMapped)
            {
                Note(converted.Unmapped!, to, pair.FieldOn(to), pair.Current(from));
                return;
            }
            if (!pair.Same(to, converted.Value, pair.Current(to)))
            {
                Writes(to)[pair.FieldOn(to)] = converted.Value;
                Baselines(to)[pair.FieldOn(to)] = converted.Value;
            }
        }

        void Note(string code, SyncSide side, string field, string? value) =>
            notes.Add(new PlanNote(code, side, field, code switch
            {
                PlanNote.OwnerUnmapped => $"owner '{value}' has no {Name(side)} counterpart; {Name(side)} left unchanged",
                PlanNote.LinkUnmapped => $"'{value}' is not linked to a {Name(side)} record (yet); {Name(side)} left unchanged",
                PlanNote.ValueUnmapped => $"value '{value}' has no {Name(side)} counterpart in the value map; {Name(side)} left unchanged",
                _ => $"'{value}' cannot be carried to {Name(side)}; the disagreement is held",
            }));

        Dictionary<string, string?> Writes(SyncSide side) => side == SyncSide.Salesforce ? salesforceWrites : hubSpotWrites;

        Dictionary<string, string?> Baselines(SyncSide side) => side == SyncSide.Salesforce ? salesforceBaselines : hubSpotBaselines;
    }

    /// <summary>One mapped field across both records, with the comparisons the rules are written in.</summary>
    readonly record struct Pair(PlanContext Context, PlanInput Input, FieldMapping Field, SideRecord Sf, SideRecord Hs)
    {
        public string FieldOn(SyncSide side) => side == SyncSide.Salesforce ? Field.Salesforce : Field.HubSpot;

        public FieldKind Kind(SyncSide side) => Context.KindOf(side, FieldOn(side));

        public string? Current(SyncSide side) =>
            (side == SyncSide.Salesforce ? Sf : Hs).Values.GetValueOrDefault(FieldOn(side));

        public bool HasBaseline(SyncSide side, out string? baseline) =>
            (side == SyncSide.Salesforce ? Input.Baselines.Salesforce : Input.Baselines.HubSpot).TryGetValue(FieldOn(side), out baseline);

        public bool Same(SyncSide side, string? a, string? b) => ValueKinds.Same(Kind(side), a, b);

        public bool Changed(SyncSide side) =>
            HasBaseline(side, out var baseline) ? !Same(side, Current(side), baseline) : !ValueKinds.IsBlank(Current(side));

        /// <summary>The value <paramref name="target"/> should hold for the other side's current value.</summary>
        public ConvertedValue Desired(SyncSide target) => target == SyncSide.HubSpot
            ? FieldValues.ToHubSpotValue(Field, Current(SyncSide.Salesforce), Kind(SyncSide.Salesforce), Kind(SyncSide.HubSpot), Ids, Context.HubSpotTimeZone)
            : FieldValues.ToSalesforceValue(Field, Current(SyncSide.HubSpot), Current(SyncSide.Salesforce), Kind(SyncSide.Salesforce), Kind(SyncSide.HubSpot), Ids, Context.HubSpotTimeZone);

        /// <summary>The id translation this field needs: owners, or the links of the pair it points at.</summary>
        OwnerMap Ids => Field.Transform == FieldTransform.Link ? Context.LinksOf(Field.LinkPair!) : Context.Owners;

        /// <summary>Either value converts to the other: the pair holds the same value.</summary>
        public bool Agree()
        {
            var toHubSpot = Desired(SyncSide.HubSpot);
            if (toHubSpot.IsMapped && Same(SyncSide.HubSpot, toHubSpot.Value, Current(SyncSide.HubSpot)))
            {
                return true;
            }
            var toSalesforce = Desired(SyncSide.Salesforce);
            return toSalesforce.IsMapped && Same(SyncSide.Salesforce, toSalesforce.Value, Current(SyncSide.Salesforce));
        }

        /// <summary>When a side's value last changed by someone else's hand, and where that time came from.</summary>
        public (DateTimeOffset? Time, string Source) ChangeTime(SyncSide side)
        {
            var record = side == SyncSide.Salesforce ? Sf : Hs;
            if (record.FieldTimes is { } times && times.TryGetValue(FieldOn(side), out var t))
            {
                return (t, $"{(side == SyncSide.Salesforce ? "field history" : "history")} {Stamp(t)}");
            }
            // The record's modification time stands for the field's only when it was not our own write.
            if (!record.LastModifiedByUs && record.ModifiedAt is { } m)
            {
                return (m, $"{(side == SyncSide.Salesforce ? "LastModifiedDate" : "lastmodifieddate")} {Stamp(m)}");
            }
            return (null, record.LastModifiedByUs ? "no time (last modified by us, no field history)" : "no time (no history, no modification time)");
        }

        static string Stamp(DateTimeOffset t)
        {
            var u = t.UtcDateTime;
            var format = u.Second == 0 && u.Millisecond == 0 ? "yyyy-MM-dd'T'HH:mm'Z'" : "yyyy-MM-dd'T'HH:mm:ss.fff'Z'";
            return u.ToString(format, CultureInfo.InvariantCulture);
        }
    }
}

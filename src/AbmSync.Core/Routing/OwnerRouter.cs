using System.Globalization;
using System.Text;
using AbmSync.Core.Accounts;
using AbmSync.Core.Rules;

namespace AbmSync.Core.Routing;

/// <summary>
/// Routes tiered accounts to owners, SDRs and ABM marketers: the first matching territory names the pod, a missing
/// or inactive owner is replaced by weighted round robin over the pod's AEs with capacity left, and every Tier 1
/// and Tier 2 account gets its owner's SDR and marketer. Pure and deterministic: the same inputs in any order give
/// the same decisions. A prior decision is replayed rather than decided again, and a person's change made after it
/// is held.
/// </summary>
public sealed partial class OwnerRouter
{
    const int TierCount = 3;

    readonly Territory[] territories;
    // Every field a territory tests, in order of first use: what "no territory matches" quotes.
    readonly string[] territoryFields;
    // Per territory, the fields its conditions test: what a reason quotes of the account.
    readonly string[][] conditionFields;
    readonly TierCriterion[][] conditions;
    readonly int?[] capacity;

    public OwnerRouter(RoutingRules rules)
    {
        Rules = rules;
        territories = [.. rules.Territories];
        territoryFields = [.. rules.Territories.SelectMany(t => t.When).Select(c => c.Field).Distinct(StringComparer.Ordinal)];
        conditions = [.. rules.Territories.Select(t => t.When.ToArray())];
        conditionFields = [.. rules.Territories.Select(t => t.When.Select(c => c.Field).Distinct(StringComparer.Ordinal).ToArray())];
        capacity = [.. Tiers.All.Select(rules.CapacityOf)];
    }

    public RoutingRules Rules { get; }

    /// <summary>The name of the first territory whose conditions the account passes; null when none does.</summary>
    public string? TerritoryOf(AccountProfile account) => TerritoryIndex(account) is >= 0 and var i ? territories[i].Name : null;

    int TerritoryIndex(AccountProfile account)
    {
        for (var i = 0; i < territories.Length; i++)
        {
            if (Matches(i, account))
            {
                return i;
            }
        }
        return -1;
    }

    bool Matches(int territory, AccountProfile account)
    {
        // An array and a for loop: a foreach over the rules' IReadOnlyList would allocate per account and territory.
        var when = conditions[territory];
        for (var i = 0; i < when.Length; i++)
        {
            if (!TierAssigner.Passes(when[i], account.Value(when[i].Field)))
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>
    /// Decides owner, SDR and marketer of every account in <paramref name="accounts"/>; decisions come back in its
    /// order. Capacity only means something over the whole book, so pass every tiered account, not just changed ones.
    /// </summary>
    public IReadOnlyList<RoutingDecision> Route(IReadOnlyList<RoutingInput> accounts, IReadOnlyList<Pod> pods, IReadOnlyDictionary<string, SalesUser> users)
    {
        var run = new Run(this, pods, users, accounts.Count);
        for (var i = 0; i < accounts.Count; i++)
        {
            run.Place(i, accounts[i]);
        }
        run.CheckCapacity();
        run.AssignOwners();
        run.AssignHelpers();
        var decisions = new RoutingDecision[accounts.Count];
        for (var i = 0; i < decisions.Length; i++)
        {
            decisions[i] = run.Decision(i);
        }
        return decisions;
    }

    enum OwnerRule : byte { Kept, Flagged, Hold, Replay, Assigned, Realigned, NoCapacity, NoTerritory, Untiered }

    enum Cause : byte { None, NoOwner, UnknownOwner, InactiveOwner, OutsideTerritory, OverCapacity }

    enum HelperRule : byte { Pending, Unchanged, Kept, Hold, Replay, OwnersPartner, Fewest, NoneInPod }

    /// <summary>
    /// One account on its way to a decision. A struct in one array: a million of them as objects would cost the
    /// garbage collector more than routing them does.
    /// </summary>
    struct Slot
    {
        public RoutingInput Input;
        public int Territory;
        public PodState? Pod;
        public int Rank;
        public string? Owner;
        public OwnerRule Rule;
        public Cause Cause;
        public bool NeedsOwner;
        public bool Reassigned;
        // The current owner is kept (or was, until realigned) though not an AE of the pod.
        public bool Outside;
        // Over capacity: whose, how many of the tier they hold, and this account's place among them (1-based).
        public string? OverOwner;
        public int OverCount;
        public int OverPlace;
        public int Left;
        public string? Sdr;
        public string? Marketer;
        public HelperRule SdrRule;
        public HelperRule MarketerRule;
    }

    /// <summary>A pod's active members in email order, and its round-robin state per tier.</summary>
    sealed class PodState
    {
        public required string Name { get; init; }
        public required PodMember[] Aes { get; init; }
        // Per AE, the shared per-tier counts of that user: an AE in two pods fills up in both.
        public required int[][] AeCounts { get; init; }
        public required Dictionary<string, int> AeIndex { get; init; }
        public required PodMember[] Sdrs { get; init; }
        public required PodMember[] Marketers { get; init; }
        public required HashSet<string> SdrIds { get; init; }
        public required HashSet<string> MarketerIds { get; init; }
        public required IReadOnlyDictionary<string, string> SdrOfAe { get; init; }
        public required IReadOnlyDictionary<string, string> MarketerOfAe { get; init; }
        public readonly long[]?[] Current = new long[]?[TierCount];
        public readonly bool[] Full = new bool[TierCount];
        public readonly int[] Turn = new int[TierCount];

        public bool IsAe(string? user) => user is not null && AeIndex.ContainsKey(user);
    }

    sealed class Run
    {
        readonly OwnerRouter router;
        readonly IReadOnlyDictionary<string, SalesUser> users;
        readonly Dictionary<string, int[]> counts = new(StringComparer.Ordinal);
        readonly HashSet<string> aesAnywhere = new(StringComparer.Ordinal);
        readonly PodState[] territoryPods;
        readonly Slot[] slots;
        readonly Dictionary<string, int> helperCounts = new(StringComparer.Ordinal);
        readonly StringBuilder text = new(512);
        readonly char[] buffer = new char[RoutingDecision.ReasonMaxLength];
        readonly Dictionary<string, string> reasons;
        readonly Dictionary<string, string>.AlternateLookup<ReadOnlySpan<char>> reasonLookup;

        public Run(OwnerRouter router, IReadOnlyList<Pod> pods, IReadOnlyDictionary<string, SalesUser> users, int accounts)
        {
            slots = new Slot[accounts];
            this.router = router;
            this.users = users;
            reasons = new Dictionary<string, string>(StringComparer.Ordinal);
            reasonLookup = reasons.GetAlternateLookup<ReadOnlySpan<char>>();
            var byName = new Dictionary<string, PodState>(StringComparer.Ordinal);
            foreach (var pod in pods.OrderBy(p => p.Name, StringComparer.Ordinal))
            {
                if (!byName.ContainsKey(pod.Name))
                {
                    byName[pod.Name] = State(pod);
                }
            }
            // A territory whose pod was not resolved routes to a pod with nobody in it: no capacity, said so.
            territoryPods = [.. router.territories.Select(t =>
                byName.TryGetValue(t.Pod, out var state) ? state : byName[t.Pod] = State(new Pod(t.Pod, [], new Dictionary<string, string>(), new Dictionary<string, string>(), [])))];
        }

        PodState State(Pod pod)
        {
            // The member list and the users come from the same read; either saying inactive keeps work away.
            PodMember[] Active(PodRole role) =>
                [.. pod.Members.Where(m => m.Role == role && m.Active && IsActive(m.UserId))
                    .OrderBy(m => m.Email, StringComparer.OrdinalIgnoreCase).ThenBy(m => m.UserId, StringComparer.Ordinal)
                    .DistinctBy(m => m.UserId)];
            var aes = Active(PodRole.AccountExecutive);
            var sdrs = Active(PodRole.Sdr);
            var marketers = Active(PodRole.Marketer);
            aesAnywhere.UnionWith(aes.Select(a => a.UserId));
            return new PodState
            {
                Name = pod.Name,
                Aes = aes,
                AeCounts = [.. aes.Select(a => CountsOf(a.UserId))],
                AeIndex = aes.Select((a, i) => (a.UserId, i)).ToDictionary(x => x.UserId, x => x.i, StringComparer.Ordinal),
                Sdrs = sdrs,
                Marketers = marketers,
                SdrIds = [.. sdrs.Select(s => s.UserId)],
                MarketerIds = [.. marketers.Select(m => m.UserId)],
                SdrOfAe = pod.SdrOfAe,
                MarketerOfAe = pod.MarketerOfAe,
            };
        }

        int[] CountsOf(string user)
        {
            if (!counts.TryGetValue(user, out var perTier))
            {
                counts[user] = perTier = new int[TierCount];
            }
            return perTier;
        }

        bool IsActive(string? user) => user is not null && users.TryGetValue(user, out var u) && u.Active;

        ConflictPolicies Policies => router.Rules.Conflicts;

        /// <summary>Territory, pod, and whether the current (or the prior) owner stays; kept owners take capacity.</summary>
        public void Place(int index, RoutingInput input)
        {
            var territory = router.TerritoryIndex(input.Account);
            var pod = territory >= 0 ? territoryPods[territory] : null;
            ref var slot = ref slots[index];
            slot = new Slot
            {
                Input = input, Territory = territory, Pod = pod, Rank = Tiers.Rank(input.Tier), Owner = input.Account.OwnerId,
                Sdr = input.CurrentSdr, Marketer = input.CurrentMarketer, SdrRule = HelperRule.Unchanged, MarketerRule = HelperRule.Unchanged,
            };
            var current = input.Account.OwnerId;
            var currentActive = IsActive(current);
            if (pod is null)
            {
                slot.Rule = OwnerRule.NoTerritory;
            }
            else if (slot.Rank >= TierCount)
            {
                slot.Rule = OwnerRule.Untiered;
                slot.Outside = currentActive && !pod.IsAe(current);
            }
            else if (input.Prior is { } prior && currentActive && !Same(current, prior.Owner) && !Same(current, prior.ReplacedOwner))
            {
                // A person moved the account after our last write: theirs is the newer decision.
                slot.Rule = OwnerRule.Hold;
                slot.Outside = !pod.IsAe(current);
            }
            else if (input.Prior?.Owner is { } priorOwner && pod.IsAe(priorOwner) && !Same(current, priorOwner))
            {
                // Not held, so the current owner is the one the prior decision replaced, or missing or inactive: our
                // write has not landed. (Already the prior owner is simply kept, so its reason reads as before.)
                slot.Rule = OwnerRule.Replay;
                slot.Owner = priorOwner;
            }
            else if (currentActive && pod.IsAe(current))
            {
                slot.Rule = OwnerRule.Kept;
            }
            else if (currentActive)
            {
                slot.Outside = true;
                if (Policies.OutsideTerritory == ConflictPolicy.Flag)
                {
                    slot.Rule = OwnerRule.Flagged;
                }
                else
                {
                    slot.NeedsOwner = true;
                    slot.Cause = Cause.OutsideTerritory;
                }
            }
            else
            {
                slot.NeedsOwner = true;
                slot.Cause = current is null ? Cause.NoOwner : users.ContainsKey(current) ? Cause.InactiveOwner : Cause.UnknownOwner;
            }
            if (!slot.NeedsOwner && slot.Rank < TierCount && IsActive(slot.Owner))
            {
                CountsOf(slot.Owner!)[slot.Rank]++;
            }
        }

        /// <summary>
        /// An AE over a tier's capacity (tier locks and kept owners can put them there): the lowest ranked of their
        /// accounts beyond it are flagged, or moved when the policy realigns and neither a lock nor a hold pins them.
        /// </summary>
        public void CheckCapacity()
        {
            var over = new Dictionary<(string, int), List<int>>();
            for (var i = 0; i < slots.Length; i++)
            {
                ref var slot = ref slots[i];
                if (slot is { NeedsOwner: false, Rank: < TierCount, Owner: { } owner } && router.capacity[slot.Rank] is { } cap
                    && aesAnywhere.Contains(owner) && counts[owner][slot.Rank] > cap)
                {
                    if (!over.TryGetValue((owner, slot.Rank), out var list))
                    {
                        over[(owner, slot.Rank)] = list = [];
                    }
                    list.Add(i);
                }
            }
            foreach (var ((owner, rank), list) in over)
            {
                var cap = router.capacity[rank]!.Value;
                list.Sort((a, b) => slots[b].Input.Score != slots[a].Input.Score ? slots[b].Input.Score.CompareTo(slots[a].Input.Score) : ById(a, b));
                for (var place = cap; place < list.Count; place++)
                {
                    ref var slot = ref slots[list[place]];
                    (slot.OverOwner, slot.OverCount, slot.OverPlace) = (owner, list.Count, place + 1);
                    if (Policies.OverCapacity == ConflictPolicy.Realign && slot.Rule != OwnerRule.Hold && !slot.Input.TierLocked && slot.Pod is not null)
                    {
                        slot.NeedsOwner = true;
                        slot.Cause = Cause.OverCapacity;
                        counts[owner][rank]--;
                    }
                    else if (slot.Rule == OwnerRule.Kept)
                    {
                        slot.Rule = OwnerRule.Flagged;
                    }
                }
            }
        }

        /// <summary>Accounts needing an owner, best first (tier, score, id), each by weighted round robin in its pod.</summary>
        public void AssignOwners()
        {
            var needing = new List<int>();
            for (var i = 0; i < slots.Length; i++)
            {
                if (slots[i].NeedsOwner)
                {
                    needing.Add(i);
                }
            }
            needing.Sort(ByRank);
            foreach (var i in needing)
            {
                ref var slot = ref slots[i];
                var pod = slot.Pod!;
                if (Pick(pod, slot.Rank) is { } pick)
                {
                    var perTier = pod.AeCounts[pick];
                    perTier[slot.Rank]++;
                    slot.Owner = pod.Aes[pick].UserId;
                    slot.Left = router.capacity[slot.Rank] is { } cap ? cap - perTier[slot.Rank] : 0;
                    slot.Reassigned = true;
                    slot.Rule = slot.Cause is Cause.OutsideTerritory or Cause.OverCapacity ? OwnerRule.Realigned : OwnerRule.Assigned;
                }
                else
                {
                    slot.Rule = OwnerRule.NoCapacity;
                    if (slot.Cause == Cause.OverCapacity)
                    {
                        counts[slot.Owner!][slot.Rank]++;
                    }
                }
            }
        }

        /// <summary>
        /// Smooth weighted round robin (nginx's): every AE with room adds its remaining capacity to its current
        /// weight, the highest (first by email on a tie) is picked and gives back the total. Unbounded capacity is
        /// equal weights, which is plain rotation.
        /// </summary>
        int? Pick(PodState pod, int rank)
        {
            var aes = pod.Aes.Length;
            if (aes == 0)
            {
                return null;
            }
            if (router.capacity[rank] is not { } cap)
            {
                var turn = pod.Turn[rank];
                pod.Turn[rank] = (turn + 1) % aes;
                return turn;
            }
            // Counts only grow while owners are assigned, so a pod found full stays full.
            if (pod.Full[rank])
            {
                return null;
            }
            var current = pod.Current[rank] ??= new long[aes];
            long total = 0;
            var best = -1;
            for (var i = 0; i < aes; i++)
            {
                var left = cap - pod.AeCounts[i][rank];
                if (left <= 0)
                {
                    continue;
                }
                current[i] += left;
                total += left;
                if (best < 0 || current[i] > current[best])
                {
                    best = i;
                }
            }
            if (best < 0)
            {
                pod.Full[rank] = true;
                return null;
            }
            current[best] -= total;
            return best;
        }

        /// <summary>
        /// SDR and marketer of every Tier 1 and Tier 2 account with a pod: held, kept or replayed first (they count
        /// towards each person's accounts), then the owner's pair or ratio partner, else the least loaded.
        /// </summary>
        public void AssignHelpers()
        {
            var helped = new List<int>();
            for (var i = 0; i < slots.Length; i++)
            {
                if (slots[i] is { Rank: <= 1, Pod: not null })
                {
                    helped.Add(i);
                }
            }
            helped.Sort(ByRank);
            foreach (var i in helped)
            {
                ref var slot = ref slots[i];
                var prior = slot.Input.Prior;
                (slot.Sdr, slot.SdrRule) = Keep(slot.Input.CurrentSdr, prior is not null, prior?.Sdr, prior?.ReplacedSdr, slot.Pod!.SdrIds);
                (slot.Marketer, slot.MarketerRule) = Keep(slot.Input.CurrentMarketer, prior is not null, prior?.Marketer, prior?.ReplacedMarketer, slot.Pod.MarketerIds);
            }
            foreach (var i in helped)
            {
                ref var slot = ref slots[i];
                var pod = slot.Pod!;
                if (slot.SdrRule == HelperRule.Pending)
                {
                    (slot.Sdr, slot.SdrRule) = Choose(slot.Owner, pod.SdrOfAe, pod.SdrIds, pod.Sdrs, slot.Input.CurrentSdr);
                }
                if (slot.MarketerRule == HelperRule.Pending)
                {
                    (slot.Marketer, slot.MarketerRule) = Choose(slot.Owner, pod.MarketerOfAe, pod.MarketerIds, pod.Marketers, slot.Input.CurrentMarketer);
                }
            }
        }

        (string?, HelperRule) Keep(string? current, bool hasPrior, string? prior, string? replaced, HashSet<string> members)
        {
            (string? User, HelperRule Rule) kept =
                hasPrior && IsActive(current) && !Same(current, prior) && !Same(current, replaced) ? (current, HelperRule.Hold)
                : IsActive(current) && members.Contains(current!) ? (current, HelperRule.Kept)
                : hasPrior && prior is not null && members.Contains(prior) ? (prior, HelperRule.Replay)
                : (current, HelperRule.Pending);
            if (kept.Rule != HelperRule.Pending)
            {
                Count(kept.User);
            }
            return kept;
        }

        (string?, HelperRule) Choose(string? owner, IReadOnlyDictionary<string, string> partnerOf, HashSet<string> members, PodMember[] candidates, string? current)
        {
            if (owner is not null && partnerOf.TryGetValue(owner, out var partner) && members.Contains(partner))
            {
                Count(partner);
                return (partner, HelperRule.OwnersPartner);
            }
            if (candidates.Length == 0)
            {
                return (current, HelperRule.NoneInPod);
            }
            // The owner is not one of the pod's AEs: the pod's least loaded, first by email.
            var best = candidates[0].UserId;
            var fewest = helperCounts.GetValueOrDefault(best);
            for (var i = 1; i < candidates.Length; i++)
            {
                if (helperCounts.GetValueOrDefault(candidates[i].UserId) is var n && n < fewest)
                {
                    (best, fewest) = (candidates[i].UserId, n);
                }
            }
            Count(best);
            return (best, HelperRule.Fewest);
        }

        void Count(string? user)
        {
            if (user is not null)
            {
                helperCounts[user] = helperCounts.GetValueOrDefault(user) + 1;
            }
        }

        int ByRank(int x, int y)
        {
            ref var a = ref slots[x];
            ref var b = ref slots[y];
            if (a.Rank != b.Rank)
            {
                return a.Rank.CompareTo(b.Rank);
            }
            return b.Input.Score != a.Input.Score ? b.Input.Score.CompareTo(a.Input.Score) : ById(x, y);
        }

        int ById(int x, int y) =>
            string.CompareOrdinal(slots[x].Input.Account.Id, slots[y].Input.Account.Id) is not 0 and var c ? c : x.CompareTo(y);

        public RoutingDecision Decision(int index)
        {
            ref var slot = ref slots[index];
            var id = slot.Input.Account.Id;
            var conflicts = Conflicts(slot, id);
            return new RoutingDecision(
                id, slot.Territory >= 0 ? router.territories[slot.Territory].Name : null, slot.Pod?.Name, slot.Owner, slot.Sdr, slot.Marketer,
                RuleId(slot.Rule), Reason(slot), conflicts)
            {
                PreviousOwner = slot.Input.Account.OwnerId,
                PreviousSdr = slot.Input.CurrentSdr,
                PreviousMarketer = slot.Input.CurrentMarketer,
            };
        }

        IReadOnlyList<OwnershipConflict> Conflicts(in Slot slot, string id)
        {
            var count = (slot.Outside ? 1 : 0) + (slot.OverOwner is null ? 0 : 1) + (slot.Rule == OwnerRule.NoCapacity ? 1 : 0);
            if (count == 0)
            {
                return [];
            }
            var list = new OwnershipConflict[count];
            var n = 0;
            var moved = slot.Reassigned ? slot.Owner : null;
            if (slot.Outside)
            {
                list[n++] = new OwnershipConflict(OwnershipConflict.OutsideTerritory, id,
                    $"Owner {Name(slot.Input.Account.OwnerId)} is not an AE of pod {slot.Pod!.Name}", slot.Reassigned, moved);
            }
            if (slot.OverOwner is { } over)
            {
                list[n++] = new OwnershipConflict(OwnershipConflict.OverCapacity, id,
                    string.Create(CultureInfo.InvariantCulture, $"{Name(over)} owns {slot.OverCount} {Tiers.All[slot.Rank]} accounts, capacity {router.capacity[slot.Rank]}; this one ranks {slot.OverPlace}"),
                    slot.Reassigned, moved);
            }
            if (slot.Rule == OwnerRule.NoCapacity)
            {
                list[n] = new OwnershipConflict(OwnershipConflict.NoCapacity, id, NoRoom(slot), Realigned: false);
            }
            return list;
        }

        static string RuleId(OwnerRule rule) => rule switch
        {
            OwnerRule.Kept or OwnerRule.Untiered => RoutingRulesIds.Kept,
            OwnerRule.Flagged => RoutingRulesIds.Flagged,
            OwnerRule.Hold => RoutingRulesIds.Hold,
            OwnerRule.Replay => RoutingRulesIds.Replay,
            OwnerRule.Assigned => RoutingRulesIds.Assigned,
            OwnerRule.Realigned => RoutingRulesIds.Realigned,
            OwnerRule.NoCapacity => RoutingRulesIds.NoCapacity,
            _ => RoutingRulesIds.NoTerritory,
        };

        /// <summary>
        /// The reason, written into one reused buffer: a million decisions make a million reasons, most of them
        /// repeated (same owner, pod and territory values), so each distinct text is one string shared by all.
        /// </summary>
        string Reason(in Slot slot)
        {
            var t = text.Clear();
            var owner = Name(slot.Owner);
            var pod = slot.Pod?.Name;
            switch (slot.Rule)
            {
                case OwnerRule.NoTerritory:
                    t.Append("No territory matches (");
                    AppendValues(router.territoryFields, slot.Input.Account);
                    t.Append("); ");
                    AppendOwnerKept(slot, "owner", "no owner assigned");
                    break;
                case OwnerRule.Untiered:
                    AppendOwnerKept(slot, "Owner", "No owner");
                    t.Append(": no tier, so not routed; pod ").Append(pod);
                    if (slot.Outside)
                    {
                        t.Append(", owner not an AE of it (flagged)");
                    }
                    AppendWhere(slot);
                    break;
                case OwnerRule.Kept:
                    t.Append("Owner ").Append(owner).Append(" kept: active AE in pod ").Append(pod);
                    // Our own assignment, kept since: the reason still says whom it replaced, which is why it is theirs.
                    if (slot.Input.Prior is { ReplacedOwner: { } replaced } prior && Same(slot.Owner, prior.Owner))
                    {
                        t.Append(", assigned by AbmSync in place of ").Append(Name(replaced));
                    }
                    AppendWhere(slot);
                    break;
                case OwnerRule.Flagged:
                    t.Append("Owner ").Append(owner).Append(" kept, flagged: ");
                    AppendNotes(slot);
                    AppendWhere(slot);
                    break;
                case OwnerRule.Hold:
                    t.Append("Owner ").Append(owner).Append(" kept: changed by a person after AbmSync's last assignment (ownership hold)");
                    if (slot.Outside || slot.OverOwner is not null)
                    {
                        t.Append("; ");
                        AppendNotes(slot);
                        t.Append(", not realigned");
                    }
                    AppendWhere(slot);
                    break;
                case OwnerRule.Replay:
                    t.Append("Owner ").Append(owner).Append(" from AbmSync's last assignment, replayed: active AE in pod ").Append(pod);
                    if (slot.OverOwner is not null)
                    {
                        t.Append("; ");
                        AppendNotes(slot);
                    }
                    AppendWhere(slot);
                    break;
                case OwnerRule.Assigned or OwnerRule.Realigned:
                    t.Append(slot.Rule == OwnerRule.Realigned ? "Reassigned to " : "Assigned to ").Append(owner)
                        .Append(" by weighted round robin in pod ").Append(pod).Append(" (").Append(Tiers.All[slot.Rank]);
                    if (router.capacity[slot.Rank] is { } cap)
                    {
                        t.Append(CultureInfo.InvariantCulture, $", {slot.Left} of {cap} left); ");
                    }
                    else
                    {
                        t.Append(", no cap); ");
                    }
                    AppendBefore(slot);
                    AppendWhere(slot);
                    break;
                default:
                    t.Append("Not assigned: ").Append(NoRoom(slot)).Append("; ");
                    AppendOwnerKept(slot, "owner", "no owner");
                    t.Append(" (");
                    AppendBefore(slot);
                    t.Append(')');
                    AppendWhere(slot);
                    break;
            }
            AppendHelper("SDR", slot.Sdr, slot.SdrRule, first: true);
            AppendHelper("marketer", slot.Marketer, slot.MarketerRule, first: slot.SdrRule is HelperRule.Unchanged or HelperRule.Kept);

            // Text(255) in Salesforce: a longer reason is cut, and says so with an ellipsis.
            var length = Math.Min(t.Length, RoutingDecision.ReasonMaxLength);
            t.CopyTo(0, buffer, length);
            if (t.Length > length)
            {
                buffer[length - 1] = '…';
            }
            var span = buffer.AsSpan(0, length);
            if (!reasonLookup.TryGetValue(span, out var reason))
            {
                reason = new string(span);
                reasons[reason] = reason;
            }
            return reason;
        }

        void AppendOwnerKept(in Slot slot, string word, string none)
        {
            if (slot.Owner is null)
            {
                text.Append(none);
            }
            else
            {
                text.Append(word).Append(' ').Append(Name(slot.Owner)).Append(" kept");
            }
        }

        void AppendNotes(in Slot slot)
        {
            if (slot.Outside)
            {
                text.Append("not an AE of pod ").Append(slot.Pod!.Name);
            }
            if (slot.OverOwner is not null)
            {
                text.Append(slot.Outside ? " and over " : "over ").Append(Tiers.All[slot.Rank])
                    .Append(CultureInfo.InvariantCulture, $" capacity ({slot.OverCount} owned, capacity {router.capacity[slot.Rank]})");
            }
        }

        void AppendBefore(in Slot slot)
        {
            var previous = slot.Input.Account.OwnerId;
            _ = slot.Cause switch
            {
                Cause.NoOwner => text.Append("no previous owner"),
                Cause.UnknownOwner => text.Append("previous owner ").Append(previous).Append(" is not a Salesforce user"),
                Cause.InactiveOwner => text.Append("previous owner ").Append(Name(previous)).Append(" inactive"),
                Cause.OutsideTerritory => text.Append("previous owner ").Append(Name(previous)).Append(" not an AE of the pod"),
                Cause.OverCapacity => text.Append("previous owner ").Append(Name(slot.OverOwner)).Append(" over ").Append(Tiers.All[slot.Rank]).Append(" capacity"),
                _ => text,
            };
        }

        void AppendWhere(in Slot slot)
        {
            if (slot.Territory < 0)
            {
                return;
            }
            text.Append(" (territory ").Append(router.territories[slot.Territory].Name).Append(": ");
            if (router.conditionFields[slot.Territory].Length == 0)
            {
                text.Append("catch-all");
            }
            else
            {
                AppendValues(router.conditionFields[slot.Territory], slot.Input.Account);
            }
            text.Append(')');
        }

        void AppendValues(string[] fields, AccountProfile account)
        {
            if (fields.Length == 0)
            {
                text.Append("no territories defined");
            }
            for (var i = 0; i < fields.Length; i++)
            {
                text.Append(i == 0 ? "" : ", ").Append(fields[i]).Append(' ');
                _ = account.Value(fields[i]) switch
                {
                    null or "" => text.Append("blank"),
                    string s => text.Append(s),
                    var value => text.Append(CultureInfo.InvariantCulture, $"{value}"),
                };
            }
        }

        void AppendHelper(string role, string? user, HelperRule rule, bool first)
        {
            if (rule is HelperRule.Pending or HelperRule.Unchanged or HelperRule.Kept)
            {
                return;
            }
            text.Append(first ? "; " : ", ");
            _ = rule switch
            {
                HelperRule.OwnersPartner => text.Append(role).Append(' ').Append(Name(user)),
                HelperRule.Fewest => text.Append(role).Append(' ').Append(Name(user)).Append(" (fewest accounts)"),
                HelperRule.Replay => text.Append(role).Append(' ').Append(Name(user)).Append(" (replayed)"),
                HelperRule.Hold => text.Append(role).Append(' ').Append(Name(user)).Append(" kept (ownership hold)"),
                _ => text.Append("no active ").Append(role).Append(" in pod"),
            };
        }

        string NoRoom(in Slot slot) => slot.Pod!.Aes.Length == 0
            ? $"pod {slot.Pod.Name} has no active AE"
            : string.Create(CultureInfo.InvariantCulture, $"every AE in pod {slot.Pod.Name} is at {Tiers.All[slot.Rank]} capacity ({router.capacity[slot.Rank]})");

        string Name(string? user) =>
            user is null ? "none"
            : users.TryGetValue(user, out var u) ? string.IsNullOrWhiteSpace(u.Name) ? u.Email : u.Name
            : user;

    }

    static bool Same(string? a, string? b) => string.Equals(a, b, StringComparison.Ordinal);
}

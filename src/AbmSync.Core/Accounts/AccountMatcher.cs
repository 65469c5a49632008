using System.Buffers;
using System.Globalization;
using System.Numerics;
using System.Text;
using AbmSync.Core.Rules;

namespace AbmSync.Core.Accounts;

/// <summary>
/// Finds the account a lead or contact belongs to: by email domain (the account's website), then a subsidiary's
/// parent domain, then the company name. Several accounts at one step go to the tie-breaks, and a tie they cannot
/// break is reported as ambiguous, never guessed. Every account is indexed once, here, so that a match is a
/// normalisation and a lookup: the matcher serves millions of contacts against a million accounts.
/// Thread-safe: matching only reads, apart from results it caches with single reference writes.
/// </summary>
public sealed class AccountMatcher
{
    /// <summary>At most this many account ids are listed in <see cref="AccountMatch.Candidates"/>.</summary>
    public const int MaxCandidates = 10;

    /// <summary>Reasons fit a Salesforce Text(255) field.</summary>
    public const int MaxReason = 255;

    // Names and domains quoted in reasons are cut to this length, so that two of them and the words still fit.
    const int MaxQuoted = 60;

    const string NoEmailPrefix = "no usable email domain; ";
    const string NameOff = "company names are not matched (byCompanyName: false)";

    static readonly AccountMatch NoEmailNoCompany = new(null, MatchRules.None, [], "no usable email domain and no company name");
    static readonly AccountMatch NoEmailNameOff = new(null, MatchRules.None, [], NoEmailPrefix + NameOff);

    enum Tie { Tier, Pipeline, Contacts }

    /// <summary>A personal mail domain's slot: the text and the results that depend on nothing else.</summary>
    sealed record PersonalMail(string Prefix, AccountMatch NoCompany, AccountMatch NameOff);

    readonly MatchCandidate[] accounts;
    readonly Tie[] tieBreak;
    // Personal mail domains take the first slots of the domain index, so that one lookup of an email's domain says
    // whether it is personal, an account's, or a subsidiary's; accounts with such a website are not attached.
    readonly PersonalMail[] personal;
    readonly StepIndex domains;
    readonly StepIndex? names;
    // Subsidiaries whose parent has no account either: only named in the reason of the name step.
    readonly Dictionary<string, string> strandedSubsidiaries = new(StringComparer.Ordinal);
    readonly Dictionary<string, string>.AlternateLookup<ReadOnlySpan<char>> stranded;

    public AccountMatcher(IEnumerable<MatchCandidate> accounts, MatchingRules rules)
    {
        ArgumentNullException.ThrowIfNull(accounts);
        ArgumentNullException.ThrowIfNull(rules);
        this.accounts = [.. accounts];
        tieBreak = [.. rules.TieBreak.Select(ParseTie)];
        stranded = strandedSubsidiaries.GetAlternateLookup<ReadOnlySpan<char>>();

        var personalDomains = new List<string>(DomainName.PersonalMailDomains.Order(StringComparer.Ordinal));
        personalDomains.AddRange(rules.PersonalDomains.Select(DomainName.Normalize).OfType<string>());
        var subsidiaries = rules.Subsidiaries
            .Select(s => (Domain: DomainName.Normalize(s.Domain), Parent: DomainName.Normalize(s.Parent)))
            .Where(s => s.Domain is not null && s.Parent is not null && s.Domain != s.Parent)
            .ToList();

        domains = new StepIndex(this.accounts.Length, personalDomains.Count + subsidiaries.Count, isName: false);
        var personalSlots = new List<PersonalMail>();
        foreach (var domain in personalDomains)
        {
            if (domains.Intern(domain) == personalSlots.Count)
            {
                var prefix = $"{Quote(domain)} is a personal mail domain; ";
                personalSlots.Add(new PersonalMail(prefix,
                    new AccountMatch(null, MatchRules.PersonalDomain, [], Clip(prefix + "no company name")),
                    new AccountMatch(null, MatchRules.PersonalDomain, [], Clip(prefix + NameOff))));
            }
        }
        personal = [.. personalSlots];

        names = rules.ByCompanyName ? new StepIndex(this.accounts.Length, 0, isName: true) : null;
        Span<char> stack = stackalloc char[CompanyName.StackInput * CompanyName.Expansion];
        for (var i = 0; i < this.accounts.Length; i++)
        {
            var account = this.accounts[i];
            ArgumentException.ThrowIfNullOrEmpty(account.AccountId, nameof(accounts));
            if (!string.IsNullOrWhiteSpace(account.Website))
            {
                var host = DomainName.Host(account.Website);
                var buffer = host.Length <= stack.Length ? stack : new char[host.Length];
                var length = DomainName.Registrable(host, buffer);
                if (length >= 0)
                {
                    domains.Stage(buffer[..length], i);
                }
            }
            if (names is not null && !string.IsNullOrWhiteSpace(account.Name))
            {
                var name = account.Name;
                var buffer = name.Length <= CompanyName.StackInput ? stack : new char[name.Length * CompanyName.Expansion];
                if (CompanyName.Normalize(name, buffer, out var start, out var length))
                {
                    names.Stage(buffer.Slice(start, length), i);
                }
            }
        }
        // A personal mail domain as a website is bad data (everyone at gmail.com would be that account's): the
        // personal slots come first and take no accounts.
        domains.Place(reserved: personal.Length);
        names?.Place(reserved: 0);
        // An account with the subsidiary's own domain wins over the parent's, so only a domain without one aliases
        // the parent; a personal domain is never either.
        foreach (var (domain, parent) in subsidiaries)
        {
            if (domains.Find(domain!) >= 0)
            {
                continue;
            }
            // Only a parent with accounts of its own: a parent that is itself a subsidiary is not followed.
            var parentSlot = domains.Find(parent!);
            if (parentSlot >= personal.Length && domains.HasAccounts(parentSlot))
            {
                domains.AddAlias(domain!, parentSlot);
            }
            else if (parentSlot < 0)
            {
                strandedSubsidiaries.TryAdd(domain!, parent!);
            }
        }
        domains.Resolve(this);
        names?.Resolve(this);
    }

    /// <summary>How many accounts the matcher indexed.</summary>
    public int Accounts => accounts.Length;

    /// <summary>The account of a lead or contact with this email and company, by the order the class summary gives.</summary>
    public AccountMatch Match(string? email, string? company)
    {
        Span<char> stack = stackalloc char[StackHost];
        char[]? rented = null;
        try
        {
            var personalSlot = -1;
            scoped ReadOnlySpan<char> unmatched = default;
            if (!string.IsNullOrWhiteSpace(email) && email.IndexOf('@', StringComparison.Ordinal) > 0)
            {
                var host = DomainName.Host(email.AsSpan(email.LastIndexOf('@') + 1));
                var buffer = host.Length <= stack.Length ? stack : (rented = ArrayPool<char>.Shared.Rent(host.Length));
                var length = DomainName.Registrable(host, buffer);
                if (length >= 0)
                {
                    var domain = buffer[..length];
                    var slot = domains.Find(domain);
                    if (slot >= personal.Length)
                    {
                        return domains.Result(this, slot);
                    }
                    if (slot >= 0)
                    {
                        personalSlot = slot;
                    }
                    else
                    {
                        unmatched = domain;
                    }
                }
            }
            return MatchName(company, personalSlot, unmatched);
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<char>.Shared.Return(rented);
            }
        }
    }

    // Email hosts up to this long are reduced on the stack; longer ones borrow a pooled buffer.
    const int StackHost = 128;

    AccountMatch MatchName(string? company, int personalSlot, ReadOnlySpan<char> unmatched)
    {
        var mail = personalSlot >= 0 ? personal[personalSlot] : null;
        var noEmail = mail is null && unmatched.IsEmpty;
        var missRule = mail is null ? MatchRules.None : MatchRules.PersonalDomain;
        if (names is null)
        {
            return mail?.NameOff ?? (noEmail ? NoEmailNameOff : Miss(missRule, Unmatched(unmatched) + NameOff));
        }
        if (string.IsNullOrWhiteSpace(company))
        {
            return mail?.NoCompany ?? (noEmail ? NoEmailNoCompany : Miss(missRule, Unmatched(unmatched) + "no company name"));
        }
        Span<char> stack = stackalloc char[CompanyName.StackInput * CompanyName.Expansion];
        char[]? rented = null;
        try
        {
            var buffer = company.Length <= CompanyName.StackInput ? stack : (rented = ArrayPool<char>.Shared.Rent(company.Length * CompanyName.Expansion));
            if (!CompanyName.Normalize(company, buffer, out var start, out var length))
            {
                return Miss(missRule, $"{Prefix(mail, unmatched)}company \"{Quote(company)}\" is blank or a placeholder");
            }
            var key = buffer.Slice(start, length);
            var slot = names.Find(key);
            if (slot < 0)
            {
                return Miss(missRule, $"{Prefix(mail, unmatched)}no account named \"{Quote(key)}\"");
            }
            if (noEmail)
            {
                return names.Result(this, slot);
            }
            if (mail is not null)
            {
                return names.ForPersonal(this, slot, personalSlot, mail.Prefix);
            }
            var core = names.Core(this, slot);
            return core with { Reason = Clip(Unmatched(unmatched) + core.Reason) };
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<char>.Shared.Return(rented);
            }
        }
    }

    static AccountMatch Miss(string rule, string reason) => new(null, rule, [], Clip(reason));

    /// <summary>What the email's domain step found, leading the name step's reason.</summary>
    string Prefix(PersonalMail? mail, ReadOnlySpan<char> unmatched) =>
        mail?.Prefix ?? (unmatched.IsEmpty ? NoEmailPrefix : Unmatched(unmatched));

    string Unmatched(ReadOnlySpan<char> domain) =>
        stranded.TryGetValue(domain, out var known, out var parent)
            ? $"no account with domain {Quote(known)} or its parent {Quote(parent)}; "
            : $"no account with domain {Quote(domain)}; ";

    static Tie ParseTie(string name) => name switch
    {
        TieBreaks.Tier => Tie.Tier,
        TieBreaks.Pipeline => Tie.Pipeline,
        TieBreaks.Contacts => Tie.Contacts,
        _ => throw new ArgumentException($"tie-break '{name}' is not one of: {string.Join(", ", TieBreaks.All)}", nameof(name)),
    };

    /// <summary>Below 0 when account <paramref name="a"/> beats <paramref name="b"/> on the tie-breaks, 0 when they tie.</summary>
    int Compare(int a, int b)
    {
        foreach (var tie in tieBreak)
        {
            var c = Compare(tie, accounts[a], accounts[b]);
            if (c != 0)
            {
                return c;
            }
        }
        return 0;
    }

    static int Compare(Tie tie, MatchCandidate a, MatchCandidate b) => tie switch
    {
        Tie.Tier => Tiers.Rank(a.Tier).CompareTo(Tiers.Rank(b.Tier)),
        Tie.Pipeline => (b.OpenPipeline ?? 0m).CompareTo(a.OpenPipeline ?? 0m),
        _ => b.Contacts.CompareTo(a.Contacts),
    };

    static string TieName(Tie tie) => tie switch
    {
        Tie.Tier => "tier",
        Tie.Pipeline => "open pipeline",
        _ => "contacts",
    };

    static string Won(Tie tie, MatchCandidate winner, MatchCandidate next) => tie switch
    {
        Tie.Tier => $"{TierText(winner)} over {TierText(next)}",
        Tie.Pipeline => $"open pipeline {Amount(winner.OpenPipeline)} over {Amount(next.OpenPipeline)}",
        _ => $"{winner.Contacts} contacts over {next.Contacts}",
    };

    // An unknown tier value ranks as none, and says so rather than quoting it.
    static string TierText(MatchCandidate account) => Tiers.Rank(account.Tier) < Tiers.All.Count ? account.Tier! : "no tier";

    static string Amount(decimal? amount) => (amount ?? 0m).ToString("#,0.##", CultureInfo.InvariantCulture);

    /// <summary>The reason for a step with several accounts: which won on which tie-break, or that none did.</summary>
    string Decide(string lead, string group, int[] ranked)
    {
        var best = accounts[ranked[0]];
        var next = accounts[ranked[1]];
        var text = new StringBuilder(lead).Append(ranked.Length).Append(' ').Append(group).Append(": ");
        for (var i = 0; i < tieBreak.Length; i++)
        {
            if (Compare(tieBreak[i], best, next) != 0)
            {
                text.Append("chose ").Append(Label(best)).Append(", ");
                if (i > 0)
                {
                    text.Append("same ").Append(JoinTies(tieBreak.AsSpan(0, i))).Append(", ");
                }
                return Clip(text.Append(Won(tieBreak[i], best, next)).ToString());
            }
        }
        if (tieBreak.Length == 0)
        {
            return Clip(text.Append("no tie-break configured; not guessed").ToString());
        }
        var tied = 2;
        while (tied < ranked.Length && Compare(ranked[0], ranked[tied]) == 0)
        {
            tied++;
        }
        if (tied < ranked.Length)
        {
            text.Append(tied).Append(' ');
        }
        return Clip(text.Append("tied on ").Append(JoinTies(tieBreak)).Append("; not guessed").ToString());
    }

    static string JoinTies(ReadOnlySpan<Tie> ties)
    {
        var text = new StringBuilder();
        for (var i = 0; i < ties.Length; i++)
        {
            text.Append(i == 0 ? "" : i == ties.Length - 1 ? " and " : ", ").Append(TieName(ties[i]));
        }
        return text.ToString();
    }

    static string Label(MatchCandidate account) =>
        string.IsNullOrWhiteSpace(account.Name) ? Quote(account.AccountId) : $"{Quote(account.AccountId)} ({Quote(account.Name)})";

    /// <summary>Text from the data, cut short and on one line, to quote in a reason.</summary>
    static string Quote(string text) =>
        text.Length <= MaxQuoted && !text.AsSpan().ContainsAnyInRange('\0', '\u001F') ? text : Quote(text.AsSpan());

    static string Quote(ReadOnlySpan<char> text)
    {
        var cut = text.Length > MaxQuoted ? text[..(MaxQuoted - 1)] : text;
        if (cut.Length < text.Length && char.IsHighSurrogate(cut[^1]))
        {
            cut = cut[..^1];
        }
        var quoted = new StringBuilder(cut.Length + 1);
        foreach (var c in cut)
        {
            quoted.Append(char.IsControl(c) ? ' ' : c);
        }
        return (cut.Length < text.Length ? quoted.Append('…') : quoted).ToString();
    }

    static string Clip(string reason)
    {
        if (reason.Length <= MaxReason)
        {
            return reason;
        }
        var cut = MaxReason - 1;
        if (char.IsHighSurrogate(reason[cut - 1]))
        {
            cut--;
        }
        return string.Concat(reason.AsSpan(0, cut), "…");
    }

    /// <summary>The name step's result after a personal domain, kept for the domain it was built for.</summary>
    sealed record PersonalVariant(int PersonalSlot, AccountMatch Match);

    /// <summary>
    /// One step's index: keys (normalised domains or names) found through an open-addressing table of slots; each
    /// slot's accounts chained through <see cref="next"/>, its winner (-1 when the tie-breaks cannot choose) and,
    /// once asked for, its results. Built for a million accounts on a machine where fresh memory is slow to touch:
    /// keys sit as UTF-8 in a few large chunks rather than a million strings (nothing for the garbage collector to
    /// copy, a byte per character of a domain), a slot's key is read through its first entry rather than stored
    /// again, and keys are staged, then placed a table region at a time, since inserts at random places in a table
    /// this size spend their time waiting for memory.
    /// </summary>
    sealed class StepIndex
    {
        // Table regions hold 2^RegionBits entries: 16 KB, which stays in cache while its keys are placed.
        const int RegionBits = 11;
        const int ChunkBits = 20;
        const int ChunkSize = 1 << ChunkBits;

        // Entries 0 to accounts - 1 are the accounts' keys (length 0 for an account without one); later entries are
        // keys interned for slots without accounts: personal mail domains and subsidiaries.
        readonly int accounts;
        // Per entry: where its key starts (chunk << ChunkBits | offset, high half) and its length in bytes (low half).
        readonly long[] entries;
        int extra;
        readonly List<byte[]> chunks = [];
        int chunkUsed = ChunkSize;
        // Per table position: a key's hash (high half) and its slot + 1 (low half; 0 is empty), so that probing
        // compares hashes without touching another array.
        readonly long[] table;
        readonly int mask;
        // Per slot: an entry holding its key; for a slot with accounts, the first of its chain.
        readonly int[] head;
        readonly int[] winner;
        // Per account: the next account in its slot's chain, or -1.
        readonly int[] next;
        // Slots from firstAlias on are subsidiaries, reading the accounts of their parent's slot.
        int firstAlias = int.MaxValue;
        readonly List<int> aliasParents = [];
        readonly AccountMatch?[] results;
        readonly AccountMatch?[]? cores;
        readonly PersonalVariant?[]? variants;
        int used;
        // The staged keys' hashes, by account, until they are placed.
        int[]? staged;

        // In winner, before Resolve: a slot whose accounts the tie-breaks must rank.
        const int Unresolved = -2;

        public StepIndex(int accounts, int extras, bool isName)
        {
            IsName = isName;
            this.accounts = accounts;
            var capacity = accounts + extras;
            var size = 1 << (RegionBits + 1);
            while (size < capacity * 2)
            {
                size <<= 1;
            }
            table = new long[size];
            mask = size - 1;
            entries = new long[capacity];
            head = new int[capacity];
            winner = new int[capacity];
            next = new int[accounts];
            results = new AccountMatch?[capacity];
            cores = isName ? new AccountMatch?[capacity] : null;
            variants = isName ? new PersonalVariant?[capacity] : null;
        }

        /// <summary>The company-name step's index, rather than the email domain's.</summary>
        public bool IsName { get; }

        ReadOnlySpan<byte> Key(int entry)
        {
            var at = entries[entry];
            var position = (int)(at >> 32);
            return chunks[position >> ChunkBits].AsSpan(position & (ChunkSize - 1), (int)at);
        }

        string KeyText(int slot) => Encoding.UTF8.GetString(Key(head[slot]));

        static int Hash(ReadOnlySpan<byte> key)
        {
            var hash = new HashCode();
            hash.AddBytes(key);
            return hash.ToHashCode();
        }

        /// <summary>The slot of a key, or -1.</summary>
        public int Find(ReadOnlySpan<char> key)
        {
            var utf8 = key.Length <= 128 ? stackalloc byte[key.Length * 3] : new byte[key.Length * 3];
            var bytes = utf8[..Encoding.UTF8.GetBytes(key, utf8)];
            var hash = Hash(bytes);
            for (var i = hash & mask; ; i = (i + 1) & mask)
            {
                var entry = table[i];
                var slot = (int)entry - 1;
                if (slot < 0 || ((int)(entry >> 32) == hash && Key(head[slot]).SequenceEqual(bytes)))
                {
                    return slot;
                }
            }
        }

        /// <summary>Notes an account's key, to be placed with the others by <see cref="Place"/>.</summary>
        public void Stage(ReadOnlySpan<char> key, int account)
        {
            Append(key, account);
            (staged ??= new int[accounts])[account] = Hash(Key(account));
        }

        /// <summary>The slot of a key, made (without accounts) when the key is new.</summary>
        public int Intern(ReadOnlySpan<char> key)
        {
            var entry = accounts + extra++;
            Append(key, entry);
            return Insert(Hash(Key(entry)), entry);
        }

        public bool HasAccounts(int slot) => head[slot] < accounts;

        public void AddAlias(string key, int parentSlot)
        {
            var slot = Intern(key);
            firstAlias = Math.Min(firstAlias, slot);
            aliasParents.Add(parentSlot);
        }

        int Parent(int slot) => slot >= firstAlias ? aliasParents[slot - firstAlias] : -1;

        /// <summary>
        /// Gives every staged account its key's slot, a table region at a time (a counting sort of the keys by region
        /// first). Slots made before, the first <paramref name="reserved"/>, take no accounts.
        /// </summary>
        public void Place(int reserved)
        {
            if (staged is not { } hashes)
            {
                return;
            }
            var shift = BitOperations.Log2((uint)table.Length) - RegionBits;
            var regions = new int[(table.Length >> shift) + 1];
            for (var e = 0; e < accounts; e++)
            {
                if ((int)entries[e] > 0)
                {
                    regions[((hashes[e] & mask) >> shift) + 1]++;
                }
            }
            for (var r = 1; r < regions.Length; r++)
            {
                regions[r] += regions[r - 1];
            }
            // Hash and entry, in region order: placing then reads a key's bytes only to compare equal hashes.
            var order = new long[regions[^1]];
            for (var e = 0; e < accounts; e++)
            {
                if ((int)entries[e] > 0)
                {
                    var hash = hashes[e];
                    order[regions[(hash & mask) >> shift]++] = ((long)hash << 32) | (uint)e;
                }
            }
            staged = null;
            foreach (var item in order)
            {
                var entry = (int)item;
                var slot = Insert((int)(item >> 32), entry);
                if (head[slot] == entry)
                {
                    // One account so far: it is the winner unless another joins.
                    winner[slot] = entry;
                }
                else if (slot >= reserved)
                {
                    next[entry] = head[slot];
                    head[slot] = entry;
                    winner[slot] = Unresolved;
                }
            }
        }

        void Append(ReadOnlySpan<char> key, int entry)
        {
            var room = key.Length * 3;
            if (chunkUsed + room > ChunkSize)
            {
                chunks.Add(new byte[Math.Max(ChunkSize, room)]);
                chunkUsed = 0;
            }
            var chunk = chunks.Count - 1;
            var length = Encoding.UTF8.GetBytes(key, chunks[chunk].AsSpan(chunkUsed));
            entries[entry] = ((long)((chunk << ChunkBits) | chunkUsed) << 32) | (uint)length;
            // A key longer than a chunk has a chunk of its own.
            chunkUsed = room > ChunkSize ? ChunkSize : chunkUsed + length;
        }

        /// <summary>The slot of an entry's key, made with the entry as its first when the key is new.</summary>
        int Insert(int hash, int entry)
        {
            var key = Key(entry);
            var i = hash & mask;
            for (; table[i] != 0; i = (i + 1) & mask)
            {
                var found = table[i];
                var slot = (int)found - 1;
                if ((int)(found >> 32) == hash && Key(head[slot]).SequenceEqual(key))
                {
                    return slot;
                }
            }
            var made = used++;
            table[i] = ((long)hash << 32) | (uint)(made + 1);
            head[made] = entry;
            if (entry < accounts)
            {
                next[entry] = -1;
            }
            return made;
        }

        /// <summary>Each slot's winner: its one account, or the one the tie-breaks rank strictly first.</summary>
        public void Resolve(AccountMatcher matcher)
        {
            // Place named the winner of every slot with one account; only slots with several need ranking.
            for (var slot = 0; slot < used; slot++)
            {
                if (winner[slot] != Unresolved)
                {
                    continue;
                }
                var best = head[slot];
                var tied = 1;
                for (var a = next[best]; a >= 0; a = next[a])
                {
                    var c = matcher.Compare(a, best);
                    if (c < 0)
                    {
                        (best, tied) = (a, 1);
                    }
                    else if (c == 0)
                    {
                        tied++;
                    }
                }
                winner[slot] = tied == 1 ? best : -1;
            }
            for (var slot = firstAlias; slot < used; slot++)
            {
                winner[slot] = winner[Parent(slot)];
            }
        }

        /// <summary>The domain step's result for a slot, or the name step's when there was no email domain: cached.</summary>
        public AccountMatch Result(AccountMatcher matcher, int slot)
        {
            if (Volatile.Read(ref results[slot]) is { } cached)
            {
                return cached;
            }
            AccountMatch result;
            if (IsName)
            {
                var core = Core(matcher, slot);
                result = core with { Reason = Clip(NoEmailPrefix + core.Reason) };
            }
            else
            {
                result = Build(matcher, slot);
            }
            Volatile.Write(ref results[slot], result);
            return result;
        }

        /// <summary>A name slot's result with only its own words as the reason; a prefix says what the email found.</summary>
        public AccountMatch Core(AccountMatcher matcher, int slot)
        {
            if (Volatile.Read(ref cores![slot]) is { } cached)
            {
                return cached;
            }
            var core = Build(matcher, slot);
            Volatile.Write(ref cores[slot], core);
            return core;
        }

        /// <summary>The name step's result after a personal domain; the last one built is kept, as most are gmail.com.</summary>
        public AccountMatch ForPersonal(AccountMatcher matcher, int slot, int personalSlot, string prefix)
        {
            if (Volatile.Read(ref variants![slot]) is { } cached && cached.PersonalSlot == personalSlot)
            {
                return cached.Match;
            }
            var core = Core(matcher, slot);
            var result = core with { Reason = Clip(prefix + core.Reason) };
            Volatile.Write(ref variants[slot], new PersonalVariant(personalSlot, result));
            return result;
        }

        AccountMatch Build(AccountMatcher matcher, int slot)
        {
            var alias = Parent(slot) >= 0;
            var own = alias ? Parent(slot) : slot;
            var n = 0;
            for (var a = head[own]; a >= 0; a = next[a])
            {
                n++;
            }
            var ranked = new int[n];
            n = 0;
            for (var a = head[own]; a >= 0; a = next[a])
            {
                ranked[n++] = a;
            }
            var accounts = matcher.accounts;
            Array.Sort(ranked, (a, b) =>
            {
                var c = matcher.Compare(a, b);
                return c != 0 ? c : string.CompareOrdinal(accounts[a].AccountId, accounts[b].AccountId);
            });
            // The winner and those tied with it rank first, so the ten listed always include them.
            string[] candidates = [.. ranked.Take(MaxCandidates).Select(a => accounts[a].AccountId).Order(StringComparer.Ordinal)];

            var key = Quote(KeyText(slot));
            var rule = winner[slot] < 0 ? MatchRules.Ambiguous
                : IsName ? MatchRules.CompanyName
                : alias ? MatchRules.Subsidiary
                : MatchRules.Domain;
            var id = winner[slot] < 0 ? null : accounts[winner[slot]].AccountId;
            string reason;
            if (ranked.Length == 1)
            {
                var subject = IsName ? $"company \"{key}\""
                    : alias ? $"email domain {key}, a subsidiary of {Quote(KeyText(own))},"
                    : $"email domain {key}";
                reason = Clip($"{subject} matches account {Label(accounts[ranked[0]])}");
            }
            else
            {
                var lead = alias ? $"email domain {key} is a subsidiary of {Quote(KeyText(own))}; " : "";
                var group = IsName ? $"accounts named \"{key}\"" : $"accounts with domain {Quote(KeyText(own))}";
                reason = matcher.Decide(lead, group, ranked);
            }
            return new AccountMatch(id, rule, candidates, reason);
        }
    }
}

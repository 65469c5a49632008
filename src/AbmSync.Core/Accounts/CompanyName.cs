namespace AbmSync.Core.Accounts;

/// <summary>
/// Company names reduced to the words that identify the company, the key that matches a lead's or contact's company
/// to an account's name when the email cannot: "The Acme Holdings Pty. Ltd." and "acme holdings" are one key.
/// </summary>
public static class CompanyName
{
    // Legal forms, as words after normalisation: dotted forms arrive joined ("L.L.C." is "llc", "A/S" is "as").
    static readonly HashSet<string> LegalSuffixes = new(StringComparer.Ordinal)
    {
        "inc", "incorporated", "llc", "lc", "pllc", "ltd", "limited", "plc", "corp", "corporation", "co", "company",
        "cos", "gmbh", "mbh", "ag", "kg", "kgaa", "ohg", "ug", "se", "sa", "sas", "sarl", "sasu", "eurl", "sl", "sau",
        "bv", "nv", "bvba", "vof", "pty", "pte", "pvt", "kk", "srl", "spa", "sro", "ab", "as", "asa", "aps", "oy",
        "oyj", "ltda", "lp", "llp", "lllp", "ulc", "sdn", "bhd", "tbk", "ltee",
    };

    // Words left dangling once a legal form goes ("Bain & Co" → "bain and", "Infosys Private Limited" → "infosys
    // private"): dropped only then, so "Procter and Gamble" keeps its "and".
    static readonly HashSet<string> Connectors = new(StringComparer.Ordinal) { "and", "private" };

    /// <summary>What forms and CRMs put in the company field when there is no company; never a match.</summary>
    static readonly HashSet<string> Placeholders = new(StringComparer.Ordinal)
    {
        "not provided", "none", "unknown", "n a", "na", "nil", "null", "tbd", "test", "self", "self employed",
        "individual", "freelance", "freelancer", "private", "personal", "student", "retired", "unemployed", "home",
        "no company",
    };

    static readonly HashSet<string>.AlternateLookup<ReadOnlySpan<char>> SuffixSpans = LegalSuffixes.GetAlternateLookup<ReadOnlySpan<char>>();
    static readonly HashSet<string>.AlternateLookup<ReadOnlySpan<char>> ConnectorSpans = Connectors.GetAlternateLookup<ReadOnlySpan<char>>();
    static readonly HashSet<string>.AlternateLookup<ReadOnlySpan<char>> PlaceholderSpans = Placeholders.GetAlternateLookup<ReadOnlySpan<char>>();

    /// <summary>Each input character becomes at most this many (<c>&amp;</c> is " and ").</summary>
    internal const int Expansion = 5;

    /// <summary>Inputs up to this long normalise on the stack.</summary>
    internal const int StackInput = 64;

    /// <summary>
    /// Lower case, accents folded, <c>&amp;</c> as "and", punctuation as spaces (apostrophes dropped, dotted initials
    /// joined), a leading "the" and trailing legal forms removed, single spaces. Null when nothing identifying remains:
    /// an empty name, one of only punctuation or legal forms, or a placeholder such as "n/a" or "self-employed".
    /// Idempotent.
    /// </summary>
    public static string? Normalize(string? name)
    {
        if (string.IsNullOrWhiteSpace(name))
        {
            return null;
        }
        var buffer = name.Length <= StackInput ? stackalloc char[StackInput * Expansion] : new char[name.Length * Expansion];
        if (!Normalize(name, buffer, out var start, out var length))
        {
            return null;
        }
        var result = buffer.Slice(start, length);
        return result.SequenceEqual(name) ? name : new string(result);
    }

    /// <summary>
    /// <see cref="Normalize(string?)"/> into <paramref name="buffer"/> (at least <see cref="Expansion"/> times the
    /// input's length); false when the name identifies nothing. Allocates nothing.
    /// </summary>
    internal static bool Normalize(ReadOnlySpan<char> name, Span<char> buffer, out int start, out int length)
    {
        start = 0;
        length = 0;
        // Words go out separated by one space. An initial is a one-letter word; one that follows another initial
        // across nothing but dots, slashes and spaces, with a dot or slash among them, joins it: "L.L.C." and
        // "J. P." read as "llc" and "jp", so the dotted and undotted spellings meet.
        var word = new WordState();
        Span<char> folded = stackalloc char[2];
        foreach (var raw in name)
        {
            if (raw is '\'' or '\u2019' or '\u2018' or '\u00B4' or '`')
            {
                // "McDonald's" and "McDonalds" are the same company.
                continue;
            }
            if (raw == '&')
            {
                word.End(buffer, ref length);
                if (length > 0)
                {
                    buffer[length++] = ' ';
                }
                "and".CopyTo(buffer[length..]);
                length += 3;
                word.AfterWord();
                continue;
            }
            var n = Fold(raw, folded);
            if (n == 0)
            {
                // Combining accents (a decomposed "é") vanish; anything else that is not a letter or digit separates.
                if (!IsCombiningMark(raw))
                {
                    word.End(buffer, ref length);
                    word.Separator(raw);
                }
                continue;
            }
            if (word.Start < 0)
            {
                word.Begin(length > 0);
                if (length > 0)
                {
                    buffer[length++] = ' ';
                }
                word.Start = length;
            }
            buffer[length++] = folded[0];
            if (n == 2)
            {
                buffer[length++] = folded[1];
            }
        }
        word.End(buffer, ref length);

        var end = length;
        // Every leading "the", so that normalising a normalised name changes nothing.
        while (end - start > 4 && buffer.Slice(start, 4).SequenceEqual("the "))
        {
            start += 4;
        }
        // Legal forms come off the end, as many as there are ("Holdings Pty Ltd"), then any connector they leave.
        var stripped = false;
        while (end > start)
        {
            var space = buffer[start..end].LastIndexOf(' ');
            var wordAt = space < 0 ? start : start + space + 1;
            var last = buffer[wordAt..end];
            if (SuffixSpans.Contains(last) || (stripped && ConnectorSpans.Contains(last)))
            {
                stripped = true;
                end = space < 0 ? start : wordAt - 1;
                continue;
            }
            break;
        }
        length = end - start;
        return length > 0 && !PlaceholderSpans.Contains(buffer.Slice(start, length));
    }

    /// <summary>Where the tokenizer stands: the word being written, and whether the next one-letter word joins the last.</summary>
    struct WordState
    {
        public int Start;
        bool lastIsInitials;
        bool joins;
        bool sawJoiner;
        bool notJoinable;

        public WordState()
        {
            Start = -1;
        }

        /// <summary>A word starts: it may join the initials before it if only dots, slashes and spaces came between, and not only spaces.</summary>
        public void Begin(bool hasWords)
        {
            joins = hasWords && lastIsInitials && sawJoiner && !notJoinable;
            sawJoiner = false;
            notJoinable = false;
        }

        public void Separator(char c)
        {
            // A slash joins as a dot does: Danish "A/S" is the legal form "as", "N/A" the placeholder "na".
            sawJoiner |= c is '.' or '/';
            notJoinable |= c is not ('.' or '/') && !char.IsWhiteSpace(c);
        }

        /// <summary>A word that is no initial ("and" from an ampersand) ends any run of them.</summary>
        public void AfterWord()
        {
            lastIsInitials = false;
            sawJoiner = false;
            notJoinable = false;
        }

        /// <summary>Closes the word being written; a one-letter word that joins drops the space before it.</summary>
        public void End(Span<char> buffer, ref int length)
        {
            if (Start < 0)
            {
                return;
            }
            var initial = length - Start == 1 && char.IsLetter(buffer[Start]);
            if (initial && joins)
            {
                buffer[Start - 1] = buffer[Start];
                length--;
            }
            lastIsInitials = initial;
            joins = false;
            Start = -1;
        }
    }

    /// <summary>The lower-case, accent-free form of a letter or digit (up to two characters), or 0 for anything else.</summary>
    static int Fold(char c, Span<char> into)
    {
        if (char.IsAsciiLetterOrDigit(c))
        {
            into[0] = char.ToLowerInvariant(c);
            return 1;
        }
        if (c < '\u00C0')
        {
            return 0;
        }
        if (c <= '\u017F')
        {
            var mapped = Latin[c - '\u00C0'];
            switch (mapped)
            {
                case ' ':
                    return 0;
                case 'S':
                    into[0] = 's';
                    into[1] = 's';
                    return 2;
                case 'A':
                    into[0] = 'a';
                    into[1] = 'e';
                    return 2;
                case 'O':
                    into[0] = 'o';
                    into[1] = 'e';
                    return 2;
                case 'T':
                    into[0] = 't';
                    into[1] = 'h';
                    return 2;
                case 'I':
                    into[0] = 'i';
                    into[1] = 'j';
                    return 2;
                default:
                    into[0] = mapped;
                    return 1;
            }
        }
        if (char.IsLetterOrDigit(c))
        {
            // Other scripts keep their letters: a Japanese or Cyrillic name still matches itself.
            into[0] = char.ToLowerInvariant(c);
            return 1;
        }
        return 0;
    }

    static bool IsCombiningMark(char c) => c is >= '\u0300' and <= '\u036F';

    // U+00C0 to U+017F (Latin-1 Supplement letters and Latin Extended-A) to their base letters. A space is not a
    // letter (× and ÷); capitals mark two-letter folds: S = ss, A = ae, O = oe, T = th, I = ij. A table, because the
    // build runs with invariant globalization, and this covers the names Western European data holds.
    const string Latin =
        "aaaaaaAceeeeiiii" + // C0-CF: À Á Â Ã Ä Å Æ Ç È É Ê Ë Ì Í Î Ï
        "dnooooo ouuuuyTS" + // D0-DF: Ð Ñ Ò Ó Ô Õ Ö × Ø Ù Ú Û Ü Ý Þ ß
        "aaaaaaAceeeeiiii" + // E0-EF
        "dnooooo ouuuuyTy" + // F0-FF: ... þ ÿ
        "aaaaaaccccccccdd" + // 100-10F: Ā ā Ă ă Ą ą Ć ć Ĉ ĉ Ċ ċ Č č Ď ď
        "ddeeeeeeeeeegggg" + // 110-11F: Đ đ Ē ē Ĕ ĕ Ė ė Ę ę Ě ě Ĝ ĝ Ğ ğ
        "gggghhhhiiiiiiii" + // 120-12F: Ġ ġ Ģ ģ Ĥ ĥ Ħ ħ Ĩ ĩ Ī ī Ĭ ĭ Į į
        "iiIIjjkkklllllll" + // 130-13F: İ ı Ĳ ĳ Ĵ ĵ Ķ ķ ĸ Ĺ ĺ Ļ ļ Ľ ľ Ŀ
        "lllnnnnnnnnnoooo" + // 140-14F: ŀ Ł ł Ń ń Ņ ņ Ň ň ŉ Ŋ ŋ Ō ō Ŏ ŏ
        "ooOOrrrrrrssssss" + // 150-15F: Ő ő Œ œ Ŕ ŕ Ŗ ŗ Ř ř Ś ś Ŝ ŝ Ş ş
        "ssttttttuuuuuuuu" + // 160-16F: Š š Ţ ţ Ť ť Ŧ ŧ Ũ ũ Ū ū Ŭ ŭ Ů ů
        "uuuuwwyyyzzzzzzs";  // 170-17F: Ű ű Ų ų Ŵ ŵ Ŷ ŷ Ÿ Ź ź Ż ż Ž ž ſ
}

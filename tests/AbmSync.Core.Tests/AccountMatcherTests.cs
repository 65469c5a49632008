using AbmSync.Core.Accounts;

namespace AbmSync.Core.Tests;

public class AccountMatcherTests
{
    static MatchCandidate A(string id, string? website, string? name = null, string? tier = null, decimal? pipeline = null, int contacts = 0) =>
        new(id, website, name, tier, pipeline, contacts);

    static AccountMatcher Matcher(MatchingRules? rules, params MatchCandidate[] accounts) => new(accounts, rules ?? MatchingRules.Default);

    static AccountMatcher Matcher(params MatchCandidate[] accounts) => Matcher(null, accounts);

    static MatchingRules WithSubsidiaries(params SubsidiaryDomain[] subsidiaries) => MatchingRules.Default with { Subsidiaries = subsidiaries };

    [Theory]
    [InlineData("acme.com", "ana@acme.com")]
    [InlineData("https://www.acme.com", "ana@acme.com")]
    [InlineData("http://acme.com/about?x=1", "Ana@ACME.COM")]
    [InlineData("HTTPS://WWW.ACME.COM:8443/", "ana@acme.com")]
    [InlineData("www.acme.com/contact#form", "ana@mail.acme.com")]
    [InlineData("acme.com", "  ana@acme.com  ")]
    [InlineData("https://www.acme.co.uk/about", "sales@eu.acme.co.uk")]
    [InlineData("acme.co.uk", "sales@acme.co.uk")]
    [InlineData("https://shop.acme.com.au", "sales@acme.com.au")]
    [InlineData("acme.com.au", "sales@mail.sydney.acme.com.au")]
    public void Match_EmailDomain_MatchesTheAccountsWebsite(string website, string email)
    {
        var matcher = Matcher(A("001A", website, "Acme Ltd"), A("001B", "https://other.com", "Other"));

        var match = matcher.Match(email, null);

        Assert.Equal(("001A", MatchRules.Domain), (match.AccountId, match.Rule));
        Assert.True(match.Matched);
        Assert.False(match.Ambiguous);
        Assert.Equal(["001A"], match.Candidates);
        Assert.Contains($"email domain {DomainName.OfEmail(email)} matches account 001A (Acme Ltd)", match.Reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("acme.co.uk", "ana@other.co.uk")]
    [InlineData("acme.co.uk", "ana@acme.uk")]
    [InlineData("acme.com.au", "ana@acme.com")]
    [InlineData("acme.com", "ana@acme.co")]
    [InlineData("acme.com", "ana@acme-labs.com")]
    public void Match_OtherRegistrableDomain_DoesNotMatch(string website, string email)
    {
        var match = Matcher(A("001A", website, "Acme")).Match(email, null);

        Assert.Null(match.AccountId);
        Assert.Equal(MatchRules.None, match.Rule);
        Assert.Empty(match.Candidates);
        Assert.StartsWith($"no account with domain {DomainName.OfEmail(email)}; no company name", match.Reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("ana@acme-labs.com")]
    [InlineData("ana@research.acme-labs.com")]
    public void Match_SubsidiaryDomain_MatchesTheParentsAccount(string email)
    {
        var matcher = Matcher(WithSubsidiaries(new SubsidiaryDomain("acme-labs.com", "acme.com")), A("001A", "https://acme.com", "Acme"));

        var match = matcher.Match(email, null);

        Assert.Equal(("001A", MatchRules.Subsidiary), (match.AccountId, match.Rule));
        Assert.Equal(["001A"], match.Candidates);
        Assert.Equal("email domain acme-labs.com, a subsidiary of acme.com, matches account 001A (Acme)", match.Reason);
    }

    [Fact]
    public void Match_SubsidiaryWithAnAccountOfItsOwn_MatchesThatAccountByDomain()
    {
        var matcher = Matcher(WithSubsidiaries(new SubsidiaryDomain("acme-labs.com", "acme.com")),
            A("001A", "acme.com", "Acme"), A("001L", "www.acme-labs.com", "Acme Labs"));

        var match = matcher.Match("ana@acme-labs.com", null);

        Assert.Equal(("001L", MatchRules.Domain), (match.AccountId, match.Rule));
        Assert.Equal(["001L"], match.Candidates);
        Assert.Equal(("001A", MatchRules.Domain), (matcher.Match("bo@acme.com", null).AccountId, matcher.Match("bo@acme.com", null).Rule));
    }

    [Fact]
    public void Match_SubsidiaryWhoseParentHasNoAccount_FallsToTheNameAndSaysSo()
    {
        var matcher = Matcher(WithSubsidiaries(new SubsidiaryDomain("acme-labs.com", "acme.com")), A("001X", "other.com", "Acme Labs"));

        var match = matcher.Match("ana@acme-labs.com", "Acme Labs, Inc.");

        Assert.Equal(("001X", MatchRules.CompanyName), (match.AccountId, match.Rule));
        Assert.Equal("no account with domain acme-labs.com or its parent acme.com; company \"acme labs\" matches account 001X (Acme Labs)", match.Reason);
    }

    [Fact]
    public void Match_SubsidiaryOfAParentWithTiedAccounts_IsAmbiguous()
    {
        var matcher = Matcher(WithSubsidiaries(new SubsidiaryDomain("acme-labs.com", "acme.com")), A("001B", "acme.com"), A("001A", "acme.com"));

        var match = matcher.Match("ana@acme-labs.com", null);

        Assert.Null(match.AccountId);
        Assert.True(match.Ambiguous);
        Assert.Equal(["001A", "001B"], match.Candidates);
        Assert.Equal("email domain acme-labs.com is a subsidiary of acme.com; 2 accounts with domain acme.com: tied on tier, open pipeline and contacts; not guessed", match.Reason);
    }

    [Fact]
    public void Match_SubsidiaryOfASubsidiary_IsNotFollowed()
    {
        var matcher = Matcher(WithSubsidiaries(new SubsidiaryDomain("acme-labs.com", "acme.com"), new SubsidiaryDomain("acme-research.com", "acme-labs.com")),
            A("001A", "acme.com"));

        Assert.Equal(MatchRules.Subsidiary, matcher.Match("ana@acme-labs.com", null).Rule);
        Assert.Equal(MatchRules.None, matcher.Match("ana@acme-research.com", null).Rule);
    }

    public static TheoryData<string> PersonalEmails => new()
    {
        "someone@gmail.com", "someone@googlemail.com", "someone@outlook.com", "someone@hotmail.com", "someone@live.com",
        "someone@yahoo.com", "someone@icloud.com", "someone@aol.com", "someone@proton.me", "someone@protonmail.com",
        "someone@gmx.de", "someone@web.de", "someone@hotmail.co.uk", "someone@yahoo.co.uk", "someone@outlook.de",
        "someone@live.co.uk", "someone@pm.me", "someone@btinternet.com", "someone@comcast.net", "someone@example-mail.com",
        "Someone@Mail.Yahoo.co.uk",
    };

    [Theory]
    [MemberData(nameof(PersonalEmails))]
    public void Match_PersonalDomain_NeverMatchesByDomain_EvenAnAccountWithThatWebsite(string email)
    {
        var domain = DomainName.Normalize(email[(email.IndexOf('@', StringComparison.Ordinal) + 1)..])!;
        var rules = MatchingRules.Default with { PersonalDomains = ["example-mail.com"] };
        // Bad data: an account whose website is the mail provider.
        var matcher = Matcher(rules, A("001G", $"https://www.{domain}", "Personal Mail Co"), A("001A", "acme.com", "Acme"));

        var match = matcher.Match(email, null);

        Assert.Null(match.AccountId);
        Assert.Equal(MatchRules.PersonalDomain, match.Rule);
        Assert.Empty(match.Candidates);
        Assert.Equal($"{domain} is a personal mail domain; no company name", match.Reason);
    }

    [Theory]
    [MemberData(nameof(PersonalEmails))]
    public void Match_PersonalDomain_FallsThroughToTheCompanyName(string email)
    {
        var rules = MatchingRules.Default with { PersonalDomains = ["example-mail.com"] };
        var matcher = Matcher(rules, A("001A", "acme.com", "Acme Corporation"));

        var match = matcher.Match(email, "ACME Corp.");

        Assert.Equal(("001A", MatchRules.CompanyName), (match.AccountId, match.Rule));
        Assert.EndsWith(" is a personal mail domain; company \"acme\" matches account 001A (Acme Corporation)", match.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Match_PersonalDomainAndNoAccountByName_SaysBoth()
    {
        var match = Matcher(A("001A", "acme.com", "Acme")).Match("kim@gmail.com", "Kim's Bakery");

        Assert.Equal((null, MatchRules.PersonalDomain), (match.AccountId, match.Rule));
        Assert.Equal("gmail.com is a personal mail domain; no account named \"kims bakery\"", match.Reason);
    }

    [Fact]
    public void Match_ExtraPersonalDomain_IsPersonalOnlyWhenConfigured()
    {
        var accounts = new[] { A("001E", "example-mail.com", "Example Mail") };

        Assert.Equal(MatchRules.Domain, Matcher(accounts).Match("a@example-mail.com", null).Rule);
        Assert.Equal(MatchRules.PersonalDomain,
            Matcher(MatchingRules.Default with { PersonalDomains = ["Example-Mail.com"] }, accounts).Match("a@example-mail.com", null).Rule);
    }

    [Theory]
    [InlineData("Acme, Inc.", "ACME Incorporated")]
    [InlineData("The Acme Company", "acme")]
    [InlineData("Société Générale S.A.", "Societe Generale")]
    [InlineData("Johnson & Johnson", "Johnson and Johnson")]
    [InlineData("Acme Holdings Pty Ltd", "acme holdings")]
    public void Match_NoDomainMatch_MatchesByNormalisedCompanyName(string accountName, string company)
    {
        var matcher = Matcher(A("001A", "acme-corp.example", accountName), A("001B", "other.com", "Other"));

        var match = matcher.Match("ana@unknown.com", company);

        Assert.Equal(("001A", MatchRules.CompanyName), (match.AccountId, match.Rule));
        Assert.Equal(["001A"], match.Candidates);
        Assert.StartsWith("no account with domain unknown.com; company \"", match.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Match_DomainBeatsName()
    {
        var matcher = Matcher(A("001D", "acme.com", "Something Else"), A("001N", "acme-other.com", "Acme"));

        var match = matcher.Match("ana@acme.com", "Acme");

        Assert.Equal(("001D", MatchRules.Domain), (match.AccountId, match.Rule));
    }

    [Fact]
    public void Match_AmbiguousDomain_DecidesWithoutTryingTheName()
    {
        var matcher = Matcher(A("001A", "acme.com", "Acme East"), A("001B", "acme.com", "Acme West"), A("001C", "elsewhere.com", "Acme"));

        var match = matcher.Match("ana@acme.com", "Acme");

        Assert.Equal((null, MatchRules.Ambiguous), (match.AccountId, match.Rule));
        Assert.Equal(["001A", "001B"], match.Candidates);
    }

    public static TheoryData<MatchCandidate, MatchCandidate, string> Ties => new()
    {
        // Tier first: better tier wins; any tier beats none; an unknown tier is none.
        { A("001A", "acme.com", "Acme", "Tier 2"), A("001B", "acme.com", "Acme", "Tier 1"), "chose 001B (Acme), Tier 1 over Tier 2" },
        { A("001A", "acme.com", "Acme", "Tier 3"), A("001B", "acme.com", "Acme"), "chose 001A (Acme), Tier 3 over no tier" },
        { A("001A", "acme.com", "Acme", "Gold", 900m, 50), A("001B", "acme.com", "Acme", "Tier 3"), "chose 001B (Acme), Tier 3 over no tier" },
        // Then the larger open pipeline; none counts as 0.
        { A("001A", "acme.com", "Acme", "Tier 1", 100m), A("001B", "acme.com", "Acme", "Tier 1", 250000.5m), "chose 001B (Acme), same tier, open pipeline 250,000.5 over 100" },
        { A("001A", "acme.com", "Acme", null, null, 99), A("001B", "acme.com", "Acme", null, 1m), "chose 001B (Acme), same tier, open pipeline 1 over 0" },
        // Then the most contacts.
        { A("001A", "acme.com", "Acme", "Tier 2", 500m, 12), A("001B", "acme.com", "Acme", "Tier 2", 500m, 3), "chose 001A (Acme), same tier and open pipeline, 12 contacts over 3" },
        { A("001A", "acme.com", "Acme", null, null, 1), A("001B", "acme.com", "Acme", null, 0m, 2), "chose 001B (Acme), same tier and open pipeline, 2 contacts over 1" },
    };

    [Theory]
    [MemberData(nameof(Ties))]
    public void Match_SeveralAccounts_TieBreaksInOrder_AtTheDomainStep(MatchCandidate first, MatchCandidate second, string decided)
    {
        var winner = decided[6..10];
        foreach (var order in new[] { new[] { first, second }, new[] { second, first } })
        {
            var match = Matcher(order).Match("ana@acme.com", null);

            Assert.Equal((winner, MatchRules.Domain), (match.AccountId, match.Rule));
            Assert.Equal(["001A", "001B"], match.Candidates);
            Assert.Equal($"2 accounts with domain acme.com: {decided}", match.Reason);
        }
    }

    [Theory]
    [MemberData(nameof(Ties))]
    public void Match_SeveralAccounts_TieBreaksInOrder_AtTheNameStep(MatchCandidate first, MatchCandidate second, string decided)
    {
        var match = Matcher(first with { Website = "a.example" }, second with { Website = "b.example" }).Match(null, "Acme Inc.");

        Assert.Equal((decided[6..10], MatchRules.CompanyName), (match.AccountId, match.Rule));
        Assert.Equal($"no usable email domain; 2 accounts named \"acme\": {decided}", match.Reason);
    }

    [Theory]
    // Account 001A: Tier 1, no pipeline, 1 contact. 001B: Tier 3, 5,000 pipeline, 9 contacts. 001C: no tier, 5,000, 20.
    [InlineData(new[] { "tier", "pipeline", "contacts" }, "001A")]
    [InlineData(new[] { "pipeline", "tier", "contacts" }, "001B")]
    [InlineData(new[] { "pipeline", "contacts", "tier" }, "001C")]
    [InlineData(new[] { "contacts" }, "001C")]
    [InlineData(new[] { "contacts", "tier" }, "001C")]
    [InlineData(new[] { "tier" }, "001A")]
    [InlineData(new[] { "pipeline" }, null)]
    public void Match_ConfiguredTieBreakOrder_IsHonoured(string[] tieBreak, string? winner)
    {
        var matcher = Matcher(MatchingRules.Default with { TieBreak = tieBreak },
            A("001A", "acme.com", "Acme", "Tier 1", null, 1), A("001B", "acme.com", "Acme", "Tier 3", 5000m, 9), A("001C", "acme.com", "Acme", null, 5000m, 20));

        var match = matcher.Match("ana@acme.com", null);

        Assert.Equal(winner, match.AccountId);
        Assert.Equal(winner is null ? MatchRules.Ambiguous : MatchRules.Domain, match.Rule);
        Assert.Equal(["001A", "001B", "001C"], match.Candidates);
    }

    [Fact]
    public void Match_FullTie_IsAmbiguous_ListsTheCandidates_AndGuessesNothing()
    {
        var matcher = Matcher(A("001B", "acme.com", "Acme Inc", "Tier 1", 10m, 2), A("001A", "www.acme.com", "ACME, Inc.", "Tier 1", 10m, 2),
            A("001C", "acme.com", "Acme", "Tier 2", 900m, 40));

        var byDomain = matcher.Match("ana@acme.com", null);
        var byName = matcher.Match(null, "Acme");

        Assert.Null(byDomain.AccountId);
        Assert.False(byDomain.Matched);
        Assert.True(byDomain.Ambiguous);
        Assert.Equal(["001A", "001B", "001C"], byDomain.Candidates);
        Assert.Equal("3 accounts with domain acme.com: 2 tied on tier, open pipeline and contacts; not guessed", byDomain.Reason);
        Assert.Equal((null, MatchRules.Ambiguous), (byName.AccountId, byName.Rule));
        Assert.Equal("no usable email domain; 3 accounts named \"acme\": 2 tied on tier, open pipeline and contacts; not guessed", byName.Reason);
    }

    [Fact]
    public void Match_TwoAccountsTiedOnEverything_SaysSo()
    {
        var match = Matcher(A("001A", "acme.com", "Acme"), A("001B", "acme.com", "Acme")).Match("x@gmail.com", "Acme");

        Assert.Equal((null, MatchRules.Ambiguous), (match.AccountId, match.Rule));
        Assert.Equal("gmail.com is a personal mail domain; 2 accounts named \"acme\": tied on tier, open pipeline and contacts; not guessed", match.Reason);
    }

    [Fact]
    public void Match_NoTieBreakConfigured_LeavesEverySharedDomainAmbiguous()
    {
        var matcher = Matcher(MatchingRules.Default with { TieBreak = [] }, A("001A", "acme.com", tier: "Tier 1"), A("001B", "acme.com"), A("001S", "solo.com"));

        var match = matcher.Match("ana@acme.com", null);

        Assert.Equal((null, MatchRules.Ambiguous), (match.AccountId, match.Rule));
        Assert.Equal("2 accounts with domain acme.com: no tie-break configured; not guessed", match.Reason);
        Assert.Equal("001S", matcher.Match("ana@solo.com", null).AccountId);
    }

    [Fact]
    public void Match_ManyCandidates_ListsTenSortedIncludingTheWinner()
    {
        var accounts = Enumerable.Range(0, 15).Select(i => A($"001{i:D2}", "acme.com", contacts: i == 14 ? 5 : 1)).ToList();
        accounts.Add(A("001ZZ", "acme.com", "Acme", "Tier 1"));

        var match = Matcher([.. accounts]).Match("ana@acme.com", null);

        Assert.Equal("001ZZ", match.AccountId);
        Assert.Equal(AccountMatcher.MaxCandidates, match.Candidates.Count);
        Assert.Contains("001ZZ", match.Candidates);
        Assert.Contains("00114", match.Candidates);
        Assert.Equal(match.Candidates.Order(StringComparer.Ordinal), match.Candidates);
        Assert.StartsWith("16 accounts with domain acme.com: chose 001ZZ (Acme), Tier 1 over no tier", match.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Match_NameMatchingOff_NeverMatchesByName()
    {
        var matcher = Matcher(MatchingRules.Default with { ByCompanyName = false }, A("001A", "acme.com", "Acme"));

        var unknown = matcher.Match("ana@unknown.com", "Acme");
        var personal = matcher.Match("ana@gmail.com", "Acme");
        var none = matcher.Match(null, "Acme");

        Assert.Equal((null, MatchRules.None), (unknown.AccountId, unknown.Rule));
        Assert.Equal("no account with domain unknown.com; company names are not matched (byCompanyName: false)", unknown.Reason);
        Assert.Equal((null, MatchRules.PersonalDomain), (personal.AccountId, personal.Rule));
        Assert.Equal((null, MatchRules.None), (none.AccountId, none.Rule));
        Assert.Equal("001A", matcher.Match("ana@acme.com", "Acme").AccountId);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("no-at-sign")]
    [InlineData("@acme.com")]
    [InlineData("ana@")]
    [InlineData("ana@localhost")]
    [InlineData("ana@acme")]
    [InlineData("ana@...")]
    [InlineData("ana@acme_corp.com")]
    [InlineData("ana@ací.com")]
    public void Match_NoUsableEmail_FallsToTheName(string? email)
    {
        var matcher = Matcher(A("001A", "acme.com", "Acme"), A("001L", "localhost", "Local"));

        var byName = matcher.Match(email, "Acme");
        var nothing = matcher.Match(email, null);

        Assert.Equal(("001A", MatchRules.CompanyName), (byName.AccountId, byName.Rule));
        Assert.Equal("no usable email domain; company \"acme\" matches account 001A (Acme)", byName.Reason);
        Assert.Equal((null, MatchRules.None), (nothing.AccountId, nothing.Rule));
        Assert.Equal("no usable email domain and no company name", nothing.Reason);
    }

    [Theory]
    [InlineData("[not provided]")]
    [InlineData("n/a")]
    [InlineData("None")]
    [InlineData("Unknown")]
    [InlineData("-")]
    [InlineData("Self-employed")]
    [InlineData("Freelance")]
    [InlineData("Individual")]
    public void Match_PlaceholderCompany_NeverMatches_EvenAnAccountOfThatName(string company)
    {
        var matcher = Matcher(A("001P", "placeholder.example", company), A("001A", "acme.com", "Acme"));

        var match = matcher.Match("kim@gmail.com", company);

        Assert.Equal((null, MatchRules.PersonalDomain), (match.AccountId, match.Rule));
        Assert.Equal($"gmail.com is a personal mail domain; company \"{company}\" is blank or a placeholder", match.Reason);
    }

    [Fact]
    public void Match_Reasons_FitSalesforceText255_AndStayOnOneLine()
    {
        var longName = string.Concat(Enumerable.Repeat("Very Long Name\n", 40));
        var longDomain = string.Concat(Enumerable.Repeat("sub", 60)) + "long-" + new string('x', 50) + ".com";
        var accounts = Enumerable.Range(0, 12).Select(i => A($"001{i:D2}{new string('9', 40)}", longDomain, longName)).ToArray();
        var matcher = Matcher(WithSubsidiaries(new SubsidiaryDomain("long-labs.com", longDomain)), accounts);

        string?[] emails = [null, $"x@{longDomain}", "x@long-labs.com", "x@gmail.com", $"x@{string.Concat(Enumerable.Repeat("z", 200))}.com"];
        string?[] companies = [null, longName, string.Concat(Enumerable.Repeat("Nobody ", 80)), "n/a " + longName + " ltd", "\t"];
        foreach (var email in emails)
        {
            foreach (var company in companies)
            {
                var match = matcher.Match(email, company);
                Assert.InRange(match.Reason.Length, 1, AccountMatcher.MaxReason);
                Assert.DoesNotContain('\n', match.Reason);
                Assert.True(match.Candidates.Count <= AccountMatcher.MaxCandidates);
            }
        }
        Assert.Equal(MatchRules.Ambiguous, matcher.Match($"x@{longDomain}", null).Rule);
        Assert.Equal(MatchRules.Ambiguous, matcher.Match("x@long-labs.com", null).Rule);
    }

    [Fact]
    public void Match_SameDomainOrName_ReturnsTheSameResultObject()
    {
        var matcher = Matcher(A("001A", "acme.com", "Acme"), A("001B", "bravo.com", "Bravo"));

        Assert.Same(matcher.Match("ana@acme.com", "x"), matcher.Match("bo@mail.acme.com", null));
        Assert.Same(matcher.Match(null, "Bravo Ltd"), matcher.Match("", "BRAVO"));
        Assert.Same(matcher.Match("a@gmail.com", "Bravo"), matcher.Match("b@gmail.com", "Bravo Inc"));
        Assert.Same(matcher.Match("a@gmail.com", null), matcher.Match("b@gmail.com", " "));
        // Another personal domain names itself.
        Assert.StartsWith("outlook.com is", matcher.Match("a@outlook.com", "Bravo").Reason, StringComparison.Ordinal);
        Assert.StartsWith("gmail.com is", matcher.Match("a@gmail.com", "Bravo").Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Match_IsIndependentOfTheAccountsOrder()
    {
        var accounts = new[]
        {
            A("001A", "acme.com", "Acme", "Tier 2", 10m, 1), A("001B", "acme.com", "Acme", "Tier 2", 10m, 1),
            A("001C", "acme.com", "Acme", "Tier 3", 99m, 9), A("001D", "bravo.com", "Bravo", null, 5m, 1),
            A("001E", "bravo.com", "Bravo", null, 6m, 1), A("001F", "gmail.com", "Acme"),
        };
        var lookups = new (string? Email, string? Company)[] { ("a@acme.com", null), ("a@bravo.com", null), (null, "Acme"), ("a@gmail.com", "Bravo") };
        var expected = lookups.Select(l => Matcher(accounts).Match(l.Email, l.Company)).ToList();
        var random = new Random(11);

        for (var run = 0; run < 20; run++)
        {
            var shuffled = accounts.OrderBy(_ => random.Next()).ToArray();
            var matcher = Matcher(shuffled);
            for (var i = 0; i < lookups.Length; i++)
            {
                var match = matcher.Match(lookups[i].Email, lookups[i].Company);
                Assert.Equal((expected[i].AccountId, expected[i].Rule, expected[i].Reason), (match.AccountId, match.Rule, match.Reason));
                Assert.Equal(expected[i].Candidates, match.Candidates);
            }
        }
        Assert.Equal((null, MatchRules.Ambiguous), (expected[0].AccountId, expected[0].Rule));
        Assert.Equal("001E", expected[1].AccountId);
    }

    [Fact]
    public void Matcher_IndexesManyAccounts_AndLongKeys()
    {
        var longName = string.Concat(Enumerable.Repeat("Acme Widgets ", 30_000));
        var accounts = Enumerable.Range(0, 50_000).Select(i => A($"001{i:D6}", $"https://www.company{i}.co.uk/about", $"Company {i} Ltd")).Append(A("001LONG", null, longName)).ToArray();

        var matcher = Matcher(accounts);

        Assert.Equal(50_001, matcher.Accounts);
        for (var i = 0; i < 50_000; i += 997)
        {
            Assert.Equal($"001{i:D6}", matcher.Match($"ana@eu.company{i}.co.uk", null).AccountId);
            Assert.Equal($"001{i:D6}", matcher.Match(null, $"COMPANY {i} LIMITED").AccountId);
        }
        Assert.Equal("001LONG", matcher.Match(null, longName.ToUpperInvariant()).AccountId);
        Assert.Null(matcher.Match("ana@company50000.co.uk", "Company 50000").AccountId);
    }

    [Fact]
    public void Matcher_WithoutAccounts_MatchesNothing()
    {
        var matcher = Matcher();

        Assert.Equal(0, matcher.Accounts);
        Assert.Equal(MatchRules.None, matcher.Match("ana@acme.com", "Acme").Rule);
        Assert.Equal(MatchRules.PersonalDomain, matcher.Match("ana@gmail.com", "Acme").Rule);
    }

    [Fact]
    public void Matcher_UnknownTieBreak_IsRefused()
    {
        var error = Assert.Throws<ArgumentException>(() => Matcher(MatchingRules.Default with { TieBreak = ["tier", "revenue"] }));

        Assert.Contains("tie-break 'revenue' is not one of: tier, pipeline, contacts", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void MatchingRules_Default_MatchesByNameWithTheDocumentedTieBreaks()
    {
        Assert.Empty(MatchingRules.Default.Subsidiaries);
        Assert.Empty(MatchingRules.Default.PersonalDomains);
        Assert.True(MatchingRules.Default.ByCompanyName);
        Assert.Equal(["tier", "pipeline", "contacts"], MatchingRules.Default.TieBreak);
    }
}

using AbmSync.Connectors.HubSpot;
using AbmSync.Core.Engagement;
using AbmSync.Worker.Sync;
using Xunit;

namespace AbmSync.Integration.Tests.Sync;

/// <summary>How one HubSpot activity becomes signals, and how a buying role is labelled on both sides.</summary>
public sealed class EngagementSignalsTests
{
    static readonly DateTimeOffset At = new(2026, 11, 30, 15, 0, 0, TimeSpan.Zero);
    static readonly Dictionary<string, string> Linked = new(StringComparer.Ordinal) { ["900"] = "001A" };

    static HubSpotActivity Activity(string type, DateTimeOffset? at, string[] contacts, string[] companies) =>
        new("77", type, at, new Dictionary<string, string?>(), contacts, companies);

    public static TheoryData<string, string> Types => new()
    {
        { "meetings", SignalTypes.Meeting }, { "calls", SignalTypes.Call }, { "emails", SignalTypes.Email }, { "notes", SignalTypes.Note },
    };

    [Theory]
    [MemberData(nameof(Types))]
    public void AnActivity_IsOneSignalPerContact_OfItsType_AtItsTimestamp_WithItsLinkedAccount(string activityType, string signalType)
    {
        var signals = EngagementReader.ToSignals(Activity(activityType, At, ["12", "11", "12"], ["901", "900"]), Linked).ToList();

        Assert.Equal(["11", "12"], signals.Select(s => s.ContactId));
        Assert.All(signals, s => Assert.Equal((signalType, At, 1m, "900", "001A"), (s.Type, s.At, s.Amount, s.CompanyId, s.AccountId)));
        // One activity for the account however many of its people were there.
        Assert.Single(signals.Select(EngagementReader.ActivityKey).Distinct());
        Assert.Equal(2, signals.Select(s => s.SourceKey).Distinct().Count());
    }

    [Fact]
    public void AnActivityWithoutContacts_IsOneSignalOfItsCompany_AndAnUnlinkedCompanyLeavesTheAccountOpen()
    {
        var signal = Assert.Single(EngagementReader.ToSignals(Activity("calls", At, [], ["555"]), Linked));

        Assert.Equal((null, "555", null), (signal.ContactId, signal.CompanyId, signal.AccountId));
    }

    [Fact]
    public void AnActivityWithoutATimestamp_IsNoSignalYet()
    {
        Assert.Empty(EngagementReader.ToSignals(Activity("meetings", null, ["11"], ["900"]), Linked));
    }

    [Fact]
    public void AnUnknownActivityType_IsRefused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => EngagementReader.ToSignals(Activity("tasks", At, ["11"], []), Linked).ToList());
    }

    [Theory]
    [InlineData("economic-buyer", "Economic Buyer")]
    [InlineData("technical-evaluator", "Technical Evaluator")]
    [InlineData("champion", "Champion")]
    [InlineData("executive-sponsor", "Executive Sponsor")]
    [InlineData("procurement", "Procurement")]
    public void ARole_IsLabelledAsThePicklistAndThePropertyOptionSayIt(string role, string label)
    {
        Assert.Equal(label, BuyingRoleRules.Label(role));
        Assert.Contains(label, AbmFields.HubSpotProperties["contacts"].Single(p => p.Name == BuyingRoleRules.HubSpotRole).Options!.Select(o => o.Value));
    }
}

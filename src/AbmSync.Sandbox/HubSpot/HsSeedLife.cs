using System.Globalization;

namespace AbmSync.Sandbox.HubSpot;

/// <summary>
/// The portal's life before the sync arrives: engagement over the last 180 days (contact summary properties and
/// activity records), duplicates that were merged, records that were archived, and a bulk import that stamped
/// thousands of contacts with one and the same modification time.
/// </summary>
internal static partial class HsSeed
{
    /// <summary>When the bulk import ran: every contact it touched has exactly this last-modified time.</summary>
    public static readonly DateTimeOffset BulkImportAt = SyntheticWorld.Epoch.AddSeconds(-30);
    public const string BulkImportId = "import-2026-11-01-list-enrichment";
    /// <summary>Share of contacts the bulk import touched: large enough that big worlds put well over 10,000 on one instant.</summary>
    public const double BulkImportShare = 0.35;

    static readonly TimeSpan EngagementWindow = TimeSpan.FromDays(180);
    static readonly string[] Conversions = ["Demo request", "Whitepaper download", "Webinar registration", "Pricing page form", "Contact us"];

    enum Heat { Cold, Warm, Hot }

    static void SeedEngagement(HsPortal portal, SyntheticWorld world, Random random, Dictionary<int, long> companyIds, Dictionary<int, long> contactIds)
    {
        var epoch = SyntheticWorld.Epoch;
        var heatOf = new Dictionary<long, Heat>();
        foreach (var companyId in companyIds.Values)
        {
            var roll = random.NextDouble();
            heatOf[companyId] = roll < 0.5 ? Heat.Cold : roll < 0.85 ? Heat.Warm : Heat.Hot;
        }

        DateTimeOffset When(Heat heat)
        {
            // Hot accounts are surging: most of their activity is in the last 30 days.
            var days = heat == Heat.Hot && random.NextDouble() < 0.7 ? random.NextDouble() * 30 : random.NextDouble() * EngagementWindow.TotalDays;
            return Truncate(epoch.AddDays(-days).AddMinutes(-random.Next(1, 600)));
        }

        foreach (var person in world.People.Where(p => contactIds.ContainsKey(p.Index)))
        {
            var contact = portal.Records[HsSchema.Contacts][contactIds[person.Index]];
            long? companyId = person.BusinessIndex is { } b && companyIds.TryGetValue(b, out var c) ? c : null;
            var heat = companyId is { } cid ? heatOf[cid] : Heat.Cold;
            var values = new Dictionary<string, DateTimeOffset>(StringComparer.Ordinal);
            var counts = new Dictionary<string, int>(StringComparer.Ordinal);

            var views = heat switch { Heat.Hot => random.Next(20, 150), Heat.Warm => random.Next(3, 40), _ => random.NextDouble() < 0.4 ? random.Next(1, 4) : 0 };
            if (views > 0)
            {
                counts["hs_analytics_num_page_views"] = views;
                counts["hs_analytics_num_visits"] = Math.Max(1, views / 3);
                values["hs_analytics_last_visit_timestamp"] = When(heat);
            }
            var opens = heat switch { Heat.Hot => random.Next(3, 25), Heat.Warm => random.Next(0, 10), _ => random.Next(0, 2) };
            if (opens > 0)
            {
                counts["hs_email_open"] = opens;
                values["hs_email_last_open_date"] = When(heat);
                values["hs_email_last_send_date"] = values["hs_email_last_open_date"].AddHours(-random.Next(1, 48));
                var clicks = random.Next(0, opens / 2 + 1);
                if (clicks > 0)
                {
                    counts["hs_email_click"] = clicks;
                    values["hs_email_last_click_date"] = values["hs_email_last_open_date"].AddMinutes(random.Next(1, 90));
                }
            }
            var conversions = heat switch { Heat.Hot => random.Next(1, 5), Heat.Warm => random.Next(0, 3), _ => random.NextDouble() < 0.1 ? 1 : 0 };
            if (conversions > 0)
            {
                counts["num_conversion_events"] = conversions;
                counts["num_unique_conversion_events"] = random.Next(1, conversions + 1);
                var first = When(Heat.Warm);
                var recent = When(heat);
                values["first_conversion_date"] = first < recent ? first : recent;
                values["recent_conversion_date"] = first < recent ? recent : first;
                contact.Props["recent_conversion_event_name"] = Conversions[random.Next(Conversions.Length)];
            }

            var activities = heat switch { Heat.Hot => random.Next(2, 7), Heat.Warm => random.Next(0, 4), _ => random.NextDouble() < 0.15 ? 1 : 0 };
            for (var k = 0; k < activities; k++)
            {
                var type = HsSchema.Activities[random.Next(HsSchema.Activities.Length)];
                var at = When(heat);
                var activity = Activity(portal, random, type, at, contact.Props.GetValueOrDefault("hubspot_owner_id"), person);
                portal.Associations.Add(type, activity.Id, HsSchema.Contacts, contact.Id, HsAssociations.DefaultType(type, HsSchema.Contacts)!.Value);
                if (companyId is { } company)
                {
                    portal.Associations.Add(type, activity.Id, HsSchema.Companies, company, HsAssociations.DefaultType(type, HsSchema.Companies)!.Value);
                }
                Latest(values, "notes_last_updated", at);
                if (type != HsSchema.Notes)
                {
                    Latest(values, "hs_last_sales_activity_timestamp", at);
                    Latest(values, "notes_last_contacted", at);
                }
            }

            foreach (var (name, count) in counts)
            {
                contact.Props[name] = count.ToString(CultureInfo.InvariantCulture);
            }
            foreach (var (name, at) in values)
            {
                contact.Props[name] = HsJson.Timestamp(at);
            }
            // HubSpot's own rollups move the record's modification time.
            if (values.Count > 0 && values.Values.Max() is var latest && latest > contact.UpdatedAt)
            {
                HsPortal.Touch(contact, latest);
            }
        }

        // Company rollups over their contacts and activities.
        foreach (var companyId in companyIds.Values)
        {
            var company = portal.Records[HsSchema.Companies][companyId];
            var contacts = portal.Associations.Of(HsSchema.Companies, companyId, HsSchema.Contacts)
                .Select(l => portal.Records[HsSchema.Contacts][l.ToId]).ToList();
            var views = contacts.Sum(c => int.Parse(c.Props.GetValueOrDefault("hs_analytics_num_page_views", "0"), CultureInfo.InvariantCulture));
            var visits = contacts.Sum(c => int.Parse(c.Props.GetValueOrDefault("hs_analytics_num_visits", "0"), CultureInfo.InvariantCulture));
            var latest = new Dictionary<string, DateTimeOffset>(StringComparer.Ordinal);
            foreach (var contact in contacts)
            {
                foreach (var name in new[] { "hs_analytics_last_visit_timestamp", "notes_last_updated", "notes_last_contacted", "hs_last_sales_activity_timestamp" })
                {
                    if (contact.Props.TryGetValue(name, out var v))
                    {
                        Latest(latest, name, DateTimeOffset.Parse(v, CultureInfo.InvariantCulture));
                    }
                }
            }
            foreach (var activityType in new[] { HsSchema.Meetings, HsSchema.Calls })
            {
                foreach (var (activityId, _) in portal.Associations.Of(HsSchema.Companies, companyId, activityType))
                {
                    var at = DateTimeOffset.Parse(portal.Records[activityType][activityId].Props["hs_timestamp"], CultureInfo.InvariantCulture);
                    Latest(latest, activityType == HsSchema.Meetings ? "hs_last_booked_meeting_date" : "hs_last_logged_call_date", at);
                }
            }
            if (views > 0)
            {
                company.Props["hs_analytics_num_page_views"] = views.ToString(CultureInfo.InvariantCulture);
                company.Props["hs_analytics_num_visits"] = visits.ToString(CultureInfo.InvariantCulture);
            }
            foreach (var (name, at) in latest)
            {
                company.Props[name] = HsJson.Timestamp(at);
            }
            if (latest.Count > 0 && latest.Values.Max() is var last && last > company.UpdatedAt)
            {
                HsPortal.Touch(company, last);
            }
        }
    }

    static void Latest(Dictionary<string, DateTimeOffset> values, string name, DateTimeOffset at)
    {
        if (!values.TryGetValue(name, out var current) || at > current)
        {
            values[name] = at;
        }
    }

    static HsRecord Activity(HsPortal portal, Random random, string type, DateTimeOffset at, string? ownerId, Person person)
    {
        var values = new Dictionary<string, string?>(StringComparer.Ordinal)
        {
            ["hs_timestamp"] = HsJson.Timestamp(at),
            ["hubspot_owner_id"] = ownerId,
        };
        switch (type)
        {
            case HsSchema.Calls:
                values["hs_call_title"] = $"Call with {person.FirstName} {person.LastName}";
                values["hs_call_direction"] = random.NextDouble() < 0.8 ? "OUTBOUND" : "INBOUND";
                values["hs_call_duration"] = (random.Next(1, 45) * 60_000).ToString(CultureInfo.InvariantCulture);
                values["hs_call_status"] = random.NextDouble() < 0.7 ? "COMPLETED" : "NO_ANSWER";
                break;
            case HsSchema.Emails:
                values["hs_email_subject"] = random.NextDouble() < 0.5 ? "Following up" : "Re: pricing and next steps";
                values["hs_email_direction"] = random.NextDouble() < 0.6 ? "EMAIL" : "INCOMING_EMAIL";
                values["hs_email_status"] = "SENT";
                break;
            case HsSchema.Meetings:
                values["hs_meeting_title"] = random.NextDouble() < 0.5 ? "Discovery" : "Technical deep dive";
                values["hs_meeting_start_time"] = HsJson.Timestamp(at);
                values["hs_meeting_end_time"] = HsJson.Timestamp(at.AddMinutes(30 * random.Next(1, 4)));
                values["hs_meeting_outcome"] = random.NextDouble() < 0.8 ? "COMPLETED" : "NO_SHOW";
                break;
            default:
                values["hs_note_body"] = $"<p>Spoke with {person.FirstName} ({person.Title}).</p>";
                break;
        }
        return Seeded(portal, type, at, at, HsActor.Import("seed-activity-sync"), values);
    }

    static void SeedMergesAndArchives(HsPortal portal, SyntheticWorld world, Random random, Dictionary<int, long> companyIds, Dictionary<int, long> contactIds)
    {
        var epoch = SyntheticWorld.Epoch;
        // Someone created a duplicate of about one company in a hundred (same domain), and an admin merged it away.
        foreach (var companyId in companyIds.Values.Where(_ => random.NextDouble() < 0.01).ToList())
        {
            var original = portal.Records[HsSchema.Companies][companyId];
            var at = Truncate(epoch.AddDays(-random.Next(10, 150)));
            var duplicate = Seeded(portal, HsSchema.Companies, at.AddDays(-3), at.AddDays(-3), HsActor.Import("seed-import-dupes"), new()
            {
                ["name"] = original.Props["name"].ToUpperInvariant(),
                ["domain"] = original.Props["domain"],
                ["phone"] = "+1 555 0100",
            });
            MergeAt(portal, original, duplicate, original.SeedSource, at);
        }
        foreach (var contactId in contactIds.Values.Where(_ => random.NextDouble() < 0.01).ToList())
        {
            var original = portal.Records[HsSchema.Contacts][contactId];
            var at = Truncate(epoch.AddDays(-random.Next(10, 150)));
            var email = original.Props["email"];
            var duplicate = Seeded(portal, HsSchema.Contacts, at.AddDays(-3), at.AddDays(-3), HsActor.Import("seed-import-dupes"), new()
            {
                ["email"] = email.Insert(email.IndexOf('@', StringComparison.Ordinal), ".old"),
                ["firstname"] = original.Props.GetValueOrDefault("firstname"),
                ["lastname"] = original.Props.GetValueOrDefault("lastname"),
                ["phone"] = "+1 555 0199",
            });
            MergeAt(portal, original, duplicate, original.SeedSource, at);
        }

        // Archived records (restorable for 90 days): portal-only companies, stray contacts and lost deals someone cleaned up.
        var portalOnly = world.Businesses.Where(b => !b.InSalesforce && companyIds.ContainsKey(b.Index)).Select(b => companyIds[b.Index]);
        foreach (var companyId in portalOnly.Where(_ => random.NextDouble() < 0.04).ToList())
        {
            var company = portal.Records[HsSchema.Companies][companyId];
            foreach (var (contactId, _) in portal.Associations.Of(HsSchema.Companies, companyId, HsSchema.Contacts))
            {
                portal.Records[HsSchema.Contacts][contactId].Props.Remove("associatedcompanyid");
            }
            portal.Archive(company, Truncate(epoch.AddDays(-random.Next(1, 80))));
        }
        var strays = world.People.Where(p => p.BusinessIndex is null && contactIds.ContainsKey(p.Index)).Select(p => contactIds[p.Index]);
        foreach (var contactId in strays.Where(_ => random.NextDouble() < 0.05).ToList())
        {
            portal.Archive(portal.Records[HsSchema.Contacts][contactId], Truncate(epoch.AddDays(-random.Next(1, 80))));
        }
        foreach (var deal in portal.Records[HsSchema.Deals].Values.Where(d => d.Props.GetValueOrDefault("dealstage") == "closedlost").ToList())
        {
            if (random.NextDouble() < 0.2)
            {
                portal.Archive(deal, Truncate(epoch.AddDays(-random.Next(1, 80))));
            }
        }
    }

    static void MergeAt(HsPortal portal, HsRecord primary, HsRecord duplicate, HsActor actor, DateTimeOffset at)
    {
        var before = primary.UpdatedAt;
        HsMerge.MergeKeepingPrimaryId(portal, primary, duplicate, actor, at);
        // The survivor's modification time never moves backwards: a merge older than its last change leaves it.
        if (before > at)
        {
            HsPortal.Touch(primary, before);
        }
    }

    static void SeedBulkImport(HsPortal portal, Random random)
    {
        var actor = HsActor.Import(BulkImportId);
        foreach (var contact in portal.Records[HsSchema.Contacts].Values.Where(c => !c.Archived).ToList())
        {
            if (random.NextDouble() < BulkImportShare)
            {
                portal.Apply(contact, new Dictionary<string, string?> { ["hs_lead_status"] = random.NextDouble() < 0.5 ? "NEW" : "OPEN" }, actor, BulkImportAt);
                // Even a value that did not change is rewritten by an import, so the stamp lands on every touched contact.
                HsPortal.Touch(contact, BulkImportAt);
            }
        }
    }
}

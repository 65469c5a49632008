namespace AbmSync.Core.Routing;

/// <summary>
/// A Salesforce user as routing sees it. <see cref="RoleFieldValue"/> is the value of the rules' role field
/// (<see cref="RoleSource.UserField"/>, shipped: <c>Title</c>); <see cref="Teams"/> are the user's HubSpot teams.
/// </summary>
public sealed record SalesUser(string UserId, string Email, string? Name, bool Active, string? RoleFieldValue, IReadOnlyList<string> Teams);

public sealed record PodMember(string UserId, string Email, string? Name, PodRole Role, bool Active);

/// <summary>
/// A pod resolved against the users: its members sorted by role then email, and each active AE's SDR and marketer
/// (user id → user id) from the pairs, else the ratios. <see cref="Problems"/> are for a person to fix; routing
/// works around them.
/// </summary>
public sealed record Pod(
    string Name, IReadOnlyList<PodMember> Members, IReadOnlyDictionary<string, string> SdrOfAe, IReadOnlyDictionary<string, string> MarketerOfAe,
    IReadOnlyList<string> Problems);

public static class PodRoster
{
    /// <summary>The pods of <paramref name="rules"/>, in the rules' order, with members from teams and lists.</summary>
    public static IReadOnlyList<Pod> Resolve(RoutingRules rules, IReadOnlyCollection<SalesUser> users)
    {
        // Sorted once so that every lookup below is independent of the order users were read in.
        var sorted = users.OrderBy(u => u.UserId, StringComparer.Ordinal).ToList();
        var byEmail = new Dictionary<string, SalesUser>(StringComparer.OrdinalIgnoreCase);
        var byTeam = new Dictionary<string, List<SalesUser>>(StringComparer.OrdinalIgnoreCase);
        foreach (var user in sorted)
        {
            // One email can belong to a deactivated user and its active successor: the active one is the person.
            if (!byEmail.TryGetValue(user.Email, out var seen) || (!seen.Active && user.Active))
            {
                byEmail[user.Email] = user;
            }
            foreach (var team in user.Teams.Distinct(StringComparer.OrdinalIgnoreCase))
            {
                if (!byTeam.TryGetValue(team, out var list))
                {
                    byTeam[team] = list = [];
                }
                list.Add(user);
            }
        }
        var roleOf = new Dictionary<string, PodRole>(StringComparer.OrdinalIgnoreCase);
        foreach (var (role, values) in new[] { (PodRole.AccountExecutive, rules.Roles.AccountExecutive), (PodRole.Sdr, rules.Roles.Sdr), (PodRole.Marketer, rules.Roles.Marketer) })
        {
            foreach (var value in values)
            {
                roleOf.TryAdd(value.Trim(), role);
            }
        }
        return [.. rules.Pods.Select(p => Resolve(p, p.Ratios ?? rules.Ratios, rules.Roles.UserField, byEmail, byTeam, roleOf))];
    }

    static Pod Resolve(
        PodDefinition definition, PodRatios ratios, string roleField, Dictionary<string, SalesUser> byEmail, Dictionary<string, List<SalesUser>> byTeam,
        Dictionary<string, PodRole> roleOf)
    {
        var problems = new List<string>();
        var members = new Dictionary<string, PodMember>(StringComparer.Ordinal);
        if (definition.Team is { } team)
        {
            var teamUsers = byTeam.GetValueOrDefault(team) ?? [];
            if (teamUsers.Count == 0)
            {
                problems.Add($"team {team} has no users");
            }
            var unmatched = 0;
            foreach (var user in teamUsers)
            {
                if (user.RoleFieldValue is { } value && roleOf.TryGetValue(value.Trim(), out var role))
                {
                    members[user.UserId] = Member(user, role);
                }
                else
                {
                    unmatched++;
                }
            }
            if (unmatched > 0)
            {
                problems.Add($"{unmatched} of team {team}'s {teamUsers.Count} users have a {roleField} that names no pod role; they are not pod members");
            }
        }
        // Listed after the team: naming a person in the file says their role in this pod, whatever their title says.
        foreach (var (emails, role) in new[] { (definition.AccountExecutives, PodRole.AccountExecutive), (definition.Sdrs, PodRole.Sdr), (definition.Marketers, PodRole.Marketer) })
        {
            foreach (var email in emails)
            {
                if (byEmail.TryGetValue(email, out var user))
                {
                    members[user.UserId] = Member(user, role);
                }
                else
                {
                    problems.Add($"listed {Label(role)} {email} is not a user");
                }
            }
        }
        var ordered = members.Values
            .OrderBy(m => m.Role)
            .ThenBy(m => m.Email, StringComparer.OrdinalIgnoreCase)
            .ThenBy(m => m.UserId, StringComparer.Ordinal)
            .ToList();
        var aes = ordered.Where(m => m.Role == PodRole.AccountExecutive && m.Active).ToList();
        var sdrs = ordered.Where(m => m.Role == PodRole.Sdr && m.Active).ToList();
        var marketers = ordered.Where(m => m.Role == PodRole.Marketer && m.Active).ToList();

        var pairedSdr = new Dictionary<string, string>(StringComparer.Ordinal);
        var pairedMarketer = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var pair in definition.Pairs)
        {
            if (Find(pair.AccountExecutive, PodRole.AccountExecutive) is not { } ae)
            {
                continue;
            }
            if (pair.Sdr is { } sdrEmail && Find(sdrEmail, PodRole.Sdr) is { } sdr)
            {
                if (sdr.Active)
                {
                    pairedSdr.TryAdd(ae.UserId, sdr.UserId);
                }
                else if (ae.Active)
                {
                    problems.Add($"pair SDR {sdr.Email} of {ae.Email} is inactive; the AE's accounts get an SDR by ratio");
                }
            }
            if (pair.Marketer is { } marketerEmail && Find(marketerEmail, PodRole.Marketer) is { } marketer)
            {
                if (marketer.Active)
                {
                    pairedMarketer.TryAdd(ae.UserId, marketer.UserId);
                }
                else if (ae.Active)
                {
                    problems.Add($"pair marketer {marketer.Email} of {ae.Email} is inactive; the AE's accounts get a marketer by ratio");
                }
            }
        }

        var sdrOfAe = new Dictionary<string, string>(StringComparer.Ordinal);
        var marketerOfAe = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var k = 0; k < aes.Count; k++)
        {
            var ae = aes[k].UserId;
            if (pairedSdr.TryGetValue(ae, out var s))
            {
                sdrOfAe[ae] = s;
            }
            else if (sdrs.Count > 0)
            {
                sdrOfAe[ae] = sdrs[k / ratios.AesPerSdr % sdrs.Count].UserId;
            }
            if (pairedMarketer.TryGetValue(ae, out var m))
            {
                marketerOfAe[ae] = m;
            }
            else if (marketers.Count > 0)
            {
                marketerOfAe[ae] = marketers[k / ratios.AesPerMarketer % marketers.Count].UserId;
            }
        }
        foreach (var (list, role) in new[] { (aes, PodRole.AccountExecutive), (sdrs, PodRole.Sdr), (marketers, PodRole.Marketer) })
        {
            if (list.Count == 0)
            {
                problems.Add($"no active {Label(role)}");
            }
        }
        return new Pod(definition.Name, ordered, sdrOfAe, marketerOfAe, problems);

        PodMember? Find(string email, PodRole role)
        {
            if (!byEmail.TryGetValue(email, out var user))
            {
                problems.Add($"pair names {email}, not a user");
                return null;
            }
            if (!members.TryGetValue(user.UserId, out var member) || member.Role != role)
            {
                problems.Add($"pair names {email}, not {Article(role)} {Label(role)} of pod {definition.Name}");
                return null;
            }
            return member;
        }
    }

    static PodMember Member(SalesUser user, PodRole role) => new(user.UserId, user.Email, user.Name, role, user.Active);

    internal static string Label(PodRole role) => role switch
    {
        PodRole.AccountExecutive => "AE",
        PodRole.Sdr => "SDR",
        _ => "marketer",
    };

    static string Article(PodRole role) => role == PodRole.Marketer ? "a" : "an";
}

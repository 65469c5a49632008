using System.Data.Common;
using System.Text.Json;
using AbmSync.Core.Sync;
using Dapper;
using Microsoft.Data.Sqlite;

namespace AbmSync.Worker.State;

/// <summary>What <c>abmsync reconcile --repair</c> changes in the state store besides what its sync run commits.</summary>
public sealed partial class StateStore
{
    /// <summary>
    /// Ends active links whose record is gone on one side: each becomes the tombstone of that side
    /// (<see cref="LinkStatuses.SalesforceDeleted"/> or <see cref="LinkStatuses.HubSpotDeleted"/>), exactly what a sync
    /// that saw the delete leaves. Only links still active change: a run that tombstoned (or re-linked) one meanwhile
    /// knew better. Returns the Salesforce ids whose link changed.
    /// </summary>
    public async Task<IReadOnlyList<string>> TombstoneLinksAsync(string objectName, IReadOnlyList<(string SalesforceId, string Status)> links)
    {
        if (links.Any(l => l.Status is not (LinkStatuses.SalesforceDeleted or LinkStatuses.HubSpotDeleted)))
        {
            throw new ArgumentException("a link is tombstoned as salesforce-deleted or hubspot-deleted", nameof(links));
        }
        var changed = new List<string>();
        if (links.Count == 0)
        {
            return changed;
        }
        await using var connection = Open();
        await using var transaction = await connection.BeginTransactionAsync();
        foreach (var (salesforceId, status) in links)
        {
            if (await connection.ExecuteAsync(
                "UPDATE record_link SET status = @status WHERE object = @objectName AND salesforce_id = @salesforceId AND status = @active",
                new { objectName, salesforceId, status, active = LinkStatuses.Active }, transaction) == 1)
            {
                changed.Add(salesforceId);
            }
        }
        await transaction.CommitAsync();
        return changed;
    }
}

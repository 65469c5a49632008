namespace AbmSync.Sandbox.Salesforce;

public sealed partial class SalesforceOrg
{
    /// <summary>
    /// Restores a deleted record from the recycle bin as a person does (the Recycle Bin's Restore, or the SOAP API's
    /// undelete(), which the REST API has no resource for): it is live again with its id and values, one new
    /// SystemModstamp and <paramref name="userId"/> as last modifier. Only within the recycle bin's 15 days, and not a
    /// merge's loser (its related records went to the master). Throws when the org refuses.
    /// </summary>
    public void Undelete(string id, string userId)
    {
        lock (Store.Gate)
        {
            var record = Store.Get(id) ?? throw new ArgumentException($"ENTITY_IS_DELETED: no record {id} in the recycle bin.", nameof(id));
            if (!record.IsDeleted)
            {
                throw new InvalidOperationException($"UNDELETE_FAILED: {id} is not deleted.");
            }
            if (record.DeletedAt is { } deletedAt && deletedAt < time.GetUtcNow() - SoqlEngine.RecycleBinRetention)
            {
                throw new InvalidOperationException($"UNDELETE_FAILED: {id} was deleted more than {SoqlEngine.RecycleBinRetention.TotalDays:0} days ago and the recycle bin no longer has it.");
            }
            if (record["MasterRecordId"] is string master)
            {
                throw new InvalidOperationException($"UNDELETE_FAILED: {id} was merged into {master}; this sandbox does not restore a merge's loser.");
            }
            var undo = new List<(SfRecord Record, object?[]? Before)>();
            using (dml.Transaction())
            {
                dml.SystemUpdate(record, new Dictionary<string, object?> { ["IsDeleted"] = false }, userId, undo);
            }
        }
    }
}

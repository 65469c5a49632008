// jsforce, unchanged, against the Salesforce sandbox: login, paged query, describe, collections, upsert, limits,
// error codes and Bulk API 2.0. Run against `abmsync sandbox` with the lines it prints in the environment:
//   npm install && ABMSYNC__Salesforce__LoginUrl=... ABMSYNC__Salesforce__ClientId=... ABMSYNC__Salesforce__ClientSecret=... npm run check
// jsforce 3.8.2 is pinned because 3.9+ pulls undici 8, which needs a newer Node than this machine's 20.
const assert = require('node:assert/strict');
const jsforce = require('jsforce');

const loginUrl = process.env.ABMSYNC__Salesforce__LoginUrl;
const clientId = process.env.ABMSYNC__Salesforce__ClientId;
const clientSecret = process.env.ABMSYNC__Salesforce__ClientSecret;
assert.ok(loginUrl && clientId && clientSecret, 'set the ABMSYNC__Salesforce__* lines that `abmsync sandbox` prints');

(async () => {
  const conn = new jsforce.Connection({ loginUrl, instanceUrl: loginUrl, version: '66.0', oauth2: { loginUrl, clientId, clientSecret } });
  const auth = await conn.authorize({ grant_type: 'client_credentials' });
  assert.match(auth.id, /^005\w{15}$/);

  const first = await conn.query('SELECT Id, Name, Owner.Email FROM Account ORDER BY Id');
  assert.ok(first.totalSize > 0);
  assert.equal(first.records.length, Math.min(first.totalSize, 2000));
  let seen = first.records.length;
  for (let page = first; !page.done; ) {
    page = await conn.queryMore(page.nextRecordsUrl);
    seen += page.records.length;
  }
  assert.equal(seen, first.totalSize);
  assert.match(first.records[0].Owner.Email, /@/);

  const describe = await conn.sobject('Account').describe();
  assert.equal(describe.keyPrefix, '001');
  const tier = describe.fields.find((f) => f.name === 'ABM_Tier__c');
  assert.deepEqual(tier.picklistValues.map((v) => v.value), ['Tier 1', 'Tier 2', 'Tier 3']);

  const ids = first.records.slice(0, 3).map((r) => r.Id);
  const updated = await conn.sobject('Account').update(ids.map((Id, i) => ({ Id, ABM_Tier__c: i === 1 ? 'Bogus' : 'Tier 1' })), { allOrNone: false });
  assert.deepEqual(updated.map((r) => r.success), [true, false, true]);
  assert.equal(updated[1].errors[0].statusCode, 'INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST');

  const created = await conn.sobject('Contact').create([{ LastName: 'Conformance', Email: 'conformance@example.com' }, { LastName: 'Two' }]);
  assert.ok(created.every((r) => r.success && r.id.startsWith('003')));
  const read = await conn.sobject('Contact').retrieve(created.map((c) => c.id), { fields: ['Name'] });
  assert.deepEqual(read.map((r) => r.Name), ['Conformance', 'Two']);
  const upserted = await conn.sobject('Contact').upsert({ ABM_HubSpot_Id__c: `js-${Date.now()}`, LastName: 'Upserted' }, 'ABM_HubSpot_Id__c');
  assert.equal(upserted.created, true);
  const destroyed = await conn.sobject('Contact').destroy(created.map((c) => c.id));
  assert.ok(destroyed.every((r) => r.success));

  const limits = await conn.limits();
  assert.ok(limits.DailyApiRequests.Max > limits.DailyApiRequests.Remaining);

  await assert.rejects(conn.query("SELECT Id FROM Account WHERE Name = 'a\\q'"), (e) => e.errorCode === 'MALFORMED_QUERY');
  await assert.rejects(conn.query('SELECT Nope__c FROM Account'), (e) => e.errorCode === 'INVALID_FIELD');

  let bulkRows = 0;
  for await (const row of await conn.bulk2.query('SELECT Id, Name FROM Account')) {
    assert.match(row.Id, /^001/);
    bulkRows++;
  }
  assert.equal(bulkRows, first.totalSize);
  const ingest = await conn.bulk2.loadAndWaitForResults({
    object: 'Account', operation: 'update', pollTimeout: 30000, pollInterval: 200,
    input: [{ Id: ids[0], ABM_Tier__c: 'Tier 2' }, { Id: ids[1], ABM_Tier__c: 'Nope' }],
  });
  assert.equal(ingest.successfulResults.length, 1);
  assert.equal(ingest.failedResults.length, 1);
  assert.match(ingest.failedResults[0].sf__Error, /^INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST:/);

  console.log('jsforce conformance: all checks passed');
})().catch((e) => {
  console.error('jsforce conformance FAILED:', e);
  process.exit(1);
});

// HubSpot's official Node client (@hubspot/api-client), unchanged, against a fresh HubSpot sandbox.
// Start the sandbox (`abmsync sandbox ...`), export the lines it prints, then: npm install && npm test
// Reads ABMSYNC__HubSpot__BaseUrl and ABMSYNC__HubSpot__AccessToken; exits non-zero if any check fails.
'use strict';
const assert = require('node:assert/strict');
const hubspot = require('@hubspot/api-client');

const basePath = process.env.ABMSYNC__HubSpot__BaseUrl;
const accessToken = process.env.ABMSYNC__HubSpot__AccessToken;
if (!basePath || !accessToken) {
  console.error('Set ABMSYNC__HubSpot__BaseUrl and ABMSYNC__HubSpot__AccessToken (as `abmsync sandbox` prints them).');
  process.exit(2);
}
// Retries on: the client's own 429 handling (10 s for the burst window, 1 s for search) is part of what we check.
const client = new hubspot.Client({ accessToken, basePath, numberOfApiCallRetries: 3 });

async function check(name, fn) {
  try {
    await fn();
    console.log(`ok   ${name}`);
  } catch (e) {
    console.log(`FAIL ${name}: ${e.message.split('\n')[0]}`);
    process.exitCode = 1;
  }
}

(async () => {
  const suffix = Date.now().toString(36);
  let companies = [];

  await check('lists every company through after-paging (getAll)', async () => {
    companies = await client.crm.companies.getAll(100, undefined, ['name', 'domain']);
    assert.ok(companies.length > 0);
    assert.equal(new Set(companies.map(c => c.id)).size, companies.length);
    assert.ok(companies.every(c => typeof c.properties.domain === 'string'));
  });

  await check('creates a property group and a unique property', async () => {
    await client.crm.properties.groupsApi.create('companies', { name: `conf_${suffix}`, label: 'Conformance', displayOrder: -1 });
    const prop = await client.crm.properties.coreApi.create('companies', {
      name: `conf_key_${suffix}`, label: 'Conformance key', type: 'string', fieldType: 'text', groupName: `conf_${suffix}`, hasUniqueValue: true,
    });
    assert.equal(prop.hasUniqueValue, true);
  });

  await check('batch-upserts by the unique property: creates, then updates the same record', async () => {
    const input = name => ({ inputs: [{ id: `K-${suffix}`, idProperty: `conf_key_${suffix}`, properties: { name } }] });
    const first = await client.crm.companies.batchApi.upsert(input('Conformance One'));
    const second = await client.crm.companies.batchApi.upsert(input('Conformance Two'));
    assert.equal(first.status, 'COMPLETE');
    assert.equal(second.results[0].id, first.results[0].id);
    const read = await client.crm.companies.batchApi.read({ idProperty: `conf_key_${suffix}`, inputs: [{ id: `K-${suffix}` }], properties: ['name'], propertiesWithHistory: [] });
    assert.equal(read.results[0].properties.name, 'Conformance Two');
  });

  await check('searches with a filter, a sort and paging', async () => {
    const request = after => ({
      filterGroups: [{ filters: [{ propertyName: 'hs_lastmodifieddate', operator: 'GTE', value: '0' }] }],
      sorts: [{ propertyName: 'hs_lastmodifieddate', direction: 'ASCENDING' }], properties: ['hs_lastmodifieddate'], limit: 50, after,
    });
    const first = await client.crm.companies.searchApi.doSearch(request('0'));
    assert.ok(first.total > 50 ? first.paging.next.after === '50' : true);
    if (first.paging) {
      const second = await client.crm.companies.searchApi.doSearch(request(first.paging.next.after));
      assert.notEqual(second.results[0].id, first.results[0].id);
    }
  });

  await check('reads contact→company associations in batch (v4)', async () => {
    const contacts = await client.crm.contacts.basicApi.getPage(20, undefined, ['associatedcompanyid']);
    const withCompany = contacts.results.find(c => c.properties.associatedcompanyid);
    assert.ok(withCompany);
    const page = await client.crm.associations.v4.batchApi.getPage('contacts', 'companies', { inputs: [{ id: withCompany.id }] });
    const types = page.results[0].to[0].associationTypes.map(t => t.typeId);
    assert.ok(types.includes(279));
  });

  await check('lists owners', async () => {
    const owners = await client.crm.owners.ownersApi.getPage(undefined, undefined, 10, false);
    assert.ok(owners.results.length > 0 && owners.results[0].email);
  });

  await check('a missing record is a 404 the client can read', async () => {
    await assert.rejects(client.crm.deals.basicApi.getById('1'), e => e.code === 404);
  });
})();

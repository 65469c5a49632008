// Conformance: the official HubSpot Node client (@hubspot/api-client), unchanged, against the HubSpot sandbox.
// The client is generated from HubSpot's OpenAPI files, so what it sends is what the real portal receives. Env:
// HS_BASE_URL (host root, no path), HS_ACCESS_TOKEN; HS_OAUTH_CLIENT_ID, HS_OAUTH_CLIENT_SECRET and HS_REFRESH_TOKEN for
// the OAuth refresh-token flow (the xunit test passes them).
import { Client } from '@hubspot/api-client';
import { abort, check, equal, finish, requireEnv, show, step } from './check.mjs';

const SUITE = 'hubspot';
const env = requireEnv(['HS_BASE_URL', 'HS_ACCESS_TOKEN']);
const basePath = env.HS_BASE_URL.replace(/\/+$/, '');
// Property names take lowercase letters, digits and underscores; unique per run so a second run meets nothing of ours.
const run = `${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;
// No client-side retries: a retried call would hide the answer we check.
const client = new Client({ accessToken: env.HS_ACCESS_TOKEN, basePath, numberOfApiCallRetries: 0 });

const numericId = (id) => typeof id === 'string' && /^[1-9][0-9]*$/.test(id);
const validDate = (d) => d instanceof Date && !Number.isNaN(d.getTime());
const apiError = async (promise) => promise.then(() => undefined, (e) => e);
// HubSpot throttles search separately (about 5 requests per second per account); pace like a well-behaved caller.
let lastSearch = 0;
async function search(objectApi, request) {
  const wait = lastSearch + 300 - Date.now();
  if (wait > 0) {
    await new Promise((resolve) => setTimeout(resolve, wait));
  }
  lastSearch = Date.now();
  return objectApi.searchApi.doSearch(request);
}

// ---- owners (GET /crm/v3/owners) with paging
// Small pages, so that the seeded owners span several.
const ownerPageSizes = [];
const owners = await step('owners: list with paging', async () => {
  const all = [];
  let after;
  do {
    const page = await client.crm.owners.ownersApi.getPage(undefined, after, 5);
    all.push(...page.results);
    ownerPageSizes.push(page.results.length);
    after = page.paging?.next?.after;
  } while (after && all.length < 100_000);
  return all;
});
if (owners) {
  check('owners: more than 5 owners, over several pages of at most 5', owners.length > 5 && ownerPageSizes.length > 1
    && ownerPageSizes.every((n) => n <= 5), { owners: owners.length, pages: ownerPageSizes });
  const bad = owners.filter((o) => !numericId(o.id) || typeof o.email !== 'string' || !o.email.includes('@')
    || !['PERSON', 'QUEUE'].includes(o.type) || o.archived !== false || !validDate(o.createdAt) || !validDate(o.updatedAt));
  check('owners: each has a numeric string id, an email, type, archived=false and ISO dates', bad.length === 0, bad.slice(0, 2));
  equal('owners: no owner listed twice', new Set(owners.map((o) => o.id)).size, owners.length);
  const sample = owners.find((o) => o.email);
  if (sample) {
    const byEmail = await step('owners: filter by email', () => client.crm.owners.ownersApi.getPage(sample.email));
    if (byEmail) {
      check('owners: ?email= returns exactly that owner', byEmail.results.length === 1 && byEmail.results[0].id === sample.id, byEmail.results);
    }
    const nobody = await step('owners: filter by an unknown email', () => client.crm.owners.ownersApi.getPage(`nobody-${run}@example.com`));
    if (nobody) {
      equal('owners: ?email= with an unknown email returns no owner', nobody.results.length, 0);
    }
    const one = await step('owners: get by id', () => client.crm.owners.ownersApi.getById(Number(sample.id)));
    if (one) {
      equal('owners: GET /owners/{id} returns that owner', one.email, sample.email);
    }
  }
}

// ---- companies list with after paging (GET /crm/v3/objects/companies)
const listed = await step('companies: list with after paging', async () => {
  const all = [];
  const sizes = [];
  let after;
  let first;
  do {
    const info = await client.crm.companies.basicApi.getPageWithHttpInfo(100, after, ['name', 'domain', 'numberofemployees']);
    first ??= info;
    all.push(...info.data.results);
    sizes.push(info.data.results.length);
    after = info.data.paging?.next?.after;
  } while (after && sizes.length < 10_000);
  return { all, sizes, first };
});
let companies = [];
if (listed) {
  companies = listed.all;
  check('companies: several pages of 100', listed.sizes.length > 1 && listed.sizes.slice(0, -1).every((n) => n === 100)
    && listed.sizes.at(-1) <= 100, listed.sizes);
  equal('companies: no company listed twice', new Set(companies.map((c) => c.id)).size, companies.length);
  const bad = companies.filter((c) => !numericId(c.id) || c.properties?.hs_object_id !== c.id || c.archived !== false
    || !validDate(c.createdAt) || !validDate(c.updatedAt)
    || Object.values(c.properties).some((v) => v !== null && typeof v !== 'string'));
  check('companies: numeric string ids = hs_object_id, archived=false, ISO dates, string property values', bad.length === 0, bad.slice(0, 2));
  check('companies: asked-for properties come back', companies.some((c) => typeof c.properties.domain === 'string' && c.properties.domain.length > 0), companies[0]);
  const headers = listed.first.headers ?? {};
  check('companies: burst rate-limit headers on a list call', ['x-hubspot-ratelimit-max', 'x-hubspot-ratelimit-remaining', 'x-hubspot-ratelimit-interval-milliseconds']
    .every((h) => headers[h] !== undefined && /^\d+$/.test(headers[h])), headers);
  const all = await step('companies: the client\'s getAll helper', () => client.crm.companies.getAll(100));
  if (all) {
    equal('companies: getAll sees as many companies as manual paging', all.length, companies.length);
  }
}

// ---- properties: a group, then a unique-value property in it, and an enumeration (POST /crm/v3/properties/companies…)
const group = `abm_conf_${run}`;
const keyProp = `abm_conf_key_${run}`;
const tierProp = `abm_conf_tier_${run}`;
const createdGroup = await step('properties: create group', () => client.crm.properties.groupsApi.create('companies',
  { name: group, label: `ABM conformance ${run}`, displayOrder: -1 }));
if (createdGroup) {
  check('properties: group echoed', createdGroup.name === group && createdGroup.label === `ABM conformance ${run}` && createdGroup.archived === false
    && Number.isInteger(createdGroup.displayOrder), createdGroup);
  const groups = await step('properties: list groups', () => client.crm.properties.groupsApi.getAll('companies'));
  if (groups) {
    check('properties: the new group is listed beside the default companyinformation', groups.results.some((g) => g.name === group)
      && groups.results.some((g) => g.name === 'companyinformation'), groups.results.map((g) => g.name));
  }
}
const keyDef = await step('properties: create unique-value property', () => client.crm.properties.coreApi.create('companies', {
  name: keyProp, label: 'ABM conformance key', type: 'string', fieldType: 'text', groupName: group, hasUniqueValue: true,
  description: 'Conformance test key',
}));
if (keyDef) {
  check('properties: unique property echoed', keyDef.name === keyProp && keyDef.type === 'string' && keyDef.fieldType === 'text'
    && keyDef.groupName === group && keyDef.hasUniqueValue === true && keyDef.hubspotDefined !== true && Array.isArray(keyDef.options), keyDef);
  check('properties: createdAt is a date', validDate(keyDef.createdAt), keyDef.createdAt);
  const again = await apiError(client.crm.properties.coreApi.create('companies', {
    name: keyProp, label: 'ABM conformance key', type: 'string', fieldType: 'text', groupName: group, hasUniqueValue: true,
  }));
  check('properties: creating the same property again is 409', again?.code === 409 && typeof again?.body?.category === 'string', { code: again?.code, body: again?.body });
}
const tierDef = await step('properties: create enumeration property', () => client.crm.properties.coreApi.create('companies', {
  name: tierProp, label: 'ABM conformance tier', type: 'enumeration', fieldType: 'select', groupName: group,
  options: ['Tier 1', 'Tier 2', 'Tier 3'].map((t, i) => ({ label: t, value: t, displayOrder: i, hidden: false })),
}));
if (tierDef) {
  equal('properties: enumeration options echoed', tierDef.options.map((o) => o.value), ['Tier 1', 'Tier 2', 'Tier 3']);
  const read = await step('properties: read by name', () => client.crm.properties.coreApi.getByName('companies', tierProp));
  if (read) {
    check('properties: GET by name returns the definition', read.name === tierProp && read.groupName === group && read.type === 'enumeration', read);
  }
}

// ---- batch upsert by the unique property (POST /crm/v3/objects/companies/batch/upsert)
const key = (n) => `key-${run}-${n}`;
const upsertInput = (n, extra = {}) => ({
  id: key(n), idProperty: keyProp,
  properties: { name: `Conformance ${run} ${n}`, domain: `c${n}-${run}.example.com`, [tierProp]: 'Tier 1', ...extra },
});
const ids = {};
if (keyDef && tierDef) {
  const first = await step('upsert: two new companies', () => client.crm.companies.batchApi.upsert({ inputs: [upsertInput(1), upsertInput(2)] }));
  if (first) {
    equal('upsert: status COMPLETE', first.status, 'COMPLETE');
    check('upsert: both created (new=true), with ids', first.results.length === 2 && first.results.every((r) => r._new === true && numericId(r.id)), first.results);
    for (const r of first.results) {
      ids[r.properties[keyProp]] = r.id;
    }
    check('upsert: results carry the unique key back', ids[key(1)] !== undefined && ids[key(2)] !== undefined, first.results.map((r) => r.properties));
  }
  const second = await step('upsert: one existing, one new', () => client.crm.companies.batchApi.upsert({
    inputs: [upsertInput(1, { name: `Conformance ${run} 1 renamed`, [tierProp]: 'Tier 2' }), upsertInput(3)],
  }));
  if (second) {
    const byKey = Object.fromEntries(second.results.map((r) => [r.properties[keyProp], r]));
    check('upsert: the existing one is updated in place (new=false, same id)', byKey[key(1)]?._new === false && byKey[key(1)]?.id === ids[key(1)], byKey[key(1)]);
    check('upsert: the other is created (new=true)', byKey[key(3)]?._new === true && numericId(byKey[key(3)]?.id), byKey[key(3)]);
    ids[key(3)] = byKey[key(3)]?.id;
    equal('upsert: the updated name is returned', byKey[key(1)]?.properties?.name, `Conformance ${run} 1 renamed`);
  }
  // An invalid enumeration option: whole-batch 400 or a 207 naming it are both HubSpot answers; a quiet success is not.
  const invalid = await step('upsert: an invalid enumeration option', async () => {
    try {
      return await client.crm.companies.batchApi.upsert({ inputs: [upsertInput(4, { [tierProp]: 'Platinum' })] });
    } catch (e) {
      return e;
    }
  });
  if (invalid !== undefined) {
    const refused = (invalid.code === 400 && invalid.body?.category === 'VALIDATION_ERROR') || (invalid.numErrors >= 1 && invalid.results?.length === 0);
    check('upsert: an invalid option is refused (400 VALIDATION_ERROR or 207 error)', refused, invalid.code ? { code: invalid.code, body: invalid.body } : invalid);
  }

  // The documented batch cap: at most 100 inputs per call, the whole call refused beyond it.
  const tooMany = await apiError(client.crm.companies.batchApi.upsert({
    inputs: Array.from({ length: 101 }, (_, i) => upsertInput(`big${i}`)),
  }));
  check('upsert: 101 inputs are refused with 400 VALIDATION_ERROR', tooMany?.code === 400 && tooMany?.body?.category === 'VALIDATION_ERROR',
    tooMany ? { code: tooMany.code, body: tooMany.body } : 'it was accepted');

  // Only a unique-value property can be an idProperty; company domain is not one.
  const byDomain = await apiError(client.crm.companies.batchApi.upsert({
    inputs: [{ id: `d-${run}.example.com`, idProperty: 'domain', properties: { name: `Conformance ${run} by domain` } }],
  }));
  equal('upsert: idProperty domain (not unique) is refused with 400', byDomain?.code, 400);

  // Read back by the unique property (POST …/batch/read with idProperty); a missing key answers 207 OBJECT_NOT_FOUND.
  const read = await step('batch read by idProperty', () => client.crm.companies.batchApi.read({
    idProperty: keyProp, properties: ['name', 'domain', tierProp, keyProp], propertiesWithHistory: [],
    inputs: [{ id: key(1) }, { id: key(2) }, { id: key(3) }, { id: key(4) }, { id: `missing-${run}` }],
  }));
  if (read) {
    const byKey = Object.fromEntries(read.results.map((r) => [r.properties[keyProp], r]));
    equal('batch read: the three upserted companies come back', Object.keys(byKey).sort(), [key(1), key(2), key(3)]);
    equal('batch read: updated name persisted', byKey[key(1)]?.properties?.name, `Conformance ${run} 1 renamed`);
    equal('batch read: updated enumeration persisted', byKey[key(1)]?.properties?.[tierProp], 'Tier 2');
    equal('batch read: untouched record kept its values', byKey[key(2)]?.properties?.[tierProp], 'Tier 1');
    equal('batch read: ids match the upsert results', byKey[key(1)]?.id, ids[key(1)]);
    check('batch read: the refused input was not written', byKey[key(4)] === undefined, byKey[key(4)]);
    check('batch read: missing keys reported as 207 errors', read.numErrors >= 1 && read.errors?.some((e) => e.category === 'OBJECT_NOT_FOUND'
      && (e.context?.ids ?? []).includes(`missing-${run}`)), { numErrors: read.numErrors, errors: read.errors });
  }

  // Unique values are enforced: a plain create with a taken key must not make a second record.
  const dup = await apiError(client.crm.companies.basicApi.create({ properties: { name: `Conformance ${run} dup`, [keyProp]: key(2) }, associations: [] }));
  check('unique: creating a company with a taken unique value is refused (4xx)', dup?.code >= 400 && dup?.code < 500, dup?.code ? { code: dup.code, body: dup.body } : 'it was accepted');
}

// ---- search with filters, sorts and paging (POST /crm/v3/objects/companies/search)
await step('search: filter, sort and paging', async () => {
  const threshold = 500;
  const request = (after) => ({
    filterGroups: [{ filters: [{ propertyName: 'numberofemployees', operator: 'GTE', value: String(threshold) }] }],
    sorts: [{ propertyName: 'numberofemployees', direction: 'DESCENDING' }],
    properties: ['name', 'numberofemployees'], limit: 50, after,
  });
  const results = [];
  const sizes = [];
  let total;
  let after;
  do {
    const page = await search(client.crm.companies, request(after));
    total ??= page.total;
    results.push(...page.results);
    sizes.push(page.results.length);
    after = page.paging?.next?.after;
  } while (after && sizes.length < 250);
  const expected = companies.filter((c) => Number(c.properties.numberofemployees) >= threshold).length;
  check('search: more than one page', sizes.length > 1 && sizes.every((n) => n <= 50), sizes);
  equal('search: pages add up to total', results.length, total);
  equal('search: total equals the listed companies that match', total, expected);
  equal('search: no result twice', new Set(results.map((r) => r.id)).size, results.length);
  check('search: every result matches the filter', results.every((r) => Number(r.properties.numberofemployees) >= threshold),
    results.filter((r) => Number(r.properties.numberofemployees) < threshold).slice(0, 2));
  const values = results.map((r) => Number(r.properties.numberofemployees));
  check('search: sorted descending', values.every((v, i) => i === 0 || values[i - 1] >= v), values.slice(0, 20));
});
if (ids[key(1)]) {
  await step('search: EQ, IN and OR groups on the unique property', async () => {
    const eq = await search(client.crm.companies, {
      filterGroups: [{ filters: [{ propertyName: keyProp, operator: 'EQ', value: key(1) }] }], properties: [keyProp], limit: 10,
    });
    check('search: EQ finds exactly the one record', eq.total === 1 && eq.results[0]?.id === ids[key(1)], { total: eq.total, results: eq.results });
    const inList = await search(client.crm.companies, {
      filterGroups: [{ filters: [{ propertyName: keyProp, operator: 'IN', values: [key(1), key(2)] }] }], properties: [keyProp], limit: 10,
    });
    equal('search: IN finds both', inList.results.map((r) => r.id).sort(), [ids[key(1)], ids[key(2)]].sort());
    const or = await search(client.crm.companies, {
      filterGroups: [
        { filters: [{ propertyName: keyProp, operator: 'EQ', value: key(2) }] },
        { filters: [{ propertyName: keyProp, operator: 'EQ', value: key(3) }] },
      ],
      sorts: [{ propertyName: 'hs_object_id', direction: 'ASCENDING' }], properties: [keyProp], limit: 10,
    });
    equal('search: filter groups are ORed', or.results.map((r) => r.id), [ids[key(2)], ids[key(3)]].sort((a, b) => Number(a) - Number(b)));
  });
}

// ---- property history and archiving of what we wrote
if (ids[key(1)] && ids[key(2)]) {
  await step('history: propertiesWithHistory on a renamed company', async () => {
    const company = await client.crm.companies.basicApi.getById(ids[key(1)], ['name'], ['name']);
    const history = company.propertiesWithHistory?.name ?? [];
    check('history: both names, newest first', history.length >= 2 && history[0].value === `Conformance ${run} 1 renamed`
      && history[1].value === `Conformance ${run} 1`, history);
    check('history: each version has a timestamp and a sourceType', history.length > 0 && history.every((h) => validDate(h.timestamp)
      && typeof h.sourceType === 'string' && h.sourceType.length > 0), history);
    check('history: timestamps descend', history.every((h, i) => i === 0 || history[i - 1].timestamp >= h.timestamp), history.map((h) => h.timestamp));
  });
  await step('archive: batch archive, then reads', async () => {
    await client.crm.companies.batchApi.archive({ inputs: [{ id: ids[key(2)] }] });
    const gone = await apiError(client.crm.companies.basicApi.getById(ids[key(2)]));
    equal('archive: GET of an archived company is 404', gone?.code, 404);
    const archived = await client.crm.companies.basicApi.getById(ids[key(2)], ['name'], undefined, undefined, true);
    check('archive: GET ?archived=true returns it with archived=true and archivedAt', archived?.archived === true && validDate(archived?.archivedAt), archived);
    const archivedList = [];
    let after;
    do {
      const page = await client.crm.companies.basicApi.getPage(100, after, ['name'], undefined, undefined, true);
      archivedList.push(...page.results);
      after = page.paging?.next?.after;
    } while (after && archivedList.length < 100_000);
    check('archive: list ?archived=true holds only archived companies, ours among them', archivedList.every((c) => c.archived === true)
      && archivedList.some((c) => c.id === ids[key(2)]), archivedList.filter((c) => c.archived !== true).slice(0, 2));
    check('archive: the default list no longer holds it', !(await client.crm.companies.getAll(100)).some((c) => c.id === ids[key(2)]));
  });
}

// ---- the search limit as the client meets it: an unpaced burst is throttled with the body the client's retry logic reads
await step('search: burst throttling and the client\'s own retry', async () => {
  const body = { filterGroups: [{ filters: [{ propertyName: 'numberofemployees', operator: 'GTE', value: '1' }] }], limit: 1 };
  // The client's own limiter (about 9 requests/s, 6 at once) would spread the burst; lift it so all 20 arrive together.
  const unlimited = new Client({ accessToken: env.HS_ACCESS_TOKEN, basePath, numberOfApiCallRetries: 0, limiterOptions: { minTime: 0, maxConcurrent: 100 } });
  const burst = await Promise.all(Array.from({ length: 20 }, () => unlimited.crm.companies.searchApi.doSearch(body).then(() => undefined, (e) => e)));
  const throttled = burst.filter((e) => e?.code === 429);
  check('search: 20 simultaneous searches meet the secondly limit (429)', throttled.length > 0, burst.map((e) => (e === undefined ? 200 : e.code ?? e.message)));
  check('search: the 429 body says policyName SECONDLY and "You have reached your secondly limit."', throttled.length > 0
    && throttled.every((e) => e.body?.policyName === 'SECONDLY' && e.body?.message === 'You have reached your secondly limit.'), throttled[0]?.body);
  check('search: nothing but 429s in the burst', burst.every((e) => e === undefined || e.code === 429), burst.filter((e) => e && e.code !== 429).map((e) => e.code));
  await new Promise((resolve) => setTimeout(resolve, 1100));
  const retrying = new Client({ accessToken: env.HS_ACCESS_TOKEN, basePath, numberOfApiCallRetries: 6 });
  const again = await Promise.all(Array.from({ length: 12 }, () => retrying.crm.companies.searchApi.doSearch(body).then(() => undefined, (e) => e)));
  check('search: the client\'s retry on the secondly limit gets all 12 through', again.every((e) => e === undefined), again.map((e) => (e === undefined ? 200 : e.code ?? e.message)));
  // Let the burst's second pass out of the window before the paced searches go on.
  lastSearch = Date.now() + 1000;
});

// ---- associations v4, contacts → companies
await step('associations: contacts to companies', async () => {
  const contacts = [];
  let after;
  do {
    const page = await client.crm.contacts.basicApi.getPage(100, after, ['email', 'associatedcompanyid'], undefined, ['companies']);
    contacts.push(...page.results);
    after = page.paging?.next?.after;
  } while (after && contacts.length < 400);
  const withCompany = contacts.filter((c) => numericId(c.properties.associatedcompanyid));
  if (!check('associations: seeded contacts with a primary company exist', withCompany.length > 0, contacts.slice(0, 2))) {
    return;
  }
  const sample = withCompany.slice(0, 20);
  const perRecord = new Map();
  for (const contact of sample) {
    const page = await client.crm.associations.v4.basicApi.getPage('contacts', contact.id, 'companies', undefined, 500);
    perRecord.set(contact.id, page.results);
  }
  const missingPrimary = sample.filter((c) => !perRecord.get(c.id).some((a) => String(a.toObjectId) === c.properties.associatedcompanyid));
  check('associations: each contact\'s associatedcompanyid is among its v4 company associations', missingPrimary.length === 0,
    missingPrimary.slice(0, 2).map((c) => ({ contact: c.id, associatedcompanyid: c.properties.associatedcompanyid, v4: perRecord.get(c.id) })));
  const types = sample.flatMap((c) => perRecord.get(c.id).flatMap((a) => a.associationTypes));
  check('associations: contact→company types are HUBSPOT_DEFINED 1 (primary) or 279 (unlabeled)',
    types.length > 0 && types.every((t) => t.category === 'HUBSPOT_DEFINED' && [1, 279].includes(t.typeId)), types.slice(0, 4));
  const primary = sample.map((c) => perRecord.get(c.id).find((a) => String(a.toObjectId) === c.properties.associatedcompanyid));
  check('associations: the primary company carries type 1', primary.every((a) => a?.associationTypes.some((t) => t.typeId === 1)), primary.slice(0, 2));
  const listedAssoc = sample.filter((c) => !(c.associations?.companies?.results ?? []).some((r) => r.id === c.properties.associatedcompanyid));
  check('associations: the list call\'s associations=companies agrees', listedAssoc.length === 0, listedAssoc.slice(0, 1).map((c) => c.associations));

  const batch = await client.crm.associations.v4.batchApi.getPage('contacts', 'companies', { inputs: sample.map((c) => ({ id: c.id })) });
  // The generated models rename the reserved word: `from` travels as `_from` in the client's objects.
  const byFrom = new Map(batch.results.map((r) => [String(r._from.id), r.to]));
  const disagree = sample.filter((c) => {
    const one = perRecord.get(c.id).map((a) => String(a.toObjectId)).sort().join();
    const many = (byFrom.get(c.id) ?? []).map((a) => String(a.toObjectId)).sort().join();
    return one !== many;
  });
  check('associations: batch read agrees with the per-record reads', disagree.length === 0 && byFrom.size === sample.length,
    disagree.slice(0, 1).map((c) => ({ contact: c.id, single: perRecord.get(c.id), batch: byFrom.get(c.id) })));

  // Create a default association to one of our companies, then read it back.
  if (ids[key(3)]) {
    const contact = sample[0];
    await client.crm.associations.v4.batchApi.createDefault('contacts', 'companies', { inputs: [{ _from: { id: contact.id }, to: { id: ids[key(3)] } }] });
    const page = await client.crm.associations.v4.basicApi.getPage('contacts', contact.id, 'companies', undefined, 500);
    const made = page.results.find((a) => String(a.toObjectId) === ids[key(3)]);
    check('associations: a default association created in batch reads back as type 279', made?.associationTypes?.some((t) => t.typeId === 279
      && t.category === 'HUBSPOT_DEFINED'), page.results);
  }
});

// ---- contacts: upsert by email (their built-in unique key), the duplicate-email conflict, incremental search
await step('contacts: batch upsert by email and the duplicate conflict', async () => {
  const email = `conf-${run}@example.com`;
  const first = await client.crm.contacts.batchApi.upsert({ inputs: [{ id: email, idProperty: 'email', properties: { firstname: 'Con', lastname: 'Formance', jobtitle: 'CFO' } }] });
  check('contacts: upsert by email creates (new=true)', first.results.length === 1 && first.results[0]._new === true && numericId(first.results[0].id), first.results);
  const second = await client.crm.contacts.batchApi.upsert({ inputs: [{ id: email, idProperty: 'email', properties: { jobtitle: 'VP Finance' } }] });
  check('contacts: upsert by the same email updates (new=false, same id)', second.results[0]?._new === false && second.results[0]?.id === first.results[0]?.id, second.results);
  const conflict = await apiError(client.crm.contacts.basicApi.create({ properties: { email }, associations: [] }));
  check('contacts: creating a contact with a taken email is 409 CONFLICT naming the existing id', conflict?.code === 409 && conflict?.body?.category === 'CONFLICT'
    && String(conflict?.body?.message).includes(`Existing ID: ${first.results[0]?.id}`), conflict ? { code: conflict.code, body: conflict.body } : 'it was accepted');
});
await step('contacts: incremental search on lastmodifieddate', async () => {
  const since = Date.now() - 200 * 24 * 3600 * 1000;
  const request = (after) => ({
    filterGroups: [{ filters: [{ propertyName: 'lastmodifieddate', operator: 'GTE', value: String(since) }] }],
    sorts: [{ propertyName: 'lastmodifieddate', direction: 'ASCENDING' }],
    properties: ['email', 'lastmodifieddate'], limit: 200, after,
  });
  const first = await search(client.crm.contacts, request(undefined));
  const second = first.paging?.next?.after ? await search(client.crm.contacts, request(first.paging.next.after)) : { results: [] };
  const rows = [...first.results, ...second.results];
  const stamps = rows.map((r) => Date.parse(r.properties.lastmodifieddate));
  check('contacts search: 200 per page and a next page', first.results.length === 200 && typeof first.paging?.next?.after === 'string', { size: first.results.length, paging: first.paging });
  check('contacts search: lastmodifieddate parses and is within the filter', stamps.every((t) => Number.isFinite(t) && t >= since - 1000), rows.slice(0, 2).map((r) => r.properties));
  check('contacts search: ascending across pages', stamps.every((t, i) => i === 0 || stamps[i - 1] <= t), stamps.slice(195, 205));
  equal('contacts search: no contact on both pages', new Set(rows.map((r) => r.id)).size, rows.length);
});

// ---- engagement objects through the generic objects API, and the date-versioned path through the client's apiRequest
await step('meetings through crm.objects', async () => {
  const page = await client.crm.objects.basicApi.getPage('meetings', 20, undefined, ['hs_timestamp', 'hs_meeting_title']);
  check('meetings: listed with hs_timestamp as a date', page.results.length > 0 && page.results.every((m) => Number.isFinite(Date.parse(m.properties.hs_timestamp ?? ''))),
    page.results.slice(0, 2));
});
await step('date-versioned path /crm/objects/2026-03 answers like /crm/v3/objects', async () => {
  const v3 = await client.crm.companies.basicApi.getPage(5, undefined, ['name']);
  const response = await client.apiRequest({ method: 'GET', path: '/crm/objects/2026-03/companies', qs: { limit: 5, properties: 'name' } });
  const dated = await response.json();
  check('date-versioned: 200 with the same first page', response.status === 200
    && show(dated.results?.map((r) => [r.id, r.properties?.name])) === show(v3.results.map((r) => [r.id, r.properties.name])), { status: response.status, dated: dated.results?.slice(0, 2) });
});
await step('properties: the default company properties', async () => {
  const all = await client.crm.properties.coreApi.getAll('companies');
  const byName = new Map(all.results.map((p) => [p.name, p]));
  check('properties: name, domain and hs_lastmodifieddate are HubSpot-defined', ['name', 'domain', 'hs_lastmodifieddate'].every((n) => byName.get(n)?.hubspotDefined === true),
    ['name', 'domain', 'hs_lastmodifieddate'].map((n) => byName.get(n) ?? `${n} missing`));
  if (keyDef) {
    check('properties: our unique property is listed as unique', byName.get(keyProp)?.hasUniqueValue === true, byName.get(keyProp));
  }
});

await step('associations: label definitions', async () => {
  const pairs = { 'contacts/companies': [1, 279], 'deals/companies': [5, 341] };
  for (const [pair, typeIds] of Object.entries(pairs)) {
    const [from, to] = pair.split('/');
    const labels = await client.crm.associations.v4.schema.definitionsApi.getAll(from, to);
    const defined = labels.results.filter((l) => l.category === 'HUBSPOT_DEFINED').map((l) => l.typeId).sort((a, b) => a - b);
    check(`associations: ${from}→${to} labels include HUBSPOT_DEFINED ${typeIds.join(' and ')}`, typeIds.every((t) => defined.includes(t)), labels.results);
  }
});

// ---- OAuth refresh-token grant through the client's oauth API (POST /oauth/v1/token), then a call with the new token
if (process.env.HS_REFRESH_TOKEN) {
  await step('oauth: refresh-token grant', async () => {
    const anonymous = new Client({ basePath, numberOfApiCallRetries: 0 });
    const token = await anonymous.oauth.tokensApi.create('refresh_token', undefined, undefined,
      process.env.HS_OAUTH_CLIENT_ID, process.env.HS_OAUTH_CLIENT_SECRET, process.env.HS_REFRESH_TOKEN);
    check('oauth: answer has accessToken, refreshToken, tokenType bearer and expiresIn seconds', typeof token.accessToken === 'string'
      && token.accessToken.length > 0 && typeof token.refreshToken === 'string' && String(token.tokenType).toLowerCase() === 'bearer'
      && Number.isInteger(token.expiresIn) && token.expiresIn > 0, { ...token, accessToken: token.accessToken ? '(set)' : token.accessToken });
    const page = await new Client({ accessToken: token.accessToken, basePath, numberOfApiCallRetries: 0 }).crm.companies.basicApi.getPage(1);
    equal('oauth: the new access token works', page.results.length, 1);
    const bad = await apiError(anonymous.oauth.tokensApi.create('refresh_token', undefined, undefined,
      process.env.HS_OAUTH_CLIENT_ID, process.env.HS_OAUTH_CLIENT_SECRET, `nope-${run}`));
    equal('oauth: an unknown refresh token is refused with 400', bad?.code, 400);
  });
} else {
  console.log('not configured: OAuth refresh-token grant (set HS_REFRESH_TOKEN)');
}

// ---- errors as the client surfaces them
await step('errors: bad token and unknown id', async () => {
  const stranger = new Client({ accessToken: 'not-a-token', basePath, numberOfApiCallRetries: 0 });
  const denied = await apiError(stranger.crm.companies.basicApi.getPage(1));
  check('errors: a bad token is 401 INVALID_AUTHENTICATION with a correlationId', denied?.code === 401 && denied?.body?.category === 'INVALID_AUTHENTICATION'
    && typeof denied?.body?.correlationId === 'string', { code: denied?.code, body: denied?.body });
  const missing = await apiError(client.crm.companies.basicApi.getById('999999999999'));
  equal('errors: an unknown company id is 404', missing?.code, 404);
});

if (owners === undefined && listed === undefined) {
  abort(SUITE, 'nothing answered');
}
finish(SUITE);

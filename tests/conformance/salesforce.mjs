// Conformance: jsforce, unchanged, against the Salesforce sandbox.
// What jsforce sends and expects is what real orgs answer, so every check below is a claim about the real REST API
// (paths, shapes, status codes) that the sandbox must honour. Env: SF_LOGIN_URL, SF_CLIENT_ID, SF_CLIENT_SECRET,
// optional SF_API_VERSION (default 66.0); SF_JWT_PRIVATE_KEY (PEM of the connected app's certificate key) and
// SF_REFRESH_TOKEN for the JWT bearer and refresh-token flows (the xunit test passes both).
import { createSign } from 'node:crypto';
import jsforce from 'jsforce';
import { abort, check, equal, finish, requireEnv, show, step } from './check.mjs';

const SUITE = 'salesforce';
const env = requireEnv(['SF_LOGIN_URL', 'SF_CLIENT_ID', 'SF_CLIENT_SECRET']);
const version = process.env.SF_API_VERSION || '66.0';
// Unique per run, so the script can run twice against one sandbox without meeting its own records.
const run = `${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;

/** The 18-character id's suffix encodes the case of the first 15 characters (the Salesforce id documentation). */
function validId(id, prefix) {
  if (typeof id !== 'string' || !/^[a-zA-Z0-9]{18}$/.test(id) || !id.startsWith(prefix)) {
    return false;
  }
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ012345';
  let suffix = '';
  for (let chunk = 0; chunk < 3; chunk += 1) {
    let bits = 0;
    for (let i = 0; i < 5; i += 1) {
      const c = id[chunk * 5 + i];
      if (c >= 'A' && c <= 'Z') {
        bits |= 1 << i;
      }
    }
    suffix += alphabet[bits];
  }
  return suffix === id.slice(15);
}

const sfDateTime = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+0000$/;
const quoteList = (ids) => ids.map((id) => `'${id}'`).join(', ');

// ---- login: OAuth 2.0 client credentials through jsforce's OAuth2 (POST /services/oauth2/token)
const conn = new jsforce.Connection({
  oauth2: { loginUrl: env.SF_LOGIN_URL, clientId: env.SF_CLIENT_ID, clientSecret: env.SF_CLIENT_SECRET },
  version,
});
const userInfo = await step('login with client_credentials', () => conn.authorize({ grant_type: 'client_credentials' }));
if (!userInfo) {
  abort(SUITE, 'cannot go on without a session');
}
check('login: access token issued', typeof conn.accessToken === 'string' && conn.accessToken.length > 0);
check('login: instance_url is an http(s) URL', /^https?:\/\/[^/]+/.test(conn.instanceUrl ?? ''), conn.instanceUrl);
check('login: identity URL names an 18-char user id (005…)', validId(userInfo.id, '005'), userInfo);
check('login: identity URL names an 18-char org id (00D…)', validId(userInfo.organizationId, '00D'), userInfo);

// The token answer as the OAuth2 class returns it raw, and the identity URL it names, which jsforce's identity() reads.
await step('login: token answer', async () => {
  const raw = await conn.oauth2.requestToken({ grant_type: 'client_credentials' });
  check('login: token answer has token_type Bearer, issued_at (epoch ms), signature and scope', raw.token_type === 'Bearer'
    && /^\d{13}$/.test(raw.issued_at ?? '') && typeof raw.signature === 'string' && typeof raw.scope === 'string',
    Object.fromEntries(Object.entries(raw).filter(([k]) => k !== 'access_token')));
  check('login: no expires_in (Salesforce tokens do not say when they expire)', raw.expires_in === undefined, raw.expires_in);
});
await step('login: GET on the identity URL (jsforce identity())', async () => {
  const identity = await conn.identity();
  check('login: the identity URL answers the logged-in user', identity?.user_id === userInfo.id && identity?.organization_id === userInfo.organizationId
    && typeof identity?.username === 'string', identity);
});

// ---- JWT bearer flow: an RS256 assertion signed as a user of jsforce signs it (jsforce sends it, it does not make it)
const base64url = (data) => Buffer.from(data).toString('base64url');
function assertion(claims) {
  const unsigned = `${base64url(JSON.stringify({ alg: 'RS256', typ: 'JWT' }))}.${base64url(JSON.stringify(claims))}`;
  const signature = createSign('RSA-SHA256').update(unsigned).sign(process.env.SF_JWT_PRIVATE_KEY);
  return `${unsigned}.${signature.toString('base64url')}`;
}
if (process.env.SF_JWT_PRIVATE_KEY) {
  await step('login: JWT bearer flow', async () => {
    const me = await conn.query(`SELECT Username FROM User WHERE Id = '${userInfo.id}'`);
    const username = me.records[0]?.Username;
    check('login: the logged-in user has a Username', typeof username === 'string' && username.length > 0, me.records);
    const now = Math.floor(Date.now() / 1000);
    const claims = { iss: env.SF_CLIENT_ID, sub: username, aud: 'https://login.salesforce.com', exp: now + 180 };
    const jwtConn = new jsforce.Connection({ oauth2: { loginUrl: env.SF_LOGIN_URL }, version });
    const jwtUser = await jwtConn.authorize({ grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', assertion: assertion(claims) });
    equal('jwt: the token is for the user named in sub', jwtUser.id, userInfo.id);
    const page = await jwtConn.query('SELECT Id FROM Account LIMIT 1');
    equal('jwt: the session works', page.records.length, 1);
    const refused = async (bad) => new jsforce.Connection({ oauth2: { loginUrl: env.SF_LOGIN_URL }, version })
      .authorize({ grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', assertion: assertion(bad) }).then(() => undefined, (e) => e);
    equal('jwt: an expired assertion gives invalid_grant', (await refused({ ...claims, exp: now - 60 }))?.name, 'invalid_grant');
    equal('jwt: a wrong audience gives invalid_grant', (await refused({ ...claims, aud: 'https://example.com' }))?.name, 'invalid_grant');
  });
} else {
  console.log('not configured: JWT bearer flow (set SF_JWT_PRIVATE_KEY)');
}

// ---- refresh-token flow: jsforce refreshes by itself when a call answers 401 INVALID_SESSION_ID, then replays it
if (process.env.SF_REFRESH_TOKEN) {
  await step('login: refresh token flow on a 401', async () => {
    const refreshing = new jsforce.Connection({
      oauth2: { loginUrl: env.SF_LOGIN_URL, clientId: env.SF_CLIENT_ID, clientSecret: env.SF_CLIENT_SECRET },
      instanceUrl: conn.instanceUrl, accessToken: 'stale-session', refreshToken: process.env.SF_REFRESH_TOKEN, version,
    });
    let refreshed = 0;
    refreshing.on('refresh', () => { refreshed += 1; });
    const page = await refreshing.query('SELECT Id FROM Account LIMIT 1');
    equal('refresh: the replayed query answers', page.records.length, 1);
    equal('refresh: jsforce refreshed exactly once', refreshed, 1);
    check('refresh: a new access token replaced the stale one', refreshing.accessToken !== 'stale-session' && refreshing.accessToken.length > 0, refreshing.accessToken === 'stale-session');
  });
} else {
  console.log('not configured: refresh token flow (set SF_REFRESH_TOKEN)');
}

// ---- limits (GET /limits) and the Sforce-Limit-Info header jsforce reads on every response
const limits = await step('limits', () => conn.limits());
if (limits) {
  const daily = limits.DailyApiRequests;
  check('limits: DailyApiRequests has Max and Remaining', daily && Number.isInteger(daily.Max) && Number.isInteger(daily.Remaining)
    && daily.Max > 0 && daily.Remaining <= daily.Max, daily);
  const usage = conn.limitInfo?.apiUsage;
  check('limits: Sforce-Limit-Info api-usage=used/max parsed by jsforce', usage && usage.limit > 0 && usage.used >= 0, conn.limitInfo);
  if (daily && usage) {
    equal('limits: header allocation equals /limits DailyApiRequests.Max', usage.limit, daily.Max);
  }
}

// ---- query with paging
const soql = 'SELECT Id, Name, Website, OwnerId, SystemModstamp FROM Account';
const all = await step('query: autoFetch all pages', () => conn.query(soql, { autoFetch: true, maxFetch: 1_000_000 }));
let accountIds = [];
if (all) {
  accountIds = all.records.map((r) => r.Id);
  check('query: more than one page of accounts in the org (≥ 2,001)', all.totalSize > 2000, `totalSize=${all.totalSize}`);
  equal('query: autoFetch fetched totalSize records', all.records.length, all.totalSize);
  equal('query: no record fetched twice', new Set(accountIds).size, accountIds.length);
  equal('query: done=true at the end', all.done, true);
  const bad = all.records.filter((r) => !validId(r.Id, '001'));
  check('query: every Id is 18 chars, 001…, with a valid checksum', bad.length === 0, bad.slice(0, 3).map((r) => r.Id));
  const first = all.records[0] ?? {};
  equal('query: record attributes.type', first.attributes?.type, 'Account');
  equal('query: record attributes.url', first.attributes?.url, `/services/data/v${version}/sobjects/Account/${first.Id}`);
  check('query: SystemModstamp formatted yyyy-MM-ddTHH:mm:ss.fff+0000', sfDateTime.test(first.SystemModstamp), first.SystemModstamp);
  check('query: OwnerId is a user id', validId(first.OwnerId, '005'), first.OwnerId);
}

// Manual paging as jsforce's queryMore does it: the locator is the last segment of nextRecordsUrl.
await step('query: nextRecordsUrl paging with queryMore', async () => {
  let page = await conn.query(soql);
  const pages = [page];
  check('query: first page says done=false', page.done === false, { done: page.done, totalSize: page.totalSize });
  // jsforce hands back a nextRecordsUrl it rebuilt from the locator (absolute); the org's own is read raw.
  const raw = await conn.request(`/query?q=${encodeURIComponent(soql)}`);
  check('query: the org\'s nextRecordsUrl is the relative /services/data/vNN.N/query/<locator>',
    /^\/services\/data\/v\d+\.\d\/query\/[^/?]+$/.test(raw.nextRecordsUrl ?? ''), raw.nextRecordsUrl);
  check('query: default page holds at most 2,000 records', page.records.length > 0 && page.records.length <= 2000, page.records.length);
  while (!page.done && page.nextRecordsUrl && pages.length < 50) {
    page = await conn.queryMore(page.nextRecordsUrl);
    pages.push(page);
  }
  const ids = pages.flatMap((p) => p.records.map((r) => r.Id));
  check('query: queryMore reaches done=true', page.done === true, { pages: pages.length, done: page.done });
  check('query: last page carries no nextRecordsUrl', !page.nextRecordsUrl, page.nextRecordsUrl);
  equal('query: pages add up to totalSize', ids.length, pages[0].totalSize);
  equal('query: queryMore pages hold no duplicates', new Set(ids).size, ids.length);
  check('query: every page repeats totalSize', pages.every((p) => p.totalSize === pages[0].totalSize), pages.map((p) => p.totalSize));
});

// Smaller pages through the Sforce-Query-Options header (batchSize 200–2000), sent on every call as autoFetch does.
await step('query: Sforce-Query-Options batchSize=500', async () => {
  const headers = { 'Sforce-Query-Options': 'batchSize=500' };
  let page = await conn.query(soql, { headers });
  const sizes = [page.records.length];
  const ids = page.records.map((r) => r.Id);
  while (!page.done && page.nextRecordsUrl && sizes.length < 100) {
    page = await conn.queryMore(page.nextRecordsUrl, { headers });
    sizes.push(page.records.length);
    ids.push(...page.records.map((r) => r.Id));
  }
  check('query: batchSize=500 gives pages of at most 500', sizes.every((n) => n <= 500), sizes);
  check('query: batchSize=500 gives several pages', sizes.length >= Math.ceil(page.totalSize / 500), sizes);
  equal('query: batchSize=500 pages add up to totalSize', ids.length, page.totalSize);
  equal('query: batchSize=500 pages hold no duplicates', new Set(ids).size, ids.length);
});

// queryAll sees what query hides: the seeded org has merged accounts whose losers are deleted.
await step('queryAll: deleted (merged) accounts', async () => {
  const deletedSoql = 'SELECT Id, IsDeleted, MasterRecordId FROM Account WHERE IsDeleted = true';
  const hidden = await conn.query(deletedSoql);
  const shown = await conn.query(deletedSoql, { scanAll: true });
  equal('query: hides deleted accounts', hidden.totalSize, 0);
  check('queryAll: returns deleted accounts', shown.totalSize > 0 && shown.records.every((r) => r.IsDeleted === true), show(shown.records.slice(0, 2)));
  check('queryAll: a merged loser names its MasterRecordId', shown.records.some((r) => validId(r.MasterRecordId, '001')), show(shown.records.slice(0, 2)));
  // The documented quirk: a queryAll cursor is followed through /query/, so clients (jsforce too) build that URL.
  const headers = { 'Sforce-Query-Options': 'batchSize=500' };
  const raw = await conn.request({ method: 'GET', url: `/queryAll?q=${encodeURIComponent('SELECT Id FROM Account')}`, headers });
  check('queryAll: the org\'s nextRecordsUrl is /services/data/vNN.N/query/<locator> (query, not queryAll)',
    /^\/services\/data\/v\d+\.\d\/query\/[^/?]+$/.test(raw.nextRecordsUrl ?? ''), raw.nextRecordsUrl);
  let page = await conn.query('SELECT Id FROM Account', { scanAll: true, headers });
  let count = page.records.length;
  while (!page.done && page.nextRecordsUrl && count < 1_000_000) {
    page = await conn.queryMore(page.nextRecordsUrl, { headers });
    count += page.records.length;
  }
  check('queryAll: paging through its cursor returns live and deleted accounts', count === page.totalSize && count > accountIds.length,
    { fetched: count, totalSize: page.totalSize, live: accountIds.length });
});

// Errors as jsforce surfaces them: the JSON error array's errorCode becomes error.errorCode.
await step('errors: bad session, bad SOQL, bad client secret', async () => {
  const stale = new jsforce.Connection({ instanceUrl: conn.instanceUrl, accessToken: 'not-a-session', version });
  const expired = await stale.query('SELECT Id FROM Account LIMIT 1').then(() => undefined, (e) => e);
  equal('errors: a bad token gives INVALID_SESSION_ID', expired?.errorCode, 'INVALID_SESSION_ID');
  const malformed = await conn.query('SELECT Id FROM Account WHERE').then(() => undefined, (e) => e);
  equal('errors: broken SOQL gives MALFORMED_QUERY', malformed?.errorCode, 'MALFORMED_QUERY');
  const noField = await conn.query('SELECT Nope__c FROM Account').then(() => undefined, (e) => e);
  equal('errors: an unknown field gives INVALID_FIELD', noField?.errorCode, 'INVALID_FIELD');
  const noType = await conn.query('SELECT Id FROM Nope__c').then(() => undefined, (e) => e);
  equal('errors: an unknown object gives INVALID_TYPE', noType?.errorCode, 'INVALID_TYPE');
  const wrongSecret = new jsforce.Connection({ oauth2: { loginUrl: env.SF_LOGIN_URL, clientId: env.SF_CLIENT_ID, clientSecret: 'wrong' }, version });
  const refused = await wrongSecret.authorize({ grant_type: 'client_credentials' }).then(() => undefined, (e) => e);
  equal('errors: a wrong client secret gives the OAuth error invalid_client', refused?.name, 'invalid_client');
});

// ---- describe
const describe = await step('describe Account', () => conn.sobject('Account').describe());
if (describe) {
  equal('describe: name', describe.name, 'Account');
  equal('describe: keyPrefix', describe.keyPrefix, '001');
  check('describe: updateable and queryable', describe.updateable === true && describe.queryable === true,
    { updateable: describe.updateable, queryable: describe.queryable });
  const fields = new Map((describe.fields ?? []).map((f) => [f.name, f]));
  const expectField = (name, expected) => {
    const f = fields.get(name);
    if (!check(`describe: field ${name} exists`, f !== undefined)) {
      return;
    }
    const got = Object.fromEntries(Object.keys(expected).map((k) => [k, f[k]]));
    check(`describe: ${name} is ${show(expected)}`, show(got) === show(expected), got);
  };
  expectField('Id', { type: 'id' });
  expectField('Name', { type: 'string', length: 255, nillable: false, createable: true, updateable: true });
  expectField('OwnerId', { type: 'reference', referenceTo: ['User'] });
  expectField('SystemModstamp', { type: 'datetime', updateable: false });
  const picklist = (values) => ({ type: 'picklist', restrictedPicklist: true, custom: true, updateable: true, values });
  const tier = fields.get('ABM_Tier__c');
  const stage = fields.get('ABM_Stage__c');
  for (const [name, f, values] of [['ABM_Tier__c', tier, ['Tier 1', 'Tier 2', 'Tier 3']], ['ABM_Stage__c', stage, ['Target', 'Engaged', 'Opportunity', 'Customer']]]) {
    if (check(`describe: field ${name} exists`, f !== undefined)) {
      const got = { type: f.type, restrictedPicklist: f.restrictedPicklist, custom: f.custom, updateable: f.updateable,
        values: (f.picklistValues ?? []).filter((v) => v.active).map((v) => v.value) };
      check(`describe: ${name} is a restricted picklist of ${values.join(', ')}`, show(got) === show(picklist(values)), got);
    }
  }
  expectField('ABM_Score__c', { type: 'double', precision: 3, scale: 0, custom: true, updateable: true });
  expectField('ABM_Tier_Reason__c', { type: 'string', length: 255, custom: true, updateable: true });
  expectField('ABM_Routing_Reason__c', { type: 'string', length: 255, custom: true });
  expectField('ABM_Tier_Locked__c', { type: 'boolean', custom: true });
  expectField('ABM_Stalled__c', { type: 'boolean', custom: true });
  expectField('ABM_Surge__c', { type: 'boolean', custom: true });
  expectField('ABM_SDR__c', { type: 'reference', referenceTo: ['User'], custom: true });
  expectField('ABM_Marketer__c', { type: 'reference', referenceTo: ['User'], custom: true });
  expectField('ABM_Engagement_Score__c', { type: 'double', precision: 5, scale: 1, custom: true });
  expectField('ABM_Buying_Committee_Coverage__c', { type: 'percent', precision: 3, scale: 0, custom: true });
  expectField('ABM_Last_Engaged__c', { type: 'datetime', custom: true });
  expectField('ABM_HubSpot_Id__c', { type: 'string', length: 32, externalId: true, unique: true, custom: true });
}

await step('describe global and the other ABM objects', async () => {
  const global = await conn.describeGlobal();
  const names = new Set((global.sobjects ?? []).map((o) => o.name));
  check('describeGlobal: lists Account, Contact, Lead, Opportunity and User', ['Account', 'Contact', 'Lead', 'Opportunity', 'User'].every((n) => names.has(n)), [...names].slice(0, 20));
  const expectations = {
    Contact: { keyPrefix: '003', fields: { ABM_HubSpot_Id__c: { type: 'string', externalId: true, unique: true }, ABM_Buying_Role__c: { type: 'picklist' }, AccountId: { type: 'reference', referenceTo: ['Account'] } } },
    Lead: { keyPrefix: '00Q', fields: { ABM_HubSpot_Id__c: { type: 'string', externalId: true, unique: true }, ABM_Matched_Account__c: { type: 'reference', referenceTo: ['Account'] }, IsConverted: { type: 'boolean' }, ConvertedAccountId: { type: 'reference', referenceTo: ['Account'] } } },
    Opportunity: { keyPrefix: '006', fields: { ABM_HubSpot_Id__c: { type: 'string', externalId: true, unique: true }, ABM_Marketing_Influenced__c: { type: 'boolean' }, CloseDate: { type: 'date' }, Amount: { type: 'currency' } } },
    User: { keyPrefix: '005', fields: { Email: { type: 'email' }, IsActive: { type: 'boolean' } } },
  };
  for (const [object, { keyPrefix, fields }] of Object.entries(expectations)) {
    const d = await conn.sobject(object).describe();
    equal(`describe ${object}: keyPrefix`, d.keyPrefix, keyPrefix);
    const byName = new Map(d.fields.map((f) => [f.name, f]));
    for (const [name, expected] of Object.entries(fields)) {
      const f = byName.get(name);
      const got = f && Object.fromEntries(Object.keys(expected).map((k) => [k, f[k]]));
      check(`describe ${object}: ${name} is ${show(expected)}`, got !== undefined && show(got) === show(expected), got ?? 'missing');
    }
  }
  const role = (await conn.sobject('Contact').describe()).fields.find((f) => f.name === 'ABM_Buying_Role__c');
  equal('describe Contact: ABM_Buying_Role__c values', (role?.picklistValues ?? []).map((v) => v.value),
    ['Economic Buyer', 'Technical Evaluator', 'Champion', 'Procurement', 'Executive Sponsor']);
});

// ---- the SOQL a client writes beyond SELECT-FROM: relationship fields, datetime literals, ORDER BY, LIMIT
await step('query: relationship field, datetime literal, ORDER BY and LIMIT', async () => {
  const owned = await conn.query('SELECT Id, Owner.Email FROM Account LIMIT 3');
  const owner = owned.records[0]?.Owner;
  check('query: Owner.Email comes back nested as Owner { attributes: User, Email }', owner?.attributes?.type === 'User'
    && typeof owner?.Email === 'string' && owner.Email.includes('@') && !('Owner.Email' in (owned.records[0] ?? {})), owned.records[0]);
  const recent = await conn.query('SELECT Id, SystemModstamp FROM Account WHERE SystemModstamp > 2000-01-01T00:00:00Z ORDER BY SystemModstamp DESC, Id LIMIT 5');
  check('query: LIMIT 5 gives 5 records, done, totalSize 5', recent.records.length === 5 && recent.done === true && recent.totalSize === 5,
    { size: recent.records.length, done: recent.done, totalSize: recent.totalSize });
  const stamps = recent.records.map((r) => r.SystemModstamp);
  check('query: ORDER BY SystemModstamp DESC', stamps.every((v, i) => i === 0 || stamps[i - 1] >= v), stamps);
  const converted = await conn.query('SELECT Id, IsConverted, ConvertedAccountId, ConvertedContactId FROM Lead WHERE IsConverted = true LIMIT 5');
  check('query: converted leads carry ConvertedAccountId and ConvertedContactId', converted.records.length > 0
    && converted.records.every((r) => r.IsConverted === true && validId(r.ConvertedAccountId, '001') && validId(r.ConvertedContactId, '003')), converted.records.slice(0, 2));
});

// ---- writes through sObject Collections (jsforce sends arrays to /composite/sobjects), allOrNone=false
const readFields = ['Id', 'Name', 'ABM_Tier__c', 'ABM_Score__c', 'ABM_Tier_Reason__c', 'ABM_HubSpot_Id__c', 'SystemModstamp', 'LastModifiedById'];
const expectFailure = (label, result, statusCode, field) => {
  const error = result?.errors?.[0];
  check(`${label}: fails with ${statusCode} on ${field}`, result?.success === false && error?.statusCode === statusCode
    && Array.isArray(error?.fields) && error.fields.includes(field) && typeof error?.message === 'string' && error.message.length > 0, result);
};
const expectSuccess = (label, result, id) => {
  check(`${label}: succeeds`, result?.success === true && Array.isArray(result.errors) && result.errors.length === 0
    && (id === undefined ? validId(result.id, '001') : result.id === id), result);
};

const names = { a: `Conformance ${run} A`, d: `Conformance ${run} D O'Brien "Q" \\ back` };
const created = await step('create: collection of 5 with 3 bad records', () => conn.sobject('Account').create([
  { Name: names.a, Website: `https://a-${run}.example.com`, ABM_Tier__c: 'Tier 1', ABM_Score__c: 91, ABM_HubSpot_Id__c: `conf-${run}-a` },
  { Name: `Conformance ${run} B`, ABM_Tier__c: 'Platinum' },
  { Name: `Conformance ${run} C`, ABM_Tier_Reason__c: 'x'.repeat(256) },
  { Website: `https://noname-${run}.example.com` },
  { Name: names.d, ABM_Tier__c: 'Tier 3' },
], { allOrNone: false }));
let createdA;
let createdD;
if (created) {
  check('create: one result per input, in order', Array.isArray(created) && created.length === 5, created);
  expectSuccess('create[0]', created[0]);
  expectFailure('create[1] restricted picklist', created[1], 'INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST', 'ABM_Tier__c');
  expectFailure('create[2] 256 chars in Text(255)', created[2], 'STRING_TOO_LONG', 'ABM_Tier_Reason__c');
  expectFailure('create[3] no Name', created[3], 'REQUIRED_FIELD_MISSING', 'Name');
  expectSuccess('create[4] name with quote, double quote and backslash', created[4]);
  createdA = created[0]?.success ? created[0].id : undefined;
  createdD = created[4]?.success ? created[4].id : undefined;
  await step('create: read back by SOQL LIKE', async () => {
    const found = await conn.query(`SELECT Id, Name FROM Account WHERE Name LIKE 'Conformance ${run}%'`);
    equal('create: only the two valid records exist', found.records.map((r) => r.Id).sort().join(','), [createdA, createdD].sort().join(','));
  });
  if (createdD) {
    // jsforce's find() escapes the quote in its SOQL literal (only that): the org must parse \' inside a literal.
    await step('query: a literal with an escaped quote', async () => {
      const found = await conn.sobject('Account').find({ Name: { $like: `Conformance ${run} D O'Brien%` } }, ['Id', 'Name']);
      equal('query: jsforce find() with $like and a quote finds the record', found.map((r) => r.Id).join(), createdD);
      const exact = await conn.query(`SELECT Id, Name FROM Account WHERE Name = 'Conformance ${run} D O\\'Brien \\"Q\\" \\\\ back'`);
      equal('query: escaped quote, double quote and backslash match the stored name', exact.records.map((r) => r.Id).join(), createdD);
      equal('query: the stored name is unescaped', exact.records[0]?.Name, names.d);
    });
  }
}

const [idX, idY, idZ] = accountIds;
if (idX && idY && idZ) {
  const before = await step('retrieve: collection read before update', () => conn.sobject('Account').retrieve([idX, idY, idZ], { fields: readFields }));
  const updated = await step('update: collection of 3 with 1 bad record', () => conn.sobject('Account').update([
    { Id: idX, ABM_Tier__c: 'Tier 2', ABM_Score__c: 77, ABM_Tier_Reason__c: `conformance ${run}` },
    { Id: idY, ABM_Tier__c: 'Tier 9', ABM_Score__c: 5 },
    { Id: idZ, ABM_Tier__c: 'Tier 3', ABM_Score__c: 12 },
  ], { allOrNone: false }));
  if (updated) {
    check('update: one result per input, in order', Array.isArray(updated) && updated.length === 3, updated);
    expectSuccess('update[0]', updated[0], idX);
    expectFailure('update[1] restricted picklist', updated[1], 'INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST', 'ABM_Tier__c');
    expectSuccess('update[2]', updated[2], idZ);
  }
  const after = await step('retrieve: collection read after update', () => conn.sobject('Account').retrieve([idX, idY, idZ], { fields: readFields }));
  if (after && before) {
    check('retrieve: one record per id, in order', after.length === 3 && after.every((r, i) => r?.Id === [idX, idY, idZ][i]), after.map((r) => r?.Id));
    equal('retrieve: record attributes.type', after[0]?.attributes?.type, 'Account');
    equal('update: X tier written', after[0]?.ABM_Tier__c, 'Tier 2');
    equal('update: X score written as a JSON number', after[0]?.ABM_Score__c, 77);
    equal('update: X reason written', after[0]?.ABM_Tier_Reason__c, `conformance ${run}`);
    equal('update: failed Y left unchanged (tier)', after[1]?.ABM_Tier__c, before[1]?.ABM_Tier__c);
    equal('update: failed Y left unchanged (score)', after[1]?.ABM_Score__c, before[1]?.ABM_Score__c);
    equal('update: Z tier written', after[2]?.ABM_Tier__c, 'Tier 3');
    check('update: SystemModstamp advanced on X', sfDateTime.test(after[0]?.SystemModstamp ?? '')
      && after[0].SystemModstamp > before[0]?.SystemModstamp, { before: before[0]?.SystemModstamp, after: after[0]?.SystemModstamp });
    equal('update: LastModifiedById is the logged-in user', after[0]?.LastModifiedById, userInfo.id);
    equal('update: failed Y keeps its SystemModstamp', after[1]?.SystemModstamp, before[1]?.SystemModstamp);
  }
  // Single-record calls jsforce users make alongside collections: GET and PATCH /sobjects/Account/{Id}.
  await step('single record: retrieve and update', async () => {
    const one = await conn.sobject('Account').retrieve(idZ);
    equal('single retrieve: Id', one?.Id, idZ);
    const result = await conn.sobject('Account').update({ Id: idZ, ABM_Score__c: 13 });
    check('single update: success', result?.success === true && result.id === idZ, result);
    const again = await conn.sobject('Account').retrieve(idZ, { fields: ['ABM_Score__c'] });
    equal('single update: value written', again?.ABM_Score__c, 13);
  });
  // Single-record create, upsert by external id and delete (POST /sobjects/Account, PATCH …/{field}/{value}, DELETE).
  await step('single record: create, upsert, delete', async () => {
    const made = await conn.sobject('Account').create({ Name: `Conformance ${run} single`, ABM_HubSpot_Id__c: `conf-${run}-s` });
    check('single create: success with a new 001 id', made?.success === true && validId(made.id, '001'), made);
    const matched = await conn.sobject('Account').upsert({ ABM_HubSpot_Id__c: `conf-${run}-s`, ABM_Score__c: 42 }, 'ABM_HubSpot_Id__c');
    check('single upsert of an existing external id: success', matched?.success === true, matched);
    const fresh = await conn.sobject('Account').upsert({ ABM_HubSpot_Id__c: `conf-${run}-t`, Name: `Conformance ${run} single t` }, 'ABM_HubSpot_Id__c');
    check('single upsert of a new external id: success with a new id', fresh?.success === true && validId(fresh.id, '001') && fresh.id !== made?.id, fresh);
    const both = await conn.query(`SELECT Id, ABM_HubSpot_Id__c, ABM_Score__c FROM Account WHERE ABM_HubSpot_Id__c IN ('conf-${run}-s', 'conf-${run}-t') ORDER BY ABM_HubSpot_Id__c`);
    check('single upsert: one record per key, the matched one updated', both.totalSize === 2 && both.records[0].Id === made?.id && both.records[0].ABM_Score__c === 42
      && both.records[1].Id === fresh?.id, both.records);
    const gone = await conn.sobject('Account').destroy(made.id);
    check('single delete: success', gone?.success === true && gone.id === made.id, gone);
    const missing = await conn.sobject('Account').retrieve(made.id).then(() => undefined, (e) => e);
    check('single retrieve of a deleted record: refused with NOT_FOUND or ENTITY_IS_DELETED', ['NOT_FOUND', 'ENTITY_IS_DELETED'].includes(missing?.errorCode), missing?.errorCode ?? 'it was found');
    await conn.sobject('Account').destroy(fresh.id);
  });
  // Values as a client writes them: an ISO datetime with Z, a number past its precision, a taken external id.
  await step('field values: datetime, number range, duplicate external id', async () => {
    const written = await conn.sobject('Account').update([
      { Id: idZ, ABM_Last_Engaged__c: '2026-11-20T09:30:00Z' },
      { Id: idY, ABM_Score__c: 1000 },
    ], { allOrNone: false });
    expectSuccess('datetime: ISO 8601 with Z accepted', written?.[0], idZ);
    check('number: 1000 in Number(3,0) fails with NUMBER_OUTSIDE_VALID_RANGE', written?.[1]?.success === false
      && written[1].errors?.[0]?.statusCode === 'NUMBER_OUTSIDE_VALID_RANGE', written?.[1]);
    const back = await conn.sobject('Account').retrieve(idZ, { fields: ['ABM_Last_Engaged__c'] });
    equal('datetime: read back as yyyy-MM-ddTHH:mm:ss.fff+0000', back?.ABM_Last_Engaged__c, '2026-11-20T09:30:00.000+0000');
    if (createdA) {
      const dup = await conn.sobject('Account').create([{ Name: `Conformance ${run} dup`, ABM_HubSpot_Id__c: `conf-${run}-a` }], { allOrNone: false });
      check('unique external id: a taken value fails with DUPLICATE_VALUE', dup?.[0]?.success === false && dup[0].errors?.[0]?.statusCode === 'DUPLICATE_VALUE', dup);
    }
  });
}

// Upsert through collections by external id (PATCH /composite/sobjects/Account/ABM_HubSpot_Id__c).
let createdE;
if (createdA) {
  const upserted = await step('upsert: collection by ABM_HubSpot_Id__c', () => conn.sobject('Account').upsert([
    { ABM_HubSpot_Id__c: `conf-${run}-a`, ABM_Score__c: 55 },
    { ABM_HubSpot_Id__c: `conf-${run}-e`, Name: `Conformance ${run} E`, ABM_Tier__c: 'Tier 2' },
    { ABM_HubSpot_Id__c: `conf-${run}-f`, Name: `Conformance ${run} F`, ABM_Tier__c: 'Gold' },
  ], 'ABM_HubSpot_Id__c', { allOrNone: false }));
  if (upserted) {
    check('upsert: one result per input, in order', Array.isArray(upserted) && upserted.length === 3, upserted);
    check('upsert[0]: matched the existing record (created=false)', upserted[0]?.success === true && upserted[0].created === false && upserted[0].id === createdA, upserted[0]);
    check('upsert[1]: created a record (created=true)', upserted[1]?.success === true && upserted[1].created === true && validId(upserted[1].id, '001'), upserted[1]);
    expectFailure('upsert[2] restricted picklist', upserted[2], 'INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST', 'ABM_Tier__c');
    createdE = upserted[1]?.success ? upserted[1].id : undefined;
    const readBack = await step('upsert: read back', () => conn.query(`SELECT Id, Name, ABM_Score__c FROM Account WHERE ABM_HubSpot_Id__c = 'conf-${run}-a'`));
    if (readBack) {
      check('upsert: the matched record got the new score', readBack.totalSize === 1 && readBack.records[0].Id === createdA && readBack.records[0].ABM_Score__c === 55, readBack.records);
      equal('upsert: the matched record kept its name', readBack.records[0]?.Name, names.a);
    }
  }
}

// allOrNone=true: one bad record rolls the whole call back; more than 200 records is refused outright.
await step('create: allOrNone=true rolls back', async () => {
  const result = await conn.sobject('Account').create([
    { Name: `Conformance ${run} G` },
    { Name: `Conformance ${run} H`, ABM_Tier__c: 'Diamond' },
  ], { allOrNone: true });
  check('allOrNone: both results fail', Array.isArray(result) && result.length === 2 && result.every((r) => r.success === false), result);
  equal('allOrNone: the good record reports ALL_OR_NONE_OPERATION_ROLLED_BACK', result?.[0]?.errors?.[0]?.statusCode, 'ALL_OR_NONE_OPERATION_ROLLED_BACK');
  equal('allOrNone: the bad record reports its own error', result?.[1]?.errors?.[0]?.statusCode, 'INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST');
  const found = await conn.query(`SELECT Id FROM Account WHERE Name = 'Conformance ${run} G'`);
  equal('allOrNone: nothing was written', found.totalSize, 0);
});
await step('create: 201 records in one collection call', async () => {
  const records = Array.from({ length: 201 }, (_, i) => ({ Name: `Conformance ${run} bulk ${i}` }));
  const refused = await conn.sobject('Account').create(records, { allOrNone: false }).then((r) => r, (e) => e);
  equal('collections: more than 200 records is refused with EXCEEDED_ID_LIMIT', refused?.errorCode, 'EXCEEDED_ID_LIMIT');
  const found = await conn.query(`SELECT Id FROM Account WHERE Name LIKE 'Conformance ${run} bulk%'`);
  equal('collections: nothing of the refused call was written', found.totalSize, 0);
});

// ---- Bulk API 2.0 through jsforce's bulk2 (query job with CSV results and locators; ingest job with result CSVs)
await step('bulk 2.0: query job', async () => {
  const stream = await conn.bulk2.query('SELECT Id, Name FROM Account', { pollInterval: 200, pollTimeout: 120_000 });
  const records = await new Promise((resolve, reject) => {
    const rows = [];
    stream.on('record', (r) => rows.push(r));
    stream.on('end', () => resolve(rows));
    stream.on('error', reject);
  });
  const live = await conn.query('SELECT Id FROM Account', { autoFetch: true, maxFetch: 1_000_000 });
  equal('bulk query: as many rows as the REST query', records.length, live.totalSize);
  equal('bulk query: the same ids as the REST query', records.map((r) => r.Id).sort().join(), live.records.map((r) => r.Id).sort().join());
  check('bulk query: CSV rows carry Id and Name', records.every((r) => validId(r.Id, '001') && typeof r.Name === 'string' && r.Name.length > 0), records.slice(0, 2));
});
await step('bulk 2.0: ingest job', async () => {
  const results = await conn.bulk2.loadAndWaitForResults({
    object: 'Account', operation: 'insert', pollInterval: 200, pollTimeout: 120_000,
    input: [
      { Name: `Conformance ${run} bulk ok, "quoted"`, ABM_Tier__c: 'Tier 2' },
      { Name: `Conformance ${run} bulk bad`, ABM_Tier__c: 'Bronze' },
    ],
  });
  const ok = results.successfulResults;
  const failed = results.failedResults;
  check('bulk ingest: one success with sf__Id and sf__Created=true', ok.length === 1 && validId(ok[0].sf__Id, '001') && String(ok[0].sf__Created) === 'true'
    && ok[0].Name === `Conformance ${run} bulk ok, "quoted"`, ok);
  check('bulk ingest: one failure whose sf__Error starts with INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST', failed.length === 1
    && String(failed[0].sf__Error).startsWith('INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST') && failed[0].ABM_Tier__c === 'Bronze', failed);
  equal('bulk ingest: nothing unprocessed', results.unprocessedRecords.length, 0);
  if (ok[0]?.sf__Id) {
    const back = await conn.sobject('Account').retrieve(ok[0].sf__Id);
    equal('bulk ingest: the CSV-quoted name is stored exactly', back?.Name, `Conformance ${run} bulk ok, "quoted"`);
    await conn.sobject('Account').destroy([ok[0].sf__Id]);
  }
});

// Delete through collections (DELETE /composite/sobjects?ids=…), then query hides them and queryAll shows them.
const mine = [createdA, createdD, createdE].filter(Boolean);
if (mine.length > 0) {
  const deleted = await step('delete: collection', () => conn.sobject('Account').destroy(mine));
  if (deleted) {
    check('delete: every record deleted', deleted.length === mine.length && deleted.every((r, i) => r.success === true && r.id === mine[i]), deleted);
    const late = await step('delete: update after delete', () => conn.sobject('Account').update([{ Id: mine[0], ABM_Score__c: 1 }], { allOrNone: false }));
    if (late) {
      check('delete: updating a deleted record fails with ENTITY_IS_DELETED', late[0]?.success === false && late[0].errors?.[0]?.statusCode === 'ENTITY_IS_DELETED', late);
    }
    const gone = await step('delete: query after delete', () => conn.query(`SELECT Id FROM Account WHERE Id IN (${quoteList(mine)})`));
    if (gone) {
      equal('delete: query no longer sees them', gone.totalSize, 0);
    }
    const binned = await step('delete: queryAll after delete', () => conn.query(`SELECT Id, IsDeleted FROM Account WHERE Id IN (${quoteList(mine)})`, { scanAll: true }));
    if (binned) {
      check('delete: queryAll shows them with IsDeleted=true', binned.totalSize === mine.length && binned.records.every((r) => r.IsDeleted === true), binned.records);
    }
  }
}

finish(SUITE);

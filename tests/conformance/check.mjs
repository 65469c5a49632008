// A tiny check log shared by the conformance scripts: one line per check, and a non-zero exit when any failed.
// A step that throws is a failed check too (with the client's error, which is what a user of the client would see),
// and the script goes on with the steps that do not depend on it, so one run shows every deviation at once.

const failures = [];
let passed = 0;

export function check(name, condition, detail) {
  if (condition) {
    passed += 1;
    console.log(`ok   ${name}`);
  } else {
    failures.push(name);
    console.log(`FAIL ${name}${detail === undefined ? '' : `: ${typeof detail === 'string' ? detail : show(detail)}`}`);
  }
  return Boolean(condition);
}

export function equal(name, actual, expected) {
  return check(name, Object.is(actual, expected) || show(actual) === show(expected),
    `expected ${show(expected)}, got ${show(actual)}`);
}

/** Runs one step; an exception fails it (and is described the way the client reported it) and returns undefined. */
export async function step(name, body) {
  try {
    return await body();
  } catch (error) {
    failures.push(name);
    console.log(`FAIL ${name}: the client threw ${describeError(error)}`);
    return undefined;
  }
}

export function describeError(error) {
  if (!(error instanceof Error)) {
    return show(error);
  }
  const parts = [`${error.name}: ${error.message}`];
  // jsforce puts the Salesforce error code on the error; the HubSpot client's ApiException carries code and body.
  for (const key of ['errorCode', 'code', 'body', 'content', 'data']) {
    if (error[key] !== undefined && !String(error.message).includes(String(error[key]))) {
      parts.push(`${key}=${typeof error[key] === 'string' ? error[key] : show(error[key])}`);
    }
  }
  return parts.join(' ');
}

export function show(value) {
  try {
    const text = JSON.stringify(value);
    return text === undefined ? String(value) : text.length > 600 ? `${text.slice(0, 600)}…` : text;
  } catch {
    return String(value);
  }
}

export function requireEnv(names) {
  const missing = names.filter((name) => !process.env[name]);
  if (missing.length > 0) {
    console.log(`FAIL environment: missing ${missing.join(', ')}`);
    process.exit(2);
  }
  return Object.fromEntries(names.map((name) => [name, process.env[name]]));
}

/** Prints the closing line and exits: 0 only when every check passed. */
export function finish(suite) {
  // Worded unlike a test runner's closing line on purpose: the test suite's own runner reports the verdict.
  if (failures.length > 0) {
    console.log(`${suite} conformance FAILED (${failures.length} of ${passed + failures.length} checks): ${failures.join(' | ')}`);
    process.exit(1);
  }
  console.log(`${suite} conformance OK (all ${passed} checks)`);
  process.exit(0);
}

/** Stops the script here (a later step cannot run without this one). */
export function abort(suite, reason) {
  console.log(`FAIL ${reason}`);
  failures.push(reason);
  finish(suite);
}

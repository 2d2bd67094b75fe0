// post-entry.js: run by `failreason run --entry-command 'node post-entry.js' --validate`
const readline = require("node:readline");

async function call(path, init) { // an error answer becomes a raw-error envelope
  const res = await fetch(process.env.ERP_URL + path, init); // the accounting system's API
  let body = await res.text();
  try { body = JSON.parse(body); } catch {} // a text body stays text
  return res.ok ? { body } : { error: { status: res.status, headers: Object.fromEntries(res.headers), body } };
}

async function answer({ exportItem, validate }) {
  if (validate) return call("/health").then(({ error }) => (error ? { error } : {}));
  const json = { "content-type": "application/json" };
  const { body, error } = await call("/entries", { method: "POST", headers: json, body: JSON.stringify(exportItem) });
  return error ? { error } : { externalId: body.id, externalUrl: body.url };
}

(async () => {
  for await (const line of readline.createInterface({ input: process.stdin })) {
    const outcome = await answer(JSON.parse(line)).catch((err) => ({ // no answer: refused, timed out
      error: { code: err.cause?.code ?? err.name, message: String(err.cause?.message ?? err.message) } }));
    process.stdout.write(JSON.stringify(outcome) + "\n");
  }
})();

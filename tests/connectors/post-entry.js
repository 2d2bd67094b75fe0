// A connector's posting step in Node, for the tests of `failreason run --entry-command`.
// It answers as post-entry.sh does (the same CONNECTOR_PLAN, CONNECTOR_DELAY and
// CONNECTOR_NOISE), but reads each line as JSON.
const fs = require("fs");
const readline = require("readline");

const plan = new Map();
for (const row of fs.readFileSync(process.env.CONNECTOR_PLAN || "/dev/null", "utf8").split("\n")) {
  const tab = row.indexOf("\t");
  if (tab > 0 && !plan.has(row.slice(0, tab))) plan.set(row.slice(0, tab), row.slice(tab + 1));
}
const sleep = (seconds) => new Promise((resolve) => setTimeout(resolve, seconds * 1000));
if (process.env.CONNECTOR_NOISE) process.stderr.write("n".repeat(+process.env.CONNECTOR_NOISE) + "\n");
console.error("post-entry.js ready");

async function answer(message) {
  const key = message.validate ? "validate" : message.exportItem.accountingEntryId;
  const fallback = message.validate ? {} : { externalId: `AS-${key}` };
  const planned = plan.get(key) || "";
  if (planned.startsWith("!exit ")) {
    console.error(`giving up on ${key}`);
    process.exit(Number(planned.slice(6)));
  }
  if (planned === "!hang") return new Promise(() => {});
  if (planned.startsWith("!after ")) {
    while (!fs.existsSync(planned.slice(7))) await sleep(0.01);
  }
  if (planned.startsWith("!touch ")) fs.writeFileSync(planned.slice(7), "");
  if (!message.validate && process.env.CONNECTOR_DELAY) await sleep(+process.env.CONNECTOR_DELAY);
  return planned && !planned.startsWith("!") ? planned : JSON.stringify(fallback);
}

const lines = readline.createInterface({ input: process.stdin });
let done = Promise.resolve();
lines.on("line", (line) => {
  done = done.then(async () => process.stdout.write((await answer(JSON.parse(line))) + "\n"));
});

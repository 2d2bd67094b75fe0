"""What each subcommand's ``--help`` says: what it does, what it reads, an example, its exits.

The texts live here, apart from the options, so the parser stays a screen long; ``describe``
applies them to every registered subcommand, including the ones other modules register.
"""

from __future__ import annotations

import argparse
import textwrap
from typing import NamedTuple


class Help(NamedTuple):
    description: str
    input: str
    example: str
    exits: str


_WIDTH = 78
_RULE_EXITS = (
    "0 no problem; 1 problems found (listed on stdout, in every --format); 2 could not run "
    "(the reason on stderr, nothing on stdout)"
)
_FORMATS = (
    " --format json, sarif (SARIF 2.1.0, for code scanning) or junit (JUnit XML, for CI "
    "test reports) gives the same as one document for programs; -o FILE writes it there."
)
_ENVELOPES = (
    "JSON Lines, one raw-error envelope per line, e.g.\n"
    '  {"system": "xero", "stage": "export", "status": 400, "body": {...}}\n'
    "from FILE, or standard input when FILE is - or left out."
)

_CONFIGURED = (
    "Your rules: --rules DIR (repeat it for several, tried in order), else "
    "FAILREASON_RULES (paths joined by the path separator), else [tool.failreason] rules in "
    "the closest pyproject.toml; templates likewise from --templates, FAILREASON_TEMPLATES "
    "or [tool.failreason] templates, else DIR/../templates. --isolated: neither variable "
    "nor file."
)
_ENGINE_INPUT = f"{_ENVELOPES}\n{_CONFIGURED}"

TEXTS: dict[str, Help] = {
    "classify": Help(
        "Classify raw accounting-system errors into Pleo failure reasons, one JSON record "
        "per input line, in order (failureReasonType, failureReason, rule, retryable).",
        _ENGINE_INPUT,
        "failreason classify errors.jsonl --rules my-rules",
        "0 every line classified; 1 some lines malformed (an error record in their place); "
        "2 could not run (bad usage, unreadable input, broken rule files)",
    ),
    "explain": Help(
        "Show, for each raw error, the signal read from it, the rules that matched, where "
        "they are written, what they captured, and the reason given.",
        _ENGINE_INPUT,
        "echo '{\"status\": 429}' | failreason explain",
        "0 every line explained; 1 some lines malformed; 2 could not run",
    ),
    "lint": Help(
        "Check rule files and templates, the built-in ones and yours, and list every "
        "finding, located (file:line:column) with its code (FR101: shadowing, overlap, "
        "replaced ids, catch-alls, extract profiles, empty files). Silence one in the file, "
        "with a reason: `# failreason: ignore[FR101] why`." + _FORMATS,
        "Rule files (*.yaml) named on the command line, as pre-commit passes them (each "
        "names the directory that holds it, which is checked whole; inside the configured "
        "directories, all of those are), or --rules DIR; neither: the configured rules, or "
        f"the built-in ones.\n{_CONFIGURED}",
        "failreason lint my-rules/*.yaml --format sarif -o lint.sarif",
        _RULE_EXITS,
    ),
    "test": Help(
        "Run the examples written next to every rule: each must be decided by the rule it "
        "names (its own by default) with the type, reason and retryable it states; near "
        "misses must not be. A failure shows why the rule did not decide, condition by "
        "condition." + _FORMATS,
        "PATH... (rule files or directories: only their examples run; outside the configured "
        "directories, their own directory is loaded), or --rules DIR; --rule ID and "
        f"--system ID narrow further.\n{_CONFIGURED}",
        "failreason test my-rules/ --format junit -o report.xml",
        "0 every example passed; 1 some failed (in every --format); 2 could not run (missing "
        "directory, broken rule files, filters that leave no example; nothing on stdout)",
    ),
    "coverage": Help(
        "Classify a file of unlabelled errors and count what the rules reach: hits per "
        "rule, rules never hit, the fallback's share per system and its most frequent "
        "messages.",
        _ENGINE_INPUT,
        "failreason coverage production-errors.jsonl --format json",
        "0 every line counted; 1 some lines could not be read (named on stderr); 2 could not run",
    ),
    "suggest": Help(
        "Group the errors only the fallback decided into message templates and write a "
        "draft rule file: one rule per template, its values as named captures, its samples "
        "as examples, a suggested type to confirm.",
        _ENGINE_INPUT,
        "failreason suggest production-errors.jsonl -o my-rules/draft.yaml",
        "0 draft written; 1 some lines could not be read (named on stderr); 2 could not run "
        "(including an -o file that cannot be written)",
    ),
    "score": Help(
        "Measure accuracy on labelled errors: the share whose failure type is accepted.",
        'JSON Lines from FILE (or - for stdin), each {"input": ENVELOPE, "accept": [TYPE, ...]}.'
        f"\n{_CONFIGURED}",
        "failreason score labelled.jsonl --min 0.95",
        "0 the share is at least --min; 1 below it; 2 could not run (malformed row)",
    ),
    "schema": Help(
        "Print the JSON Schema of rule files, for editors that validate YAML.",
        "none",
        "failreason schema > rules.schema.json",
        "0 printed; 2 could not run",
    ),
    "rules": Help(
        "List the rules in force, yours first, then the built-in ones, in the order they "
        "are tried: id, file:line, type, systems and description.",
        "none; the text ends with the configuration file and where your rules came from.\n"
        f"{_CONFIGURED}",
        "failreason rules --format json | jq '.[].id'",
        "0 listed; 2 could not run (missing directory, broken rule files)",
    ),
    "show": Help(
        "Print one rule as written in its file (its YAML block, with its examples), "
        "headed by where it is.",
        f"a rule id, e.g. xero.account-archived, looked for in your rules too.\n{_CONFIGURED}",
        "failreason show common.tax-code-unknown",
        "0 shown; 2 no such rule (with the closest ids) or could not run",
    ),
    "report": Help(
        "Report item outcomes to Pleo's Export API and complete the export job.",
        "JSON Lines of item outcomes from FILE (or - for stdin); PLEO_TOKEN or "
        "PLEO_API_KEY in the environment.",
        "failreason report outcomes.jsonl --job JOB_ID --start",
        "0 Pleo holds what the input says; 1 something is not as the input says, or a "
        "line was unusable; 2 could not report at all; 130 interrupted",
    ),
    "run": Help(
        "Export one job through your connector's program: find the oldest waiting job (or "
        "--job-id), start it, validate (--validate), read its items, run the pre-checks "
        "(--config), hand each remaining item to the program, classify its errors with the "
        "rules, report every outcome and complete the job. Progress on stderr.",
        "The program named by --entry-command reads one JSON object per line on stdin, "
        '{"exportItem": {...}} (or {"validate": {"job": {...}}}), and answers each with one '
        'line on stdout: {"externalId": "...", "externalUrl": "...", "exportedAt": "..."} '
        'or {"error": <raw-error envelope>}. PLEO_TOKEN or PLEO_API_KEY in the environment.',
        "failreason run --entry-command 'node post-entry.js' --config connector.yaml --recover",
        "0 completed, or nothing to do (no job waiting, another worker took it); 1 completed "
        "with failed items, or the job failed; 2 could not go on (usage, configuration, Pleo, "
        "a program that broke the protocol: run again with --recover); 130 interrupted",
    ),
    "sandbox": Help(
        "Serve Pleo's export endpoints on 127.0.0.1 from memory, with one started job, and "
        "print the base URL, job id and entry ids as one JSON line. Ctrl-C stops it.",
        "none (options only)",
        'failreason sandbox --items 20 --faults "429=0.1,503=0.05"',
        "0 stopped with Ctrl-C; 2 bad usage (e.g. a malformed --faults)",
    ),
    "serve": Help(
        "Classify over HTTP for connectors in any language: POST /classify and POST "
        "/explain take one envelope, a JSON array or JSON Lines (application/x-ndjson); "
        "GET /healthz; GET /metrics (Prometheus). Rules are reloaded on SIGHUP and when "
        "their files change; a broken set keeps the old one. Needs pip install "
        "'failreason[serve]'.",
        f"HTTP requests; --token or FAILREASON_SERVE_TOKEN requires a bearer token.\n{_CONFIGURED}",
        "failreason serve --port 8087 --rules my-rules",
        "0 stopped; 2 could not run (without the serve extra, broken rule files, the port "
        "taken); 130 Ctrl-C. SIGTERM: the requests in flight are answered, then the process "
        "ends by that signal, as process managers expect.",
    ),
    "webhook": Help(
        "Receive Pleo's export-job.created webhook on POST /webhooks/pleo, check its "
        "signature (webhook-id, webhook-timestamp, webhook-signature; HMAC-SHA256 with the "
        "subscription's whsec_ secret) and run each job, one at a time, in a child process; "
        "GET /healthz. Needs pip install 'failreason[webhook]'.",
        "HTTP deliveries from Pleo; the secret in PLEO_WEBHOOK_SECRET (or --secret-env NAME). "
        "After --: failreason run options, run as `failreason run --job-id ID ...`, or a "
        "program and its arguments with {job} for the job id (also in FAILREASON_JOB_ID).",
        "failreason webhook --port 8088 -- --entry-command 'node post-entry.js'",
        "0 stopped; 2 could not run (no or unusable secret, nothing after --, without the "
        "webhook extra, the port taken); 130 Ctrl-C. SIGTERM: the job running finishes first.",
    ),
    "demo": Help(
        "Run an export job end to end on this machine: the export runner between an "
        "in-process sandbox Pleo and a fake accounting system that refuses some entries with "
        "real errors of several systems, rate-limits one and answers one too late; show "
        "each raw error next to the reason Pleo receives.",
        "none (options only)",
        "failreason demo --items 12 --format json",
        "0 shown; 2 could not run",
    ),
}


def epilog(text: Help) -> str:
    """The part of ``--help`` after the options: input, example, exit statuses."""
    return "\n".join(
        [
            "input:",
            _wrapped(text.input),
            "",
            "example:",
            f"  {text.example}",
            "",
            "exit status:",
            _wrapped(text.exits),
        ]
    )


def _wrapped(paragraphs: str) -> str:
    # Raw formatting keeps the example's spacing; prose lines are wrapped here instead.
    return "\n".join(
        textwrap.fill(line, _WIDTH, initial_indent="  ", subsequent_indent="    ")
        if not line.startswith(" ")
        else line
        for line in paragraphs.splitlines()
    )


def describe(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Give every registered subcommand with a text here its description and epilog."""
    for name, parser in commands.choices.items():
        text = TEXTS.get(name)
        if text is None:
            continue
        parser.description = text.description
        parser.epilog = epilog(text)
        parser.formatter_class = argparse.RawDescriptionHelpFormatter

"""A connector run as its own process, so a test can SIGKILL it anywhere: it exports the
oldest job at PLEO_BASE_URL (recovering an interrupted one) into an accounting system kept in
the file named by AS_FILE, one line per entry created. Like a real connector it looks an
entry up before creating it, so an entry posted before a kill is not created twice."""

from __future__ import annotations

import hashlib
import json
import os
import sys
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import failreason

REFUSED = {  # the accounting system's answer to some entries, decided by the entry's hash
    0: {"system": "xero", "status": 400, "body": "Unable to assign an Archived contact."},
    1: {
        "system": "quickbooks_online",
        "status": 400,
        "code": "6000",
        "message": "Tax code invalid",
    },
}


def post(item: Mapping[str, Any]) -> failreason.Posted | failreason.Failed:
    entry = str(item["accountingEntryId"])
    refusal = REFUSED.get(int(hashlib.sha256(entry.encode()).hexdigest(), 16) % 7)
    if refusal is not None:
        return failreason.Failed(refusal)
    books = Path(os.environ["AS_FILE"])
    for line in books.read_text(encoding="utf-8").splitlines() if books.exists() else []:
        record = json.loads(line)
        if record["entry"] == entry:
            return failreason.Posted(external_id=record["id"])
    time.sleep(float(os.environ.get("AS_DELAY", "0")))  # a remote system takes its time
    with books.open("a", encoding="utf-8") as out:
        number = f"JE-{entry[:8]}"
        out.write(json.dumps({"entry": entry, "id": number}) + "\n")
        out.flush()
        os.fsync(out.fileno())
    return failreason.Posted(external_id=number)


def main() -> int:
    settings = failreason.PleoSettings.from_env()
    configuration = failreason.ExportConfiguration(default_expense_account="6999")
    with failreason.PleoClient(settings=settings) as pleo:
        summary = failreason.run_export(
            pleo, post, recover=True, configuration=configuration, concurrency=4
        )
    print(json.dumps(summary.to_json()))
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/bin/sh
# A connector's posting step in POSIX sh, for the tests of `failreason run --entry-command`.
# One JSON line in ({"exportItem": ...} or {"validate": ...}), one JSON line out. What it
# answers is decided by plain text matching, no JSON parser: the file CONNECTOR_PLAN holds
# lines "KEY<TAB>ANSWER", KEY an accountingEntryId or "validate"; ANSWER a JSON line, or
#   !exit N      write to stderr and exit with status N
#   !hang        never answer
#   !after FILE  answer (as by default) once FILE exists
#   !touch FILE  create FILE, then answer as by default
# The default answer to an item is {"externalId": "AS-<entry id>"}, to validate {}.
# CONNECTOR_DELAY: seconds to take over each item; CONNECTOR_NOISE: bytes written to stderr
# before reading anything (a program that fills its stderr pipe).
plan=${CONNECTOR_PLAN:-/dev/null}
if [ -n "${CONNECTOR_NOISE:-}" ]; then
    head -c "$CONNECTOR_NOISE" /dev/zero | tr '\0' 'n' >&2
    echo >&2
fi
echo "post-entry.sh ready" >&2
while IFS= read -r line; do
    case $line in
        '{"validate":'*) key=validate; default='{}' ;;
        *) key=$(printf '%s\n' "$line" | sed -n 's/.*"accountingEntryId":"\([^"]*\)".*/\1/p')
           default="{\"externalId\":\"AS-$key\"}" ;;
    esac
    answer=$(grep -F "$key	" "$plan" | head -n 1 | cut -f 2-)
    case $answer in
        '!exit '*) echo "giving up on $key" >&2; exit "${answer#!exit }" ;;
        '!hang') while :; do sleep 1; done ;;
        '!after '*) while [ ! -e "${answer#!after }" ]; do sleep 0.01; done; answer=$default ;;
        '!touch '*) : > "${answer#!touch }"; answer=$default ;;
        '') answer=$default ;;
    esac
    if [ -n "${CONNECTOR_DELAY:-}" ] && [ "$key" != validate ]; then sleep "$CONNECTOR_DELAY"; fi
    printf '%s\n' "$answer"
done

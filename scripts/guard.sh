#!/usr/bin/env bash
# Refuse staged files that look like private keys or weigh more than 1 MB.
set -euo pipefail
status=0
for file in "$@"; do
  [ -f "$file" ] || continue
  if grep -lE -- "-----BEGIN ([A-Z]+ )?PRIVATE KEY-----" "$file" >/dev/null 2>&1; then
    echo "refusing $file: it contains a private key" >&2; status=1
  fi
  if [ "$(wc -c < "$file")" -gt 1048576 ]; then
    echo "refusing $file: larger than 1 MB" >&2; status=1
  fi
done
exit $status

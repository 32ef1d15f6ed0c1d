"""The redactor's cost: masking every encoding of five secrets, against plain replacement of the raw values.

    python bench/redact.py

Texts: a 5 MB answer (the gate's cap) with no secret in it, and the same with the secrets echoed in
every encoding every 10 KB. The baseline is what a naive redactor does: `str.replace` of each raw value.
A report is far smaller than 5 MB (values are cut to 200 characters after masking), so this is the bound
for the largest text the gate ever masks in one piece.
"""

from __future__ import annotations

import base64
import json
import time
from urllib.parse import quote

from rc_licenses_contract.gate.secrets import Redactor

SECRETS = ["bench-token-7f3a9c1e2b4d/Q+x", "bench-user-51c8e0", "bench-low-token-0d9e8f", "bench-low-user", "pw:x@y!"]
SIZE = 5 * 1024 * 1024


def _texts() -> dict[str, str]:
    clean = ("lorem ipsum dolor sit amet, " * 40 + "\n") * (SIZE // 1161)
    forms = []
    for secret in SECRETS:
        raw = secret.encode()
        forms += [secret, quote(secret, safe=""), json.dumps(secret), repr(raw), raw.hex()]
        forms.append(base64.b64encode(raw).decode())
    echo = " ".join(forms)
    chunk = clean[:10_000]
    dirty = (chunk + echo) * (SIZE // (len(chunk) + len(echo)))
    return {"5 MB, no secret": clean, "5 MB, every encoding every 10 KB": dirty}


def _best(function: object, text: str, repeat: int = 3) -> float:
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        function(text)  # type: ignore[operator]
        best = min(best, time.perf_counter() - started)
    return best


def main() -> None:
    redact = Redactor(SECRETS)

    def naive(text: str) -> str:
        for secret in SECRETS:
            text = text.replace(secret, "***")
        return text

    print(f"{'text':<36} {'naive replace':>14} {'redactor':>10} {'ratio':>7}")
    for name, text in _texts().items():
        baseline, ours = _best(naive, text), _best(redact, text)
        print(f"{name:<36} {baseline:>12.3f} s {ours:>8.3f} s {ours / baseline:>6.0f}x")


if __name__ == "__main__":
    main()

"""`bundle`: one self-contained OpenAPI 3.1 document."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .base import add_command, add_root

BUNDLE_FORMATS = ("yaml", "json")  # bundling.dump writes these


def build_bundle(commands: Any) -> None:
    bundle = add_command(
        commands,
        "bundle",
        help="write one self-contained OpenAPI 3.1 document (for code generators)",
        description="Bundle openapi.yaml, schemas/ and the examples into one OpenAPI 3.1 document: every schema "
        "under components/schemas by its title, every $ref internal. --dereference also inlines every $ref, for "
        "tools that handle $ref badly.",
        epilog="examples:\n"
        "  rc-licenses-contract bundle -o licenses-info.openapi.yaml\n"
        "  rc-licenses-contract bundle --format json --dereference -o licenses-info.dereferenced.json\n",
    )
    bundle.add_argument("-o", "--output", type=Path, metavar="FILE", help="write here (default: stdout)")
    bundle.add_argument(
        "--format",
        choices=list(BUNDLE_FORMATS),
        default=None,
        help="yaml or json (default: from the output's extension, else yaml)",
    )
    bundle.add_argument("--dereference", action="store_true", help="inline every $ref")
    add_root(bundle)

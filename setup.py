"""Build hook: ship the contract (openapi.yaml, schemas/, contracts/) and its bundle inside the package.

The files stay at the top of the repository, where users and tools expect them; a wheel gets a copy
under rc_licenses_contract/data/, so `validate`, `mock` and `gate` work from an installed wheel with
no checkout. Editable installs read the checkout directly.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent
CONTRACT = ("openapi.yaml", "schemas", "contracts")


class BuildWithContract(build_py):
    def run(self) -> None:
        super().run()
        target = Path(self.build_lib) / "rc_licenses_contract" / "data"
        shutil.rmtree(target, ignore_errors=True)
        target.mkdir(parents=True)
        for name in CONTRACT:
            source = HERE / name
            if source.is_dir():
                shutil.copytree(source, target / name)
            else:
                shutil.copy2(source, target / name)
        sys.path.insert(0, str(HERE / "src"))
        from rc_licenses_contract.bundling import bundle, dump
        from rc_licenses_contract.loader import build_contract

        contract = build_contract(target)
        (target / "licenses-info.openapi.yaml").write_text(dump(bundle(contract), "yaml"), encoding="utf-8")
        (target / "licenses-info.dereferenced.json").write_text(
            dump(bundle(contract, dereference=True), "json"), encoding="utf-8"
        )


setup(cmdclass={"build_py": BuildWithContract})

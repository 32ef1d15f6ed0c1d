"""`python -m rc_licenses_contract.cli`, as before the CLI became a package."""

import sys

from . import main

sys.exit(main())
